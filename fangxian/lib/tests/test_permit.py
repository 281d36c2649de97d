from dataclasses import astuple

import cbor2
import pytest
import segno
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from fangxian.lib import base45, permit

KEY = Ed25519PrivateKey.generate()
OTHER = Ed25519PrivateKey.generate()
KID = bytes.fromhex("00112233")
SAMPLE = permit.Permit(123456, "110102015001", "欧*修", "12-2-1801", 1_700_000_000, 1_720_000_000, bytes(range(32)))

permits = st.builds(
    permit.Permit,
    permit_id=st.integers(1, permit.MAX_ID),
    issuer=st.text(max_size=20),
    name=st.text(max_size=6),
    dwelling=st.text(max_size=20),
    valid_from=st.integers(0, permit.MAX_TIME),
    valid_until=st.integers(0, permit.MAX_TIME),
    photo_sha256=st.binary(min_size=0, max_size=32),
)


def envelope_bytes(code: str) -> bytes:
    return base45.decode(code[len(permit.PREFIX) :])


def check(code: str, key=KEY) -> str:
    """'ok' or the reason a code is refused; anything but PermitError escapes and fails."""
    try:
        envelope = permit.parse(code)
    except permit.PermitError as exc:
        return exc.reason
    return "ok" if envelope.verify(key.public_key()) else "signature"


@given(st.binary(max_size=300))
def test_base45_round_trips(data):
    assert base45.decode(base45.encode(data)) == data


def test_base45_matches_the_rfc_examples():
    assert base45.encode(b"AB") == "BB8"
    assert base45.encode(b"Hello!!") == "%69 VD92EX0"
    assert base45.decode("QED8WEX0") == b"ietf!"


@given(permits)
def test_a_permit_round_trips(p):
    code = permit.encode(p, KID, KEY)
    envelope = permit.parse(code)
    assert envelope.permit == p and envelope.kid == KID
    assert envelope.verify(KEY.public_key())


@given(permits)
def test_another_key_does_not_verify(p):
    assert check(permit.encode(p, KID, KEY), key=OTHER) == "signature"


# No deadline: 300 verifications on a loaded CI machine once took 331 ms for one example.
@settings(max_examples=300, deadline=None)
@given(st.data())
def test_any_single_bit_flip_is_refused(data):
    raw = bytearray(envelope_bytes(permit.encode(SAMPLE, KID, KEY)))
    bit = data.draw(st.integers(0, len(raw) * 8 - 1))
    raw[bit // 8] ^= 1 << (bit % 8)
    assert check(permit.PREFIX + base45.encode(bytes(raw))) != "ok"


@given(st.data())
def test_any_truncation_is_refused(data):
    code = permit.encode(SAMPLE, KID, KEY)
    cut = data.draw(st.integers(0, len(code) - 1))
    assert check(code[:cut]) != "ok"


def test_a_re_encoded_payload_does_not_verify():
    envelope = permit.parse(permit.encode(SAMPLE, KID, KEY))
    fields = cbor2.loads(envelope.payload)
    reordered = cbor2.dumps(dict(reversed(list(fields.items()))))
    assert reordered != envelope.payload
    forged = cbor2.dumps(cbor2.CBORTag(18, [envelope.protected, {}, reordered, envelope.signature]))
    assert check(permit.PREFIX + base45.encode(forged)) == "signature"


def test_a_changed_name_does_not_verify():
    envelope = permit.parse(permit.encode(SAMPLE, KID, KEY))
    changed = permit.Permit(**{**SAMPLE.__dict__, "name": "张*三"}).to_cbor()
    forged = cbor2.dumps(cbor2.CBORTag(18, [envelope.protected, {}, changed, envelope.signature]))
    assert check(permit.PREFIX + base45.encode(forged)) == "signature"


@settings(max_examples=500)
@given(
    st.one_of(st.text(max_size=400), st.text(alphabet=base45.ALPHABET, max_size=400).map(lambda t: permit.PREFIX + t))
)
def test_garbage_is_refused_with_a_reason_and_never_raises(text):
    assert check(text) in {"prefix", "encoding", "structure", "algorithm", "payload", "signature", "too_long"}


@settings(max_examples=300)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.binary(max_size=70) | st.text(max_size=10),
        lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.integers(-10, 10), inner, max_size=5),
        max_leaves=20,
    )
)
def test_well_formed_cbor_of_any_shape_is_refused_with_a_reason(item):
    assert check(permit.PREFIX + base45.encode(cbor2.dumps(item))) != "ok"


@pytest.mark.parametrize(
    "code, reason",
    [("😀", "prefix"), ("FX1:" + "A" * 10_000_000, "too_long"), ("FX1:abc", "encoding"), ("HC1:6BFOXN", "prefix")],
)
def test_hostile_inputs_name_their_reason(code, reason):
    assert check(code) == reason


def test_the_longest_permit_fits_a_qr_code_of_version_10_or_less():
    longest = permit.Permit(2**31, "110102015001", "欧阳*修", "A12B-12-25012", 2**32, 2**32, bytes(32))
    code = permit.encode(longest, KID, KEY)
    qr = segno.make_qr(code, error="m")
    assert qr.version <= 10, (len(code), qr.version)


@given(st.sampled_from([0, -1, permit.MAX_ID + 1, 2**70]), st.sampled_from([-1, permit.MAX_TIME + 1, 2**70]))
def test_numbers_no_database_or_calendar_holds_are_refused(permit_id, when):
    for bad in (
        SAMPLE.__class__(permit_id, *astuple(SAMPLE)[1:]),
        SAMPLE.__class__(1, *astuple(SAMPLE)[1:4], when, 1, b""),
    ):
        assert check(permit.encode(bad, KID, KEY)) == "payload"
