from hypothesis import given
from hypothesis import strategies as st

from fangxian.lib.ids import MAX_ID, as_id


@given(st.integers(1, MAX_ID))
def test_every_row_id_reads_back(number):
    assert as_id(str(number)) == number


@given(st.text())
def test_anything_typed_is_an_id_in_range_or_none(text):
    value = as_id(text)
    assert value is None or (0 < value <= MAX_ID and str(value) == text.lstrip("0"))


def test_what_is_not_an_id():
    assert [as_id(t) for t in ("", None, "0", "-1", "²", "١٢", "1.5", str(MAX_ID + 1), "9" * 30)] == [None] * 9
