from hypothesis import given
from hypothesis import strategies as st

from fangxian.lib.text import INVISIBLE_RANGES, has_invisible

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
