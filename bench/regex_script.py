#!/usr/bin/env python3
"""The script a user would write instead of ewsdiag: walk the folder, read each
file, pull (ResponseCode, MessageText) pairs out of the XML with a regex, count
them. Plain and honest: one compiled pattern, whole-file reads, no tricks to
make it slow, nothing extra to make it fast.

    python3 bench/regex_script.py DIR...
"""

import os
import re
import sys

# <ResponseCode>X</ResponseCode> with any namespace prefix ...
CODE = re.compile(r"<(?:\w+:)?ResponseCode>(\w+)</")
# ... and the MessageText (or fault Message) closest before it.
MESSAGE = re.compile(r"<(?:\w+:)?(?:MessageText|Message)>([^<]*)</")


def pairs(text):
    for m in CODE.finditer(text):
        code = m.group(1)
        if code == "NoError":
            continue
        # MessageText comes just before ResponseCode in a ResponseMessage; a
        # fault's Message just after it: look in a small window either side.
        window = text[max(0, m.start() - 1000) : m.end() + 1000]
        found = MESSAGE.findall(window)
        yield code, found[0] if found else None


def main():
    count = 0
    for root in sys.argv[1:]:
        for dirpath, _, files in os.walk(root):
            for name in files:
                with open(os.path.join(dirpath, name), encoding="utf-8", errors="replace") as f:
                    text = f.read()
                for _ in pairs(text):
                    count += 1
    print(count)


if __name__ == "__main__":
    main()
