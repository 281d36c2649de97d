import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from fangxian.lib.pinyin import initials
from fangxian.lib.tabular import TableError, read_table, write_xlsx

ROWS = [["楼号", "姓名"], ["1", "张三明"], ["2", "李四"]]


def csv_bytes(encoding: str) -> bytes:
    return "\n".join(",".join(r) for r in ROWS).encode(encoding)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_is_read_in_any_of_the_three_encodings(encoding):
    assert read_table(csv_bytes(encoding)) == ROWS


def test_xlsx_numbers_read_as_people_wrote_them():
    book = Workbook()
    book.active.append(["房号", "电话"])
    book.active.append([501, 13812345678])
    out = io.BytesIO()
    book.save(out)
    assert read_table(out.getvalue()) == [["房号", "电话"], ["501", "13812345678"]]


def test_written_xlsx_reads_back():
    assert read_table(write_xlsx(ROWS[0], ROWS[1:])) == ROWS


@pytest.mark.parametrize(
    "data, code",
    [(b"", "empty"), (b"\xd0\xcf\x11\xe0rest", "old_xls"), (b"PK\x03\x04broken", "not_spreadsheet"), (b"\x00\x01\x02", "not_spreadsheet")],
)
def test_files_that_are_not_spreadsheets_are_refused_with_a_reason(data, code):
    with pytest.raises(TableError) as exc:
        read_table(data)
    assert exc.value.code == code


@settings(max_examples=200)
@given(st.binary(max_size=2000))
def test_random_bytes_never_raise_anything_but_table_errors(data):
    try:
        read_table(data)
    except TableError:
        pass


def test_pinyin_initials():
    assert initials("张三明") == "zsm"
    assert initials("Li 四") == "lis"
