from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fangxian.lib import units
from fangxian.lib.units import UnitError

MASKS = units.units_for("个", "箱", 20)
ALCOHOL = units.units_for("斤")


def test_half_a_pack_of_twenty_is_ten_pieces():
    assert units.to_quanta("1/2", "箱", MASKS) == 10
    assert units.to_quanta("0.5", "箱", MASKS) == 10


def test_a_third_of_a_pack_of_twenty_is_refused():
    with pytest.raises(UnitError) as e:
        units.to_quanta("1/3", "箱", MASKS)
    assert e.value.code == "inexact"


def test_jin_and_kilograms_convert_exactly():
    assert units.to_quanta("2306", "斤", ALCOHOL) == 1_153_000
    assert units.to_quanta("1153", "kg", ALCOHOL) == 1_153_000
    assert units.show(1_153_000, "斤", ALCOHOL) == "2306"
    assert units.show(1_250, "斤", ALCOHOL) == "2.5"


def test_a_unit_the_item_is_not_counted_in_is_refused():
    with pytest.raises(UnitError) as e:
        units.to_quanta("1", "斤", MASKS)
    assert e.value.code == "unit"


@pytest.mark.parametrize("text", ["", "abc", "1e5", "-3", "1/0", "1.2.3", "１/２x"])
def test_what_is_not_an_amount_is_refused(text):
    with pytest.raises(UnitError):
        units.to_quanta(text, "个", MASKS)


def test_nothing_and_too_much_are_refused():
    for text, code in (("0", "zero"), ("0.0", "zero"), ("999999999999", "large")):
        with pytest.raises(UnitError) as e:
            units.to_quanta(text, "箱", units.units_for("个", "箱", 10**6))
        assert e.value.code == code


def test_full_width_digits_are_read():
    assert units.to_quanta("２０", "个", MASKS) == 20


@given(st.integers(1, 10**9), st.sampled_from(sorted(units.WEIGHTS)))
def test_weights_shown_read_back_to_the_same_grams(grams, unit):
    shown = units.show(grams, unit, ALCOHOL)
    assert units.to_quanta(shown, unit, ALCOHOL) == grams


@given(st.integers(1, 1000), st.integers(1, 100), st.integers(1, 100))
def test_a_fraction_of_a_pack_is_accepted_exactly_when_it_is_whole_pieces(size, numerator, denominator):
    pack = units.units_for("个", "箱", size)
    exact = Fraction(numerator * size, denominator).denominator == 1
    try:
        assert units.to_quanta(f"{numerator}/{denominator}", "箱", pack) == numerator * size // denominator
        assert exact
    except UnitError as e:
        assert not exact and e.code == "inexact"


@given(st.text(max_size=30))
def test_any_text_is_an_amount_or_a_unit_error(text):
    try:
        assert units.to_quanta(text, "个", MASKS) > 0
    except UnitError as e:
        assert e.code in {"amount", "zero", "large"}
