"""Characters that show nothing, or turn the text around them, in what people type or paste.

A building "99\u200b" looks exactly like building "99", and a room "\u202e101" reads backwards:
zero-width spaces and joiners, the marks, embeddings, overrides and isolates of text
direction, the invisible operators and the byte-order mark have no place in a name or a
label. This is the one list; the guard refuses them in forms and queries, `apikit.Input` in
the API, the import in each cell."""

from __future__ import annotations

import re
import unicodedata

INVISIBLE_RANGES = (
    (0x00AD, 0x00AD),  # the soft hyphen
    (0x061C, 0x061C),  # the Arabic letter mark, a direction mark
    (0x180E, 0x180E),  # the Mongolian vowel separator, a zero-width space in older Unicode
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x2064),
    (0x2066, 0x2069),
    (0xFEFF, 0xFEFF),
)
INVISIBLE = re.compile("[" + "".join(f"{chr(first)}-{chr(last)}" for first, last in INVISIBLE_RANGES) + "]")


def has_invisible(text: str) -> bool:
    return INVISIBLE.search(text) is not None


# Line breaks and tabs inside a label split it on a page and in a printed roster.
BREAKS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def as_label(text: str) -> str:
    """A building number, room or grid code as it is compared and stored: full-width digits and
    letters as ASCII ("１０１" is 101), the ideographic space as a space (NFKC), no spaces
    around it, so that two labels that look the same are the same. ValueError("breaks") for a
    line break or tab inside, ValueError("blank") for nothing but spaces."""
    label = unicodedata.normalize("NFKC", text).strip()
    if BREAKS.search(label):
        raise ValueError("breaks")
    if not label and text:
        raise ValueError("blank")
    return label
