"""The vegetable station in the permission matrix: every page and API operation, every actor.

The round belongs to Xiangchang Road; its order is for building 1 (grid G1). Runners hold
RUN_SERVICES over the whole community (a grid worker takes phone-in orders and cancels them
for the grid, but does not run rounds); servers (volunteers too) see rounds and carry orders;
the offices count through the roll-up."""

from __future__ import annotations

import pytest

from fangxian.accounts.tests.matrix import (
    KEEPS_COMMUNITY,
    RUNS_SERVICES,
    SEES_PLACE,
    SERVERS,
    Case,
    matrix_tests,
    statuses,
)
from fangxian.stations import ordering

from .conftest import make_round


def targets_for(world) -> dict:
    row = make_round(world)
    package = row.packages.get(name="蔬菜包 A")
    order = ordering.place(row, world.dwelling(world.xiangchang, "1", 1, "101"), {package.id: 1}, "phone")
    return {
        "round": row,
        "package": package,
        "order": order,
        "building": world.building(world.xiangchang, "1"),
        "community": world.xiangchang,
    }


@pytest.fixture
def targets(world):
    return targets_for(world)


SERVED = statuses(404, no=(403, SEES_PLACE), ok=(200, SERVERS))
RUN = statuses(404, no=(403, SEES_PLACE), ok=(200, KEEPS_COMMUNITY))
RUN_POSTED = statuses(404, no=(403, SEES_PLACE), ok=(302, KEEPS_COMMUNITY))


def new_package(t, a):
    return {"name": "蔬菜包 C", "contents": "萝卜", "price": "20", "stock": "5", "cap": "1"}


PAGE_CASES = [
    Case("stations:rounds", "get", lambda t: "/stations/", statuses(403, ok=(200, SERVERS | {"outsider"}))),
    Case("stations:new", "get", lambda t: "/stations/new/", statuses(403, ok=(200, KEEPS_COMMUNITY | {"outsider"}))),
    Case("stations:service_worker", "get", lambda t: "/stations/sw.js", statuses(200), anonymous=200),
    Case("stations:round", "get", lambda t: f"/stations/{t['round'].id}/", SERVED),
    Case("stations:edit", "get", lambda t: f"/stations/{t['round'].id}/edit/", RUN),
    Case(
        "stations:add_package", "post", lambda t: f"/stations/{t['round'].id}/packages/", RUN_POSTED, body=new_package
    ),
    Case(
        "stations:edit_package",
        "post",
        lambda t: f"/stations/packages/{t['package'].id}/",
        RUN_POSTED,
        body=lambda t, a: {"stock": "20", "cap": "2"},
    ),
    Case(
        "stations:take_order",
        "post",
        lambda t: f"/stations/{t['round'].id}/order/",
        statuses(404, no=(403, SEES_PLACE), ok=(302, RUNS_SERVICES)),
        body=lambda t, a: {"building": t["building"].id, "entrance": "1", "room": "102", f"qty-{t['package'].id}": "1"},
    ),
    Case(
        "stations:cancel",
        "post",
        lambda t: f"/stations/orders/{t['order'].id}/cancel/",
        statuses(404, no=(403, SEES_PLACE), ok=(302, RUNS_SERVICES)),
    ),
    Case("stations:close", "post", lambda t: f"/stations/{t['round'].id}/close/", RUN_POSTED),
    Case("stations:pick_list_pdf", "post", lambda t: f"/stations/{t['round'].id}/pick-list.pdf", RUN_POSTED),
    Case("stations:pick_list_xlsx", "get", lambda t: f"/stations/{t['round'].id}/pick-list.xlsx", RUN),
    Case("stations:route", "get", lambda t: f"/stations/{t['round'].id}/route/", SERVED),
]


def new_round(t, a):
    return {
        "community_id": t["community"].id,
        "name": "第4期",
        "supplier_name": "新发地",
        "opens_at": "2026-02-01T08:00:00+08:00",
        "closes_at": "2026-02-02T20:00:00+08:00",
        "delivery_day": "2026-02-03",
        "packages": [{"name": "蔬菜包 A", "price": 3000, "stock": 100, "cap": 1}],
    }


API_CASES = [
    Case("GET /vegetable-rounds", "get", lambda t: "/api/v1/vegetable-rounds", statuses(200), api=True),
    Case(
        "POST /vegetable-rounds",
        "post",
        lambda t: "/api/v1/vegetable-rounds",
        statuses(404, no=(403, SEES_PLACE), ok=(201, KEEPS_COMMUNITY)),
        body=new_round,
        api=True,
    ),
    Case(
        "GET /vegetable-rounds/rollup",
        "get",
        lambda t: "/api/v1/vegetable-rounds/rollup?by=street",
        statuses(200),
        api=True,
    ),
    Case(
        "GET /vegetable-rounds/{round_id}",
        "get",
        lambda t: f"/api/v1/vegetable-rounds/{t['round'].id}",
        SERVED,
        api=True,
    ),
    Case(
        "PATCH /vegetable-rounds/{round_id}",
        "patch",
        lambda t: f"/api/v1/vegetable-rounds/{t['round'].id}",
        RUN,
        body=lambda t, a: {"supplier_phone": "13900001111"},
        api=True,
    ),
    Case(
        "POST /vegetable-rounds/{round_id}/packages",
        "post",
        lambda t: f"/api/v1/vegetable-rounds/{t['round'].id}/packages",
        statuses(404, no=(403, SEES_PLACE), ok=(201, KEEPS_COMMUNITY)),
        body=lambda t, a: {"name": "蔬菜包 C", "price": 2000, "stock": 5},
        api=True,
    ),
    Case(
        "PATCH /vegetable-rounds/packages/{package_id}",
        "patch",
        lambda t: f"/api/v1/vegetable-rounds/packages/{t['package'].id}",
        RUN,
        body=lambda t, a: {"stock": 50},
        api=True,
    ),
    Case(
        "POST /vegetable-rounds/{round_id}/close",
        "post",
        lambda t: f"/api/v1/vegetable-rounds/{t['round'].id}/close",
        RUN,
        api=True,
    ),
    Case(
        "POST /vegetable-rounds/{round_id}/orders",
        "post",
        lambda t: f"/api/v1/vegetable-rounds/{t['round'].id}/orders",
        statuses(404, no=(403, SEES_PLACE), ok=(201, RUNS_SERVICES)),
        body=lambda t, a: {
            "dwelling_id": t["order"].dwelling.building.dwellings.get(entrance=1, room="102").id,
            "quantities": {str(t["package"].id): 1},
        },
        api=True,
    ),
    Case(
        "GET /vegetable-rounds/{round_id}/orders",
        "get",
        lambda t: f"/api/v1/vegetable-rounds/{t['round'].id}/orders",
        SERVED,
        api=True,
    ),
    Case(
        "GET /vegetable-rounds/{round_id}/route",
        "get",
        lambda t: f"/api/v1/vegetable-rounds/{t['round'].id}/route",
        SERVED,
        api=True,
    ),
    Case(
        "POST /vegetable-rounds/orders/{order_id}/deliver",
        "post",
        lambda t: f"/api/v1/vegetable-rounds/orders/{t['order'].id}/deliver",
        SERVED,
        api=True,
    ),
    Case(
        "POST /vegetable-rounds/orders/{order_id}/pay",
        "post",
        lambda t: f"/api/v1/vegetable-rounds/orders/{t['order'].id}/pay",
        SERVED,
        api=True,
    ),
    Case(
        "POST /vegetable-rounds/orders/{order_id}/cancel",
        "post",
        lambda t: f"/api/v1/vegetable-rounds/orders/{t['order'].id}/cancel",
        statuses(404, no=(403, SEES_PLACE), ok=(200, RUNS_SERVICES)),
        api=True,
    ),
    Case(
        "GET /vegetable-rounds/{round_id}/totals",
        "get",
        lambda t: f"/api/v1/vegetable-rounds/{t['round'].id}/totals",
        RUN,
        api=True,
    ),
    Case(
        "GET /vegetable-rounds/{round_id}/pick-list.xlsx",
        "get",
        lambda t: f"/api/v1/vegetable-rounds/{t['round'].id}/pick-list.xlsx",
        RUN,
        api=True,
    ),
]
CASES = PAGE_CASES + API_CASES


test_permission_matrix, test_anonymous_is_sent_to_log_in = matrix_tests(CASES, targets_for)
