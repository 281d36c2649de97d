"""Code 128 barcodes (ISO/IEC 15417) for tube labels: code set B for text, code set C for runs
of digits (two digits a symbol, so a 12-digit tube number is about half as wide), the
modulo-103 check symbol, and an SVG drawing of the bars.

Django-free and typed. Errors are codes that callers translate. A barcode is returned as the
widths of its modules, bar first, alternating bar and space: `svg` draws them, and a test
decodes them back."""

from __future__ import annotations

# The 107 symbols by value: widths of bar, space, bar, space, bar, space (the stop symbol has a
# final bar of 2 modules). Every symbol is 11 modules wide, the stop 13.
PATTERNS = (
    "212222 222122 222221 121223 121322 131222 122213 122312 132212 221213 221312 231212 112232 122132 "
    "122231 113222 123122 123221 223211 221132 221231 213212 223112 312131 311222 321122 321221 312212 "
    "322112 322211 212123 212321 232121 111323 131123 131321 112313 132113 132311 211313 231113 231311 "
    "112133 112331 132131 113123 113321 133121 313121 211331 231131 213113 213311 213131 311123 311321 "
    "331121 312113 312311 332111 314111 221411 431111 111224 111422 121124 121421 141122 141221 112214 "
    "112412 122114 122411 142112 142211 241211 221114 413111 241112 134111 111242 121142 121241 114212 "
    "124112 124211 411212 421112 421211 212141 214121 412121 111143 111341 131141 114113 114311 411113 "
    "411311 113141 114131 311141 411131 211412 211214 211232 2331112"
).split()
CODE_C, CODE_B = 99, 100  # switch symbols (their meaning in sets B and C alike)
START_B, START_C, STOP = 104, 105, 106
MAX_LENGTH = 48  # a label is 6 cm wide: more would not scan from it
QUIET_MODULES = 10  # blank space each side, as the standard asks


class Code128Error(ValueError):
    """`code`: empty, too_long, characters (only printable ASCII is encoded)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def digit_run(text: str, start: int) -> int:
    end = start
    while end < len(text) and text[end].isascii() and text[end].isdigit():
        end += 1
    return end - start


def symbols(text: str) -> list[int]:
    """The symbol values, start to check symbol, without the stop. Set C is used for a run of at
    least 4 digits (an even number of them; one digit left over goes in set B): shorter runs
    cost more in switches than they save."""
    if not text:
        raise Code128Error("empty")
    if len(text) > MAX_LENGTH:
        raise Code128Error("too_long")
    if any(not 32 <= ord(ch) <= 126 for ch in text):
        raise Code128Error("characters")
    values: list[int] = []
    current = 0
    i = 0
    while i < len(text):
        run = digit_run(text, i)
        if run >= 4 or (run >= 2 and run == len(text) - i and current == START_C):
            pairs = run // 2 * 2
            if current != START_C:
                values.append(START_C if not values else CODE_C)
                current = START_C
            values.extend(int(text[j : j + 2]) for j in range(i, i + pairs, 2))
            i += pairs
            continue
        if current != START_B:
            values.append(START_B if not values else CODE_B)
            current = START_B
        values.append(ord(text[i]) - 32)
        i += 1
    check = (values[0] + sum(position * value for position, value in enumerate(values[1:], start=1))) % 103
    return [*values, check]


def widths(text: str) -> list[int]:
    """Module widths of the whole barcode, bar first: start, data, check symbol, stop."""
    return [int(w) for value in [*symbols(text), STOP] for w in PATTERNS[value]]


def svg(text: str, module: float = 1.0, height: float = 40.0, unit: str = "") -> str:
    """The barcode as an SVG element with its quiet zones, `module` wide per module. With
    `unit` ("mm") the drawing has that physical size, for print; without, it scales to its box."""
    bars = widths(text)
    total = sum(bars) + 2 * QUIET_MODULES
    x = QUIET_MODULES
    rects = []
    for index, width in enumerate(bars):
        if index % 2 == 0:
            rects.append(f'<rect x="{x}" y="0" width="{width}" height="{height / module:g}"/>')
        x += width
    size = f'width="{total * module:g}{unit}" height="{height:g}{unit}" ' if unit else ""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" {size}viewBox="0 0 {total} {height / module:g}" '
        f'shape-rendering="crispEdges" role="img" aria-label="{escape(text)}">'
        f'<rect width="{total}" height="{height / module:g}" fill="#fff"/><g fill="#000">{"".join(rects)}</g></svg>'
    )


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
