"""Gate benchmarks. So far: the permit codec against the raw Ed25519 verify rate of
`cryptography`, on one core and on both, and the QR version of the longest permit.

    .venv/bin/python bench/gate.py [--seconds 3]
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import segno  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

from fangxian.lib import permit  # noqa: E402

KEY = Ed25519PrivateKey.generate()
PUBLIC = KEY.public_key()
SAMPLE = permit.Permit(2**31, "110102015001", "欧阳*修", "A12B-12-25012", 2**32, 2**32, bytes(32))
CODE = permit.encode(SAMPLE, b"\x00\x01\x02\x03", KEY)


def rate(work, seconds: float) -> float:
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _ in range(200):
            work()
        count += 200
    return count / (time.perf_counter() - start)


def raw_verify() -> None:
    envelope = permit.parse(CODE)
    message, signature = envelope.signed_bytes(), envelope.signature
    PUBLIC.verify(signature, message)


def decode_and_verify() -> None:
    assert permit.parse(CODE).verify(PUBLIC)


def raw_rate(seconds: float) -> float:
    envelope = permit.parse(CODE)
    message, signature = envelope.signed_bytes(), envelope.signature
    return rate(lambda: PUBLIC.verify(signature, message), seconds)


def codec_rate(seconds: float) -> float:
    return rate(decode_and_verify, seconds)


def on_cores(func, seconds: float, cores: int) -> float:
    with multiprocessing.Pool(cores) as pool:
        return sum(pool.map(func, [seconds] * cores))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    qr = segno.make_qr(CODE, error="m")
    print(f"longest permit: {len(CODE)} characters, QR version {qr.version} at ECC M (goal <= 10)")
    for cores in (1, 2):
        raw = on_cores(raw_rate, args.seconds, cores)
        codec = on_cores(codec_rate, args.seconds, cores)
        print(f"{cores} core(s): raw Ed25519 verify {raw:,.0f}/s; decode + verify {codec:,.0f}/s = {codec / raw:.0%} of raw (goal >= 80%)")
