"""Writes samples/excel/alert-export.xls: the alert export of tests/excel.rs
as an Excel 97-2003 workbook, the format older exports and re-saved files
come in. Run from the repository root with the xlwt package installed:

    python3 tests/support/write_xls.py
"""

import datetime

import xlwt

NONEXISTENT = (
    '>Error : <ResponseMessageType xmlns:q1="http://schemas.microsoft.com/exchange/services/2006/messages" '
    'p2:type="q1:FindItemResponseMessageType" ResponseClass="Error" '
    'xmlns:p2="http://www.w3.org/2001/XMLSchema-instance"><q1:MessageText>Mailbox does not exist.</q1:MessageText>'
    "<q1:ResponseCode>ErrorNonExistentMailbox</q1:ResponseCode><q1:DescriptiveLinkKey>0</q1:DescriptiveLinkKey>"
    "</ResponseMessageType>"
)

BUSY_CSV = (
    '"FindItem","<m:FindItemResponseMessage ResponseClass=""Error"" '
    'xmlns:m=""http://schemas.microsoft.com/exchange/services/2006/messages""><m:MessageText>The server cannot '
    "service this request right now. Try again later.</m:MessageText><m:ResponseCode>ErrorServerBusy"
    '</m:ResponseCode><m:DescriptiveLinkKey>0</m:DescriptiveLinkKey></m:FindItemResponseMessage>"'
)

HEADER = ["(Do Not Modify) Alert", "Created On", "Level", "Regarding", "Text", "Error Details"]

ROWS = [
    [
        "5e2d8b14-7c3a-4f09-b6e1-0a9f4c2d7e58",
        datetime.datetime(2026, 11, 20, 8, 15, 2),
        "Error",
        "Rosa Lindqvist",
        "Email can't be received for the mailbox \"Rosa Lindqvist\" because the mailbox record doesn't have a valid email address.",
        NONEXISTENT,
    ],
    [
        "a81f3c6d-2e94-4b7a-9d05-c3e7b1f8a264",
        datetime.datetime(2026, 11, 20, 9, 2, 31),
        "Warning",
        "Tomas Varga",
        "The mailbox didn't synchronize because the server was busy; it will be tried again.",
        BUSY_CSV,
    ],
]


def main():
    book = xlwt.Workbook(encoding="utf-8")
    when = xlwt.easyxf(num_format_str="M/D/YYYY h:mm:ss AM/PM")
    alerts = book.add_sheet("Alerts")
    for col, title in enumerate(HEADER):
        alerts.write(0, col, title)
    for row, values in enumerate(ROWS, start=1):
        for col, value in enumerate(values):
            if isinstance(value, datetime.datetime):
                alerts.write(row, col, value, when)
            else:
                alerts.write(row, col, value)
    notes = book.add_sheet("Notes")
    notes.write(0, 0, "Note")
    notes.write(1, 0, "Saved as an Excel 97-2003 workbook from the Alerts view of Contoso Sales.")
    book.save("samples/excel/alert-export.xls")


if __name__ == "__main__":
    main()
