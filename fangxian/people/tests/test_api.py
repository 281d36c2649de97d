import datetime
import json

import pytest
from django.test import Client
from django.utils import timezone

from fangxian.accounts.models import ApiToken, AuditEvent
from fangxian.people.models import Move, Resident


def post(client, path, body):
    return client.post(path, data=json.dumps(body), content_type="application/json")


def test_a_token_is_issued_for_good_credentials_only(world, client):
    good = post(client, "/api/v1/auth/token", {"username": "secretary", "password": "test-password-1"})
    assert good.status_code == 200 and good.json()["token"].startswith("fx_")
    bad = post(client, "/api/v1/auth/token", {"username": "secretary", "password": "nope"})
    assert bad.status_code == 401 and bad.json()["detail"] == "用户名或密码错误。"
    authed = Client(headers={"Authorization": f"Bearer {good.json()['token']}"})
    assert authed.get("/api/v1/residents").status_code == 200


def test_an_expired_or_unknown_token_is_refused(world):
    token = ApiToken.issue(world.users["secretary"])
    ApiToken.objects.update(expires_at=timezone.now())
    assert Client(headers={"Authorization": f"Bearer {token}"}).get("/api/v1/residents").status_code == 401
    assert Client(headers={"Authorization": "Bearer fx_made_up"}).get("/api/v1/residents").status_code == 401


def test_residents_come_masked_and_searchable(world, api_for):
    body = api_for("secretary").get("/api/v1/residents", {"q": "101"}).json()
    assert body["count"] == 4
    item = body["items"][0]
    assert "*" in item["id_number"] and item["phone"] == "138****5678"


def test_a_mainland_residents_birth_date_does_not_unmask_the_id_number(world, api_for):
    resident = world.resident(world.xiangchang)
    item = api_for("secretary").get(f"/api/v1/residents/{resident.id}").json()
    assert item["birth_date"] is None and item["birth_year"] == resident.birth_date.year
    assert resident.birth_date.strftime("%Y%m%d") not in str(item)


def test_declaring_a_mainland_number_another_document_does_not_unmask_it(world, api_for):
    resident = world.resident(world.xiangchang)
    client = api_for("grid_worker")
    item = client.patch(
        f"/api/v1/residents/{resident.id}", json.dumps({"id_type": "other"}), content_type="application/json"
    ).json()
    assert item["birth_date"] is None and resident.birth_date.strftime("%Y%m%d") not in str(item)


def test_a_passport_holders_birth_date_is_shown_whole(world, api_for):
    resident = world.resident(world.xiangchang)
    resident.id_type, resident.id_number = "passport", "E12345678"
    resident.save()
    item = api_for("secretary").get(f"/api/v1/residents/{resident.id}").json()
    assert item["birth_date"] == resident.birth_date.isoformat()


@pytest.mark.parametrize(
    "changes, field, words",
    [
        ({"id_number": "110102194912310021"}, "id_number", "校验码"),
        ({"phone": "1390000111"}, "phone", "11 位"),
        ({"id_type": "passport", "id_number": "E1", "sex": "F", "birth_date": "2999-01-01"}, "birth_date", "晚于今天"),
        ({"name": ""}, "name", "必填"),
        ({"tags": ["vip"]}, "tags", "未知标签"),
    ],
)
def test_bad_resident_input_gets_a_422_naming_the_field(world, api_for, changes, field, words):
    body = {
        "dwelling_id": world.dwelling(world.xiangchang).id,
        "name": "王芳",
        "id_number": "110102194912310020",
    } | changes
    response = post(api_for("secretary"), "/api/v1/residents", body)
    assert response.status_code == 422
    assert words in " ".join(response.json()["detail"][field])


def test_a_resident_registered_twice_is_a_conflict_not_a_duplicate(world, api_for):
    existing = world.resident(world.xiangchang)
    response = post(
        api_for("secretary"),
        "/api/v1/residents",
        {"dwelling_id": existing.dwelling_id, "name": "重复", "id_number": existing.id_number},
    )
    assert response.status_code == 422 and "已登记" in response.json()["detail"]["id_number"][0]


def test_patching_the_dwelling_records_a_move(world, api_for):
    resident = world.resident(world.xiangchang)
    target = world.dwelling(world.xiangchang, "1", 1, "102")
    response = api_for("secretary").patch(
        f"/api/v1/residents/{resident.id}", data=json.dumps({"dwelling_id": target.id}), content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["dwelling_id"] == target.id
    assert Move.objects.get(resident=resident).to_dwelling == target


def test_a_resident_cannot_be_patched_into_another_community(world, api_for):
    resident = world.resident(world.xiangchang)
    elsewhere = world.dwelling(world.yongan)
    response = api_for("secretary").patch(
        f"/api/v1/residents/{resident.id}",
        data=json.dumps({"dwelling_id": elsewhere.id}),
        content_type="application/json",
    )
    assert response.status_code == 404


def test_unknown_patch_fields_are_refused(world, api_for):
    resident = world.resident(world.xiangchang)
    response = api_for("secretary").patch(
        f"/api/v1/residents/{resident.id}", data=json.dumps({"community_id": 1}), content_type="application/json"
    )
    assert response.status_code == 422


def patch(client, path, body):
    return client.patch(path, data=json.dumps(body), content_type="application/json")


@pytest.mark.parametrize("field", ["dwelling_id", "name", "sex", "id_type", "id_number", "phone", "tags"])
def test_a_null_the_resident_cannot_be_without_is_refused_not_ignored(world, api_for, field):
    resident = world.resident(world.xiangchang)
    response = patch(api_for("secretary"), f"/api/v1/residents/{resident.id}", {field: None})
    assert response.status_code == 422 and "null" in response.json()["detail"][field][0]
    assert not Move.objects.exists() and Resident.objects.get(pk=resident.pk).name == resident.name


def test_a_null_birth_date_clears_it_where_the_document_does_not_give_it(world, api_for):
    resident = world.resident(world.xiangchang)
    Resident.objects.filter(pk=resident.pk).update(id_type="passport", id_number="E1", birth_date="1985-05-05")
    response = patch(api_for("secretary"), f"/api/v1/residents/{resident.id}", {"birth_date": None})
    assert response.status_code == 200 and Resident.objects.get(pk=resident.pk).birth_date is None


def test_a_birth_date_other_than_the_id_numbers_is_refused_not_ignored(world, api_for):
    resident = world.resident(world.xiangchang)
    path = f"/api/v1/residents/{resident.id}"
    response = patch(api_for("secretary"), path, {"birth_date": "1985-05-05"})
    assert response.status_code == 422 and "取自身份证号码（1950-03-01）" in response.json()["detail"]["birth_date"][0]
    assert patch(api_for("secretary"), path, {"birth_date": "1950-03-01"}).status_code == 200
    body = {
        "dwelling_id": resident.dwelling_id,
        "name": "王芳",
        "id_number": "110102194912310020",
        "birth_date": "1949-12-30",
    }
    assert post(api_for("secretary"), "/api/v1/residents", body).json()["detail"]["birth_date"]


def test_correcting_the_id_number_takes_its_birth_date_over_the_one_on_record(world, api_for):
    resident = world.resident(world.xiangchang)
    changes = {"id_number": "110102194912310020", "sex": "F", "birth_date": str(resident.birth_date)}
    response = patch(api_for("secretary"), f"/api/v1/residents/{resident.id}", changes)
    assert response.status_code == 200 and response.json()["birth_year"] == 1949
    resident.refresh_from_db()
    assert resident.birth_date == datetime.date(1949, 12, 31)


def test_api_reveal_is_audited(world, api_for):
    resident = world.resident(world.xiangchang)
    response = post(api_for("community_worker"), f"/api/v1/residents/{resident.id}/reveal", {"field": "phone"})
    assert response.json() == {"value": "13812345678"}
    assert AuditEvent.objects.filter(action="reveal_phone", username="community_worker", detail__via="api").exists()


@pytest.mark.parametrize(
    "raw",
    [b"{", b"[]", b'{"dwelling_id": "x"}', b'{"dwelling_id": 99999999, "name": "a", "id_number": "b"}', "😀".encode()],
)
def test_garbage_bodies_get_4xx_never_5xx(world, api_for, raw):
    response = api_for("secretary").post("/api/v1/residents", data=raw, content_type="application/json")
    assert 400 <= response.status_code < 500


def test_building_numbers_are_unique_per_community(world, api_for):
    body = {"community_id": world.xiangchang.id, "number": "1", "floors": 6}
    assert post(api_for("secretary"), "/api/v1/buildings", body).status_code == 409


def test_a_dwelling_must_fit_its_building(world, api_for):
    body = {"building_id": world.building(world.xiangchang).id, "entrance": 1, "floor": 9, "room": "901"}
    response = post(api_for("secretary"), "/api/v1/dwellings", body)
    assert response.status_code == 422 and "3 层" in response.json()["detail"]


def test_openapi_is_published(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/residents" in schema["paths"] and "/api/v1/auth/token" in schema["paths"]


def test_the_openapi_document_names_each_answer_once(client):
    """Swagger UI (/api/v1/docs) reads the document as YAML, where a key twice is an error."""
    repeated = []

    def no_repeats(pairs):
        keys = [k for k, _ in pairs]
        repeated.extend(k for k in set(keys) if keys.count(k) > 1)
        return dict(pairs)

    json.loads(client.get("/api/v1/openapi.json").content, object_pairs_hook=no_repeats)
    assert repeated == []


def test_the_openapi_gives_every_bound_in_its_own_words(client):
    schema = client.get("/api/v1/openapi.json").json()
    dwelling = schema["components"]["schemas"]["ResidentIn"]["properties"]["dwelling_id"]
    assert (dwelling["minimum"], dwelling["maximum"]) == (1, 2**63 - 1)
    assert '"ge"' not in json.dumps(schema) and '"le"' not in json.dumps(schema)  # pydantic's names, unknown there


def test_the_api_answers_in_english_when_asked(world, client):
    response = post(Client(headers={"Accept-Language": "en"}), "/api/v1/auth/token", {"username": "x", "password": "y"})
    assert response.json()["detail"] == "Wrong username or password."
    assert Resident.objects.exists()
