import contextlib
import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fangxian.lib import idnumber

TODAY = datetime.date(2026, 11, 24)
births = st.dates(min_value=datetime.date(1900, 1, 1), max_value=TODAY)


def test_a_known_good_number_parses_with_birth_date_and_sex():
    parsed = idnumber.parse("11010519491231002X", today=TODAY)
    assert parsed.birth_date == datetime.date(1949, 12, 31)
    assert parsed.sex == "F"


def test_lower_case_x_and_spaces_are_accepted():
    assert idnumber.parse(" 11010519491231002x ", today=TODAY).number == "11010519491231002X"


@pytest.mark.parametrize(
    "number, code",
    [
        ("1101051949123100", "length"),
        ("11010519491231002Y", "characters"),
        ("99010519491231002X", "region"),
        ("110105194902300021", "birth_date"),
        ("110105209901010021", "future_birth"),
        ("110105194912310021", "check_digit"),
    ],
)
def test_bad_numbers_are_refused_with_a_reason(number, code):
    with pytest.raises(idnumber.IdNumberError) as exc:
        idnumber.parse(number, today=TODAY)
    assert exc.value.code == code


@given(births, st.integers(0, 10**6), st.sampled_from("MF"))
def test_made_numbers_round_trip(birth, sequence, sex):
    parsed = idnumber.parse(idnumber.make("110102", birth, sequence, sex), today=TODAY)
    assert (parsed.birth_date, parsed.sex) == (birth, sex)


@given(births, st.integers(0, 999), st.integers(0, 16), st.integers(1, 9))
def test_any_single_digit_typo_is_caught(birth, sequence, position, delta):
    number = idnumber.make("110102", birth, sequence, "M")
    typo = number[:position] + str((int(number[position]) + delta) % 10) + number[position + 1 :]
    with pytest.raises(idnumber.IdNumberError):
        idnumber.parse(typo, today=TODAY)


@given(st.text(max_size=40))
def test_garbage_raises_only_id_number_errors(text):
    with contextlib.suppress(idnumber.IdNumberError):
        idnumber.parse(text, today=TODAY)
