import pytest
from hypothesis import given
from hypothesis import strategies as st

from fangxian.lib.money import fen_from_yuan, yuan

MOST = 10_000_00


@given(st.integers(min_value=0, max_value=MOST))
def test_fen_shown_as_yuan_read_back_are_the_same_fen(fen):
    assert fen_from_yuan(yuan(fen), MOST) == fen


@given(st.decimals(allow_nan=True, allow_infinity=True, places=None))
def test_any_decimal_is_read_exactly_or_refused(value):
    try:
        fen = fen_from_yuan(str(value), MOST)
    except ValueError:
        return
    assert 0 <= fen <= MOST and fen == value * 100


@given(st.from_regex(r"\A-?[0-9]{0,12}(\.[0-9]{0,4})?([eE][+-]?[0-9]{1,6})?\Z"))
def test_numbers_with_exponents_are_fen_or_a_value_error(text):
    try:
        fen = fen_from_yuan(text, MOST)
    except ValueError:
        return
    assert isinstance(fen, int) and 0 <= fen <= MOST


@given(st.text(max_size=30))
def test_any_text_is_fen_or_a_value_error(text):
    try:
        fen = fen_from_yuan(text, MOST)
    except ValueError:
        return
    assert isinstance(fen, int) and 0 <= fen <= MOST


@pytest.mark.parametrize(
    ("typed", "fen"), [("12.5", 1250), ("12.50", 1250), ("", 0), ("１２", 1200), ("¥3.05", 305), ("7元", 700)]
)
def test_amounts_as_people_type_them(typed, fen):
    assert fen_from_yuan(typed, MOST) == fen


@pytest.mark.parametrize(
    "typed", ["1.234", "-1", "abc", "NaN", "sNaN", "Infinity", "1e9", "1e99", "1e-99", "1e999999", "100001", "0.001"]
)
def test_what_is_not_money_is_refused(typed):
    with pytest.raises(ValueError):
        fen_from_yuan(typed, MOST)
