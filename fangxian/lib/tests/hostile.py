"""Workbooks built to hurt a reader, written in constant memory: the tests and
bench/import_residents.py measure how fast and how cheaply each is refused."""

from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
PACKAGE_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    "</Relationships>"
)
SHEET_START = b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
SHEET_END = b"</sheetData></worksheet>"
MB = 1024 * 1024


def workbook(sheet: Iterator[bytes]) -> bytes:
    """A minimal .xlsx whose first sheet's XML is streamed from `sheet`."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as book:
        for name, text in (
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", PACKAGE_RELS),
            ("xl/workbook.xml", WORKBOOK),
            ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
        ):
            book.writestr(name, text)
        with book.open("xl/worksheets/sheet1.xml", "w") as part:
            part.write(SHEET_START)
            for piece in sheet:
                part.write(piece)
            part.write(SHEET_END)
    return out.getvalue()


def sheet_of(*rows: bytes) -> bytes:
    return workbook(iter(rows))


def huge_string(megabytes: int = 400) -> bytes:
    """One cell holding a string of `megabytes` MB: about 400 KB zipped."""

    def sheet() -> Iterator[bytes]:
        yield b'<row r="1"><c r="A1" t="inlineStr"><is><t>'
        block = b"A" * MB
        for _ in range(megabytes):
            yield block
        yield b"</t></is></c></row>"

    return workbook(sheet())


def every_row(rows: int = 1_048_576) -> bytes:
    """A sheet filled to Excel's last row: about 4 MB zipped."""

    def sheet() -> Iterator[bytes]:
        batch = []
        for n in range(1, rows + 1):
            batch.append(b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (n, n, n))
            if len(batch) == 10_000:
                yield b"".join(batch)
                batch.clear()
        yield b"".join(batch)

    return workbook(sheet())


def far_corner() -> bytes:
    """Two cells, A1 and XFD1048576: a reader that lays cells out densely asks for 500 GB."""
    return sheet_of(
        b'<row r="1"><c r="A1"><v>1</v></c></row>', b'<row r="1048576"><c r="XFD1048576"><v>2</v></c></row>'
    )


def wide_without_references(cells: int = 20_000, rows: int = 20_000) -> bytes:
    """Cells without an `r` reference are placed one after another: one wide row and many
    short ones span an area as large as the far corner's."""
    wide = b"<row>" + b"<c><v>1</v></c>" * cells + b"</row>"
    return sheet_of(wide, b"<row><c><v>1</v></c></row>" * rows)


def truncated() -> bytes:
    """A real workbook whose sheet XML stops in the middle of a cell."""
    return sheet_of(
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c></row><row r="2"><c r="A2" t="inlineSt'
    )


def lying_sizes(megabytes: int = 300) -> bytes:
    """A zip whose directory declares its sheet at 100 bytes while it unpacks to `megabytes` MB."""
    row = b'<row r="1"><c r="A1"><v>1</v></c></row>'
    block = row * (MB // len(row))
    data = bytearray(workbook(iter([block] * megabytes)))
    central = data.find(b"PK\x01\x02")
    while central >= 0:
        name_length = struct.unpack_from("<H", data, central + 28)[0]
        if data[central + 46 : central + 46 + name_length] == b"xl/worksheets/sheet1.xml":
            local = struct.unpack_from("<L", data, central + 42)[0]
            struct.pack_into("<L", data, central + 24, 100)  # the uncompressed size in the directory
            struct.pack_into("<L", data, local + 22, 100)  # and in the part's own header
        central = data.find(b"PK\x01\x02", central + 4)
    return bytes(data)


def many_parts(parts: int = 5_000) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as book:
        for n in range(parts):
            book.writestr(f"x/{n}.xml", "")
    return out.getvalue()


HOSTILE: dict[str, Callable[[], bytes]] = {
    "a 400 MB string": huge_string,
    "a 100 MB string": lambda: huge_string(100),
    "1,048,576 rows": every_row,
    "two cells at the far corners": far_corner,
    "cells without references": wide_without_references,
    "truncated XML": truncated,
    "a zip that lies about its sizes": lying_sizes,
    "5,000 parts": many_parts,
}


def build(name: str, folder: Path) -> Path:
    """Each hostile file once per folder: some take a second or two to compress."""
    path = folder / (name.replace(" ", "-").replace(",", "") + ".xlsx")
    if not path.exists():
        path.write_bytes(HOSTILE[name]())
    return path


# Read in a fresh process, so that its peak memory is the refusal's alone. VmHWM is that
# process's own high-water mark (ru_maxrss would carry the parent's across fork and exec).
MEASURE = """
import json, re, sys, time
from fangxian.lib.tabular import TableError, read_table
data = open(sys.argv[1], "rb").read()
start = time.perf_counter()
try:
    read_table(data)
    code = None
except TableError as exc:
    code = exc.code
seconds = time.perf_counter() - start
peak_kb = int(re.search(r"VmHWM:\\s+(\\d+) kB", open("/proc/self/status").read()).group(1))
print(json.dumps({"code": code, "seconds": seconds, "peak_mb": peak_kb / 1024}))
"""


def refusal(path: Path) -> dict:
    """How `read_table` answers the file: its error code, seconds, and peak memory in MB of the
    whole process, interpreter and libraries included."""
    result = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[3],
    )
    return dict(json.loads(result.stdout))
