from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from fangxian.supplies import forms

MASKS = {"个": 1, "箱": 20}


@given(
    st.one_of(st.text(max_size=30), st.integers(), st.none(), st.booleans()),
    st.sampled_from(["", "箱", "个", "kg", "吨"]),
)
def test_anything_typed_is_whole_quanta_or_a_reason(typed, unit):
    try:
        quanta = forms.amount(MASKS, "个", typed, unit)
    except ValidationError as exc:
        assert exc.messages and exc.messages[0]
    else:
        assert isinstance(quanta, int) and 0 < quanta <= 10**15


@given(st.integers(1, 10**6), st.sampled_from(["箱", " 箱", "箱 "]))
def test_a_unit_written_after_the_number_is_the_unit_chosen(packs, unit):
    assert forms.amount(MASKS, "个", f"{packs}{unit}", "") == forms.amount(MASKS, "个", str(packs), "箱") == packs * 20
