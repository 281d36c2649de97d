"""The API refuses bad input with 4xx and the reason, never 5xx; another community's rows are 404."""

import json
import uuid

import pytest

from fangxian.stations import ordering
from fangxian.stations.models import Order, Package

from .conftest import make_round


def post(client, path, body, method="post"):
    return getattr(client, method)(f"/api/v1{path}", data=json.dumps(body), content_type="application/json")


@pytest.fixture
def secretary(api_for):
    return api_for("secretary")


def test_a_round_is_created_with_its_packages_and_ordered_through_the_api(world, secretary):
    created = post(
        secretary,
        "/vegetable-rounds",
        {
            "community_id": world.xiangchang.id,
            "name": "第4期",
            "supplier_name": "新发地",
            "opens_at": "2020-02-01T08:00:00+08:00",
            "closes_at": "2099-02-02T20:00:00+08:00",
            "delivery_day": "2099-02-03",
            "packages": [{"name": "蔬菜包 A", "contents": "白菜", "price": 3000, "stock": 2, "cap": 2}],
        },
    )
    assert created.status_code == 201, created.content
    row = created.json()
    assert row["taking_orders"] and row["packages"][0]["price"] == 3000
    dwelling = world.dwelling(world.xiangchang)
    client_id = str(uuid.uuid4())
    body = {"dwelling_id": dwelling.id, "quantities": {str(row["packages"][0]["id"]): 2}, "client_id": client_id}
    first = post(secretary, f"/vegetable-rounds/{row['id']}/orders", body)
    again = post(secretary, f"/vegetable-rounds/{row['id']}/orders", body)
    assert first.status_code == again.status_code == 201 and first.json()["id"] == again.json()["id"]
    assert first.json()["total"] == 6000 and Order.objects.count() == 1
    listed = secretary.get(f"/api/v1/vegetable-rounds/{row['id']}/orders").json()
    assert listed["count"] == 1 and listed["items"][0]["lines"] == [
        {"package_id": row["packages"][0]["id"], "quantity": 2, "price": 3000}
    ]


@pytest.mark.parametrize(
    "quantities",
    [{}, {"1": -1}, {"abc": 1}, {"1": True}, {"1": 1.5}, {"1": "x"}, {"99999999999999999999": 1}, [1], None, "a"],
)
def test_bad_quantities_are_422(world, secretary, quantities):
    row = make_round(world)
    response = post(
        secretary,
        f"/vegetable-rounds/{row.id}/orders",
        {"dwelling_id": world.dwelling(world.xiangchang).id, "quantities": quantities},
    )
    assert response.status_code == 422, response.content
    assert Order.objects.count() == 0


@pytest.mark.parametrize(
    "body",
    [
        {"name": "", "supplier_name": "x"},
        {"opens_at": "2020-02-02T08:00:00+08:00", "closes_at": "2020-02-01T08:00:00+08:00"},
        {"opens_at": "2020-02-02T08:00:00"},
        {"delivery_day": "2020-13-01"},
        {"packages": [{"name": "A", "price": -1, "stock": 1}]},
        {"packages": [{"name": "A", "price": 1, "stock": 1, "cap": 0}]},
        {"packages": [{"name": "A", "price": 1, "stock": 1}, {"name": "A", "price": 1, "stock": 1}]},
        {"community_id": True},
        {"supplier_phone": "call me"},
        {"name": "x" * 101},
    ],
)
def test_bad_rounds_are_refused_with_the_field(world, secretary, body):
    good = {
        "community_id": world.xiangchang.id,
        "name": "第4期",
        "supplier_name": "新发地",
        "opens_at": "2020-02-01T08:00:00+08:00",
        "closes_at": "2020-02-02T20:00:00+08:00",
        "delivery_day": "2020-02-03",
    }
    response = post(secretary, "/vegetable-rounds", good | body)
    assert response.status_code == 422, response.content
    assert isinstance(response.json()["detail"], dict)


def test_refusals_say_why_in_chinese(world, secretary):
    row = make_round(world)
    b = row.packages.get(name="蔬菜包 B")
    path = f"/vegetable-rounds/{row.id}/orders"
    first = post(secretary, path, {"dwelling_id": world.dwelling(world.xiangchang).id, "quantities": {str(b.id): 1}})
    assert first.status_code == 201
    sold_out = post(
        secretary, path, {"dwelling_id": world.dwelling(world.xiangchang, room="102").id, "quantities": {str(b.id): 1}}
    )
    assert sold_out.status_code == 422 and "已订完" in str(sold_out.json()["detail"])
    capped = post(secretary, path, {"dwelling_id": world.dwelling(world.xiangchang).id, "quantities": {str(b.id): 1}})
    assert capped.status_code == 422 and "每户最多" in str(capped.json()["detail"])
    unknown = post(secretary, path, {"dwelling_id": world.dwelling(world.xiangchang).id, "quantities": {"999999": 1}})
    assert unknown.status_code == 422 and "不在本期" in str(unknown.json()["detail"])
    link = post(
        secretary,
        path,
        {"dwelling_id": world.dwelling(world.xiangchang).id, "quantities": {str(b.id): 1}, "via": "link"},
    )
    assert link.status_code == 422
    assert post(secretary, f"/vegetable-rounds/{row.id}/close", {}).status_code == 200
    closed = post(
        secretary, path, {"dwelling_id": world.dwelling(world.xiangchang, room="201").id, "quantities": {str(b.id): 1}}
    )
    assert closed.status_code == 422 and "已截止" in str(closed.json()["detail"])
    assert post(secretary, f"/vegetable-rounds/{row.id}/close", {}).status_code == 409
    cancel = post(secretary, f"/vegetable-rounds/orders/{first.json()['id']}/cancel", {})
    assert cancel.status_code == 409 and "冻结" in cancel.json()["detail"]


def test_a_second_deliverer_gets_409_with_who_and_the_same_tap_is_stored_once(world, api_for):
    row = make_round(world)
    order = ordering.place(row, world.dwelling(world.xiangchang), {row.packages.first().id: 1}, "phone")
    path = f"/vegetable-rounds/orders/{order.id}/deliver"
    tap = {"client_id": str(uuid.uuid4()), "at": "2026-02-01T10:00:00+08:00"}
    volunteer = api_for("volunteer")
    first = post(volunteer, path, tap)
    again = post(volunteer, path, tap)
    assert first.status_code == again.status_code == 200 and first.json() == again.json()
    assert first.json()["state"] == "delivered"
    late = post(api_for("grid_worker"), path, {"client_id": str(uuid.uuid4())})
    assert late.status_code == 409 and "volunteer" in late.json()["detail"]
    assert post(volunteer, f"/vegetable-rounds/orders/{order.id}/pay", {"client_id": "nope"}).status_code == 422
    assert post(volunteer, f"/vegetable-rounds/orders/{order.id}/pay", {"at": "2026-02-01T10:00:00"}).status_code == 422
    assert (
        post(volunteer, f"/vegetable-rounds/orders/{order.id}/pay", {"at": "2098-02-01T10:00:00+08:00"}).status_code
        == 422
    )
    assert post(volunteer, f"/vegetable-rounds/orders/{order.id}/pay", {}).json()["paid"]


def test_another_communitys_ids_answer_404(world, api_for, client_for):
    theirs = make_round(world, community=world.liulichang)
    order = ordering.place(theirs, world.dwelling(world.liulichang), {theirs.packages.first().id: 1}, "phone")
    package = theirs.packages.first()
    mine = make_round(world)
    secretary = api_for("secretary")
    for method, path, body in [
        ("get", f"/vegetable-rounds/{theirs.id}", None),
        ("get", f"/vegetable-rounds/{theirs.id}/orders", None),
        ("get", f"/vegetable-rounds/{theirs.id}/route", None),
        ("get", f"/vegetable-rounds/{theirs.id}/totals", None),
        ("get", f"/vegetable-rounds/{theirs.id}/pick-list.xlsx", None),
        ("post", f"/vegetable-rounds/{theirs.id}/close", {}),
        ("post", f"/vegetable-rounds/{theirs.id}/packages", {"name": "X", "price": 1, "stock": 1}),
        ("patch", f"/vegetable-rounds/packages/{package.id}", {"stock": 1}),
        ("post", f"/vegetable-rounds/orders/{order.id}/deliver", {}),
        ("post", f"/vegetable-rounds/orders/{order.id}/pay", {}),
        ("post", f"/vegetable-rounds/orders/{order.id}/cancel", {}),
        # Their household in my round: the dwelling is not mine to see.
        (
            "post",
            f"/vegetable-rounds/{mine.id}/orders",
            {"dwelling_id": world.dwelling(world.liulichang).id, "quantities": {str(mine.packages.first().id): 1}},
        ),
    ]:
        response = secretary.get(f"/api/v1{path}") if method == "get" else post(secretary, path, body, method)
        assert response.status_code == 404, (path, response.content)
    assert Package.objects.get(pk=package.pk).stock == 9
    pages = [f"/stations/{theirs.id}/", f"/stations/{theirs.id}/route/", f"/stations/{theirs.id}/pick-list.xlsx"]
    client = client_for("secretary")
    assert [client.get(p).status_code for p in pages] == [404, 404, 404]


@pytest.mark.parametrize(
    "path", ["/vegetable-rounds/0", "/vegetable-rounds/99999999999999999999", "/vegetable-rounds/rollup?by=planet"]
)
def test_bad_paths_and_queries_are_4xx(world, secretary, path):
    assert 400 <= secretary.get(f"/api/v1{path}").status_code < 500


def test_the_rollup_counts_for_the_offices(world, api_for):
    row = make_round(world)
    order = ordering.place(row, world.dwelling(world.xiangchang), {row.packages.first().id: 1}, "phone")
    ordering.deliver(order, world.users["volunteer"])
    ordering.place(row, world.dwelling(world.xiangchang, room="102"), {row.packages.first().id: 1}, "phone")
    district = api_for("district_admin").get("/api/v1/vegetable-rounds/rollup?by=district").json()
    assert [(r["id"], r["orders"], r["delivered"]) for r in district["rows"]] == [(world.district.id, 2, 1)]
    outsider = api_for("outsider").get("/api/v1/vegetable-rounds/rollup?by=community").json()
    assert outsider["rows"] == []


def test_the_pick_list_is_a_spreadsheet_and_audited(world, secretary):
    from fangxian.accounts.models import AuditEvent

    row = make_round(world)
    ordering.place(row, world.dwelling(world.xiangchang), {row.packages.first().id: 2}, "phone")
    response = secretary.get(f"/api/v1/vegetable-rounds/{row.id}/pick-list.xlsx")
    assert response.status_code == 200 and response.content[:2] == b"PK"
    event = AuditEvent.objects.get(action="export")
    assert event.detail["list"] == "pick_list" and event.community_id == world.xiangchang.id
    totals = secretary.get(f"/api/v1/vegetable-rounds/{row.id}/totals").json()
    assert totals["packages"][0]["ordered"] == 2 and totals["money"] == 6000
