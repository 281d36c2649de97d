"""Reading the spreadsheets communities already have: .xlsx, and .csv in UTF-8, UTF-8 with
a BOM or GB18030 (what Excel on a Chinese Windows writes), detected without asking.

Returns rows of stripped strings; errors are codes with parameters, translated by callers.
"""

from __future__ import annotations

import csv
import datetime
import io
import zipfile

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls / .et formats


class TableError(ValueError):
    """`code`: empty, old_xls, not_spreadsheet, encoding, too_many_rows."""

    def __init__(self, code: str, **params: object):
        super().__init__(code)
        self.code = code
        self.params = params


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        # Excel stores room 501 and phone numbers as floats: 501.0 must read as "501".
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


def decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise TableError("encoding") from None


def read_csv(data: bytes) -> list[list[str]]:
    if b"\x00" in data[:4096]:
        raise TableError("not_spreadsheet")
    text = decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    try:
        return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text), delimiter=delimiter)]
    except csv.Error:
        raise TableError("not_spreadsheet") from None


def read_xlsx(data: bytes) -> list[list[str]]:
    # Imported lazily: openpyxl costs ~0.3 s to import, and CSV users never need it.
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise TableError("not_spreadsheet") from None
    try:
        sheet = book.worksheets[0]
        # LibreOffice and Excel both record stale "dimension" sizes; read every row anyway.
        sheet.reset_dimensions()
        return [[cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError):
        raise TableError("not_spreadsheet") from None
    finally:
        book.close()


def read_table(data: bytes, max_rows: int = 500_000) -> list[list[str]]:
    """All non-blank rows, header first, trailing empty cells trimmed."""
    if not data.strip():
        raise TableError("empty")
    if data.startswith(OLE_MAGIC):
        raise TableError("old_xls")
    rows = read_xlsx(data) if data.startswith(XLSX_MAGIC) else read_csv(data)
    trimmed = []
    for row in rows:
        while row and row[-1] == "":
            row.pop()
        if row:
            trimmed.append(row)
    if not trimmed:
        raise TableError("empty")
    if len(trimmed) > max_rows + 1:
        raise TableError("too_many_rows", limit=max_rows)
    return trimmed


def write_xlsx(headers: list[str], rows, sheet_title: str = "Sheet1") -> bytes:
    """A write-only workbook: fast and flat in memory for 100,000-row exports."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=sheet_title[:31])
    sheet.append(headers)
    for row in rows:
        sheet.append(["" if v is None else v for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
