import datetime

from hypothesis import given
from hypothesis import strategies as st

from fangxian.lib.ids import FIRST_DAY, LAST_DAY, MAX_ID, as_day, as_id


@given(st.integers(1, MAX_ID))
def test_every_row_id_reads_back(number):
    assert as_id(str(number)) == number


@given(st.text())
def test_anything_typed_is_an_id_in_range_or_none(text):
    value = as_id(text)
    assert value is None or (0 < value <= MAX_ID and str(value) == text.lstrip("0"))


def test_what_is_not_an_id():
    assert [as_id(t) for t in ("", None, "0", "-1", "²", "١٢", "1.5", str(MAX_ID + 1), "9" * 30)] == [None] * 9


@given(st.dates(FIRST_DAY, LAST_DAY))
def test_every_day_of_the_calendar_reads_back(day):
    assert as_day(day.isoformat()) == day


@given(st.text())
def test_anything_typed_is_a_day_of_the_calendar_or_none(text):
    day = as_day(text)
    assert day is None or (FIRST_DAY <= day <= LAST_DAY and day.isoformat() == text)


def test_what_is_not_a_day():
    typed = (
        "",
        None,
        "2026-02-30",
        "2026-13-01",
        "9999-99-99",
        "0001-01-01",
        "9999-12-31",
        "2026-1-5",
        "２０２６-01-01",
    )
    assert [as_day(t) for t in typed] == [None] * len(typed)
    assert as_day("2026-02-28") == datetime.date(2026, 2, 28)
