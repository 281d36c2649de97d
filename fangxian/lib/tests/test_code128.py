import subprocess

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fangxian.lib import code128

printable = st.text(st.characters(min_codepoint=32, max_codepoint=126), min_size=1, max_size=code128.MAX_LENGTH)
tube_numbers = st.from_regex(r"\A[0-9A-Z]{0,4}[0-9]{4,14}\Z")
BY_PATTERN = {p: value for value, p in enumerate(code128.PATTERNS)}


def decode(widths: list[int]) -> str:
    """A reader written from the standard, independent of the encoder's choices: splits the
    modules into symbols, checks start, check symbol and stop, and follows the set switches."""
    *body, stop = [widths[i : i + 6] for i in range(0, len(widths) - 7, 6)] + [widths[-7:]]
    assert "".join(map(str, stop)) == code128.PATTERNS[code128.STOP]
    values = [BY_PATTERN["".join(map(str, w))] for w in body]
    *data, check = values
    assert check == (data[0] + sum(i * v for i, v in enumerate(data[1:], start=1))) % 103
    start, *rest = data
    mode = {104: "B", 105: "C"}[start]
    out = []
    for value in rest:
        if value == code128.CODE_C and mode == "B":
            mode = "C"
        elif value == code128.CODE_B and mode == "C":
            mode = "B"
        elif mode == "B":
            assert value < 95
            out.append(chr(value + 32))
        else:
            assert value < 100
            out.append(f"{value:02d}")
    return "".join(out)


def test_the_symbol_table_is_the_standards_shape():
    assert len(code128.PATTERNS) == 107
    assert len(set(code128.PATTERNS)) == 107
    assert all(sum(map(int, p)) == 11 for p in code128.PATTERNS[:106])
    assert sum(map(int, code128.PATTERNS[code128.STOP])) == 13


def test_a_known_barcode():
    # "PJJ123C", the worked example of the Wikipedia article on Code 128, sums to check symbol 54
    # from start A (103); we start in set B (104), one more.
    assert code128.symbols("PJJ123C") == [104, 48, 42, 42, 17, 18, 19, 35, 55]


def test_digits_go_two_to_a_symbol():
    assert code128.symbols("12345678") == [105, 12, 34, 56, 78, (105 + 12 + 2 * 34 + 3 * 56 + 4 * 78) % 103]
    assert len(code128.widths("202606010001")) < len(code128.widths("A02606010001"))


@given(printable)
def test_any_printable_text_round_trips(text):
    assert decode(code128.widths(text)) == text


@given(tube_numbers)
def test_tube_numbers_round_trip_and_alternate_bar_and_space(text):
    widths = code128.widths(text)
    assert decode(widths) == text
    assert len(widths) % 2 == 1  # starts and ends with a bar
    assert all(1 <= w <= 4 for w in widths)


@pytest.mark.parametrize(
    "text, code",
    [("", "empty"), ("x" * (code128.MAX_LENGTH + 1), "too_long"), ("管1234", "characters"), ("a\nb", "characters")],
)
def test_what_cannot_be_encoded_says_why(text, code):
    with pytest.raises(code128.Code128Error) as caught:
        code128.widths(text)
    assert caught.value.code == code


def test_the_svg_draws_every_bar_and_escapes_its_label():
    drawing = code128.svg('A&"<1234', module=0.3, height=12, unit="mm")
    assert drawing.count("<rect") == 1 + (len(code128.widths('A&"<1234')) + 1) // 2
    assert 'aria-label="A&amp;&quot;&lt;1234"' in drawing
    assert 'height="12mm"' in drawing


@pytest.mark.needs("pango", "pdftoppm", "zbarimg")
@pytest.mark.parametrize("text", ["202612010001", "FX-0042-7", "T1"])
def test_a_printed_barcode_is_read_by_zbar(tmp_path, text):
    """An independent reader: the SVG printed by WeasyPrint, rasterised by poppler, read by zbar."""
    from weasyprint import HTML

    pdf = tmp_path / "code.pdf"
    HTML(string=f"<body style='margin:10mm'>{code128.svg(text, module=0.33, height=15, unit='mm')}</body>").write_pdf(
        pdf
    )
    subprocess.run(["pdftoppm", "-png", "-r", "200", "-f", "1", "-l", "1", pdf, tmp_path / "page"], check=True)
    [png] = tmp_path.glob("page*.png")
    read = subprocess.run(["zbarimg", "--quiet", "--raw", "-Scode128.enable", png], capture_output=True, text=True)
    assert read.stdout.strip() == text
