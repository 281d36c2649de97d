import datetime
import json
import uuid

import pytest
from django.utils import timezone

from fangxian.gate import permits
from fangxian.gate.checking import KEYS
from fangxian.gate.models import Gate, Pass, SigningKey
from fangxian.lib import base45
from fangxian.lib import permit as codec


def scan(client, gate, code, temperature=36.6, client_id=None, at=None):
    body = {
        "gate_id": gate.id,
        "code": code,
        "temperature": temperature,
        "client_id": str(client_id or uuid.uuid4()),
        "scanned_at": (at or timezone.now()).isoformat(),
    }
    return client.post("/api/v1/gate/scans", json.dumps(body), content_type="application/json")


def issued(world, community=None):
    resident = world.resident(community or world.xiangchang)
    return permits.issue(resident, world.users["secretary"])


def test_a_valid_permit_is_admitted_and_the_pass_kept(world, gate, api_for):
    row = issued(world)
    response = scan(api_for("gate_keeper"), gate, row.code)
    body = response.json()
    assert response.status_code == 200 and body["verdict"] == "admit"
    assert body["holder"]["name"].endswith(world.resident(world.xiangchang).name[-1]) and "*" in body["holder"]["name"]
    stored = Pass.objects.get(pk=body["pass_id"])
    assert (stored.permit, stored.keeper.username, str(stored.temperature)) == (row, "gate_keeper", "36.6")


def test_a_neighbouring_communitys_permit_is_admitted_where_accepted(world, gate, api_for):
    assert scan(api_for("gate_keeper"), gate, issued(world, world.yongan).code).json()["verdict"] == "admit"


def test_a_fever_is_flagged(world, gate, api_for):
    assert scan(api_for("gate_keeper"), gate, issued(world).code, temperature=37.3).json()["verdict"] == "fever"
    assert scan(api_for("gate_keeper"), gate, issued(world).code, temperature=37.2).json()["verdict"] == "admit"


def test_a_forged_permit_is_refused(world, gate, api_for):
    raw = bytearray(base45.decode(issued(world).code[len("FX1:") :]))
    raw[-1] ^= 1  # the last byte of the signature
    assert scan(api_for("gate_keeper"), gate, "FX1:" + base45.encode(bytes(raw))).json()["verdict"] == "forged"


def test_garbage_is_forged_with_its_reason(world, gate, api_for):
    body = scan(api_for("gate_keeper"), gate, "hello 😀").json()
    assert body["verdict"] == "forged" and body["reasons"] == ["forged", "malformed:prefix"]


def test_a_code_signed_by_a_key_we_do_not_know_is_from_an_unknown_issuer(world, gate, api_for):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    payload = codec.Permit(1, "999999999999", "张*明", "1-1-101", 0, 4_000_000_000, b"")
    code = codec.encode(payload, b"\xff\xff\xff\xff", Ed25519PrivateKey.generate())
    assert scan(api_for("gate_keeper"), gate, code).json()["verdict"] == "unknown_issuer"


def test_a_trusted_issuer_this_gate_does_not_accept(world, gate, api_for):
    assert (
        scan(api_for("gate_keeper"), gate, issued(world, world.liulichang).code).json()["verdict"]
        == "not_accepted_here"
    )


def test_a_revoked_permit_is_refused(world, gate, api_for):
    row = issued(world)
    response = api_for("secretary").post(
        f"/api/v1/permits/{row.id}/revoke", json.dumps({"reason": "lost"}), content_type="application/json"
    )
    assert response.status_code == 200
    assert scan(api_for("gate_keeper"), gate, row.code).json()["verdict"] == "revoked"


def test_an_expired_permit_is_refused(world, gate, api_for):
    row = permits.issue(world.resident(world.xiangchang), None, days=1, now=timezone.now() - datetime.timedelta(days=3))
    assert scan(api_for("gate_keeper"), gate, row.code).json()["verdict"] == "expired"


def test_a_permit_scanned_before_it_is_valid_is_not_yet_valid_not_expired(world, gate, api_for):
    tomorrow = timezone.now() + datetime.timedelta(days=1)
    row = permits.issue(world.resident(world.xiangchang), None, now=tomorrow)
    answer = scan(api_for("gate_keeper"), gate, row.code, at=timezone.now()).json()
    assert (answer["verdict"], answer["reasons"]) == ("not_yet_valid", ["not_yet_valid"])


@pytest.mark.parametrize("at", ["1970-01-01T00:00:00+00:00", "2000-01-01T08:00:00+08:00"])
def test_a_scan_dated_long_ago_is_refused_not_judged(world, gate, api_for, at):
    body = {
        "gate_id": gate.id,
        "code": issued(world).code,
        "temperature": 36.5,
        "client_id": str(uuid.uuid4()),
        "scanned_at": at,
    }
    response = api_for("gate_keeper").post("/api/v1/gate/scans", json.dumps(body), content_type="application/json")
    assert response.status_code == 422 and "30 天前" in response.json()["detail"]["scanned_at"][0]
    assert not Pass.objects.exists()


def test_how_long_ago_a_scan_may_be_dated_is_a_setting(world, gate, api_for, settings):
    settings.SCAN_MAX_AGE_DAYS = 2
    code = issued(world).code
    old = scan(api_for("gate_keeper"), gate, code, at=timezone.now() - datetime.timedelta(days=3))
    assert old.status_code == 422 and "2 天前" in old.json()["detail"]["scanned_at"][0]
    assert scan(api_for("gate_keeper"), gate, code, at=timezone.now() - datetime.timedelta(days=1)).status_code == 200


def test_a_key_of_one_community_cannot_sign_for_another(world, gate, api_for):
    key = SigningKey.current(world.liulichang)
    payload = codec.Permit(issued(world).pk, world.xiangchang.code, "张*明", "1-1-101", 0, 2**40, b"")
    assert (
        scan(api_for("gate_keeper"), gate, codec.encode(payload, bytes(key.kid), key.private)).json()["verdict"]
        == "forged"
    )


def test_a_rotated_key_keeps_verifying_until_retired(world, gate, api_for):
    old = issued(world)
    SigningKey.create_for(world.xiangchang)
    assert scan(api_for("gate_keeper"), gate, old.code).json()["verdict"] == "admit"
    SigningKey.objects.filter(pk=old.key_id).update(retired_at=timezone.now())
    KEYS.entries.clear()
    assert scan(api_for("gate_keeper"), gate, old.code).json()["verdict"] == "unknown_issuer"


def test_private_keys_are_encrypted_at_rest(world):
    key = SigningKey.current(world.xiangchang)
    raw = key.private.private_bytes_raw()
    assert raw not in bytes(key.private_key_encrypted)


def test_the_same_client_id_twice_is_one_pass(world, gate, api_for):
    client_id = uuid.uuid4()
    code = issued(world).code
    first = scan(api_for("gate_keeper"), gate, code, client_id=client_id).json()
    second = scan(api_for("gate_keeper"), gate, code, client_id=client_id).json()
    assert first["pass_id"] == second["pass_id"] and Pass.objects.filter(client_id=client_id).count() == 1


@pytest.mark.parametrize("temperature", [3.66, 366, "36,6"])
def test_a_mistyped_temperature_is_refused(world, gate, api_for, temperature):
    response = scan(api_for("gate_keeper"), gate, issued(world).code, temperature=temperature)
    assert response.status_code == 422 and not Pass.objects.exists()


def test_a_scan_dated_a_day_ahead_is_refused(world, gate, api_for):
    response = scan(api_for("gate_keeper"), gate, issued(world).code, at=timezone.now() + datetime.timedelta(days=1))
    assert response.status_code == 422 and "未来" in response.json()["detail"]["scanned_at"][0]


def test_a_huge_code_is_refused(world, gate, api_for):
    assert scan(api_for("gate_keeper"), gate, "FX1:" + "A" * 10_000_000).status_code in (400, 413, 422)


def test_a_keeper_not_posted_to_the_gate_is_refused(world, gate, api_for, django_user_model):
    other = Gate.objects.create(community=world.xiangchang, name="北门")
    assert scan(api_for("gate_keeper"), other, issued(world).code).status_code == 403
    assert scan(api_for("outsider"), gate, issued(world).code).status_code == 404


def test_a_batch_keeps_every_good_scan_and_names_each_bad_one(world, gate, api_for):
    good = [
        {
            "gate_id": gate.id,
            "code": issued(world).code,
            "temperature": 36.5,
            "client_id": str(uuid.uuid4()),
            "scanned_at": timezone.now().isoformat(),
        }
        for _ in range(3)
    ]
    bad = dict(good[0], client_id=str(uuid.uuid4()), temperature=366)
    late = dict(
        good[0], client_id=str(uuid.uuid4()), scanned_at=(timezone.now() + datetime.timedelta(days=1)).isoformat()
    )
    body = {"scans": [good[0], bad, good[1], late, good[2], {"nonsense": True}]}
    response = api_for("gate_keeper").post(
        "/api/v1/gate/scans/batch", json.dumps(body), content_type="application/json"
    )
    results = response.json()["results"]
    assert [("error" in r) for r in results] == [False, True, False, True, False, True]
    assert Pass.objects.count() == 3
    again = (
        api_for("gate_keeper")
        .post("/api/v1/gate/scans/batch", json.dumps(body), content_type="application/json")
        .json()["results"]
    )
    assert Pass.objects.count() == 3 and [r.get("pass_id") for r in again] == [r.get("pass_id") for r in results]


def test_a_batch_of_5001_is_refused(world, gate, api_for):
    body = {"scans": [{}] * 5001}
    assert (
        api_for("gate_keeper")
        .post("/api/v1/gate/scans/batch", json.dumps(body), content_type="application/json")
        .status_code
        == 422
    )


def test_a_visitor_is_registered_with_a_temperature(world, gate, api_for):
    body = {
        "gate_id": gate.id,
        "kind": "courier",
        "name": "王师傅",
        "phone": "13900001111",
        "reason": "快递",
        "temperature": 37.5,
        "client_id": str(uuid.uuid4()),
        "scanned_at": timezone.now().isoformat(),
        "dwelling_id": world.dwelling(world.xiangchang).id,
    }
    response = api_for("gate_keeper").post("/api/v1/gate/visitors", json.dumps(body), content_type="application/json")
    assert response.status_code == 200 and response.json()["verdict"] == "fever"


def test_permits_are_issued_by_the_registry_roles(world, api_for):
    resident = world.resident(world.xiangchang)
    response = api_for("secretary").post(
        "/api/v1/permits", json.dumps({"resident_id": resident.id}), content_type="application/json"
    )
    assert response.status_code == 201 and response.json()["code"].startswith("FX1:")
    assert (
        api_for("gate_keeper")
        .post("/api/v1/permits", json.dumps({"resident_id": resident.id}), content_type="application/json")
        .status_code
        == 404
    )


def test_gates_lists_where_the_caller_may_scan(world, gate, api_for):
    assert [g["id"] for g in api_for("gate_keeper").get("/api/v1/gates").json()] == [gate.id]
    assert api_for("outsider").get("/api/v1/gates").json() == []


def test_a_batch_from_someone_not_posted_stores_nothing(world, gate, api_for):
    body = {
        "scans": [
            {
                "gate_id": gate.id,
                "code": issued(world).code,
                "client_id": str(uuid.uuid4()),
                "scanned_at": timezone.now().isoformat(),
            }
        ]
    }
    results = (
        api_for("health_worker")
        .post("/api/v1/gate/scans/batch", json.dumps(body), content_type="application/json")
        .json()["results"]
    )
    assert "error" in results[0] and not Pass.objects.exists()


def test_a_gate_the_keeper_may_not_use_is_told_alike_in_a_batch_and_alone(world, gate, api_for):
    elsewhere = Gate.objects.create(community=world.liulichang, name="琉璃厂东门")
    unposted = Gate.objects.create(community=world.xiangchang, name="北门")
    for other in (elsewhere, unposted):
        alone = scan(api_for("gate_keeper"), other, issued(world).code)
        item = {
            "gate_id": other.id,
            "code": issued(world).code,
            "temperature": 36.5,
            "client_id": str(uuid.uuid4()),
            "scanned_at": timezone.now().isoformat(),
        }
        batch = api_for("gate_keeper").post(
            "/api/v1/gate/scans/batch", json.dumps({"scans": [item]}), content_type="application/json"
        )
        assert batch.json()["results"][0]["error"] == alone.json()["detail"]
    unknown = {
        "gate_id": 999999,
        "code": issued(world).code,
        "temperature": 36.5,
        "client_id": str(uuid.uuid4()),
        "scanned_at": timezone.now().isoformat(),
    }
    batch = api_for("gate_keeper").post(
        "/api/v1/gate/scans/batch", json.dumps({"scans": [unknown]}), content_type="application/json"
    )
    assert (
        batch.json()["results"][0]["error"]
        == scan(api_for("gate_keeper"), elsewhere, issued(world).code).json()["detail"]
    )
    assert not Pass.objects.exists()


def test_a_typed_permit_number_is_judged_from_the_stored_code(world, gate, api_for):
    row = issued(world)
    body = {
        "gate_id": gate.id,
        "permit_id": row.id,
        "temperature": 36.5,
        "client_id": str(uuid.uuid4()),
        "scanned_at": timezone.now().isoformat(),
    }
    answer = api_for("gate_keeper").post("/api/v1/gate/scans", json.dumps(body), content_type="application/json").json()
    assert answer["verdict"] == "admit" and answer["holder"]["permit_id"] == row.id
    body["permit_id"], body["client_id"] = 999999, str(uuid.uuid4())
    unknown = (
        api_for("gate_keeper").post("/api/v1/gate/scans", json.dumps(body), content_type="application/json").json()
    )
    assert (unknown["verdict"], unknown["holder"], unknown["reasons"]) == (
        "not_accepted_here",
        {},
        ["not_accepted_here", "unknown_number"],
    )


def test_a_steward_rotates_and_retires_keys_in_the_admin(world, gate, api_for, admin_client):
    old = issued(world)
    admin_client.post("/admin/gate/signingkey/", {"action": "add_key", "_selected_action": [old.key_id]})
    assert SigningKey.objects.filter(community=world.xiangchang).count() == 2
    new = issued(world)
    assert new.key_id != old.key_id
    admin_client.post("/admin/gate/signingkey/", {"action": "retire", "_selected_action": [old.key_id]})
    KEYS.entries.clear()
    assert scan(api_for("gate_keeper"), gate, old.code).json()["verdict"] == "unknown_issuer"
    assert scan(api_for("gate_keeper"), gate, new.code).json()["verdict"] == "admit"


def test_a_pass_inserted_on_the_fast_path_reads_back_exactly(world, gate):
    from decimal import Decimal

    from fangxian.gate.api import insert_one

    row = issued(world)
    client_id = uuid.uuid4()
    at = timezone.now().replace(microsecond=123456)
    p = Pass(
        gate=gate,
        kind="permit",
        verdict="fever",
        reasons=["fever", "x"],
        direction="both",
        temperature=Decimal("37.4"),
        permit=row,
        claimed_permit_id=row.id,
        issuer_code="110102015001",
        holder="张*明",
        scanned_at=at,
        keeper=world.users["gate_keeper"],
        client_id=client_id,
    )
    insert_one(p)
    back = Pass.objects.get(pk=p.pk)
    assert (back.client_id, back.reasons, back.temperature, back.scanned_at, back.permit, back.holder) == (
        client_id,
        ["fever", "x"],
        Decimal("37.4"),
        at,
        row,
        "张*明",
    )


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_a_resent_scan_is_still_one_pass(world, gate, api_for):
    # Production runs in autocommit, where a single scan takes the one-INSERT path and a
    # duplicate client_id surfaces as a conflict on that INSERT.
    client_id = uuid.uuid4()
    code = issued(world).code
    first = scan(api_for("gate_keeper"), gate, code, client_id=client_id).json()
    second = scan(api_for("gate_keeper"), gate, code, client_id=client_id).json()
    assert first["pass_id"] == second["pass_id"] and Pass.objects.filter(client_id=client_id).count() == 1


def test_a_resent_visitor_or_refusal_is_one_pass(world, gate, api_for):
    visitor = {
        "gate_id": gate.id,
        "name": "王师傅",
        "no_temperature": "thermometer_failed",
        "client_id": str(uuid.uuid4()),
        "scanned_at": timezone.now().isoformat(),
    }
    refusal = {
        "gate_id": gate.id,
        "refusal": "no_mask",
        "client_id": str(uuid.uuid4()),
        "scanned_at": timezone.now().isoformat(),
    }
    for path, body in (("/api/v1/gate/visitors", visitor), ("/api/v1/gate/refusals", refusal)):
        first = api_for("gate_keeper").post(path, json.dumps(body), content_type="application/json").json()
        again = api_for("gate_keeper").post(path, json.dumps(body), content_type="application/json").json()
        assert first["id"] == again["id"]
    assert Pass.objects.count() == 2
