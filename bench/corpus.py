#!/usr/bin/env python3
"""Deterministic corpus generator for the ewsdiag benchmark (standard library only).

    python3 bench/corpus.py OUT_DIR [--scale 1.0] [--seed 20261123] [--only ordinary,dense,big,heavy,tiny]

writes corpora under OUT_DIR, each with a manifest of the findings ewsdiag
must report (bench/run.py calls it; --scale shrinks every corpus):

    OUT_DIR/ordinary/   ~1 GiB in 100 files: server logs, EWS trace logs, CSV and
                        JSON alert exports; about 1% of the records carry a payload
    OUT_DIR/dense/      ~300 MiB in 30 files of server logs, EwsResponse trace
                        exports, CSV and JSON exports that are mostly payloads
    OUT_DIR/big/        the ordinary folder's files concatenated into one ~1 GiB log
    OUT_DIR/heavy/      ~2 GiB in 40 files with dense's mix
    OUT_DIR/tiny/       200,000 files of 2 to 6 lines, one in ten with a payload
    OUT_DIR/huge/       heavy concatenated 5 times: one ~10 GiB log (only when named)
    OUT_DIR/<corpus>.manifest.json

Densities are set in findings per MiB (FOLDERS below), a little above those of
the shared generator the issue was measured with, so these corpora are at least
as demanding. Manifests sit next to the corpus folders, not inside them, so
that the tools only ever see log files.

How the exact count is kept: every piece of text written is drawn from a pool
of pre-rendered "items". A noise item (a log line, a stack trace, an export row
without a payload, a successful EWS exchange) yields no finding; a payload item
carries the list of findings it yields, as (shape, code) pairs: one per
ResponseMessage of class Error or Warning, one per SOAP fault, one per
`Email Server Error Code:` alert sentence. Noise never names an EWS code, never
says `server returned`, `Returned hr`, `Crm.8` or `"error"`, and its exception
types are ones ewsdiag does not report (NullReferenceException, ...). The
manifest is then the sum over the items drawn.

Speed: items are rendered once (a few thousand per template), then each file
is built from large batches of `random.choices` over item indices, joined and
written in blocks of a few MB. 1.3 GB takes well under a minute per GB.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import random
import re
import shutil
import sys
import time

MB = 1024 * 1024

# ---------------------------------------------------------------------------
# Vocabulary
# ---------------------------------------------------------------------------

# Real EWS response codes with a message Exchange gives for them.
CODES = {
    "ErrorServerBusy": "The server cannot service this request right now. Try again later.",
    "ErrorNonExistentMailbox": "The SMTP address has no mailbox associated with it.",
    "ErrorItemNotFound": "The specified object was not found in the store., The process failed to get the correct properties.",
    "ErrorMailboxStoreUnavailable": "The mailbox database is temporarily unavailable.",
    "ErrorAccessDenied": "Access is denied. Check credentials and try again., Cannot get ID from name.",
    "ErrorInvalidOperation": "SendOnly cannot be used by a user without a mailbox.  Use SendAndSaveCopy and specify a folder ID in a mailbox to send an item from an account that doesn't have a mailbox.",
    "ErrorQuotaExceeded": "The operation cannot be performed because the mailbox has exceeded its quota.",
    "ErrorInternalServerError": "An internal server error occurred. The operation failed.",
    "ErrorTimeoutExpired": "The request timed out.",
    "ErrorConnectionFailed": "Connection did not succeed. Try again later.",
    "ErrorImpersonateUserDenied": "The account does not have permission to impersonate the requested user.",
    "ErrorMailboxMoveInProgress": "The mailbox move is in progress. Try again later.",
    "ErrorFolderNotFound": "The specified folder could not be found in the store.",
    "ErrorSendAsDenied": "The user account which was used to submit this request does not have the right to send mail on behalf of the specified sending account.",
    "ErrorExceededConnectionCount": "You have exceeded the available concurrent connections for your account.  Try again once your other requests have completed.",
}
CODE_NAMES = sorted(CODES)
# Codes a View Details fragment may carry as InnerErrorResponseCode under ErrorInternalServerError.
INNER_CODES = {
    "ErrorInvalidLicense": "Mailbox '{guid}' doesn't have a valid license.",
    "ErrorMailboxStoreUnavailable": "The mailbox database is temporarily unavailable.",
    "ErrorNonExistentMailbox": "The SMTP address has no mailbox associated with it.",
}
OPERATIONS = ["FindItem", "GetItem", "SyncFolderItems", "CreateItem", "UpdateItem", "GetFolder", "SendItem", "ItemInfo"]

FIRST = ["Rosa", "Kai", "Mei", "Jonas", "Priya", "Luis", "Omar", "Tomas", "Ana", "Lena", "Hiro", "Sara", "Ivan", "Noor", "Eli"]
LAST = ["Lindqvist", "Berg", "Tanaka", "Raman", "Ortega", "Haddad", "Herrera", "Novak", "Costa", "Meyer", "Sato", "Okafor"]
ORGS = [("fabrikam", "Fabrikam"), ("contoso", "Contoso"), ("northwind", "Northwind"), ("adatum", "Adatum")]
QUEUES = ["Support Queue", "Sales Inbox", "Billing", "Renewals", "Partner Desk"]

NS_M = "http://schemas.microsoft.com/exchange/services/2006/messages"
NS_T = "http://schemas.microsoft.com/exchange/services/2006/types"
NS_E = "http://schemas.microsoft.com/exchange/services/2006/errors"
NS_S = "http://schemas.xmlsoap.org/soap/envelope/"
NS_XSI = "http://www.w3.org/2001/XMLSchema-instance"


class Ctx:
    """Random helpers bound to one seeded generator."""

    def __init__(self, rng: random.Random):
        self.r = rng

    def ts(self, sep=" ", frac=True):
        r = self.r
        s = f"2026-11-{r.randint(1, 28):02d}{sep}{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}"
        return s + (f".{r.randint(0, 999):03d}" if frac else "")

    def guid(self):
        h = "%032x" % self.r.getrandbits(128)
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def person(self):
        f, l = self.r.choice(FIRST), self.r.choice(LAST)
        org, _ = self.r.choice(ORGS)
        return f"{f} {l}", f"{f.lower()}.{l.lower()}@{org}.com"

    def mailbox_name(self):
        return self.r.choice(QUEUES) if self.r.random() < 0.15 else self.person()[0]

    def profile(self):
        return f"{self.r.choice(ORGS)[1]} Exchange Online"

    def code(self):
        return self.r.choice(CODE_NAMES)

    def hexid(self):
        return "%08x" % self.r.getrandbits(32)


# ---------------------------------------------------------------------------
# Payload templates. Each returns (text, findings) where text ends with "\n"
# and findings is a list of (shape, code) the payload must yield.
# ---------------------------------------------------------------------------


def response_message_type(c: Ctx, code: str, quote='"'):
    """A View Details `ResponseMessageType` fragment (one line). `quote` is how
    its attribute quotes are written (`"`, `""` in CSV, `\\"` in JSON)."""
    q = quote
    op = c.r.choice(OPERATIONS)
    msg = CODES[code]
    xml_extra = ""
    if code == "ErrorInternalServerError" and c.r.random() < 0.6:
        inner = c.r.choice(sorted(INNER_CODES))
        itext = INNER_CODES[inner].format(guid=c.guid())
        msg = f"{msg}, {itext}"
        xml_extra = (
            f"<q1:MessageXml><t:Value Name={q}InnerErrorMessageText{q} xmlns:t={q}{NS_T}{q}>{itext}</t:Value>"
            f"<t:Value Name={q}InnerErrorResponseCode{q} xmlns:t={q}{NS_T}{q}>{inner}</t:Value>"
            f"<t:Value Name={q}InnerErrorDescriptiveLinkKey{q} xmlns:t={q}{NS_T}{q}>0</t:Value></q1:MessageXml>"
        )
    elif code == "ErrorServerBusy":
        xml_extra = (
            f"<q1:MessageXml><t:Value Name={q}BackOffMilliseconds{q} xmlns:t={q}{NS_T}{q}>"
            f"{c.r.randint(1000, 300000)}</t:Value></q1:MessageXml>"
        )
    scheme = c.r.choice(["http", "https"])
    return (
        f"<ResponseMessageType xmlns:q1={q}{scheme}://schemas.microsoft.com/exchange/services/2006/messages{q} "
        f"p2:type={q}q1:{op}ResponseMessageType{q} ResponseClass={q}Error{q} "
        f"xmlns:p2={q}{scheme}://www.w3.org/2001/XMLSchema-instance{q}>"
        f"<q1:MessageText>{msg}</q1:MessageText><q1:ResponseCode>{code}</q1:ResponseCode>"
        f"<q1:DescriptiveLinkKey>0</q1:DescriptiveLinkKey>{xml_extra}</ResponseMessageType>"
    )


def t_view_details_log(c: Ctx):
    """A server log line carrying a View Details fragment (raw, one line)."""
    code = c.code()
    name = c.mailbox_name()
    text = (
        f"{c.ts()} ERROR [SyncWorker-{c.r.randint(1, 8)}] Mailbox \"{name}\" did not synchronize. "
        f"Details: >Error : {response_message_type(c, code)}\n"
    )
    return text, [("ews-response", code)]


def alert_sentence(c: Ctx, name: str, profile: str):
    return c.r.choice(
        [
            f"Email cannot be received for the mailbox \"{name}\" because an error occurred while connecting to the email server.",
            f"A general mailbox access error occurred while receiving email through the mailbox \"{name}\".",
            f"The email message \"Renewal quote Q-{c.r.randint(1000, 9999)}\" cannot be sent through the mailbox \"{name}\".",
        ]
    ) + f" The owner of the associated email server profile {profile} has been notified."


def t_alert_block(c: Ctx):
    """An alert as Dynamics 365 shows it: sentence, error code line, View Details
    (raw, 4 lines) -> the alert and the ResponseMessage."""
    code = c.code()
    name, profile = c.mailbox_name(), c.profile()
    alert_code = code if c.r.random() < 0.8 else c.code()
    level = c.r.choice(["Error", "Warning"])
    text = (
        f"{c.ts(frac=False)} {level} {alert_sentence(c, name, profile)}\n"
        f"Email Server Error Code: Exchange server returned {alert_code} exception.\n"
        f"View Details\n"
        f">Error : {response_message_type(c, code)}\n"
    )
    return text, [("alert", alert_code), ("ews-response", code)]


def t_alert_line(c: Ctx):
    """A one-line alert record (raw)."""
    code = c.code()
    name = c.mailbox_name()
    text = (
        f"{c.ts()} WARN  [AlertWriter-{c.r.randint(1, 4)}] Alert for mailbox \"{name}\": "
        f"Email Server Error Code: Exchange server returned {code} exception.\n"
    )
    return text, [("alert", code)]


def soap_fault(c: Ctx, code: str, pretty: bool, indent: str = ""):
    msg = CODES[code]
    extra = ""
    if code == "ErrorServerBusy":
        extra = f'<t:MessageXml xmlns:t="{NS_T}"><t:Value Name="BackOffMilliseconds">{c.r.randint(1000, 300000)}</t:Value></t:MessageXml>'
    parts = [
        (0, '<?xml version="1.0" encoding="utf-8"?>'),
        (0, f'<s:Envelope xmlns:s="{NS_S}">'),
        (1, "<s:Body>"),
        (2, "<s:Fault>"),
        (3, f'<faultcode xmlns:a="{NS_T}">a:{code}</faultcode>'),
        (3, f'<faultstring xml:lang="en-US">{msg}</faultstring>'),
        (3, "<detail>"),
        (4, f'<e:ResponseCode xmlns:e="{NS_E}">{code}</e:ResponseCode>'),
        (4, f'<e:Message xmlns:e="{NS_E}">{msg}</e:Message>'),
        (4, extra),
        (3, "</detail>"),
        (2, "</s:Fault>"),
        (1, "</s:Body>"),
        (0, "</s:Envelope>"),
    ]
    if pretty:
        return "".join(f"{indent}{'  ' * d}{p}\n" for d, p in parts if p)
    return "".join(p for _, p in parts[1:])


def t_fault_line(c: Ctx):
    """A SOAP fault logged on one line after a log prefix (raw)."""
    code = c.code()
    text = f"{c.ts()} DEBUG [SyncWorker-{c.r.randint(1, 8)}] Raw response: {soap_fault(c, code, pretty=False)}\n"
    return text, [("soap-fault", code)]


def envelope(c: Ctx, op: str, classes: list[str], indent: str = ""):
    """A pretty-printed EWS response envelope with one ResponseMessage per class.
    Returns (text, findings): Error and Warning messages are findings."""
    findings = []
    body = []
    for cls in classes:
        if cls == "Success":
            body.append(
                f'        <m:{op}ResponseMessage ResponseClass="Success">\n'
                f"          <m:ResponseCode>NoError</m:ResponseCode>\n"
                f"          <m:Items>\n"
                f'            <t:Message><t:ItemId Id="AAMkAD{c.hexid()}{c.hexid()}" ChangeKey="CQAAABYA{c.hexid()}"/></t:Message>\n'
                f"          </m:Items>\n"
                f"        </m:{op}ResponseMessage>\n"
            )
        else:
            code = "ErrorItemPropertyRequestFailed" if cls == "Warning" else c.code()
            msg = "The properties could not be loaded for this item." if cls == "Warning" else CODES[code]
            findings.append(("ews-response", code))
            body.append(
                f'        <m:{op}ResponseMessage ResponseClass="{cls}">\n'
                f"          <m:MessageText>{msg}</m:MessageText>\n"
                f"          <m:ResponseCode>{code}</m:ResponseCode>\n"
                f"          <m:DescriptiveLinkKey>0</m:DescriptiveLinkKey>\n"
                f"          <m:Items/>\n"
                f"        </m:{op}ResponseMessage>\n"
            )
    text = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<s:Envelope xmlns:s="{NS_S}">\n'
        "  <s:Header>\n"
        f'    <h:ServerVersionInfo MajorVersion="15" MinorVersion="20" MajorBuildNumber="{c.r.randint(8000, 8400)}" '
        f'MinorBuildNumber="{c.r.randint(1, 40)}" Version="V2018_01_08" xmlns:h="{NS_T}"/>\n'
        "  </s:Header>\n"
        "  <s:Body>\n"
        f'    <m:{op}Response xmlns:m="{NS_M}" xmlns:t="{NS_T}">\n'
        "      <m:ResponseMessages>\n" + "".join(body) + "      </m:ResponseMessages>\n"
        f"    </m:{op}Response>\n"
        "  </s:Body>\n"
        "</s:Envelope>\n"
    )
    if indent:
        text = "".join(indent + line + "\n" for line in text.splitlines())
    return text, findings


def t_envelope_log(c: Ctx):
    """A log line announcing a partial result, then a multi-line envelope with
    mixed classes (raw)."""
    op = c.r.choice(["GetItem", "FindItem", "UpdateItem"])
    classes = ["Success"] * c.r.randint(0, 2) + ["Error"] * c.r.randint(1, 2) + ["Warning"] * (c.r.random() < 0.3)
    c.r.shuffle(classes)
    env, findings = envelope(c, op, classes)
    head = f"{c.ts()} WARN  [SyncWorker-{c.r.randint(1, 8)}] EWS call {op} returned a partial result; response follows\n"
    return head + env, findings


def t_trace_exchange(c: Ctx, outcome: str | None = None):
    """Four EWS client trace blocks: request headers, request, response headers,
    response. The response is a fault, an envelope with an error, or a success
    (no finding: it is here as realistic noise that still says ResponseCode)."""
    outcome = outcome or c.r.choice(["fault", "error", "success"])
    tid = c.r.randint(4, 40)
    day = f"2026-11-{c.r.randint(1, 28):02d}"
    hh, mm, ss = c.r.randint(0, 23), c.r.randint(0, 59), c.r.randint(0, 58)
    t1, t2 = f"{day} {hh:02d}:{mm:02d}:{ss:02d}Z", f"{day} {hh:02d}:{mm:02d}:{ss + 1:02d}Z"
    _, smtp = c.person()
    op = c.r.choice(["FindItem", "GetItem", "SyncFolderItems"])
    status = "200 OK" if outcome != "fault" else "500 Internal Server Error"
    text = (
        f'<Trace Tag="EwsRequestHttpHeaders" Tid="{tid}" Time="{t1}">\n'
        "POST /EWS/Exchange.asmx HTTP/1.1\n"
        "Content-Type: text/xml; charset=utf-8\n"
        "User-Agent: ExchangeServicesClient/15.00.0913.015\n"
        f"X-AnchorMailbox: {smtp}\n"
        "\n</Trace>\n"
        f'<Trace Tag="EwsRequest" Tid="{tid}" Time="{t1}" Version="15.00.0913.015">\n'
        '  <?xml version="1.0" encoding="utf-8"?>\n'
        f'  <soap:Envelope xmlns:xsi="{NS_XSI}" xmlns:m="{NS_M}" xmlns:t="{NS_T}" xmlns:soap="{NS_S}">\n'
        '    <soap:Header><t:RequestServerVersion Version="Exchange2013_SP1" />'
        f"<t:ExchangeImpersonation><t:ConnectingSID><t:SmtpAddress>{smtp}</t:SmtpAddress></t:ConnectingSID></t:ExchangeImpersonation></soap:Header>\n"
        f'    <soap:Body><m:{op} Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>'
        f'<m:ParentFolderIds><t:DistinguishedFolderId Id="inbox" /></m:ParentFolderIds></m:{op}></soap:Body>\n'
        "  </soap:Envelope>\n"
        "</Trace>\n"
        f'<Trace Tag="EwsResponseHttpHeaders" Tid="{tid}" Time="{t2}">\n'
        f"HTTP/1.1 {status}\n"
        "Content-Type: text/xml; charset=utf-8\n"
        f"request-id: {c.guid()}\n"
        f"X-BEServer: DB7PR04MB{c.r.randint(1000, 9999)}\n"
        "\n</Trace>\n"
        f'<Trace Tag="EwsResponse" Tid="{tid}" Time="{t2}" Version="15.00.0913.015">\n'
    )
    if outcome == "fault":
        code = c.code()
        body, findings = soap_fault(c, code, pretty=True, indent="  "), [("soap-fault", code)]
    else:
        body, findings = envelope(c, op, ["Error" if outcome == "error" else "Success"], indent="  ")
    return text + body + "</Trace>\n", findings


def t_trace_response(c: Ctx):
    """One `<Trace Tag="EwsResponse">` block as an EWS client trace logs it,
    without the request blocks around it: an envelope with one to three Error
    messages (and sometimes a Success among them), or now and then a SOAP fault.
    The compact shape of a trace export that is mostly errors."""
    tid = c.r.randint(4, 40)
    head = f'<Trace Tag="EwsResponse" Tid="{tid}" Time="{c.ts(sep="T")}Z" Version="15.20.{c.r.randint(8000, 8400)}.0">\n'
    if c.r.random() < 0.15:
        code = c.code()
        return head + soap_fault(c, code, pretty=True, indent="  ") + "</Trace>\n", [("soap-fault", code)]
    classes = ["Error"] * c.r.randint(1, 3) + ["Success"] * (c.r.random() < 0.2)
    c.r.shuffle(classes)
    body, findings = envelope(c, c.r.choice(["FindItem", "GetItem", "SyncFolderItems"]), classes, indent="  ")
    return head + body + "</Trace>\n", findings


CSV_HEADER = "activityid,createdon,mailbox,level,description,errordetails\n"


def t_csv_row(c: Ctx):
    """An alert export row: the errordetails field holds the View Details
    fragment with its quotes doubled (CSV). Half the rows also carry the alert
    sentence in the description field."""
    code = c.code()
    name, profile = c.mailbox_name(), c.profile()
    findings = [("ews-response", code)]
    desc = alert_sentence(c, name, profile)
    if c.r.random() < 0.5:
        desc += f" Email Server Error Code: Exchange server returned {code} exception."
        findings.insert(0, ("alert", code))
    desc = desc.replace('"', '""')
    details = ">Error : " + response_message_type(c, code, quote='""')
    text = f'{c.guid()},{c.ts(frac=False)},{name},Error,"{desc}","{details}"\n'
    return text, findings


def t_json_line(c: Ctx):
    """A JSON-lines alert record: the errordetails string holds the View Details
    fragment, escaped as .NET System.Text.Json writes it (`\\u003c`, `\\u003e`,
    `\\u0022`-free `\\"`) or as most other serialisers do (`<` kept, `\\"`)."""
    code = c.code()
    name = c.mailbox_name()
    xml = ">Error : " + response_message_type(c, code, quote='\\"')
    if c.r.random() < 0.5:
        xml = xml.replace("<", "\\u003c").replace(">", "\\u003e")
    text = (
        f'{{"timestamp":"{c.ts(sep="T", frac=False)}Z","level":"Error","mailbox":"{name}",'
        f'"message":"Mailbox did not synchronize","errordetails":"{xml}"}}\n'
    )
    return text, [("ews-response", code)]


# ---------------------------------------------------------------------------
# Noise: ordinary log content that yields no finding.
# ---------------------------------------------------------------------------


def n_server(c: Ctx):
    r = c.r
    w = f"[SyncWorker-{r.randint(1, 8)}]"
    name, smtp = c.person()
    org = r.choice(ORGS)[0]
    choice = r.randrange(20)
    ts = c.ts()
    if choice == 0:
        return f"{ts} INFO  {w} Starting mailbox cycle for {r.randint(10, 400)} mailboxes (org {org}-prod)\n"
    if choice == 1:
        return f"{ts} DEBUG {w} Mailbox {c.hexid()} next poll in {r.choice([300, 600, 900])} s\n"
    if choice == 2:
        return f"{ts} INFO  [HttpClient-{r.randint(1, 4)}] POST https://outlook.office365.com/EWS/Exchange.asmx 200 OK {r.randint(40, 900)} ms\n"
    if choice == 3:
        return f"{ts} WARN  [HttpClient-{r.randint(1, 4)}] POST https://outlook.office365.com/EWS/Exchange.asmx 503 Service Unavailable after {r.randint(40, 9000)} ms; retry {r.randint(1, 3)} of 3\n"
    if choice == 4:
        # A stack trace of an exception type ewsdiag does not report.
        return (
            f"{ts} ERROR {w} Unhandled exception while processing mailbox {c.hexid()}\n"
            "System.NullReferenceException: Object reference not set to an instance of an object.\n"
            f"   at Fabrikam.Sync.Mapper.Map(Item item) in C:\\src\\Sync\\Mapper.cs:line {r.randint(20, 400)}\n"
            "   at Fabrikam.Sync.Worker.RunCycle(CancellationToken token)\n"
        )
    if choice == 5:
        return f"{ts} INFO  {w} Cycle finished: {r.randint(10, 400)} ok, {r.randint(0, 9)} failed\n"
    if choice == 6:
        return f"{ts} WARN  {w} Error while reading cached settings for {smtp}; falling back to defaults\n"
    if choice == 7:
        return f"{ts} INFO  [Scheduler] Error budget for this hour: {r.randint(0, 50)} of 50 used\n"
    if choice == 8:
        return f"{ts} DEBUG [Tracking] Correlated email \"Re: Quarterly renewal {r.randint(100, 999)}\" to opportunity {c.guid()}\n"
    if choice == 9:
        return f"{ts} INFO  [Router] Processed {r.randint(1, 80)} incoming items for queue \"{r.choice(QUEUES)}\"\n"
    if choice == 10:
        return f"{ts} DEBUG [EwsClient] Request FindItem sent to outlook.office365.com (X-AnchorMailbox: {smtp})\n"
    if choice == 11:
        return f"{ts} INFO  [Auth] Token refreshed for profile \"{c.profile()}\", expires in {r.randint(600, 3599)} s\n"
    if choice == 12:
        return f"{ts} DEBUG {w} ErrorHandler registered for mailbox {c.hexid()} (retries=3, backoff=exponential)\n"
    if choice == 13:
        return (
            f"{ts} ERROR {w} Mapping failed for item {c.hexid()}{c.hexid()}\n"
            "System.InvalidOperationException: Collection was modified; enumeration operation may not execute.\n"
            "   at System.Collections.Generic.List`1.Enumerator.MoveNext()\n"
        )
    if choice == 14:
        return f"{ts} INFO  {w} Mailbox \"{name}\" synchronized: {r.randint(0, 300)} items in, {r.randint(0, 40)} items out\n"
    if choice == 15:
        return f"{ts} DEBUG [Cache] Evicted {r.randint(1, 5000)} entries; hit rate {r.randint(50, 99)}%\n"
    if choice == 16:
        return f"{ts} WARN  {w} Slow response from outlook.office365.com: {r.randint(2000, 9000)} ms for GetItem\n"
    if choice == 17:
        return f"{ts} INFO  [Health] Queue depth {r.randint(0, 900)}, worker utilisation {r.randint(5, 99)}%, OnError hooks 0\n"
    if choice == 18:
        return f"{ts} DEBUG {w} Item {c.hexid()} skipped: sender {smtp} is not tracked\n"
    return f"{ts} INFO  [Config] Reloaded sync settings (poll interval {r.choice([5, 10, 15])} min, batch size {r.choice([50, 100, 200])})\n"


def n_csv(c: Ctx):
    name = c.mailbox_name()
    desc = c.r.choice(
        [
            f"Mailbox \"\"{name}\"\" synchronized: {c.r.randint(0, 300)} items processed.",
            f"Mailbox \"\"{name}\"\" was enabled for server-side synchronization.",
            f"Test and enable completed for mailbox \"\"{name}\"\"; no Error reported.",
            "Incoming email processing completed.",
        ]
    )
    return f'{c.guid()},{c.ts(frac=False)},{name},Information,"{desc}",""\n'


def n_json(c: Ctx):
    name = c.mailbox_name()
    msg = c.r.choice(
        [
            f"Sync cycle finished in {c.r.randint(20, 900)} ms",
            "Mailbox enabled for server-side synchronization",
            f"Processed {c.r.randint(1, 60)} incoming items",
            "Error count reset after a clean cycle",
        ]
    )
    return (
        f'{{"timestamp":"{c.ts(sep="T", frac=False)}Z","level":"Information","mailbox":"{name}",'
        f'"message":"{msg}","errordetails":null}}\n'
    )


def n_trace_success(c: Ctx):
    return t_trace_exchange(c, "success")[0]


# ---------------------------------------------------------------------------
# File kinds: which noise and which payloads, and in what proportion.
# ---------------------------------------------------------------------------

PAYLOADS = {
    "view_details_log": t_view_details_log,
    "alert_block": t_alert_block,
    "alert_line": t_alert_line,
    "fault_line": t_fault_line,
    "envelope_log": t_envelope_log,
    "trace_exchange": t_trace_exchange,
    "trace_response": t_trace_response,
    "csv_row": t_csv_row,
    "json_line": t_json_line,
}
NOISE = {"server": n_server, "csv": n_csv, "json": n_json, "trace_success": n_trace_success}

# kind -> (extension, header, noise weights, payload weights)
KINDS = {
    "server": (".log", "", {"server": 1.0},
               {"view_details_log": 3, "alert_block": 2, "alert_line": 2, "fault_line": 2, "envelope_log": 1}),
    "trace": (".log", "", {"server": 0.995, "trace_success": 0.005}, {"trace_exchange": 1, "trace_response": 3}),
    "csv": (".csv", CSV_HEADER, {"csv": 1.0}, {"csv_row": 1}),
    "json": (".json", "", {"json": 1.0}, {"json_line": 1}),
    # a trace export that is mostly EwsResponse blocks with errors
    "trace_dense": (".log", "", {"server": 1.0}, {"trace_response": 1}),
}

POOL = 1500  # rendered variants per template
MAX_PAYLOAD_SHARE = 0.97
# What a scanner's anchors trip on: EWS code names and ResponseCode elements.
ANCHOR = re.compile(r"Error[A-Z]|ResponseCode")


class Pools:
    """Rendered items: texts, line counts, findings, and per-template pools."""

    def __init__(self, seed: int):
        self.text: list[str] = []
        self.lines: list[int] = []
        self.findings: list[list[tuple[str, str]]] = []
        self.template: list[str] = []
        self.anchors: list[int] = []
        self.by_name: dict[str, range] = {}
        rng = random.Random(seed)
        c = Ctx(rng)
        for name, fn in sorted(NOISE.items()):
            self._add(name, [(fn(c), []) for _ in range(POOL * 4)])
        for name, fn in sorted(PAYLOADS.items()):
            self._add(name, [fn(c) for _ in range(POOL)])
        self._check_noise()

    def _add(self, name, items):
        start = len(self.text)
        for text, findings in items:
            self.text.append(text)
            self.lines.append(text.count("\n"))
            self.findings.append(findings)
            self.template.append(name)
            self.anchors.append(len(ANCHOR.findall(text)))
        self.by_name[name] = range(start, len(self.text))

    def _check_noise(self):
        # Guard the "noise yields nothing" promise against future edits above.
        banned = ["server returned", "Returned hr", "Crm.8", '"error"'] + CODE_NAMES + ["ErrorInvalidLicense"]
        for name in NOISE:
            for i in self.by_name[name]:
                if name == "trace_success":
                    continue
                for word in banned:
                    if word in self.text[i]:
                        raise SystemExit(f"noise template {name} says {word!r}: {self.text[i]!r}")

    def mix(self, noise: dict, payloads: dict, per_mib: float):
        """Item indices and cumulative weights so that a file drawn from them
        carries about `per_mib` findings per MiB (at most MAX_PAYLOAD_SHARE of
        the items are payloads, so the densest files still have some noise)."""

        def avg(names, value):
            total = sum(names.values())
            return sum(w * sum(value(i) for i in self.by_name[n]) / len(self.by_name[n]) for n, w in names.items()) / total

        bn = avg(noise, lambda i: len(self.text[i]))
        bp = avg(payloads, lambda i: len(self.text[i]))
        fp = avg(payloads, lambda i: len(self.findings[i]))
        # findings per byte = p*fp / (p*bp + (1-p)*bn); solve for p, the payload share of items
        den = fp * MB - per_mib * (bp - bn)
        p = MAX_PAYLOAD_SHARE if den <= 0 else min(MAX_PAYLOAD_SHARE, per_mib * bn / den)
        idx, weights = [], []
        for names, share in ((noise, 1 - p), (payloads, p)):
            total = sum(names.values())
            for n, w in names.items():
                rg = self.by_name[n]
                idx.extend(rg)
                weights.extend([share * w / total / len(rg)] * len(rg))
        cum, acc = [], 0.0
        for w in weights:
            acc += w
            cum.append(acc)
        return idx, cum


class Tally:
    """What was written, and what ewsdiag must find in it."""

    def __init__(self):
        self.files = 0
        self.bytes = 0
        self.lines = 0
        self.payload_lines = 0
        self.payload_bytes = 0
        self.anchor_hits = 0
        self.items = 0
        self.payload_items = 0
        self.by_code = collections.Counter()
        self.by_shape = collections.Counter()
        self.by_template = collections.Counter()

    def add_items(self, pools: Pools, counts: collections.Counter):
        for i, n in counts.items():
            tpl = pools.template[i]
            self.anchor_hits += n * pools.anchors[i]
            self.items += n
            if tpl in PAYLOADS:
                self.payload_items += n
                self.payload_lines += n * pools.lines[i]
                self.payload_bytes += n * len(pools.text[i].encode())
            for shape, code in pools.findings[i]:
                self.by_code[code] += n
                self.by_shape[shape] += n
                self.by_template[tpl] += n

    def manifest(self, name, path, seed, extra):
        findings = sum(self.by_code.values())
        return {
            "corpus": name,
            "path": path,
            "seed": seed,
            "files": self.files,
            "bytes": self.bytes,
            "lines": self.lines,
            "payload_lines": self.payload_lines,
            "payload_item_share": round(self.payload_items / max(self.items, 1), 4),
            "payload_line_share": round(self.payload_lines / max(self.lines, 1), 4),
            "payload_byte_share": round(self.payload_bytes / max(self.bytes, 1), 4),
            "findings": findings,
            "findings_per_mib": round(findings / max(self.bytes, 1) * MB, 1),
            "anchor_hits_per_mib": round(self.anchor_hits / max(self.bytes, 1) * MB, 1),
            "by_code": dict(sorted(self.by_code.items())),
            "by_shape": dict(sorted(self.by_shape.items())),
            "by_template": dict(sorted(self.by_template.items())),
            **extra,
        }


def write_file(path, size, kind, pools: Pools, per_mib: float, rng: random.Random, tally: Tally):
    ext, header, noise, payloads = KINDS[kind]
    idx, cum = pools.mix(noise, payloads, per_mib)
    # Expected item length under the weights, to size the batches.
    avg = sum((w - prev) * len(pools.text[i]) for i, w, prev in zip(idx, cum, [0.0] + cum[:-1])) / cum[-1]
    counts = collections.Counter()
    written = 0
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        if header:
            out.write(header)
            written += len(header)
            tally.lines += 1
        while written < size:
            # Batches of ~4 MB, smaller near the end so the file lands close to size.
            k = max(1, min(int(4 * MB / avg), int((size - written) / avg) + 1))
            picks = rng.choices(idx, cum_weights=cum, k=k)
            chunk = "".join(map(pools.text.__getitem__, picks))
            out.write(chunk)
            written += len(chunk)  # ASCII only: characters == bytes
            counts.update(picks)
    tally.files += 1
    tally.bytes += os.path.getsize(path)
    tally.lines += sum(pools.lines[i] * n for i, n in counts.items())
    tally.add_items(pools, counts)


def sizes(total: int, n: int, rng: random.Random):
    """n file sizes around total/n (0.5x to 1.5x), summing to total."""
    w = [rng.uniform(0.5, 1.5) for _ in range(n)]
    s = sum(w)
    return [int(total * x / s) for x in w]


# ---------------------------------------------------------------------------
# Corpora
# ---------------------------------------------------------------------------

# Bumped whenever what a corpus contains changes, so that old corpora are remade.
VERSION = 2

# Folders drawn from the pools. Densities are set in findings per MiB, a little
# above the shared generator's (ordinary 108,549 findings in 1000 MiB = 109/MiB;
# dense 462,944 in 300 MiB = 1,543/MiB), so these corpora are at least as demanding.
# name: (files, MiB at scale 1, findings per MiB, file kinds in turn)
FOLDERS = {
    "ordinary": (100, 1024, 125, ["server", "server", "trace", "csv", "server", "json", "trace", "server"]),
    "dense": (30, 300, 1800, ["server", "trace_dense", "csv", "json"]),
    "heavy": (40, 2048, 1800, ["server", "trace_dense", "csv", "json"]),
}
# Single files made by concatenating a folder's files `times` times over.
# name: (source folder, times, file name)
CONCATENATED = {
    "big": ("ordinary", 1, "ordinary-concatenated.log"),
    "huge": ("heavy", 5, "heavy-5x-concatenated.log"),
}
TINY_FILES = 200_000  # at scale 1
TINY_PER_FOLDER = 1000
TINY_PAYLOADS = {"view_details_log": 3, "alert_line": 2, "alert_block": 2, "fault_line": 1, "json_line": 1}
NAMES = [*FOLDERS, *CONCATENATED, "tiny"]


def manifest_path(out: str, name: str) -> str:
    return os.path.join(out, f"{name}.manifest.json")


def current(out: str, name: str, scale: float) -> dict | None:
    """The corpus's manifest when it was made by this version at this scale."""
    try:
        with open(manifest_path(out, name)) as f:
            m = json.load(f)
    except (OSError, ValueError):
        return None
    ok = m.get("version") == VERSION and m.get("scale") == scale and os.path.exists(m.get("path", ""))
    if ok and name in CONCATENATED:  # still made from the source as it is now?
        source = current(out, CONCATENATED[name][0], scale)
        ok = source is not None and all(m[k] == source[k] * m["times"] for k in ("bytes", "findings"))
    return m if ok else None


def fresh_dir(out: str, name: str) -> str:
    """An empty OUT/name. A previous corpus of ours (it has a manifest) is removed;
    a folder we did not make is moved aside, never deleted."""
    root = os.path.join(out, name)
    mp = manifest_path(out, name)
    if os.path.exists(root):
        if os.path.exists(mp):
            shutil.rmtree(root)
        else:
            aside = f"{root}.unmanaged-{int(time.time())}"
            os.rename(root, aside)
            print(f"{name}: {root} has no manifest; moved it to {aside}", file=sys.stderr)
    if os.path.exists(mp):
        os.unlink(mp)
    os.makedirs(root)
    return root


def save(out: str, name: str, m: dict):
    with open(manifest_path(out, name), "w") as f:
        json.dump(m, f, indent=2)
    print(f"{name}: {m['files']} files, {m['bytes'] / MB:.0f} MiB, {m['findings']} findings "
          f"({m['findings_per_mib']}/MiB; payloads: {m['payload_item_share']:.1%} of records, {m['payload_line_share']:.1%} of lines, "
          f"{m['payload_byte_share']:.1%} payload bytes), {m['seconds']} s", file=sys.stderr)


def generate_folder(out: str, name: str, scale: float, seed: int, pools: Pools) -> dict:
    n, mib, per_mib, cycle = FOLDERS[name]
    t0 = time.time()
    rng = random.Random(f"{seed}-{name}")
    root = fresh_dir(out, name)
    tally = Tally()
    for i, size in enumerate(sizes(int(mib * MB * scale), n, rng)):
        kind = cycle[i % len(cycle)]
        sub = os.path.join(root, "exports" if kind in ("csv", "json") else kind)
        os.makedirs(sub, exist_ok=True)
        write_file(os.path.join(sub, f"{kind}-{i:03d}{KINDS[kind][0]}"), size, kind, pools, per_mib, rng, tally)
    return tally.manifest(name, root, seed, {"seconds": round(time.time() - t0, 1)})


def generate_concatenated(out: str, name: str, source: dict) -> dict:
    """One file: the source folder's files in path order, `times` times over.
    Its findings are the source's, times over."""
    _, times, filename = CONCATENATED[name]
    t0 = time.time()
    root = fresh_dir(out, name)
    path = os.path.join(root, filename)
    files = sorted(os.path.join(d, f) for d, _, fs in os.walk(source["path"]) for f in fs)
    with open(path, "wb") as dst:
        for _ in range(times):
            for p in files:
                with open(p, "rb") as src:
                    shutil.copyfileobj(src, dst, 16 * MB)
    m = {k: v for k, v in source.items() if k not in ("corpus", "path", "seconds")}
    for k in ("bytes", "lines", "payload_lines", "findings"):
        m[k] = source[k] * times
    for k in ("by_code", "by_shape", "by_template"):
        m[k] = {c: v * times for c, v in source[k].items()}
    m.update(corpus=name, path=path, files=1, source=source["corpus"], times=times, seconds=round(time.time() - t0, 1))
    return m


def generate_tiny(out: str, scale: float, seed: int, pools: Pools) -> dict:
    """Many tiny files (2 to 6 lines of a server or JSON log); one in ten also
    carries a payload. 1000 files per folder."""
    t0 = time.time()
    rng = random.Random(f"{seed}-tiny")
    root = fresh_dir(out, "tiny")
    tally = Tally()
    counts = collections.Counter()
    payloads = [i for n in TINY_PAYLOADS for i in pools.by_name[n]]
    weights = [TINY_PAYLOADS[pools.template[i]] for i in payloads]
    noise = {"server": list(pools.by_name["server"]), "json": list(pools.by_name["json"])}
    for f in range(max(10, int(TINY_FILES * scale))):
        kind = "json" if f % 5 == 4 else "server"
        picks = [rng.choice(noise[kind]) for _ in range(rng.randint(2, 6))]
        if rng.random() < 0.1:
            picks[rng.randrange(len(picks))] = rng.choices(payloads, weights)[0]
        sub = os.path.join(root, f"d{f // TINY_PER_FOLDER:03d}")
        if f % TINY_PER_FOLDER == 0:
            os.makedirs(sub)
        text = "".join(pools.text[i] for i in picks)
        with open(os.path.join(sub, f"f{f % TINY_PER_FOLDER:04d}.{'json' if kind == 'json' else 'log'}"), "w",
                  encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        tally.files += 1
        tally.bytes += len(text)
        counts.update(picks)
    tally.lines = sum(pools.lines[i] * n for i, n in counts.items())
    tally.add_items(pools, counts)
    return tally.manifest("tiny", root, seed, {"seconds": round(time.time() - t0, 1)})


def generate(out: str, scale: float, seed: int, names: list[str]):
    """Makes the named corpora (and what a concatenated one is made from, when
    that is not current) with their manifests."""
    os.makedirs(out, exist_ok=True)
    pools = Pools(seed)
    todo = list(names)
    for name in names:
        if name in CONCATENATED and CONCATENATED[name][0] not in todo and not current(out, CONCATENATED[name][0], scale):
            todo.insert(0, CONCATENATED[name][0])
    for name in sorted(todo, key=lambda n: n in CONCATENATED):  # sources first
        if name in FOLDERS:
            m = generate_folder(out, name, scale, seed, pools)
        elif name in CONCATENATED:
            m = generate_concatenated(out, name, current(out, CONCATENATED[name][0], scale))
        elif name == "tiny":
            m = generate_tiny(out, scale, seed, pools)
        else:
            raise SystemExit(f"unknown corpus {name!r}; known: {', '.join(NAMES)}")
        m.update(version=VERSION, scale=scale)
        save(out, name, m)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", help="directory to write the corpora into (outside the repository)")
    ap.add_argument("--scale", type=float, default=1.0, help="size factor for every corpus (sizes and the tiny-file count)")
    ap.add_argument("--seed", type=int, default=20261123)
    ap.add_argument("--only", default="ordinary,dense,big,heavy,tiny",
                    help=f"comma-separated subset of {','.join(NAMES)} (huge, 10 GB, only when named)")
    a = ap.parse_args()
    generate(a.out, a.scale, a.seed, a.only.split(","))


if __name__ == "__main__":
    main()
