"""The gate is not a back door to the registry, and trust between communities is granted,
never taken: what an outside tester found, each tried as another street's keeper."""

import json
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.utils import timezone

from conftest import trusting
from fangxian.accounts.models import AuditEvent, Role
from fangxian.gate import bundle, permits
from fangxian.gate.models import Gate, Pass, TrustGrant
from fangxian.watch import observations


@pytest.fixture
def market(world):
    """Xiangchang Road's market gate, which Yong'an Road trusts; Liulichang (another street) has not."""
    gate = Gate.objects.create(community=world.xiangchang, name="菜市场门")
    gate.keepers.add(world.users["gate_keeper"])
    return trusting(gate, world.yongan)


@pytest.fixture
def their_gate(world, django_user_model):
    """Another street's keeper at a gate of her own (Liulichang's)."""
    keeper = django_user_model.objects.create_user("their_keeper", password="x")
    Role.objects.create(user=keeper, kind=Role.Kind.GATE_KEEPER, community=world.liulichang)
    gate = Gate.objects.create(community=world.liulichang, name="琉璃厂门")
    gate.keepers.add(keeper)
    return gate


def post(client, path, body):
    return client.post(path, json.dumps(body), content_type="application/json")


def scan_body(gate, **fields):
    return {
        "gate_id": gate.id,
        "temperature": 36.5,
        "client_id": str(uuid.uuid4()),
        "scanned_at": timezone.now().isoformat(),
        **fields,
    }


def test_typed_numbers_tell_another_streets_keeper_nothing(world, market, their_gate, api_for):
    rows = [permits.issue(world.resident(world.xiangchang, b), None) for b in ("1", "2")]
    observations.start(rows[0].resident, "home", timezone.localdate(), None)
    client = api_for("their_keeper")
    numbers = [r.id for r in rows] + [max(r.id for r in rows) + 1000]  # two real permits and one that does not exist
    answers = post(
        client, "/api/v1/gate/scans/batch", {"scans": [scan_body(their_gate, permit_id=n) for n in numbers]}
    ).json()["results"]
    # The same answer whether the number exists elsewhere or not: no name, no dwelling, no flag.
    assert {(a["verdict"], json.dumps(a["holder"]), tuple(a["reasons"])) for a in answers} == {
        ("not_accepted_here", "{}", ("not_accepted_here", "unknown_number"))
    }
    assert not Pass.objects.filter(gate=their_gate).exclude(holder="").exists()


def test_a_trusted_gate_cannot_read_the_issuers_residents_by_typing_numbers(world, market, api_for):
    """Yong'an trusts the market gate to admit the cards it signed: shown, not typed."""
    theirs = permits.issue(world.resident(world.yongan), None)
    observations.start(theirs.resident, "home", timezone.localdate(), None)
    ours = permits.issue(world.resident(world.xiangchang), None)
    client = api_for("gate_keeper")
    typed = post(client, "/api/v1/gate/scans", scan_body(market, permit_id=theirs.id)).json()
    assert (typed["verdict"], typed["holder"]) == ("not_accepted_here", {})
    shown = post(client, "/api/v1/gate/scans", scan_body(market, code=theirs.code)).json()
    assert shown["verdict"] == "under_observation" and shown["holder"]["name"]
    own = post(client, "/api/v1/gate/scans", scan_body(market, permit_id=ours.id)).json()
    assert own["verdict"] == "admit" and own["holder"]["name"]


def test_a_scanned_permit_of_an_issuer_that_has_not_granted_trust_names_no_one(world, market, their_gate, api_for):
    row = permits.issue(world.resident(world.xiangchang), None)
    permits.revoke(row, "lost")
    answer = post(api_for("their_keeper"), "/api/v1/gate/scans", scan_body(their_gate, code=row.code)).json()
    assert (answer["verdict"], answer["holder"], answer["reasons"]) == ("not_accepted_here", {}, ["not_accepted_here"])


def test_another_gates_client_id_does_not_return_its_pass(world, market, their_gate, api_for):
    mine = scan_body(market, code=permits.issue(world.resident(world.xiangchang), None).code)
    assert post(api_for("gate_keeper"), "/api/v1/gate/scans", mine).status_code == 200
    stolen = scan_body(their_gate, code="x", client_id=mine["client_id"])
    client = api_for("their_keeper")
    single = post(client, "/api/v1/gate/scans", stolen)
    assert single.status_code == 409 and "holder" not in single.json()
    [slot] = post(client, "/api/v1/gate/scans/batch", {"scans": [stolen, scan_body(their_gate, code="y")]}).json()[
        "results"
    ][:1]
    assert set(slot) == {"client_id", "error"}
    visitor = post(client, "/api/v1/gate/visitors", scan_body(their_gate, name="访客", client_id=mine["client_id"]))
    assert visitor.status_code == 409 and Pass.objects.get(client_id=mine["client_id"]).gate == market


def test_another_workers_census_client_id_does_not_return_their_visit(world, api_for):
    from fangxian.watch import census

    campaign = census.create(
        world.xiangchang,
        "第一轮",
        timezone.localdate(),
        timezone.localdate(),
        [world.building(world.xiangchang, "1")],
        None,
    )
    dwelling = world.dwelling(world.xiangchang, "1")
    visit = {
        "dwelling_id": dwelling.id,
        "outcome": "vacant",
        "client_id": str(uuid.uuid4()),
        "visited_at": timezone.now().isoformat(),
    }
    assert (
        "visit_id"
        in post(api_for("grid_worker"), f"/api/v1/campaigns/{campaign.id}/visits", {"visits": [visit]}).json()[
            "results"
        ][0]
    )
    [answer] = post(api_for("secretary"), f"/api/v1/campaigns/{campaign.id}/visits", {"visits": [visit]}).json()[
        "results"
    ]
    assert set(answer) == {"client_id", "error"}


def test_listing_a_community_does_not_make_a_gate_trusted(world, market, api_for):
    # Xiangchang asks Liulichang; until Liulichang's secretary grants it, nothing of hers flows.
    grant = post(api_for("secretary"), "/api/v1/gate/grants", {"gate_id": market.id, "issuer_id": world.liulichang.id})
    assert grant.status_code == 201 and grant.json()["status"] == "asked"
    permits.issue(world.resident(world.liulichang), None)
    data = bundle.build(market)
    liulichang_keys = [k for k in data["keys"] if k["issuer"] == world.liulichang.code]
    assert liulichang_keys and all(not k["accepted"] and "public_key" not in k for k in liulichang_keys)
    assert market.accepted_issuers() == {world.xiangchang.id, world.yongan.id}


def test_the_issuers_secretary_grants_and_revokes_and_both_sides_see_it_audited(world, market, api_for):
    asked = post(api_for("outsider"), "/api/v1/gate/grants", {"gate_id": market.id, "issuer_id": world.liulichang.id})
    assert asked.status_code == 404  # the outsider cannot see Xiangchang's gate at all
    grant_id = post(
        api_for("secretary"), "/api/v1/gate/grants", {"gate_id": market.id, "issuer_id": world.liulichang.id}
    ).json()["id"]
    assert (
        post(api_for("secretary"), f"/api/v1/gate/grants/{grant_id}/grant", {}).status_code == 403
    )  # not hers to grant
    assert post(api_for("outsider"), f"/api/v1/gate/grants/{grant_id}/grant", {}).json()["status"] == "granted"
    assert world.liulichang.id in market.accepted_issuers()
    assert post(api_for("outsider"), f"/api/v1/gate/grants/{grant_id}/end", {}).json()["status"] == "ended"
    assert world.liulichang.id not in market.accepted_issuers()
    actions = set(AuditEvent.objects.filter(target_type="trustgrant").values_list("community__code", "action"))
    assert {
        (c.code, a)
        for c in (world.xiangchang, world.liulichang)
        for a in ("trust_asked", "trust_granted", "trust_ended")
    } <= actions


def test_an_office_above_both_grants_but_an_office_above_one_does_not(world, market, django_user_model):
    from fangxian.gate import trust

    chunshu_admin = django_user_model.objects.create_user("chunshu_admin")
    Role.objects.create(user=chunshu_admin, kind=Role.Kind.STREET_ADMIN, street=world.chunshu)
    assert not trust.may_grant(chunshu_admin, market, world.liulichang.id)  # Liulichang's street, not the gate's
    assert trust.may_grant(world.users["district_admin"], market, world.liulichang.id)
    assert trust.may_grant(world.users["street_admin"], market, world.yongan.id)
    assert not trust.may_grant(world.users["community_worker"], market, world.xiangchang.id)


def test_a_revoked_grant_stops_scans_at_once(world, market, api_for):
    row = permits.issue(world.resident(world.yongan), None)
    client = api_for("gate_keeper")
    assert post(client, "/api/v1/gate/scans", scan_body(market, code=row.code)).json()["verdict"] == "admit"
    TrustGrant.objects.filter(gate=market, issuer=world.yongan).update(status=TrustGrant.Status.ENDED)
    TrustGrant.objects.get(
        gate=market, issuer=world.yongan
    ).save()  # as trust.end does: the save bumps the access version
    answer = post(client, "/api/v1/gate/scans", scan_body(market, code=row.code)).json()
    assert (answer["verdict"], answer["holder"]) == ("not_accepted_here", {})


def test_holders_photos_follow_grants(world, market, client_for):
    yongan = world.resident(world.yongan)
    yongan.photo.save("p.jpg", ContentFile(b"\xff\xd8jpeg"), save=True)
    row = permits.issue(yongan, None)
    keeper = client_for("gate_keeper")
    assert keeper.get(f"/gate/permits/{row.id}/photo/").status_code == 200
    TrustGrant.objects.get(gate=market, issuer=world.yongan).delete()
    assert keeper.get(f"/gate/permits/{row.id}/photo/").status_code == 404


def test_the_trust_page_lets_the_issuer_decide(world, market, client_for):
    grant = TrustGrant.objects.create(
        gate=market, issuer=world.liulichang, asked_by=get_user_model().objects.get(username="secretary")
    )
    page = client_for("outsider").get("/gate/trust/")
    assert page.status_code == 200 and market.name in page.content.decode()
    assert client_for("outsider").post(f"/gate/trust/{grant.id}/grant/").status_code == 302
    grant.refresh_from_db()
    assert grant.status == "granted" and grant.granted_by.username == "outsider"
    assert client_for("gate_keeper").post(f"/gate/trust/{grant.id}/end/").status_code == 404
