"""The case API: a case taken in, its whole path one step at a time (photos as base64, retries
by client_id kept once), refusals told as 4xx with the field, the list's filters, and another
street's cases not found."""

from __future__ import annotations

import base64
import datetime
import json
import uuid

import pytest
from django.utils import timezone

from fangxian.accounts.models import AuditEvent
from fangxian.casework import handling
from fangxian.casework.models import Case, Category, Photo

from .conftest import jpeg, make_case, unfounded_case

pytestmark = pytest.mark.django_db


def post(client, path: str, body: dict):
    return client.post(f"/api/v1{path}", data=json.dumps(body), content_type="application/json")


def b64(content: bytes) -> str:
    return "data:image/jpeg;base64," + base64.b64encode(content).decode()


def new_case(world, **changes) -> dict:
    return {
        "category": "entrance-order",
        "source": "hotline",
        "what": "石佛营东里小区门口秩序混乱",
        "building_id": world.building(world.xiangchang, "1").id,
        "reporter_name": "王女士",
        "reporter_phone": "13911112222",
        "hotline_number": "GD2026120100017",
    } | changes


def test_a_case_is_taken_in_once_however_often_it_is_sent(world, api_for):
    client = api_for("secretary")
    body = new_case(world, client_id=str(uuid.uuid4()), photos=[b64(jpeg())])
    first = post(client, "/cases", body)
    assert first.status_code == 201, first.content
    again = post(client, "/cases", body)
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
    shown = first.json()
    assert shown["reporter_phone"] == "139****2222" and shown["community_id"] == world.xiangchang.id
    assert shown["state"] == "received" and shown["next"][0] == "assign" and len(shown["steps"][0]["photos"]) == 1
    assert Case.objects.count() == 1


def test_the_whole_path_one_step_at_a_time(world, api_for):
    secretary, grid = api_for("secretary"), api_for("grid_worker")
    case = post(secretary, "/cases", new_case(world)).json()
    steps = f"/cases/{case['id']}/steps"
    colleague = next(c for c in case["colleagues"] if c["username"] == "grid_worker")
    assert post(secretary, steps, {"action": "assign", "to": colleague["id"]}).status_code == 201
    visit = {"action": "visit", "note": "观察20分钟，秩序良好", "photos": [b64(jpeg())], "client_id": str(uuid.uuid4())}
    assert post(grid, steps, visit).status_code == 201
    assert post(grid, steps, visit).status_code == 201  # the phone sent it again: kept once
    unfounded = post(grid, steps, {"action": "unfounded", "note": "现场秩序良好，反映不属实"})
    assert unfounded.json()["state"] == "unfounded" and "callback" in unfounded.json()["next"]
    number = post(grid, f"/cases/{case['id']}/callback-number", {})
    assert number.status_code == 200 and number.json() == {"value": "13911112222"}
    assert AuditEvent.objects.filter(action="reveal_phone", target_type="case", detail__via="api").count() == 1
    assert post(grid, steps, {"action": "callback", "result": "satisfied"}).json()["state"] == "called_back"
    closed = post(grid, steps, {"action": "close"}).json()
    assert closed["state"] == "closed" and closed["callback"] == "satisfied"
    assert [s["action"] for s in closed["steps"]] == ["receive", "assign", "visit", "unfounded", "callback", "close"]
    assert Photo.objects.filter(step__case_id=case["id"]).count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"action": "close"}, "reason"),
        ({"action": "visit"}, "note"),
        ({"action": "callback", "result": "satisfied"}, "__all__"),
        ({"action": "pass", "note": "要城管"}, "agency"),
        ({"action": "assign", "to": 999999}, "to"),
        ({"action": "fly"}, "action"),
        ({"action": "note", "note": "x", "client_id": "not-a-uuid"}, "client_id"),
        ({"action": "visit", "note": "x", "photos": ["!!!"]}, "photos"),
        ({"action": "visit", "note": "x", "photos": [b64(b"%PDF-1.4")]}, "photos"),
        ({"action": "visit", "note": "x", "photos": [b64(jpeg()[:300])]}, "photos"),
        ({"action": "visit", "note": "x", "photos": [b64(jpeg())] * 7}, "photos"),
        ({"action": "note", "note": "x" * 2001}, "note"),
    ],
    ids=lambda v: v if isinstance(v, str) else v["action"],
)
def test_a_refused_step_says_why_and_changes_nothing(world, api_for, body, field):
    case = make_case(world)
    response = post(api_for("secretary"), f"/cases/{case.id}/steps", body)
    assert response.status_code == 422, response.content
    assert field in response.json()["detail"]
    case.refresh_from_db()
    assert case.state == "received" and case.steps.count() == 1


def test_a_huge_photo_is_refused(world, api_for, settings):
    settings.PHOTO_MAX_BYTES = 2048
    case = make_case(world)
    response = post(
        api_for("secretary"),
        f"/cases/{case.id}/steps",
        {"action": "visit", "note": "x", "photos": [b64(jpeg((2000, 2000)))]},
    )
    assert response.status_code == 422 and "photos" in response.json()["detail"]


def test_a_new_case_refused_says_why(world, api_for):
    client = api_for("secretary")
    assert "category" in post(client, "/cases", new_case(world, category="nope")).json()["detail"]
    assert "reporter_phone" in post(client, "/cases", new_case(world, reporter_phone="12")).json()["detail"]
    assert post(client, "/cases", new_case(world, building_id=2**63)).status_code == 422
    # A dwelling of another street is not found; the street's own cases are not the secretary's.
    other = world.dwelling(world.liulichang)
    assert post(client, "/cases", new_case(world, building_id=None, dwelling_id=other.id)).status_code == 404
    assert post(client, "/cases", new_case(world, building_id=None, hotline_number="")).status_code == 422
    assert not Case.objects.exists()


def test_the_street_keeps_what_no_community_owns(world, api_for):
    body = new_case(world, building_id=None)
    made = post(api_for("street_admin"), "/cases", body)
    assert made.status_code == 201 and made.json()["community_id"] is None
    assert made.json()["street_id"] == world.tianqiao.id
    assert (
        post(
            api_for("street_admin"), "/cases", body | {"street_id": world.chunshu.id, "hotline_number": "x"}
        ).status_code
        == 404
    )


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {c["id"] for c in response.json()["items"]}


def test_the_list_filters(world, api_for):
    late = make_case(world, "超期", received_at=timezone.now() - datetime.timedelta(days=20))
    handled = unfounded_case(world)
    street = handling.receive(
        street=world.tianqiao, category=Category.objects.get(code="other"), what="x", source="phone"
    )
    admin = api_for("street_admin")
    everything = admin.get("/api/v1/cases").json()
    assert everything["count"] == 3 and everything["items"][0]["id"] == street.pk  # newest first
    assert ids(admin.get("/api/v1/cases?overdue=true")) == {late.pk}
    assert ids(admin.get("/api/v1/cases?state=to_call_back")) == {handled.pk}
    assert ids(admin.get("/api/v1/cases?state=open")) == {late.pk, street.pk}
    assert ids(admin.get("/api/v1/cases?community=street")) == {street.pk}
    assert ids(admin.get(f"/api/v1/cases?community={world.xiangchang.id}")) == {late.pk, handled.pk}
    assert ids(admin.get("/api/v1/cases?category=other")) == {street.pk}
    assert ids(api_for("grid_worker").get("/api/v1/cases?mine=true")) == {handled.pk}
    wrongs = (
        "state=lost",
        "source=fax",
        "category=nope",
        "community=abc",
        f"community={2**64}",
        "limit=0",
        "overdue=maybe",
    )
    for wrong in wrongs:
        assert admin.get(f"/api/v1/cases?{wrong}").status_code == 422, wrong


def test_another_streets_case_is_not_found(world, api_for):
    case = unfounded_case(world)
    outsider = api_for("outsider")
    assert outsider.get(f"/api/v1/cases/{case.id}").status_code == 404
    assert post(outsider, f"/api/v1/cases/{case.id}/steps", {"action": "note", "note": "x"}).status_code == 404
    assert post(outsider, f"/api/v1/cases/{case.id}/callback-number", {}).status_code == 404
    assert case.pk not in ids(outsider.get("/api/v1/cases"))
    assert api_for("secretary").get(f"/api/v1/cases/{2**63}").status_code == 422


def test_the_number_waits_for_the_callback(world, api_for):
    case = make_case(world)
    assert (
        post(api_for("secretary"), f"/api/v1/cases/{case.id}/callback-number".removeprefix("/api/v1"), {}).status_code
        == 403
    )
    assert not AuditEvent.objects.filter(target_type="case").exists()


def test_the_categories_carry_their_deadlines(world, api_for):
    found = {c["code"]: c for c in api_for("liaison").get("/api/v1/case-categories").json()}
    assert {"entrance-order", "rectification-overdue", "business-reopening", "other"} <= set(found)
    assert found["entrance-order"]["respond_unit"] in ("hours", "days")
