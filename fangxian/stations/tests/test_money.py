"""Prices typed in yuan on a page are kept in fen exactly, and shown back as typed."""

from hypothesis import given
from hypothesis import strategies as st

from fangxian.lib.money import yuan
from fangxian.stations.forms import Errors, money


@given(st.integers(min_value=0, max_value=99_999_99))
def test_yuan_typed_back_is_the_same_fen(fen):
    errors = Errors()
    assert money({"price": yuan(fen)}, "price", errors) == fen and not errors


@given(st.text(max_size=12))
def test_anything_typed_is_fen_or_refused(text):
    errors = Errors()
    fen = money({"price": text}, "price", errors)
    assert (fen == 0 and "price" in errors) or (isinstance(fen, int) and fen >= 0 and not errors)


def test_a_third_of_a_fen_is_refused():
    for typed in ("29.505", "-1", "1e3", "三十", "30元"):
        errors = Errors()
        money({"price": typed}, "price", errors)
        assert "price" in errors, typed
    assert money({"price": "29.5"}, "price", Errors()) == 2950
