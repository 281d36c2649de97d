import contextlib
import io
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from fangxian.lib.pinyin import initials
from fangxian.lib.tabular import (
    DIGITS,
    FORMULA_STARTS,
    LETTERS,
    Limits,
    TableError,
    above,
    column_letters,
    column_number,
    read_table,
    write_xlsx,
)
from fangxian.lib.tests import hostile

ROWS = [["楼号", "姓名"], ["1", "张三明"], ["2", "李四"]]
VALID = write_xlsx(["楼号", "姓名"], [["1", "张三明"], ["2", "=李四"]])


def as_rows(data: bytes, **limits) -> list[list[str]]:
    table = read_table(data, Limits(**limits))
    return [table.header] + [cells for _, cells in table.rows]


def csv_bytes(encoding: str) -> bytes:
    return "\n".join(",".join(r) for r in ROWS).encode(encoding)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_is_read_in_any_of_the_three_encodings(encoding):
    assert as_rows(csv_bytes(encoding)) == ROWS


def test_xlsx_numbers_and_dates_read_as_people_wrote_them():
    import datetime

    book = Workbook()
    book.active.append(["房号", "电话", "出生日期"])
    book.active.append([501, 13812345678, datetime.date(1980, 1, 31)])
    out = io.BytesIO()
    book.save(out)
    assert as_rows(out.getvalue()) == [["房号", "电话", "出生日期"], ["501", "13812345678", "1980-01-31"]]


def test_written_xlsx_reads_back():
    assert as_rows(write_xlsx(ROWS[0], ROWS[1:])) == ROWS


def test_rows_keep_the_line_numbers_the_spreadsheet_shows_across_blank_rows():
    book = Workbook()
    for row in ([], ["楼号", "姓名"], ["1", "张三明"], [], ["2", "李四"]):
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    table = read_table(out.getvalue())
    assert table.header == ["楼号", "姓名"]
    assert [line for line, _ in table.rows] == [3, 5]
    csv_table = read_table("楼号,姓名\n\n1,张三明\n".encode())
    assert csv_table.rows == [(3, ["1", "张三明"])]


def zipped(name: str, text: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as book:
        book.writestr(name, text)
    return out.getvalue()


@pytest.mark.parametrize(
    "data, code, params",
    [
        (b"", "empty", {}),
        (b"\xd0\xcf\x11\xe0rest", "old_xls", {}),
        (b"PK\x03\x04broken", "damaged", {}),
        (VALID[: len(VALID) // 2], "damaged", {}),  # cut short while uploading or copying
        (b"\x00\x01\x02", "not_spreadsheet", {}),
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "not_spreadsheet", {"what": "pdf"}),
        (
            b"\n  <!DOCTYPE html>\n<html><body><table><tr><td>1</td></tr></table>",
            "not_spreadsheet",
            {"what": "web_page"},
        ),
        ("\ufeff<html><table><tr><td>楼号</td></tr></table>".encode(), "not_spreadsheet", {"what": "web_page"}),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not_spreadsheet", {"what": "picture"}),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01", "not_spreadsheet", {"what": "picture"}),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00", "not_spreadsheet", {"what": "picture"}),
        (b"{\\rtf1\\ansi 1,2\n", "not_spreadsheet", {"what": "document"}),
        (zipped("word/document.xml", "<w:document/>"), "not_spreadsheet", {"what": "document"}),
        (zipped("a.txt", "1,2"), "not_spreadsheet", {}),
    ],
)
def test_files_that_are_not_spreadsheets_are_refused_saying_what_they_are(data, code, params):
    with pytest.raises(TableError) as exc:
        read_table(data)
    assert (exc.value.code, exc.value.params) == (code, params)


@pytest.mark.parametrize("codec, bom", [("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff")])
def test_excels_unicode_text_utf16_with_tabs_is_read(codec, bom):
    """What Excel writes as "Unicode 文本" (Unicode Text): UTF-16 with its BOM, tab-separated."""
    data = bom + "\r\n".join("\t".join(r) for r in ROWS).encode(codec)
    assert as_rows(data) == ROWS


@pytest.mark.parametrize(
    "data, line",
    [
        ("楼号,姓名\n1,张三明\n2,李".encode() + b"\xff\xfe" + "四\n".encode(), 3),  # UTF-8, a few bytes damaged
        ("楼号,姓名\n1,张三明\n".encode("gb18030") + b"2,\x81\x20\n", 3),  # GB18030, one byte cut
        ("楼号,姓名\n".encode() + "1,张三明\n".encode() * 2000 + b"2,\x00\n", 2002),  # a NUL past the first 4 KB
    ],
)
def test_a_csv_with_bytes_no_encoding_reads_names_the_line_and_the_encoding(data, line):
    with pytest.raises(TableError) as exc:
        read_table(data)
    assert (exc.value.code, exc.value.params) == ("encoding", {"line": line})


@settings(max_examples=200)
@given(st.binary(max_size=2000))
def test_random_bytes_never_raise_anything_but_table_errors(data):
    with contextlib.suppress(TableError):
        read_table(data)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_damaged_workbooks_never_raise_anything_but_table_errors(data):
    """Bytes flipped or cut anywhere, including inside the compressed XML."""
    damaged = bytearray(VALID)
    for _ in range(data.draw(st.integers(1, 8))):
        damaged[data.draw(st.integers(0, len(damaged) - 1))] = data.draw(st.integers(0, 255))
    damaged = damaged[: data.draw(st.integers(4, len(damaged)))]
    with contextlib.suppress(TableError):
        read_table(bytes(damaged))


def test_csv_with_more_lines_than_the_limit_is_refused_before_it_is_split():
    with pytest.raises(TableError) as exc:
        read_table(b"a\n" * 12, Limits(rows=10))
    assert (exc.value.code, exc.value.params) == ("too_many_rows", {"limit": 10})


@pytest.mark.parametrize("size", [1_001, 200_000])
def test_a_cell_longer_than_the_limit_is_refused_in_csv_and_xlsx(size):
    for data in ("名,x\n" + "长" * size + ",1\n").encode(), write_xlsx(["名"], [["长" * size]]):
        with pytest.raises(TableError) as exc:
            read_table(data, Limits(cell_chars=1_000))
        assert exc.value.code == "cell_too_long"


def test_a_sheet_at_the_row_limit_is_read_and_one_more_row_is_refused():
    rows = [[str(n)] for n in range(50)]
    assert len(read_table(write_xlsx(["n"], rows), Limits(rows=50)).rows) == 50
    with pytest.raises(TableError) as exc:
        read_table(write_xlsx(["n"], rows + [["51"]]), Limits(rows=50))
    assert exc.value.code == "too_many_rows"


def test_a_sheet_written_with_a_namespace_prefix_is_measured_too():
    """<x:row> and <x:c> without references: one row 3,000 cells wide over 3,001 rows."""
    sheet = (
        b'<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>'
        + b"<x:row>"
        + b"<x:c><x:v>1</x:v></x:c>" * 3000
        + b"</x:row>"
        + b"<x:row><x:c><x:v>1</x:v></x:c></x:row>" * 3000
        + b"</x:sheetData></x:worksheet>"
    )
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(hostile.sheet_of())) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as book,
    ):
        for name in source.namelist():
            book.writestr(name, sheet if name.endswith("sheet1.xml") else source.read(name))
    with pytest.raises(TableError) as exc:
        read_table(out.getvalue(), Limits(cells=1_000_000))
    assert exc.value.code == "too_many_cells"


@given(st.integers(0, 10**7), st.integers(0, 10**8))
def test_the_number_pattern_matches_exactly_the_numbers_above_a_limit(limit, number):
    assert bool(re.fullmatch(above(str(limit), DIGITS), str(number).encode())) == (number > limit)


@given(st.integers(0, 16_384), st.integers(1, 20_000))
def test_the_column_pattern_matches_exactly_the_columns_after_a_limit(limit, column):
    assert column_number(column_letters(column).encode()) == column
    assert bool(re.fullmatch(above(column_letters(limit), LETTERS), column_letters(column).encode())) == (
        column > limit
    )


# --- hostile workbooks: refused fast and cheaply, measured in a fresh process ---------------

EXPECTED = {
    "a 400 MB string": "too_large",
    "a 100 MB string": "cell_too_long",
    "1,048,576 rows": "too_many_rows",
    "two cells at the far corners": "too_many_rows",
    "cells without references": "too_many_cells",
    "truncated XML": "damaged",
    "a zip that lies about its sizes": "damaged",
    "5,000 parts": "not_spreadsheet",
}


@pytest.fixture(scope="session")
def hostile_folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("hostile")


@pytest.mark.slow
@pytest.mark.parametrize("name", list(hostile.HOSTILE))
def test_a_hostile_workbook_is_refused_in_under_2_seconds_and_200_mb(name, hostile_folder):
    assert set(EXPECTED) == set(hostile.HOSTILE)
    measured = hostile.refusal(hostile.build(name, hostile_folder))
    assert measured["code"] == EXPECTED[name]
    assert measured["seconds"] < 2, measured
    assert measured["peak_mb"] < 200, measured


# --- formulas: every text cell a spreadsheet would evaluate is written as text ---------------


def cell_xml(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        return book.read("xl/worksheets/sheet1.xml")


@settings(max_examples=300, deadline=None)
@given(start=st.sampled_from(FORMULA_STARTS), rest=st.text(max_size=30))
def test_text_that_looks_like_a_formula_is_written_as_quoted_text(start, rest):
    value = start + rest
    data = write_xlsx(["名字", value], [[value, "plain", 3]])
    assert b"<f>" not in cell_xml(data) and b"<f " not in cell_xml(data)
    sheet = load_workbook(io.BytesIO(data)).active
    for cell in (sheet["B1"], sheet["A2"]):
        assert cell.data_type == "s" and cell.quotePrefix
    assert not sheet["B2"].quotePrefix and sheet["C2"].value == 3
    # XML itself reads a carriage return as a line feed.
    clean = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", value).replace("\r\n", "\n").replace("\r", "\n")
    assert as_rows(data)[1][0] == clean.strip()


def test_control_characters_that_xml_cannot_hold_are_dropped_not_a_crash():
    assert as_rows(write_xlsx(["名"], [["张\x01三"]]))[1] == ["张三"]


def test_the_full_width_signs_that_chinese_keyboards_type_are_covered():
    assert {"＝", "＋", "－", "＠"} <= set(FORMULA_STARTS)


# CI installs LibreOffice (make sysdeps); only a developer without it may skip this.
@pytest.mark.skipif(
    shutil.which("soffice") is None and not os.environ.get("CI"),
    reason="needs LibreOffice (soffice): apt-get install libreoffice-calc, or make sysdeps",
)
def test_libreoffice_opens_formula_like_text_as_text(tmp_path):
    values = ["=1+1", "+1+1", "-1+1", "@SUM(1,1)", "＝1+1", '=HYPERLINK("http://x","y")']
    (tmp_path / "export.xlsx").write_bytes(write_xlsx(["value"], [[v] for v in values]))
    subprocess.run(
        [
            "soffice",
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76",
            "--outdir",
            str(tmp_path),
            str(tmp_path / "export.xlsx"),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    lines = (tmp_path / "export.csv").read_text(encoding="utf-8").splitlines()
    assert [line.strip('"').replace('""', '"') for line in lines[1:]] == values


def test_pinyin_initials():
    assert initials("张三明") == "zsm"
    assert initials("Li 四") == "lis"


@pytest.mark.slow
def test_a_sheet_of_a_million_cells_is_written_in_a_few_seconds():
    """openpyxl's write-only mode took 8–12 s for this (pure-Python XML): the errors of a full
    upload are written while its owner waits."""
    import time

    row = ["1", "2", "501", "张三明", "男", "居民身份证", "110102198001010018", "", "13812345678", 3, "", "党员", "错"]
    started = time.perf_counter()
    data = write_xlsx([f"c{n}" for n in range(13)], [row] * 100_000)
    assert time.perf_counter() - started < 5
    table = read_table(data)
    assert len(table.rows) == 100_000 and table.rows[-1] == (100_001, [str(c) for c in row])


def test_a_written_sheet_keeps_numbers_booleans_and_odd_values_readable():
    from decimal import Decimal

    data = write_xlsx(["a", "b", "c", "d", "e", "f"], [[1, 36.5, Decimal("37.3"), True, float("nan"), " 空格 "]])
    sheet = load_workbook(io.BytesIO(data)).active
    assert [c.value for c in sheet[2]] == [1, 36.5, 37.3, True, "nan", " 空格 "]
