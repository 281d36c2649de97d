from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fangxian.people.temperature import RANGE, clean_temperature, is_fever


@given(st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=20), st.integers(), st.decimals()))
def test_a_temperature_is_in_range_or_refused_never_a_crash(value):
    try:
        cleaned = clean_temperature(value)
    except ValueError:
        return
    assert cleaned is None or RANGE[0] <= cleaned <= RANGE[1] and cleaned == cleaned.quantize(Decimal("0.1"))


@pytest.mark.parametrize(
    "typed", ["36.6", "36,6", "３６．６", "３６，６", "36。6", " 36.6 ", 36.6, "36.6度", "36.6 ℃", "36.6°C", "36.6°"]
)
def test_a_temperature_is_read_as_people_type_it(typed):
    assert clean_temperature(typed) == Decimal("36.6")


@pytest.mark.parametrize("slip", [3.66, 366, "3,66", "366,0", "36.6.1", "度", "nan", "inf"])
def test_typing_slips_are_refused(slip):
    with pytest.raises(ValueError):
        clean_temperature(slip)


def test_the_fever_line_is_the_configured_one(settings):
    settings.FEVER_AT_TENTHS = 375
    assert not is_fever(Decimal("37.4")) and is_fever(Decimal("37.5"))
