"""The whistle's API: the whole way of a call, what each side sees, and refusals as 4xx."""

import base64
import datetime
import io
import json

import pytest
from django.utils import timezone
from PIL import Image

from fangxian.casework import handling
from fangxian.casework.models import Case, Category
from fangxian.whistle.models import Call

BASE = "/api/v1/whistle"


def post(client, path, body):
    return client.post(path, data=json.dumps(body), content_type="application/json")


def soon(hours=24) -> str:
    return (timezone.now() + datetime.timedelta(hours=hours)).isoformat()


def photo_b64() -> str:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "blue").save(out, format="JPEG")
    return base64.b64encode(out.getvalue()).decode()


@pytest.fixture
def secretary(api_for):
    return api_for("secretary")


@pytest.fixture
def team(api_for):
    return api_for("liaison")


def test_a_call_the_whole_way(world, departments, secretary, team):
    case = handling.receive(
        street=world.tianqiao,
        category=Category.objects.get(code="other"),
        what="无围挡",
        source=Case.Source.PATROL,
        community=world.xiangchang,
    )
    made = post(
        secretary,
        f"{BASE}/calls",
        {
            "community_id": world.xiangchang.id,
            "department_id": departments["city"].id,
            "what": "封闭东口、北口",
            "address": "香厂路8号院",
            "needed_by": soon(),
            "case_id": case.id,
        },
    )
    assert made.status_code == 201, made.content
    call = made.json()
    assert call["state"] == "called" and call["case_id"] == case.id and call["department"] == "天桥城管执法队"
    case.refresh_from_db()
    assert case.state == "passed" and case.agency == "天桥城管执法队"

    seen = team.get(f"{BASE}/calls/{call['id']}").json()
    assert seen["case_id"] is None  # the department sees the call, not the case
    assert [c["id"] for c in team.get(f"{BASE}/calls").json()["items"]] == [call["id"]]

    assert post(team, f"{BASE}/calls/{call['id']}/acknowledge", {"note": "马上到"}).json()["state"] == "acknowledged"
    arrived = post(team, f"{BASE}/calls/{call['id']}/arrive", {"note": "已到东口", "photo": photo_b64()}).json()
    assert arrived["state"] == "on_site" and arrived["has_photo"]
    reported = post(team, f"{BASE}/calls/{call['id']}/outcome", {"outcome": "solved", "note": "围挡已装"})
    assert reported.json()["state"] == "done"
    confirmed = post(secretary, f"{BASE}/calls/{call['id']}/confirm", {}).json()
    assert confirmed["state"] == "confirmed" and confirmed["outcome"] == "solved"


def test_the_secretary_sends_the_outcome_back(world, call, secretary, team):
    post(team, f"{BASE}/calls/{call.id}/arrive", {"note": "到了"})
    post(team, f"{BASE}/calls/{call.id}/outcome", {"outcome": "partly", "note": "装了一处"})
    assert post(secretary, f"{BASE}/calls/{call.id}/send-back", {"note": ""}).status_code == 422
    back = post(secretary, f"{BASE}/calls/{call.id}/send-back", {"note": "北口还没有"}).json()
    assert back["state"] == "acknowledged" and back["sent_back"] == 1


@pytest.mark.parametrize(
    "body, field",
    [
        ({"outcome": "maybe", "note": "x"}, "outcome"),
        ({"outcome": "solved"}, "note"),
        ({"outcome": "solved", "note": "x" * 2001}, "note"),
        ({"outcome": True, "note": "x"}, "outcome"),
    ],
)
def test_an_outcome_that_is_not_one_is_422(world, call, team, body, field):
    answer = post(team, f"{BASE}/calls/{call.id}/outcome", body)
    assert answer.status_code == 422 and field in answer.json()["detail"]


def test_refusals_are_4xx(world, departments, call, secretary, team):
    body = {
        "community_id": world.xiangchang.id,
        "department_id": departments["chunshu_city"].id,
        "what": "x",
        "needed_by": soon(),
        "address": "东口",
    }
    assert post(secretary, f"{BASE}/calls", body).status_code == 404  # another street's department
    assert (
        post(
            secretary, f"{BASE}/calls", body | {"department_id": departments["city"].id, "needed_by": soon(-1)}
        ).status_code
        == 422
    )
    assert (
        post(
            secretary, f"{BASE}/calls", body | {"department_id": departments["city"].id, "needed_by": "tomorrow"}
        ).status_code
        == 422
    )
    assert (
        post(
            secretary, f"{BASE}/calls", body | {"department_id": departments["city"].id, "case_id": 10**12}
        ).status_code
        == 404
    )
    assert (
        post(secretary, f"{BASE}/calls", body | {"department_id": departments["city"].id, "address": ""}).status_code
        == 422
    )
    assert post(secretary, f"{BASE}/calls", body | {"department_id": 2**70}).status_code == 422
    assert post(team, f"{BASE}/calls/{call.id}/confirm", {}).status_code == 403
    assert post(team, f"{BASE}/calls/{call.id}/arrive", {"photo": "not base64!"}).status_code == 422
    assert (
        post(team, f"{BASE}/calls/{call.id}/arrive", {"photo": base64.b64encode(b"<?php").decode()}).status_code == 422
    )
    assert post(team, f"{BASE}/calls/{call.id}/arrive", {"arrived_at": soon(2)}).status_code == 422
    assert post(secretary, f"{BASE}/calls/{call.id}/confirm", {}).status_code == 422  # nothing to confirm yet
    assert team.get(f"{BASE}/calls?show=nonsense").status_code == 422
    assert team.get(f"{BASE}/calls/{10**12}").status_code == 404


def test_another_streets_department_member_gets_404(world, call, api_for):
    chunshu = api_for("chunshu_liaison")
    assert chunshu.get(f"{BASE}/calls/{call.id}").status_code == 404
    assert post(chunshu, f"{BASE}/calls/{call.id}/acknowledge", {}).status_code == 404
    assert chunshu.get(f"{BASE}/calls").json()["items"] == []
    housing = api_for("housing_liaison")
    assert post(housing, f"{BASE}/calls/{call.id}/acknowledge", {}).status_code == 404
    call.refresh_from_db()
    assert call.state == "called"


def test_the_departments_a_caller_may_whistle(world, departments, secretary, api_for):
    names = {d["name"] for d in secretary.get(f"{BASE}/departments").json()["items"]}
    assert names == {"天桥城管执法队", "天桥房管所"}
    own = {d["name"] for d in api_for("liaison").get(f"{BASE}/departments").json()["items"]}
    assert own == {"天桥城管执法队"}
    assert api_for("volunteer").get(f"{BASE}/departments").json()["items"] == []


def test_escalated_calls_are_listed_for_the_street(world, call, api_for):
    Call.objects.filter(pk=call.pk).update(level=Call.Level.STREET)
    listed = api_for("street_admin").get(f"{BASE}/calls?show=escalated").json()["items"]
    assert [c["id"] for c in listed] == [call.id] and listed[0]["level"] == 1
