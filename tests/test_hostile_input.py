"""No input answers 5xx, on SQLite and PostgreSQL: what a client generated from our OpenAPI
sent, and what it found. Each bad item of a batch costs only itself."""

import json
import uuid

import pytest
from django.db import DataError
from django.utils import timezone

from conftest import trusting
from fangxian.gate import permits
from fangxian.gate.models import Gate, Pass
from fangxian.places.models import Building

HUGE = "9" * 25  # beyond 64 bits
EDGE = "0001-01-01T00:00:00+14:00"  # falls off the calendar when turned into UTC


def post(client, path, body, method="post"):
    return getattr(client, method)(path, json.dumps(body), content_type="application/json")


@pytest.fixture
def gate(world):
    gate = Gate.objects.create(community=world.xiangchang, name="南门")
    gate.keepers.add(world.users["gate_keeper"])
    return trusting(gate, world.yongan)


def words(response) -> str:
    return json.dumps(response.json(), ensure_ascii=False)


@pytest.fixture
def campaign(world):
    """Today's census of building 1 of Xiangchang Road."""
    from fangxian.watch import census

    today = timezone.localdate()
    return census.create(world.xiangchang, "第一轮", today, today, [world.building(world.xiangchang, "1")], None)


def scan(gate, **fields):
    return {
        "gate_id": gate.id,
        "code": "",
        "temperature": 36.5,
        "client_id": str(uuid.uuid4()),
        "scanned_at": timezone.now().isoformat(),
        **fields,
    }


@pytest.mark.parametrize(
    "body",
    [
        {"tags": 5},
        {"dwelling_id": "abc"},
        {"dwelling_id": int(HUGE)},
        {"name": None, "shoe": 42},
        {"phone": "1\x0038"},
        {"tags": ["\ud800"]},
    ],
)
def test_a_bad_patch_of_a_resident_is_422(world, api_for, body):
    response = post(api_for("secretary"), f"/api/v1/residents/{world.resident(world.xiangchang).id}", body, "patch")
    assert response.status_code == 422 and "detail" in response.json()


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/residents/{HUGE}",
        f"/api/v1/residents?dwelling_id={HUGE}",
        f"/api/v1/residents?limit={HUGE}",
        "/api/v1/residents?limit=100000",
        f"/api/v1/residents?offset={HUGE}",
        "/api/v1/residents?q=%00",
        f"/api/v1/buildings?community_id={HUGE}",
        f"/api/v1/observations/{HUGE}/reports",
    ],
)
def test_numbers_beyond_a_column_and_nul_characters_are_refused_by_the_api(world, api_for, path):
    assert api_for("secretary").get(path).status_code in (400, 404, 422)


@pytest.mark.parametrize(
    "path",
    [
        f"/people/residents/{HUGE}/",
        f"/people/residents/?building={HUGE}",
        "/people/residents/?building=²",
        "/people/residents/?q=%00",
        f"/gate/permits/print.pdf?building={HUGE}",
        "/gate/permits/?entrance=١",
        f"/places/dwellings/?community={HUGE}",
        f"/gate/records/?gate={HUGE}&who=%00",
        "/gate/records/?day=2026-02-30",
        "/gate/records/?day=9999-99-99",
        "/gate/records/?format=xlsx&day=2026-13-01",
    ],
)
def test_pages_answer_4xx_or_their_page_for_hostile_query_values(world, client_for, path):
    assert client_for("secretary").get(path).status_code in (200, 400, 404)


def test_a_body_that_is_not_json_or_a_form_that_cannot_be_read_is_400(world, api_for, client_for):
    client = api_for("secretary")
    assert client.post("/api/v1/residents", "{not json", content_type="application/json").status_code == 400
    assert client.post("/api/v1/gate/grants/1/grant", "x", content_type="multipart/form-data").status_code == 400
    assert (
        client_for("secretary").post("/people/residents/new/", "x", content_type="multipart/form-data").status_code
        == 400
    )


def test_a_time_at_the_edge_of_the_calendar_is_refused(world, gate, api_for):
    client = api_for("gate_keeper")
    assert post(client, "/api/v1/gate/scans", scan(gate, code="FX1:x", scanned_at=EDGE)).status_code == 422
    assert (
        post(
            client, "/api/v1/gate/visitors", scan(gate, name="访客", scanned_at="9999-12-31T23:59:59-14:00")
        ).status_code
        == 422
    )


def test_a_time_sent_as_a_number_is_refused_not_read_as_seconds_since_1970(world, gate, api_for):
    response = post(api_for("gate_keeper"), "/api/v1/gate/visitors", scan(gate, name="访客", scanned_at=-1))
    assert response.status_code == 422 and "scanned_at" in response.json()["detail"]


def test_each_bad_scan_of_a_batch_costs_only_itself(world, gate, api_for):
    good = [scan(gate, code=permits.issue(world.resident(world.xiangchang, b), None).code) for b in ("1", "2")]
    bad = [
        scan(gate, permit_id=int(HUGE)),
        scan(gate, code="FX1:x", scanned_at=EDGE),
        scan(gate, code="FX1:\x00"),
        scan(gate, code="\ud800"),
        {"gate_id": HUGE},
        "not a scan",
        scan(gate, temperature=1e309),
    ]
    answers = post(api_for("gate_keeper"), "/api/v1/gate/scans/batch", {"scans": [good[0], *bad, good[1]]}).json()[
        "results"
    ]
    assert [a.get("verdict") for a in answers] == ["admit"] + [None] * len(bad) + ["admit"]
    assert all("error" in a for a in answers[1:-1])
    assert Pass.objects.filter(gate=gate).count() == 2


def test_a_scan_the_database_refuses_costs_only_itself(world, gate, api_for, monkeypatch):
    from django.db.models import QuerySet

    refused = scan(gate, code=permits.issue(world.resident(world.xiangchang), None).code)
    create = QuerySet.bulk_create

    def picky(self, objs, *args, **kwargs):
        if any(str(getattr(o, "client_id", "")) == refused["client_id"] for o in objs):
            raise DataError("value out of range")
        return create(self, objs, *args, **kwargs)

    monkeypatch.setattr(QuerySet, "bulk_create", picky)
    others = [scan(gate, code=permits.issue(world.resident(world.xiangchang, "2"), None).code) for _ in range(2)]
    answers = post(
        api_for("gate_keeper"), "/api/v1/gate/scans/batch", {"scans": [others[0], refused, others[1]]}
    ).json()["results"]
    assert ["error" in a for a in answers] == [False, True, False]
    assert Pass.objects.filter(gate=gate).count() == 2


def test_an_unreadable_census_visit_costs_only_itself(world, campaign, api_for):
    dwellings = [a.dwelling_id for a in campaign.assignments.all()[:2]]
    visits = [
        {
            "dwelling_id": d,
            "outcome": "absent",
            "client_id": str(uuid.uuid4()),
            "visited_at": timezone.now().isoformat(),
            "absent": {"where": where},
        }
        for d, where in zip(dwellings, ["老家", "老\x00家"], strict=False)
    ]
    answers = post(api_for("secretary"), f"/api/v1/campaigns/{campaign.id}/visits", {"visits": visits}).json()[
        "results"
    ]
    assert "visit_id" in answers[0] and "error" in answers[1]


def test_a_scan_with_nothing_to_judge_is_refused_not_stored_as_forged(world, gate, api_for):
    response = post(api_for("gate_keeper"), "/api/v1/gate/scans", scan(gate))
    assert response.status_code == 422 and "出入证" in str(response.json())
    assert not Pass.objects.exists()


def test_a_visit_dated_before_its_campaign_began_is_refused(world, campaign, api_for):
    visit = {
        "dwelling_id": campaign.assignments.first().dwelling_id,
        "outcome": "vacant",
        "client_id": str(uuid.uuid4()),
        "visited_at": "1970-01-01T00:00:00+00:00",
    }
    answers = post(api_for("secretary"), f"/api/v1/campaigns/{campaign.id}/visits", {"visits": [visit]}).json()
    assert "visited_at" in answers["results"][0]["error"]
    assert not campaign.assignments.exclude(outcome="").exists()


@pytest.mark.parametrize("path", ["/api/v1/auth/token", "/api/v1/residents", "/api/v1/gate/scans", "/api/v1/permits"])
def test_a_form_posted_to_the_api_is_400_in_the_users_language(world, api_for, path):
    client = api_for("secretary")
    response = client.post(path, {"username": "x", "password": "y"})  # multipart/form-data
    assert response.status_code == 400 and "JSON" in response.json()["detail"] and "接口" in response.json()["detail"]
    english = client.post(path, {"username": "x"}, headers={"accept-language": "en"})
    assert english.status_code == 400 and english.json()["detail"].startswith("The API reads JSON only")


def test_a_multipart_body_is_refused_even_when_it_holds_json(world, api_for):
    body = json.dumps({"username": "secretary", "password": "x"})
    response = api_for("secretary").post("/api/v1/auth/token", body, content_type="multipart/form-data")
    assert response.status_code == 400 and response.json()["detail"].startswith("接口只接受 JSON")


def test_a_form_sent_with_patch_is_refused_in_the_same_words(world, api_for):
    from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

    client = api_for("secretary")
    path = f"/api/v1/residents/{world.resident(world.xiangchang).id}"
    response = client.patch(path, encode_multipart(BOUNDARY, {"name": "x"}), content_type=MULTIPART_CONTENT)
    assert response.status_code == 400
    assert response.json()["detail"] == client.post("/api/v1/residents", {"name": "x"}).json()["detail"]


@pytest.mark.parametrize("invisible", ["\u200b", "\u200f", "\u202e", "\u2060", "\u2066", "\ufeff"])
def test_invisible_characters_are_refused_by_the_api_naming_the_field(world, api_for, invisible):
    client = api_for("secretary")
    building = {"community_id": world.xiangchang.id, "number": f"99{invisible}", "floors": 3}
    response = post(client, "/api/v1/buildings", building)
    assert response.status_code == 422 and "看不见的字符" in response.json()["detail"]["number"][0]
    room = {"building_id": world.building(world.xiangchang).id, "floor": 1, "room": f"{invisible}101"}
    response = post(client, "/api/v1/dwellings", room)
    assert response.status_code == 422 and list(response.json()["detail"]) == ["room"]
    assert not Building.objects.filter(number__startswith="99").exists()


def test_invisible_characters_are_refused_in_page_forms_and_queries(world, client_for):
    client = client_for("secretary")
    building = world.building(world.xiangchang)
    form = {"number": "1\u200b", "name": "", "kind": building.kind, "floors": 3, "entrances": 2, "grid": ""}
    page = client.post(f"/places/buildings/{building.id}/edit/", form)
    assert page.status_code == 400
    assert client.get("/people/residents/?q=%E2%80%AE101").status_code == 400
    building.refresh_from_db()
    assert building.number == "1"


PYDANTIC_WORDS = ("Input should", "Field required", "Value error", "validation error", "input_value", "pydantic")


def in_our_words(response) -> bool:
    return not any(w in words(response) for w in PYDANTIC_WORDS)


@pytest.mark.parametrize(
    "body, field, chinese, english",
    [
        ({"tags": 5}, "tags", "应为列表", "A list"),
        ({"shoe": 42}, "shoe", "不接受这一项", "Not a field this takes"),
        ({"dwelling_id": "abc"}, "dwelling_id", "应为整数", "A whole number"),
        ({"dwelling_id": int(HUGE)}, "dwelling_id", "不能大于 9223372036854775807", "At most 9223372036854775807"),
        ({"sex": "MM"}, "sex", "最多 1 个字", "At most 1 characters"),
        ({"phone": "1\x0038"}, "phone", "无法保存的字符", "cannot be stored"),
        ([], "__all__", "应为对象", "An object"),
    ],
)
def test_a_refused_value_is_told_per_field_in_the_users_language(world, api_for, body, field, chinese, english):
    client = api_for("secretary")
    path = f"/api/v1/residents/{world.resident(world.xiangchang).id}"
    response = post(client, path, body, "patch")
    assert response.status_code == 422 and list(response.json()["detail"]) == [field]
    assert chinese in response.json()["detail"][field][0] and in_our_words(response)
    response = client.patch(path, json.dumps(body), content_type="application/json", headers={"accept-language": "en"})
    assert english in response.json()["detail"][field][0] and in_our_words(response)


def test_query_path_and_nested_fields_are_named_as_the_client_sends_them(world, api_for):
    client = api_for("secretary")
    response = client.get("/api/v1/residents?limit=abc&dwelling_id=0")
    assert response.json()["detail"] == {"limit": ["应为整数，例如 3。"], "dwelling_id": ["不能小于 1。"]}
    assert client.get("/api/v1/residents/abc").json()["detail"] == {"resident_id": ["应为整数，例如 3。"]}
    post_ = {"community_id": world.xiangchang.id, "name": "南门", "patterns": [{"start": 8}, 5]}
    detail = post(client, "/api/v1/duty/posts", post_).json()["detail"]
    assert detail == {"patterns.0.hours": ["必须提供。"], "patterns.1": ['应为对象，例如 {"name": "…"}。']}
    assert post(client, "/api/v1/residents", None).json()["detail"] == {"__all__": ['应为对象，例如 {"name": "…"}。']}


def test_our_own_refusals_inside_a_schema_are_told_without_a_prefix(world, gate, api_for):
    response = post(api_for("gate_keeper"), "/api/v1/gate/scans", scan(gate, scanned_at="2020-02-01T08:00:00"))
    assert response.json()["detail"] == {"scanned_at": ["时间需要带时区，例如 2020-02-01T08:00:00+08:00。"]}


def test_each_bad_item_of_a_batch_is_told_in_the_users_language_without_internals(world, gate, campaign, api_for):
    items = [5, None, [], {"dwelling_id": "x"}]
    response = post(api_for("secretary"), f"/api/v1/campaigns/{campaign.id}/visits", {"visits": items})
    errors = [r["error"] for r in response.json()["results"]]
    assert errors[:3] == [{"__all__": ['应为对象，例如 {"name": "…"}。']}] * 3 and in_our_words(response)
    assert set(errors[3]) == {"dwelling_id", "outcome", "client_id", "visited_at"}
    assert errors[3]["client_id"] == ["必须提供。"]
    scans = [5, None, [], scan(gate, code="FX1:\x00"), {"gate_id": "x", "client_id": "y"}]
    response = post(api_for("gate_keeper"), "/api/v1/gate/scans/batch", {"scans": scans})
    errors = [r["error"] for r in response.json()["results"]]
    assert errors[:3] == ['应为对象，例如 {"name": "…"}。'] * 3 and in_our_words(response)
    assert errors[3] == "code: 请求中含有无法保存的字符（NUL 或损坏的 Unicode）。"
    assert errors[4].startswith("gate_id: 应为整数，例如 3。; client_id: 应为 UUID")


@pytest.mark.parametrize("number", [True, False, 1.5])
def test_true_false_and_fractions_are_not_ids(world, api_for, number):
    resident = world.resident(world.xiangchang)
    response = post(api_for("secretary"), f"/api/v1/residents/{resident.id}", {"dwelling_id": number}, "patch")
    assert response.json()["detail"] == {"dwelling_id": ["应为整数，例如 3。"]}
    resident.refresh_from_db()
    assert resident.dwelling == world.dwelling(world.xiangchang)


def test_true_is_not_a_number_of_days_hours_people_or_floors(world, api_for):
    from fangxian.watch import observations

    client, community = api_for("secretary"), world.xiangchang.id
    observation = observations.start(world.resident(world.xiangchang), "home", timezone.localdate(), None)
    refused = {
        "/api/v1/duty/rosters": ({"community_id": community, "starts_on": "2020-02-01", "days": True}, "days"),
        "/api/v1/duty/posts": (
            {"community_id": community, "name": "南门", "patterns": [{"start": 8, "hours": True}]},
            "patterns.0.hours",
        ),
        "/api/v1/duty/people": (
            {"community_id": community, "name": "王", "availability": {"0": [True]}},
            "availability.0.0",
        ),
        "/api/v1/buildings": ({"community_id": community, "number": "9", "floors": True}, "floors"),
        f"/api/v1/observations/{observation.id}/extend": ({"days": True, "reason": "同住人确诊"}, "days"),
    }
    for path, (body, field) in refused.items():
        response = post(client, path, body)
        assert response.status_code == 422 and list(response.json()["detail"]) == [field], path
