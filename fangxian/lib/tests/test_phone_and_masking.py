import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fangxian.lib import phone
from fangxian.lib.masking import mask_id_number, mask_name, mask_phone


@pytest.mark.parametrize(
    "raw, clean",
    [("13812345678", "13812345678"), ("+86 138 1234 5678", "13812345678"), ("010-12345678", "010-12345678")],
)
def test_valid_phones_are_normalised(raw, clean):
    assert phone.parse(raw) == clean


@pytest.mark.parametrize(
    "raw, code",
    [
        ("1381234567", "length"),
        ("138123456789", "length"),
        ("1381234567a", "characters"),
        ("12812345678", "prefix"),
        ("01012345678", "length"),
    ],
)
def test_bad_phones_are_refused_with_a_reason(raw, code):
    with pytest.raises(phone.PhoneError) as exc:
        phone.parse(raw)
    assert exc.value.code == code


@given(st.text(max_size=30))
def test_phone_garbage_raises_only_phone_errors(text):
    with contextlib.suppress(phone.PhoneError):
        phone.parse(text)


def test_masks_match_the_agreed_shapes():
    assert mask_id_number("110105194912310021") == "110105********0021"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("010-12345678") == "010-****5678"
    assert mask_name("张三明") == "张*明"
    assert mask_name("张三") == "张*"
    assert mask_id_number("") == ""


@given(st.text(min_size=1, max_size=40))
def test_a_mask_never_shows_more_than_ten_characters_of_an_id(number):
    masked = mask_id_number(number)
    assert len(masked) == len(number) or len(number) < 3
    assert sum(1 for a, b in zip(masked, number, strict=False) if a == b and a != "*") <= 10
