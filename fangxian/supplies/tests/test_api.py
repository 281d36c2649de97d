import datetime

import pytest
from django.utils import timezone

from fangxian.supplies import ledger
from fangxian.supplies.models import Item, Movement, Store

K = Movement.Kind
URL = "/api/v1/supplies"


@pytest.fixture
def api(api_for):
    return api_for("secretary")


def post(client, path, body):
    return client.post(f"{URL}{path}", data=body, content_type="application/json")


def movement(world, **body):
    return {"community_id": world.xiangchang.id} | body


def test_a_donation_of_two_items_has_one_receipt_and_shows_each_in_its_units(world, api, office, masks, alcohol):
    answer = post(
        api,
        "/movements",
        movement(
            world,
            kind="donation",
            to_store_id=office.id,
            donor="天桥商会",
            lines=[
                {"item_id": masks.id, "quantity": 3, "unit": "箱"},
                {"item_id": alcohol.id, "quantity": 2.5, "unit": "kg"},
            ],
        ),
    )
    assert answer.status_code == 201, answer.json()
    lines = answer.json()
    assert [(m["quantity"], m["quantity_shown"]) for m in lines] == [(60, "3 箱（60 个）"), (2500, "5 斤")]
    assert lines[0]["receipt"] == lines[1]["receipt"] == f"香厂路-{timezone.localdate().year}-0001"


def test_a_third_of_a_case_is_refused_naming_the_line(world, api, office, masks):
    answer = post(
        api,
        "/movements",
        movement(
            world,
            kind="donation",
            to_store_id=office.id,
            donor="x",
            lines=[{"item_id": masks.id, "quantity": "1/3", "unit": "箱"}],
        ),
    )
    assert answer.status_code == 422
    assert answer.json()["detail"] == {"lines.0.quantity": ["口罩：这个数量不是该物品最小单位的整数倍，无法精确记账。"]}


@pytest.mark.parametrize(
    "quantity,unit",
    [
        (-3, ""),
        ("-3", ""),
        (0, ""),
        (10**30, ""),
        ("99999999999999999", ""),
        (True, ""),
        ("3", "斤"),
        ("1e3", ""),
        ([], ""),
    ],
)
def test_what_is_not_an_exact_quantity_is_refused_with_422(world, api, office, masks, quantity, unit):
    answer = post(
        api,
        "/movements",
        movement(
            world,
            kind="donation",
            to_store_id=office.id,
            donor="x",
            lines=[{"item_id": masks.id, "quantity": quantity, "unit": unit}],
        ),
    )
    assert answer.status_code == 422, answer.content
    assert not Movement.objects.exists()


def test_an_issue_beyond_the_stock_is_refused_and_one_within_it_is_taken(world, api, office, masks, market_gate):
    ledger.receive(K.DONATION, office, [(masks, 60)], donor="x")
    body = movement(
        world,
        kind="issue",
        from_store_id=office.id,
        to_gate_id=market_gate.id,
        lines=[{"item_id": masks.id, "quantity": "3.5", "unit": "箱"}],
    )
    answer = post(api, "/movements", body)
    assert answer.status_code == 422
    assert answer.json()["detail"] == {"quantity": ["社区办公室当时只有口罩 60 个，库存不足。"]}
    body["lines"][0]["quantity"] = "0.5"
    assert post(api, "/movements", body).json()[0]["quantity"] == 10


def test_an_issue_to_a_person_is_kept_with_their_role(world, api, office, masks):
    ledger.receive(K.DONATION, office, [(masks, 60)], donor="x")
    answer = post(
        api,
        "/movements",
        movement(
            world,
            kind="issue",
            from_store_id=office.id,
            to_person="王师傅",
            lines=[{"item_id": masks.id, "quantity": 2}],
        ),
    )
    assert (answer.json()[0]["to_person"], answer.json()[0]["to_role"]) == ("王师傅", "other")
    answer = post(
        api,
        "/movements",
        movement(
            world,
            kind="issue",
            from_store_id=office.id,
            to_person="王师傅",
            to_role="king",
            lines=[{"item_id": masks.id, "quantity": 2}],
        ),
    )
    assert answer.status_code == 422 and "to_role" in answer.json()["detail"]


@pytest.mark.parametrize(
    "change",
    [
        {"community_id": "liulichang"},
        {"item": "theirs"},
        {"to_store_id": "theirs"},
        {"to_store_id": 2**62},
    ],
)
def test_another_communitys_ids_are_not_found(world, api, office, masks, change):
    theirs = Item.objects.create(community=world.liulichang, name="口罩", unit="个")
    their_store = Store.objects.create(community=world.liulichang, name="办公室")
    body = movement(
        world, kind="donation", to_store_id=office.id, donor="x", lines=[{"item_id": masks.id, "quantity": 1}]
    )
    if change.get("community_id"):
        body["community_id"] = world.liulichang.id
    if change.get("item"):
        body["lines"][0]["item_id"] = theirs.id
    if change.get("to_store_id"):
        body["to_store_id"] = their_store.id if change["to_store_id"] == "theirs" else change["to_store_id"]
    assert post(api, "/movements", body).status_code == 404
    assert not Movement.objects.exists()


def test_ids_too_large_for_a_column_are_refused_with_422(world, api):
    assert (
        post(
            api,
            "/movements",
            movement(world, kind="donation", to_store_id=2**70, lines=[{"item_id": 1, "quantity": 1}]),
        ).status_code
        == 422
    )
    assert api.get(f"{URL}/movements?item_id={2**70}").status_code == 422
    assert api.patch(f"{URL}/items/{2**70}", data={}, content_type="application/json").status_code == 422


def test_a_reversal_is_recorded_once_and_a_reader_may_not_reverse(world, api, api_for, office, masks):
    (donation,) = ledger.receive(K.DONATION, office, [(masks, 60)], donor="x")
    assert post(api_for("grid_worker"), f"/movements/{donation.id}/reverse", {"reason": "错了"}).status_code == 403
    assert post(api, f"/movements/{donation.id}/reverse", {"reason": ""}).status_code == 422
    answer = post(api, f"/movements/{donation.id}/reverse", {"reason": "重复录入"})
    assert answer.status_code == 201 and answer.json()["reverses_id"] == donation.id
    again = post(api, f"/movements/{donation.id}/reverse", {"reason": "重复录入"})
    assert again.status_code == 422 and "已被冲销" in str(again.json())
    listed = api.get(f"{URL}/movements?kind=donation").json()["items"]
    assert listed[0]["reversed_by_id"] == answer.json()["id"]


def test_stock_at_a_day_a_moment_and_now(world, api, office, masks):
    three_days_ago = timezone.now() - datetime.timedelta(days=3)
    ledger.receive(K.DONATION, office, [(masks, 20)], donor="x", happened_at=three_days_ago)
    ledger.receive(K.DONATION, office, [(masks, 40)], donor="x")
    day = (timezone.localdate() - datetime.timedelta(days=2)).isoformat()
    assert api.get(f"{URL}/stock?at={day}").json()["stock"][0]["quantity"] == 20
    moment = (three_days_ago + datetime.timedelta(minutes=1)).isoformat()
    assert api.get(f"{URL}/stock", {"at": moment, "store_id": office.id}).json()["stock"][0]["shown"] == "20 个"
    assert api.get(f"{URL}/stock").json()["stock"][0]["quantity"] == 60
    for bad in ("yesterday", "2026-02-30", "2026-02-01T08:00:00", "9" * 100):
        assert api.get(f"{URL}/stock", {"at": bad}).status_code == 422, bad
    assert (
        api.get(f"{URL}/stock", {"store_id": Store.objects.create(community=world.liulichang, name="x").id}).status_code
        == 404
    )


def test_items_are_created_and_changed_with_a_minimum_in_any_unit(world, api, masks):
    answer = post(
        api,
        "/items",
        {"community_id": world.xiangchang.id, "name": "消毒液", "unit": "斤", "minimum": "3", "minimum_unit": "kg"},
    )
    assert answer.status_code == 201 and answer.json()["minimum"] == 3000
    assert answer.json()["minimum_shown"] == "6 斤"
    assert post(api, "/items", {"community_id": world.xiangchang.id, "name": "消毒液", "unit": "斤"}).status_code == 422
    changed = api.patch(
        f"{URL}/items/{masks.id}", data={"minimum": "2.5", "minimum_unit": "箱"}, content_type="application/json"
    )
    assert changed.json()["minimum"] == 50 and changed.json()["pack_size"] == 20
    assert api.patch(f"{URL}/items/{masks.id}", data={"name": None}, content_type="application/json").status_code == 422
    assert (
        api.patch(f"{URL}/items/{masks.id}", data={"colour": "red"}, content_type="application/json").status_code == 422
    )


def test_below_minimum_and_the_offices_rollup_count_items(world, api, api_for, office, masks):
    Item.objects.filter(pk=masks.pk).update(minimum=100)
    ledger.receive(K.DONATION, office, [(masks, 60)], donor="x")
    assert [(r["item"], r["stock"], r["minimum_shown"]) for r in api.get(f"{URL}/below-minimum").json()] == [
        ("口罩", 60, "100 个")
    ]
    district = api_for("district_admin")
    assert district.get(f"{URL}/below-minimum").json() == []  # an office reads no ledger
    by_street = {r["name"]: r["items_below_minimum"] for r in district.get(f"{URL}/rollup?by=street").json()}
    assert by_street == {"天桥街道": 1, "椿树街道": 0}
    by_community = {r["name"]: r["items_below_minimum"] for r in district.get(f"{URL}/rollup").json()}
    assert by_community["香厂路社区"] == 1 and by_community["永安路社区"] == 0
    assert district.get(f"{URL}/rollup?by=district").json() == [
        {"level": "district", "id": world.district.id, "name": "西城区", "items_below_minimum": 1}
    ]
    assert district.get(f"{URL}/rollup?by=planet").status_code == 422
    assert set(district.get(f"{URL}/rollup").json()[0]) == {"level", "id", "name", "items_below_minimum"}


def test_movements_are_listed_newest_first_with_filters_and_pages(world, api, office, masks, alcohol):
    ledger.receive(K.DONATION, office, [(masks, 60), (alcohol, 500)], donor="x")
    ledger.issue(masks, office, 5, to_person="小王", to_role="volunteer")
    rows = api.get(f"{URL}/movements").json()
    assert rows["count"] == 3 and rows["items"][0]["kind"] == "issue"
    assert api.get(f"{URL}/movements", {"item_id": alcohol.id}).json()["count"] == 1
    assert api.get(f"{URL}/movements", {"kind": "issue", "store_id": office.id}).json()["count"] == 1
    assert api.get(f"{URL}/movements", {"limit": 1, "offset": 1}).json()["items"][0]["kind"] == "donation"
    assert api.get(f"{URL}/movements", {"since": "2020-01-01", "until": "2020-01-31"}).json()["count"] == 0
    assert api.get(f"{URL}/movements", {"community_id": world.liulichang.id}).json()["count"] == 0  # a filter
