import pytest
from hypothesis import given
from hypothesis import strategies as st

from fangxian.lib.text import INVISIBLE_RANGES, as_label, has_invisible

LISTED = [chr(c) for first, last in INVISIBLE_RANGES for c in range(first, last + 1)]


@given(st.text(), st.sampled_from(LISTED), st.text())
def test_an_invisible_character_anywhere_is_found(before, invisible, after):
    assert has_invisible(before + invisible + after)


def test_each_listed_character_and_only_those():
    assert len(LISTED) == 1 + 1 + 1 + 5 + 5 + 5 + 4 + 1
    assert all(has_invisible(c) for c in LISTED)
    neighbours = [
        "\u00ac",
        "\u00ae",
        "\u061b",
        "\u180d",
        "\u200a",
        "\u2010",
        "\u2029",
        "\u202f",
        "\u2065",
        "\u206a",
        "\ufefe",
        "\ufe0f",
    ]
    assert not any(has_invisible(c) for c in neighbours)
    assert not has_invisible("3号楼2单元 101 Zhang-Wei  Ĳ")


@pytest.mark.parametrize("typed", ["101", "101 ", " 101", "１０１", "101\u3000", "\u3000１01\xa0"])
def test_labels_that_look_the_same_are_the_same(typed):
    assert as_label(typed) == "101"


@pytest.mark.parametrize(
    "typed, code",
    [("10\n1", "breaks"), ("10\t1", "breaks"), ("9\u20289", "breaks"), ("   ", "blank"), ("\u3000", "blank")],
)
def test_a_label_with_a_break_inside_or_only_spaces_is_refused(typed, code):
    with pytest.raises(ValueError, match=code):
        as_label(typed)


@given(st.text())
def test_a_label_is_stable(text):
    try:
        label = as_label(text)
    except ValueError:
        return
    assert as_label(label) == label and label == label.strip()
