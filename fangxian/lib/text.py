"""Characters that show nothing, or turn the text around them, in what people type or paste.

A building "99\u200b" looks exactly like building "99", and a room "\u202e101" reads backwards:
zero-width spaces and joiners, the marks, embeddings, overrides and isolates of text
direction, the invisible operators and the byte-order mark have no place in a name or a
label. This is the one list; the guard refuses them in forms and queries, `apikit.Input` in
the API, the import in each cell."""

from __future__ import annotations

import re

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
