"""A fake camera clip for Chromium (--use-file-for-fake-video-capture): a QR code on white,
written as a YUV4MPEG2 file straight from Pillow, so no ffmpeg is needed."""

from __future__ import annotations

from pathlib import Path

import segno
from PIL import Image

WIDTH, HEIGHT, FRAMES = 640, 480, 30


def qr_clip(text: str, path: Path) -> Path:
    qr_png = path.with_suffix(".png")
    segno.make_qr(text, error="m").save(str(qr_png), scale=6, border=4)
    code = Image.open(qr_png).convert("L")
    side = min(HEIGHT - 40, code.width)
    frame = Image.new("L", (WIDTH, HEIGHT), 255)
    frame.paste(code.resize((side, side), Image.NEAREST), ((WIDTH - side) // 2, (HEIGHT - side) // 2))
    y, cb, cr = frame.convert("RGB").convert("YCbCr").split()
    chroma = [c.resize((WIDTH // 2, HEIGHT // 2)) for c in (cb, cr)]
    picture = y.tobytes() + chroma[0].tobytes() + chroma[1].tobytes()
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F15:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(FRAMES):
            out.write(b"FRAME\n" + picture)
    return path
