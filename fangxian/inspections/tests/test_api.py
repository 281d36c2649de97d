import base64
import datetime
import json
import uuid

import pytest
from django.utils import timezone

from fangxian.inspections import rules
from fangxian.inspections.models import Finding, Inspection, Template

from .conftest import jpeg, make_business, make_round, visit


def send(client, path, body):
    return client.post(path, data=json.dumps(body), content_type="application/json")


@pytest.fixture
def shop(world):
    return make_business(world)


@pytest.fixture
def round_(world, shop):
    return make_round(world, [shop])


def body_for(round_, shop, failing=(), photo=None, **extra):
    template = Template.current(shop.kind)
    findings = []
    for item in template.items.all():
        f = {"item_id": item.pk, "result": "pass"}
        if item.code in failing:
            f.update(
                result="fail",
                note="无消毒记录",
                deadline=(timezone.localdate() + datetime.timedelta(days=2)).isoformat(),
            )
            if photo:
                f["photo"] = photo
        findings.append(f)
    return {
        "client_id": str(uuid.uuid4()),
        "round_id": round_.pk,
        "business_id": shop.pk,
        "template_id": template.pk,
        "findings": findings,
        **extra,
    }


def test_an_inspection_sent_twice_is_stored_once(world, api_for, shop, round_):
    api = api_for("grid_worker")
    photo = "data:image/jpeg;base64," + base64.b64encode(jpeg()).decode()
    body = body_for(round_, shop, failing={"disinfection-log"}, photo=photo)
    first = send(api, "/api/v1/inspections", body)
    assert first.status_code == 201, first.content
    again = send(api, "/api/v1/inspections", body)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert Inspection.objects.count() == 1
    [failed] = [f for f in first.json()["findings"] if f["result"] == "fail"]
    assert failed["has_photo"] and failed["to_rectify"]


def test_what_the_server_refuses_is_said_by_field(world, api_for, shop, round_):
    api = api_for("secretary")
    body = body_for(round_, shop, failing={"supplies"})
    body["findings"][1].pop("deadline")
    answer = send(api, "/api/v1/inspections", body)
    assert answer.status_code == 422 and "findings.1" in answer.json()["detail"]
    rules.close_round(round_, world.users["secretary"])
    answer = send(api, "/api/v1/inspections", body_for(round_, shop))
    assert answer.status_code == 422 and "round_id" in answer.json()["detail"]


@pytest.mark.parametrize(
    "photo",
    ["bm90IGFuIGltYWdl", "!!!not base64!!!", "data:image/png;base64," + base64.b64encode(b"GIF89a" * 10).decode()],
)
def test_a_hostile_photo_is_422(world, api_for, shop, round_, photo):
    answer = send(
        api_for("secretary"), "/api/v1/inspections", body_for(round_, shop, failing={"supplies"}, photo=photo)
    )
    assert answer.status_code == 422 and "findings.1" in answer.json()["detail"]
    assert not Finding.objects.exists()


def test_another_streets_ids_are_404(world, api_for, shop, round_):
    outsider = api_for("outsider")
    assert outsider.get(f"/api/v1/inspections/rounds/{round_.pk}").status_code == 404
    assert send(outsider, "/api/v1/inspections", body_for(round_, shop)).status_code == 404
    done = visit(world, round_, shop)
    assert outsider.get(f"/api/v1/inspections/{done.pk}").status_code == 404
    # Its client_id sent again from outside answers nothing of it either.
    again = body_for(round_, shop) | {"client_id": str(done.client_id)}
    assert send(outsider, "/api/v1/inspections", again).status_code == 404


def test_a_revisit_through_the_api(world, api_for, shop, round_):
    inspection = visit(world, round_, shop, failing={"disinfection-log"})
    [failed] = inspection.findings.filter(result="fail")
    api = api_for("community_worker")
    left = api.get(f"/api/v1/inspections/findings?business_id={shop.pk}").json()
    assert [f["id"] for f in left] == [failed.pk]
    body = {"client_id": str(uuid.uuid4()), "findings": [{"finding_id": failed.pk, "result": "pass"}]}
    answer = send(api, f"/api/v1/inspections/businesses/{shop.pk}/revisits", body)
    assert answer.status_code == 201 and answer.json()["kind"] == "revisit"
    assert send(api, f"/api/v1/inspections/businesses/{shop.pk}/revisits", body).status_code == 200
    assert api.get(f"/api/v1/inspections/findings?business_id={shop.pk}").json() == []
    passed = inspection.findings.filter(result="pass").first()
    body = {"client_id": str(uuid.uuid4()), "findings": [{"finding_id": passed.pk, "result": "pass"}]}
    assert send(api, f"/api/v1/inspections/businesses/{shop.pk}/revisits", body).status_code == 422


def test_the_bundle_holds_the_rounds_checklists_and_rectifications(world, api_for, shop, round_):
    visit(world, round_, shop, failing={"supplies"})
    bundle = api_for("grid_worker").get("/api/v1/inspections/bundle").json()
    [row] = bundle["rounds"]
    assert row["businesses"][0]["id"] == shop.pk and row["businesses"][0]["visits"] == 1
    assert bundle["templates"]["shop"]["id"] == Template.current("shop").pk
    assert [f["business_id"] for f in bundle["rectify"]] == [shop.pk]


def test_a_round_set_up_and_closed_through_the_api(world, api_for, shop):
    api = api_for("street_admin")
    body = {
        "name": "天桥街道复工检查",
        "street_id": world.tianqiao.pk,
        "starts_on": timezone.localdate().isoformat(),
        "ends_on": timezone.localdate().isoformat(),
        "business_ids": [shop.pk],
    }
    assert send(api, "/api/v1/inspections/rounds", body | {"visits": True}).status_code == 422
    made = send(api, "/api/v1/inspections/rounds", body)
    assert made.status_code == 201 and made.json()["totals"]["wanted"] == 2
    assert send(api_for("grid_worker"), "/api/v1/inspections/rounds", body).status_code == 403
    closed = send(api, f"/api/v1/inspections/rounds/{made.json()['id']}/close", {})
    assert closed.json()["state"] == "closed"
    assert send(api, f"/api/v1/inspections/rounds/{made.json()['id']}/close", {}).status_code == 422


@pytest.mark.parametrize(
    "change",
    [
        lambda b: b | {"findings": "all pass"},
        lambda b: b | {"findings": [{"item_id": 2**70, "result": "pass"}]},
        lambda b: b | {"findings": [{"result": "pass"}] * 7},
        lambda b: b | {"client_id": "not-a-uuid"},
        lambda b: b | {"round_id": True},
        lambda b: b | {"template_id": 999_999},
        lambda b: {**b, "findings": [f | {"result": "maybe"} for f in b["findings"]]},
        lambda b: {**b, "findings": [f | {"result": "fail", "deadline": "2020-02-01"} for f in b["findings"]]},
        lambda b: {**b, "findings": [f | {"result": "fail", "deadline": "2020-13-45"} for f in b["findings"]]},
        lambda b: {**b, "findings": [f | {"note": "长" * 501} for f in b["findings"]]},
        lambda b: b | {"visited_at": "yesterday"},
    ],
)
def test_what_a_broken_phone_sends_is_4xx(world, api_for, shop, round_, change):
    answer = send(api_for("secretary"), "/api/v1/inspections", change(body_for(round_, shop)))
    assert 400 <= answer.status_code < 500 and answer.status_code != 404
    assert not Inspection.objects.exists()


def test_a_revisit_given_a_passed_date_or_na_is_4xx(world, api_for, shop, round_):
    inspection = visit(world, round_, shop, failing={"supplies"})
    [failed] = inspection.findings.filter(result="fail")
    url = f"/api/v1/inspections/businesses/{shop.pk}/revisits"
    for finding in (
        {"finding_id": failed.pk, "result": "fail", "deadline": "2020-02-01"},
        {"finding_id": failed.pk, "result": "na"},
        {"result": "pass"},
        {"finding_id": 2**70, "result": "pass"},
    ):
        answer = send(api_for("secretary"), url, {"client_id": str(uuid.uuid4()), "findings": [finding]})
        assert answer.status_code == 422, finding
    assert send(api_for("outsider"), url, {"client_id": str(uuid.uuid4()), "findings": []}).status_code == 404
