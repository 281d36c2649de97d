import base64
import io
import json
import uuid

import pytest
from PIL import Image

from fangxian.kits import distributing
from fangxian.kits.models import Distribution, Recipient
from fangxian.supplies.models import Movement

from .conftest import signature_url


def post(client, path, body):
    return client.post(path, data=json.dumps(body), content_type="application/json")


def hand_over_path(recipient) -> str:
    return f"/api/v1/kits/{recipient.distribution_id}/recipients/{recipient.pk}/hand-over"


def photo_url(kind="JPEG", size=(64, 48)) -> str:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 10, 10)).save(out, format=kind)
    return f"data:image/{kind.lower()};base64," + base64.b64encode(out.getvalue()).decode()


def test_a_secretary_creates_a_distribution_by_tags(world, api_for, kit):
    answer = post(
        api_for("secretary"),
        "/api/v1/kits",
        {
            "community_id": world.xiangchang.pk,
            "name": "独居老人应急包",
            "store_id": kit["office"].pk,
            "contents": [
                {"item_id": kit["thermometer"].pk, "amount": "1"},
                {"item_id": kit["masks"].pk, "amount": "0.5", "unit": "箱"},
                {"item_id": kit["alcohol"].pk, "amount": "1", "unit": "斤"},
            ],
            "tags": ["elderly_alone"],
        },
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["counts"] == {"total": 3, "handed_over": 0, "pending": 3, "left_out": 0}
    assert [c["shown"] for c in body["contents"]] == ["1 支", "10 个", "1 斤"]


def test_another_communitys_item_or_store_is_refused(world, api_for, kit):
    from fangxian.supplies.models import Item, Store

    theirs = Store.objects.create(community=world.yongan, name="社区办公室")
    item = Item.objects.create(community=world.yongan, name="口罩", unit="个")
    base = {"community_id": world.xiangchang.pk, "name": "包", "tags": ["elderly_alone"]}
    client = api_for("secretary")
    answer = post(
        client,
        "/api/v1/kits",
        base | {"store_id": theirs.pk, "contents": [{"item_id": kit["masks"].pk, "amount": "1"}]},
    )
    assert answer.status_code == 422
    answer = post(
        client, "/api/v1/kits", base | {"store_id": kit["office"].pk, "contents": [{"item_id": item.pk, "amount": "1"}]}
    )
    assert answer.status_code == 422
    assert not Distribution.objects.exists()


def test_other_communities_ids_are_404(world, api_for, distribution):
    recipient = distribution.recipients.first()
    client = api_for("outsider")
    assert client.get(f"/api/v1/kits/{distribution.pk}").status_code == 404
    assert client.get(f"/api/v1/kits/{distribution.pk}/recipients").status_code == 404
    assert post(client, hand_over_path(recipient), {"signature": signature_url()}).status_code == 404
    assert post(client, f"/api/v1/kits/{distribution.pk}/close", {}).status_code == 404
    # A recipient named under another distribution's id is not found either.
    assert (
        post(
            api_for("volunteer"),
            f"/api/v1/kits/{distribution.pk + 1}/recipients/{recipient.pk}/hand-over",
            {"signature": signature_url()},
        ).status_code
        == 404
    )


def test_a_volunteer_hands_over_and_a_second_is_told_who(world, api_for, distribution):
    recipient = distribution.recipients.first()
    client_id = str(uuid.uuid4())
    volunteer = api_for("volunteer")
    first = post(volunteer, hand_over_path(recipient), {"signature": signature_url(), "client_id": client_id})
    assert first.status_code == 200, first.content
    assert first.json()["state"] == "handed_over" and first.json()["handed_over_by"] == "volunteer"
    again = post(volunteer, hand_over_path(recipient), {"signature": signature_url(), "client_id": client_id})
    assert again.status_code == 200 and again.json() == first.json()
    second = post(api_for("secretary"), hand_over_path(recipient), {"signature": signature_url()})
    assert second.status_code == 409 and "volunteer" in second.json()["detail"]
    assert Movement.objects.filter(kind="issue").count() == 3


def test_a_short_store_is_refused_with_the_ledgers_reason(world, api_for, kit, distribution):
    from fangxian.supplies import ledger

    ledger.issue(kit["alcohol"], kit["office"], 10 * 500, to_person="南门")
    recipient = distribution.recipients.first()
    answer = post(api_for("volunteer"), hand_over_path(recipient), {"signature": signature_url()})
    assert answer.status_code == 422 and "酒精" in json.dumps(answer.json(), ensure_ascii=False)
    assert Recipient.objects.get(pk=recipient.pk).state == "pending"


def test_volunteers_read_names_masked_and_addresses_whole(world, api_for, distribution, kit):
    rows = api_for("volunteer").get(f"/api/v1/kits/{distribution.pk}/recipients").json()
    name = kit["alone"][0].name
    assert rows["count"] == 3
    assert rows["items"][0]["name"] == name[0] + "*" * (len(name) - 2) + name[-1]
    assert rows["items"][0]["address"] == kit["alone"][0].dwelling.label
    assert api_for("secretary").get(f"/api/v1/kits/{distribution.pk}/recipients").json()["items"][0]["name"] == name


def test_a_grid_worker_serves_only_their_grid(world, api_for, distribution, kit):
    rows = api_for("grid_worker").get(f"/api/v1/kits/{distribution.pk}/recipients").json()
    assert rows["count"] == 2  # building 1 is grid G1
    other = distribution.recipients.get(dwelling=kit["alone"][2].dwelling)
    assert post(api_for("grid_worker"), hand_over_path(other), {"signature": signature_url()}).status_code == 404


def test_close_is_refused_with_pending_households_then_closes_with_reasons(world, api_for, distribution):
    client = api_for("secretary")
    refused = post(client, f"/api/v1/kits/{distribution.pk}/close", {})
    assert refused.status_code == 422 and "3" in json.dumps(refused.json())
    reasons = {str(r.pk): "住院" for r in distribution.recipients.all()}
    closed = post(client, f"/api/v1/kits/{distribution.pk}/close", {"reasons": reasons})
    assert closed.status_code == 200 and closed.json()["closed_at"]
    assert closed.json()["counts"]["left_out"] == 3
    reopened = post(client, f"/api/v1/kits/{distribution.pk}/reopen", {"reason": "出院了"})
    assert reopened.status_code == 200 and reopened.json()["closed_at"] is None


def test_rollup_gives_counts_only(world, api_for, distribution):
    answer = api_for("district_admin").get("/api/v1/kits/rollup?by=district")
    assert answer.json() == {
        "by": "district",
        "rows": [
            {"id": world.district.pk, "distributions": 1, "total": 3, "handed_over": 0, "pending": 3, "left_out": 0}
        ],
    }
    assert api_for("district_admin").get("/api/v1/kits/rollup?by=planet").status_code == 422


@pytest.mark.parametrize(
    "body",
    [
        {"signature": "data:image/png;base64,AAAA"},  # not a PNG
        {"signature": "data:image/png;base64,@@@"},  # not base64
        {"signature": "data:text/html;base64,PGgxPg=="},
        {"signature": "javascript:alert(1)"},
        {"signature": signature_url()[:200]},  # truncated
        {"signature": signature_url(drawn=False)},  # nothing drawn
        {"signature": signature_url(size=(4000, 10))},  # not a signature's size
        {"signature": "data:image/png;base64," + "A" * 400_000},  # too large
        {"signature": signature_url(), "photo": photo_url()},  # both
        {"photo": "data:image/jpeg;base64," + base64.b64encode(b"GIF89a" + b"\0" * 100).decode()},
        {"photo": photo_url()[:120]},  # truncated JPEG
        {"photo": "data:image/gif;base64,R0lGODlhAQABAAAAACw="},
        {},
        {"signature": 5},
    ],
)
def test_hostile_proofs_are_refused_with_a_reason(world, api_for, distribution, body):
    recipient = distribution.recipients.first()
    answer = post(api_for("volunteer"), hand_over_path(recipient), body)
    assert answer.status_code == 422, answer.content
    assert answer.json()["detail"]
    assert Recipient.objects.get(pk=recipient.pk).state == "pending"
    assert not Movement.objects.filter(kind="issue").exists()


def test_a_photo_is_cleaned_like_a_residents(world, api_for, distribution):
    recipient = distribution.recipients.first()
    answer = post(api_for("volunteer"), hand_over_path(recipient), {"photo": photo_url("PNG", (1200, 900))})
    assert answer.status_code == 200, answer.content
    stored = Recipient.objects.get(pk=recipient.pk)
    assert stored.how == "photo"
    with stored.proof.open("rb") as f:
        image = Image.open(f)
        assert image.format == "JPEG" and max(image.size) == 600


def test_a_huge_photo_is_refused(world, api_for, distribution, settings):
    settings.PHOTO_MAX_BYTES = 2048
    answer = post(
        api_for("volunteer"),
        hand_over_path(distribution.recipients.first()),
        {"photo": photo_url("PNG", (400, 400)) + "A" * 4000},
    )
    assert answer.status_code == 422


def test_leave_out_needs_a_reason(world, api_for, distribution):
    recipient = distribution.recipients.first()
    path = f"/api/v1/kits/{distribution.pk}/recipients/{recipient.pk}/leave-out"
    assert post(api_for("volunteer"), path, {"reason": ""}).status_code == 422
    answer = post(api_for("volunteer"), path, {"reason": "去子女家住"})
    assert answer.status_code == 200 and answer.json()["state"] == "left_out"


def test_distributing_module_has_the_four_tags():
    assert [t for t, _ in distributing.tag_choices()] == ["elderly_alone", "disabled", "pregnant", "dialysis"]


def test_the_list_of_distributions_is_paginated_with_counts(world, api_for, distribution):
    answer = api_for("street_admin").get("/api/v1/kits?limit=1").json()
    assert answer["count"] == 1
    assert answer["items"][0]["counts"] == {"total": 3, "handed_over": 0, "pending": 3, "left_out": 0}
    assert api_for("outsider").get("/api/v1/kits").json() == {"items": [], "count": 0}
