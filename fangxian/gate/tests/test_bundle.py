import base64

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from conftest import trusting
from fangxian.gate import bundle, permits
from fangxian.gate.models import Gate, SigningKey


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_the_bundle_carries_keys_revocations_and_a_valid_signature(world, api_for):
    gate = Gate.objects.create(community=world.xiangchang, name="菜市场门")
    trusting(gate, world.yongan)
    gate.keepers.add(world.users["gate_keeper"])
    kept = permits.issue(world.resident(world.xiangchang), None)
    lost = permits.issue(world.resident(world.yongan), None)
    permits.revoke(lost, "lost")
    SigningKey.current(world.liulichang)
    data = api_for("gate_keeper").get(f"/api/v1/gates/{gate.id}/bundle").json()
    by_issuer = {k["issuer"]: k for k in data["keys"]}
    assert by_issuer[world.xiangchang.code]["accepted"] and not by_issuer[world.liulichang.code]["accepted"]
    # Issuers are named only where the gate accepts them.
    assert (
        by_issuer[world.yongan.code]["name"] == world.yongan.name_zh and "name" not in by_issuer[world.liulichang.code]
    )
    assert data["revoked"] == [lost.id] and kept.id not in data["revoked"]
    assert data["fever_at"] == 37.3
    signature = unb64(data.pop("signature"))
    signer = SigningKey.objects.get(kid=bytes.fromhex(data["signed_by"]))
    Ed25519PublicKey.from_public_bytes(bytes(signer.public_key)).verify(signature, bundle.canonical(data))


def test_the_version_changes_when_a_permit_is_revoked(world):
    gate = Gate.objects.create(community=world.xiangchang, name="门")
    row = permits.issue(world.resident(world.xiangchang), None)
    before = bundle.build(gate)["version"]
    assert bundle.build(gate)["version"] == before
    permits.revoke(row, "lost")
    assert bundle.build(gate)["version"] != before
