"""Entry permits as signed codes: a COSE_Sign1 envelope (RFC 9052) with EdDSA over a compact
CBOR payload, text-encoded in base45 behind the prefix `FX1:`, as the EU Digital COVID
Certificate does (minus its zlib step: our payload is too short to gain from it).

Any COSE tool can check a permit: strip `FX1:`, base45-decode, and verify the COSE_Sign1 with
the issuing community's Ed25519 public key, found by the `kid` in the protected header.
docs/permit-format.md describes every field. Django-free, so it can be read and fuzzed alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import cbor2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from . import base45
from .ids import MAX_ID

PREFIX = "FX1:"
MAX_CODE_LENGTH = 1000  # a version-10 QR code holds 311 alphanumeric characters at ECC M
COSE_SIGN1_TAG = 18
ALG, KID = 1, 4  # COSE header labels
EDDSA = -8
# Payload keys: small integers keep the code small enough for a QR code of version <= 10.
ID, ISSUER, NAME, DWELLING, VALID_FROM, VALID_UNTIL, PHOTO = range(1, 8)


class PermitError(ValueError):
    """`reason`: prefix, encoding, structure, algorithm, payload, signature, too_long."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


MAX_TIME = 4_102_444_800  # 2100-01-01 in Unix seconds


@dataclass(frozen=True)
class Permit:
    permit_id: int
    issuer: str  # the issuing community's code
    name: str  # the holder's name, masked: 张*明
    dwelling: str  # building-entrance-room, e.g. 12-2-1801: ASCII keeps the code small
    valid_from: int  # Unix seconds
    valid_until: int
    photo_sha256: bytes = b""

    def to_cbor(self) -> bytes:
        return cbor2.dumps(
            {
                ID: self.permit_id,
                ISSUER: self.issuer,
                NAME: self.name,
                DWELLING: self.dwelling,
                VALID_FROM: self.valid_from,
                VALID_UNTIL: self.valid_until,
                PHOTO: self.photo_sha256,
            }
        )

    @classmethod
    def from_cbor(cls, data: bytes) -> Permit:
        try:
            fields = cbor2.loads(data)
            values = (
                fields[ID],
                fields[ISSUER],
                fields[NAME],
                fields[DWELLING],
                fields[VALID_FROM],
                fields[VALID_UNTIL],
                fields.get(PHOTO, b""),
            )
        except Exception:  # cbor2 raises many types on hostile input; all mean the same here
            raise PermitError("payload") from None
        types = (int, str, str, str, int, int, bytes)
        if not all(isinstance(v, t) and not isinstance(v, bool) for v, t in zip(values, types, strict=True)):
            raise PermitError("payload")
        # Numbers a database row and a calendar can hold: a crafted code must not overflow either.
        if not (0 < values[0] <= MAX_ID and 0 <= values[4] <= MAX_TIME and 0 <= values[5] <= MAX_TIME):
            raise PermitError("payload")
        return cls(*values)


@dataclass(frozen=True)
class Envelope:
    """A parsed, not yet verified, permit code."""

    kid: bytes
    protected: bytes
    payload: bytes
    signature: bytes
    permit: Permit

    def signed_bytes(self) -> bytes:
        return sig_structure(self.protected, self.payload)

    def verify(self, key: Ed25519PublicKey) -> bool:
        try:
            key.verify(self.signature, self.signed_bytes())
        except InvalidSignature:
            return False
        return True


def sig_structure(protected: bytes, payload: bytes) -> bytes:
    return cbor2.dumps(["Signature1", protected, b"", payload])


def encode(permit: Permit, kid: bytes, key: Ed25519PrivateKey) -> str:
    protected = cbor2.dumps({ALG: EDDSA, KID: kid})
    payload = permit.to_cbor()
    signature = key.sign(sig_structure(protected, payload))
    envelope = cbor2.dumps(cbor2.CBORTag(COSE_SIGN1_TAG, [protected, {}, payload, signature]))
    return PREFIX + base45.encode(envelope)


def parse(code: str) -> Envelope:
    """Never raises anything but PermitError, whatever the input."""
    if not isinstance(code, str):
        raise PermitError("encoding")
    if len(code) > MAX_CODE_LENGTH:
        raise PermitError("too_long")
    code = code.strip()
    if not code.startswith(PREFIX):
        raise PermitError("prefix")
    try:
        raw = base45.decode(code[len(PREFIX) :])
    except base45.Base45Error:
        raise PermitError("encoding") from None
    try:
        item = cbor2.loads(raw)
        if isinstance(item, cbor2.CBORTag):
            if item.tag != COSE_SIGN1_TAG:
                raise PermitError("structure")
            item = item.value
        protected, unprotected, payload, signature = item
        header = cbor2.loads(protected)
    except PermitError:
        raise
    except Exception:
        raise PermitError("structure") from None
    if not (all(isinstance(part, bytes) for part in (protected, payload, signature)) and isinstance(header, dict)):
        raise PermitError("structure")
    # The unprotected header is not signed: anything in it could be changed unseen, so a
    # permit carries nothing there.
    if unprotected != {}:
        raise PermitError("structure")
    if header.get(ALG) != EDDSA:
        raise PermitError("algorithm")
    kid = header.get(KID)
    if not isinstance(kid, bytes) or len(signature) != 64:
        raise PermitError("structure")
    permit = Permit.from_cbor(payload)
    return Envelope(kid=kid, protected=protected, payload=payload, signature=signature, permit=permit)
