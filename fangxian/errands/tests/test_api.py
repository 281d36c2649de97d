"""The errands API: answers for what a phone or a script sends, never a 5xx for bad input."""

import base64
import datetime
import io
import json
import struct
import uuid
import zlib

import pytest
from django.utils import timezone
from PIL import Image

from fangxian.errands import requests
from fangxian.errands.models import Errand

from .conftest import make_errand


def post(client, path: str, body) -> object:
    return client.post(f"/api/v1{path}", json.dumps(body), content_type="application/json")


def soon() -> str:
    return (timezone.now() + datetime.timedelta(hours=3)).isoformat()


def test_a_community_worker_takes_an_errand_and_gets_its_code(world, api_for):
    dwelling = world.dwelling(world.xiangchang)
    body = {"dwelling_id": dwelling.id, "kind": "medicine", "what": "降压药 两盒", "needed_by": soon()}
    response = post(api_for("community_worker"), "/errands", body)
    assert response.status_code == 201, response.content
    made = response.json()
    assert made["via"] == "api" and len(made["code"]) == 4 and made["state"] == "open"


def test_the_list_pages_and_filters(world, api_for):
    for room in ("101", "102", "201"):
        make_errand(world, room)
    client = api_for("volunteer")
    page = client.get("/api/v1/errands?show=open&limit=2").json()
    assert page["count"] == 3 and len(page["items"]) == 2 and page["items"][0]["code"] is None
    assert client.get("/api/v1/errands?show=mine").json()["count"] == 0
    assert client.get("/api/v1/errands?show=everything").status_code == 422
    assert client.get("/api/v1/errands?kind=medicine").json()["count"] == 3
    assert client.get("/api/v1/errands?kind=groceries").json()["count"] == 0
    assert client.get("/api/v1/errands?kind=pizza").status_code == 422
    assert client.get(f"/api/v1/errands?community_id={world.yongan.id}").json()["count"] == 0
    assert client.get("/api/v1/errands?community_id=true").status_code == 422


def test_second_claim_answers_409_naming_who_has_it(world, api_for, errand):
    assert post(api_for("volunteer"), f"/errands/{errand.id}/claim", {}).status_code == 200
    response = post(api_for("grid_worker"), f"/errands/{errand.id}/claim", {})
    assert response.status_code == 409 and "volunteer" in response.json()["detail"]


def test_a_claim_resent_with_its_client_id_answers_200_as_stored(world, api_for, errand):
    client = api_for("volunteer")
    body = {"client_id": str(uuid.uuid4())}
    first = post(client, f"/errands/{errand.id}/claim", body).json()
    again = post(client, f"/errands/{errand.id}/claim", body)
    assert again.status_code == 200 and again.json()["claimed_at"] == first["claimed_at"]


def test_deliver_with_a_wrong_code_is_422_and_with_the_right_one_200(world, api_for, errand):
    client = api_for("volunteer")
    wrong = "0000" if errand.code != "0000" else "1111"
    refused = post(client, f"/errands/{errand.id}/deliver", {"code": wrong})
    assert refused.status_code == 422 and "code" in refused.json()["detail"]
    done = post(client, f"/errands/{errand.id}/deliver", {"code": errand.code, "advanced": 1250})
    assert done.status_code == 200 and done.json()["state"] == "delivered" and done.json()["advanced"] == 1250
    assert post(client, f"/errands/{errand.id}/repay", {"amount": 1250}).json()["repaid"] == 1250
    assert post(api_for("secretary"), f"/errands/{errand.id}/close", {}).json()["state"] == "closed"


def jpeg_base64() -> str:
    out = io.BytesIO()
    Image.new("RGB", (1600, 1200), "green").save(out, format="JPEG")
    return "data:image/jpeg;base64," + base64.b64encode(out.getvalue()).decode()


def test_a_photo_at_the_door_delivers_and_is_served_through_scope(world, api_for, client_for, errand):
    response = post(api_for("volunteer"), f"/errands/{errand.id}/deliver", {"photo": jpeg_base64()})
    assert response.status_code == 200 and response.json()["handover"] == "photo"
    errand.refresh_from_db()
    stored = Image.open(errand.photo.open("rb"))
    assert max(stored.size) == 600 and not stored.getexif()
    assert client_for("grid_worker").get(f"/errands/{errand.id}/photo/").status_code == 200
    assert client_for("outsider").get(f"/errands/{errand.id}/photo/").status_code == 404


def png_bomb() -> bytes:
    """A PNG that claims 100,000 × 100,000 pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 1000))
        + chunk(b"IEND", b"")
    )


def truncated_jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), "red").save(out, format="JPEG")
    return out.getvalue()[: len(out.getvalue()) // 2]


@pytest.mark.parametrize(
    "photo",
    [
        base64.b64encode(b"%PDF-1.4 not an image").decode(),
        base64.b64encode(png_bomb()).decode(),
        base64.b64encode(truncated_jpeg()).decode(),
        "not base64 at all!!",
        "",
        "data:image/jpeg;base64,",
    ],
    ids=["pdf", "bomb", "truncated", "not-base64", "empty", "empty-data-url"],
)
def test_hostile_photos_are_refused_with_a_reason(world, api_for, errand, photo):
    response = post(api_for("volunteer"), f"/errands/{errand.id}/deliver", {"photo": photo})
    assert response.status_code == 422, response.content
    errand.refresh_from_db()
    assert errand.state == "open" and not errand.photo


def test_a_photo_too_large_is_refused_before_it_is_read(world, api_for, errand, settings):
    settings.PHOTO_MAX_BYTES = 2048
    big = base64.b64encode(b"\xff" * 4096).decode()
    response = post(api_for("volunteer"), f"/errands/{errand.id}/deliver", {"photo": big})
    assert response.status_code == 422 and "MB" in json.dumps(response.json(), ensure_ascii=False)


def test_a_huge_photo_on_the_page_is_refused_with_a_clear_error(world, client_for, errand, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.PHOTO_MAX_BYTES = 2048
    response = client_for("volunteer").post(
        f"/errands/{errand.id}/deliver/", {"photo": SimpleUploadedFile("p.jpg", b"\xff" * 4096)}, follow=True
    )
    assert "照片大于" in response.content.decode() or "MB" in response.content.decode()
    errand.refresh_from_db()
    assert errand.state == "open"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"dwelling_id": True, "kind": "medicine", "what": "x", "needed_by": "2020-01-01T00:00:00+08:00"},
        {"dwelling_id": 2**70, "kind": "medicine", "what": "x", "needed_by": "2020-01-01T00:00:00+08:00"},
        {"dwelling_id": 1, "kind": "medicine", "what": "x", "needed_by": "2020-01-01T00:00:00"},
        {"dwelling_id": 1, "kind": "medicine", "what": "x", "needed_by": "9999-12-31T23:59:59+14:00"},
        {"dwelling_id": 1, "kind": "medicine", "what": "x" * 501, "needed_by": "2030-01-01T00:00:00+08:00"},
        {"dwelling_id": 1, "kind": "medicine", "what": "a\u0000b", "needed_by": "2030-01-01T00:00:00+08:00"},
        {"dwelling_id": 1, "kind": "medicine", "what": "x", "needed_by": "2030-01-01T00:00:00+08:00", "client_id": "x"},
        [],
        "text",
    ],
)
def test_bad_errands_are_4xx_never_5xx(world, api_for, body):
    response = post(api_for("community_worker"), "/errands", body)
    assert 400 <= response.status_code < 500, response.content


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("claim", {"client_id": "not-a-uuid"}),
        ("claim", []),
        ("deliver", {"advanced": -1, "code": "1234"}),
        ("deliver", {"advanced": True, "code": "1234"}),
        ("deliver", {"advanced": 10**12, "code": "1234"}),
        ("deliver", {"code": 1234}),
        ("deliver", {"code": "1" * 11}),
        ("deliver", {"photo": 5}),
        ("repay", {"amount": "lots"}),
        ("repay", {"amount": 10**15}),
        ("repay", {"amount": 5}),  # more than was advanced (nothing)
        ("cancel", {}),
        ("cancel", {"reason": ""}),
        ("cancel", {"reason": "x" * 201}),
        ("close", {}),  # not delivered
    ],
)
def test_bad_actions_are_4xx_never_5xx(world, api_for, errand, path, body):
    response = post(api_for("secretary"), f"/errands/{errand.id}/{path}", body)
    assert 400 <= response.status_code < 500, response.content


@pytest.mark.parametrize("errand_id", ["0", "-1", "abc", str(2**70)])
def test_ids_that_are_no_row_are_4xx(world, api_for, errand_id):
    assert 400 <= api_for("secretary").get(f"/api/v1/errands/{errand_id}").status_code < 500


def test_another_communitys_errand_answers_404(world, api_for, client_for):
    theirs = make_errand(world, community=world.liulichang, by=world.users["outsider"])
    assert api_for("secretary").get(f"/api/v1/errands/{theirs.id}").status_code == 404
    assert post(api_for("volunteer"), f"/errands/{theirs.id}/claim", {}).status_code == 404
    assert client_for("secretary").get(f"/errands/{theirs.id}/").status_code == 404
    other_dwelling = world.dwelling(world.liulichang)
    body = {"dwelling_id": other_dwelling.id, "kind": "medicine", "what": "药", "needed_by": soon()}
    assert post(api_for("secretary"), "/errands", body).status_code == 404
    assert Errand.objects.filter(community=world.liulichang).count() == 1


def test_rollup_counts_open_and_overdue_by_street_for_an_office(world, api_for):
    make_errand(world, "101")
    late = make_errand(world, "102")
    Errand.objects.filter(pk=late.pk).update(needed_by=timezone.now() - datetime.timedelta(hours=1))
    make_errand(world, community=world.yongan)
    make_errand(world, community=world.liulichang, by=world.users["outsider"])
    rows = api_for("street_admin").get("/api/v1/errands/rollup?by=street").json()["rows"]
    assert rows == [{"id": world.tianqiao.id, "open": 3, "claimed": 0, "overdue": 1}]
    district = api_for("district_admin").get("/api/v1/errands/rollup?by=district").json()["rows"]
    assert district[0]["open"] == 4
    assert api_for("street_admin").get("/api/v1/errands/rollup?by=planet").status_code == 422
    community = api_for("street_admin").get("/api/v1/errands/rollup").json()["rows"]
    assert {r["id"] for r in community} == {world.xiangchang.id, world.yongan.id}


def test_an_office_sees_counts_not_errands(world, api_for, errand):
    assert api_for("street_admin").get(f"/api/v1/errands/{errand.id}").status_code == 404
    assert api_for("street_admin").get("/api/v1/errands").json()["count"] == 0


def test_the_household_sees_money_advanced_and_repaid(world, errand):
    requests.deliver(errand, world.users["volunteer"], code=errand.code, advanced=3000)
    requests.repaid(errand, 1000, world.users["volunteer"])
    [row] = requests.of_household(errand.dwelling)
    assert (row.advanced, row.repaid, row.owed) == (3000, 1000, 2000)


@pytest.mark.parametrize(
    "path",
    [
        "/errands/?show=%00&page=abc",
        "/errands/?show=done&page=99999999999999999999",
        "/errands/new/?building=abc&entrance=-1&room=" + "9" * 300,
        "/errands/new/?building=99999999999999999999999&entrance=2%C2%B2&room=101",
    ],
)
def test_pages_answer_their_page_or_4xx_for_hostile_query_values(world, client_for, path):
    assert client_for("community_worker").get(path).status_code in (200, 400, 404)


@pytest.mark.parametrize(
    "data",
    [
        {"code": "1" * 50},
        {"advanced": "1e99"},
        {"advanced": "-3"},
        {"photo": ""},
    ],
)
def test_a_bad_hand_over_on_the_page_says_why_and_changes_nothing(world, client_for, errand, data):
    response = client_for("volunteer").post(f"/errands/{errand.id}/deliver/", data, follow=True)
    assert response.status_code == 200 and "message error" in response.content.decode()
    errand.refresh_from_db()
    assert errand.state == "open"
