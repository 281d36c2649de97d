"""Pinyin initials so that 张三明 is found by typing `zsm` on a phone keyboard."""

from functools import lru_cache

from pypinyin import Style, pinyin


@lru_cache(maxsize=20000)
def _initial(char: str) -> str:
    if char.isascii():
        return char.lower() if char.isalnum() else ""
    # heteronym=False takes the commonest reading; surnames like 单/曾 may differ, which search tolerates.
    letters = pinyin(char, style=Style.FIRST_LETTER, errors="ignore")
    return letters[0][0].lower() if letters and letters[0] else ""


def initials(name: str) -> str:
    return "".join(_initial(c) for c in name)
