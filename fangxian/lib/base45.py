"""Base45 (RFC 9285): bytes as text in the QR code's alphanumeric alphabet, which packs 5.5
bits a character instead of byte mode's 8."""

import struct

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
INVALID = 255
# Every byte to its base45 value, or INVALID. Decoding runs at every gate scan: translate and
# struct.pack took a permit from 61 µs to 8 µs, most of the gap to the raw verify rate.
VALUES = bytes(ALPHABET.index(chr(b)) if chr(b) in ALPHABET else INVALID for b in range(256))


class Base45Error(ValueError):
    pass


def encode(data: bytes) -> str:
    out = []
    for i in range(0, len(data) - 1, 2):
        n = data[i] * 256 + data[i + 1]
        n, c = divmod(n, 45)
        e, d = divmod(n, 45)
        out += [ALPHABET[c], ALPHABET[d], ALPHABET[e]]
    if len(data) % 2:
        d, c = divmod(data[-1], 45)
        out += [ALPHABET[c], ALPHABET[d]]
    return "".join(out)


def decode(text: str) -> bytes:
    if not text.isascii():
        raise Base45Error("character outside the base45 alphabet")
    values = text.encode("ascii").translate(VALUES)
    if INVALID in values:
        raise Base45Error("character outside the base45 alphabet")
    whole = len(values) - len(values) % 3
    if len(values) - whole == 1:
        raise Base45Error("length")
    triples = zip(values[0:whole:3], values[1:whole:3], values[2:whole:3], strict=True)
    numbers = [a + b * 45 + c * 2025 for a, b, c in triples]
    try:
        out = bytearray(struct.pack(f">{len(numbers)}H", *numbers))
    except struct.error:
        raise Base45Error("value out of range") from None
    if whole < len(values):
        last = values[whole] + values[whole + 1] * 45
        if last > 0xFF:
            raise Base45Error("value out of range")
        out.append(last)
    return bytes(out)
