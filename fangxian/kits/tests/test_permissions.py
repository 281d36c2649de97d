"""The kits' part of the permission matrix: every page and API operation, every actor.

Targets belong to Xiangchang Road: a distribution for its elderly living alone (households in
building 1, grid G1, and building 2, grid G2), one whose every household is settled (closable)
and one closed (to reopen). The recipient acted on lives in building 1, the grid worker's."""

from __future__ import annotations

import uuid

from fangxian.accounts.tests.matrix import (
    KEEPS_COMMUNITY,
    SEES_PLACE,
    SERVERS,
    Case,
    matrix_tests,
    statuses,
)

from .conftest import signature_url


def targets_for(world) -> dict:
    from fangxian.kits import distributing
    from fangxian.people.models import Tag
    from fangxian.supplies import ledger
    from fangxian.supplies.models import Item, Movement, Store

    from .conftest import tag

    x = world.xiangchang
    office = Store.objects.create(community=x, name="社区办公室")
    masks = Item.objects.create(community=x, name="口罩", unit="个", pack_name="箱", pack_size=20)
    ledger.record(Movement.Kind.DONATION, masks, 1000, to_store=office, donor="天桥商会")
    for building, entrance, room in (("1", 1, "101"), ("1", 1, "102"), ("1", 1, "201"), ("2", 1, "101")):
        tag(world.dwelling(x, building, entrance, room).residents.get(), Tag.ELDERLY_ALONE)
    contents = [distributing.ContentIn(masks, "1", "箱")]

    def made(name: str, buildings=()):
        return distributing.create(x, name, office, contents, [Tag.ELDERLY_ALONE], list(buildings), None)

    kit = made("独居老人应急包")
    first, handed = kit.recipients.filter(dwelling__building__number="1").order_by("id")[:2]
    distributing.hand_over(handed, world.users["secretary"], signature=signature_url())
    closable = made("第二批", [world.building(x, "2")])
    for r in closable.recipients.all():
        distributing.leave_out(r, "住院", None)
    closed = made("第三批", [world.building(x, "2")])
    distributing.close(closed, None, {r.pk: "住院" for r in closed.recipients.all()})
    return {
        "community": x,
        "office": office,
        "masks": masks,
        "kit": kit,
        "recipient": first,
        "handed": handed,
        "closable": closable,
        "closed": closed,
    }


def hand_over_body(t, actor):
    return {"signature": signature_url(), "client_id": str(uuid.uuid4())}


def kit_body(t, actor):
    return {
        "community_id": t["community"].id,
        "name": "孕妇应急包",
        "store_id": t["office"].id,
        "contents": [{"item_id": t["masks"].id, "amount": "10", "unit": "个"}],
        "tags": ["elderly_alone"],
    }


def create_form(t, actor):
    return {"community": t["community"].id, "action": "preview", "tags": ["elderly_alone"]}


SERVES = statuses(404, no=(403, SEES_PLACE), ok=(200, SERVERS))
RUNS = statuses(404, no=(403, SEES_PLACE), ok=(200, KEEPS_COMMUNITY))
PAGE_CASES = [
    Case("kits:distributions", "get", lambda t: "/kits/", statuses(200)),
    # The service worker script holds no data; the browser fetches it without a session at times.
    Case("kits:service_worker", "get", lambda t: "/kits/sw.js", statuses(200), anonymous=200),
    # Liulichang's secretary makes kits for Liulichang, not for Xiangchang Road.
    Case("kits:create", "get", lambda t: "/kits/new/", statuses(403, ok=(200, KEEPS_COMMUNITY | {"outsider"}))),
    Case(
        "kits:create (count)",
        "post",
        lambda t: "/kits/new/",
        statuses(403, ok=(200, KEEPS_COMMUNITY)),
        body=create_form,
        routes=("kits:create",),
    ),
    Case("kits:distribution", "get", lambda t: f"/kits/{t['kit'].id}/", statuses(404, ok=(200, SEES_PLACE))),
    Case("kits:close", "get", lambda t: f"/kits/{t['kit'].id}/close/", RUNS),
    Case(
        "kits:close (settled)",
        "post",
        lambda t: f"/kits/{t['closable'].id}/close/",
        statuses(404, no=(403, SEES_PLACE), ok=(302, KEEPS_COMMUNITY)),
        routes=("kits:close",),
    ),
    Case(
        "kits:reopen",
        "post",
        lambda t: f"/kits/{t['closed'].id}/reopen/",
        statuses(404, no=(403, SEES_PLACE), ok=(302, KEEPS_COMMUNITY)),
        body=lambda t, a: {"reason": "出院了"},
    ),
    Case("kits:hand_over", "get", lambda t: f"/kits/recipients/{t['recipient'].id}/", SERVES),
    Case(
        "kits:hand_over (signed)",
        "post",
        lambda t: f"/kits/recipients/{t['recipient'].id}/",
        statuses(404, no=(403, SEES_PLACE), ok=(302, SERVERS)),
        body=hand_over_body,
        routes=("kits:hand_over",),
    ),
    Case(
        "kits:leave_out",
        "post",
        lambda t: f"/kits/recipients/{t['recipient'].id}/leave-out/",
        statuses(404, no=(403, SEES_PLACE), ok=(302, SERVERS)),
        body=lambda t, a: {"reason": "去子女家住"},
    ),
    Case("kits:proof", "get", lambda t: f"/kits/recipients/{t['handed'].id}/proof/", SERVES),
]
API_CASES = [
    Case("GET /kits", "get", lambda t: "/api/v1/kits", statuses(200), api=True),
    Case(
        "POST /kits",
        "post",
        lambda t: "/api/v1/kits",
        statuses(404, no=(403, SEES_PLACE), ok=(201, KEEPS_COMMUNITY)),
        body=kit_body,
        api=True,
    ),
    Case("GET /kits/rollup", "get", lambda t: "/api/v1/kits/rollup?by=street", statuses(200), api=True),
    Case(
        "GET /kits/{kit_id}",
        "get",
        lambda t: f"/api/v1/kits/{t['kit'].id}",
        statuses(404, ok=(200, SEES_PLACE)),
        api=True,
    ),
    Case("GET /kits/{kit_id}/recipients", "get", lambda t: f"/api/v1/kits/{t['kit'].id}/recipients", SERVES, api=True),
    Case(
        "POST /kits/{kit_id}/recipients/{recipient_id}/hand-over",
        "post",
        lambda t: f"/api/v1/kits/{t['kit'].id}/recipients/{t['recipient'].id}/hand-over",
        SERVES,
        body=hand_over_body,
        api=True,
    ),
    Case(
        "POST /kits/{kit_id}/recipients/{recipient_id}/leave-out",
        "post",
        lambda t: f"/api/v1/kits/{t['kit'].id}/recipients/{t['recipient'].id}/leave-out",
        SERVES,
        body=lambda t, a: {"reason": "去子女家住"},
        api=True,
    ),
    # Households are still waiting and no reason is given: refused by the rule, not the role.
    Case(
        "POST /kits/{kit_id}/close",
        "post",
        lambda t: f"/api/v1/kits/{t['kit'].id}/close",
        statuses(404, no=(403, SEES_PLACE), ok=(422, KEEPS_COMMUNITY)),
        api=True,
    ),
    Case(
        "POST /kits/{kit_id}/reopen",
        "post",
        lambda t: f"/api/v1/kits/{t['closed'].id}/reopen",
        RUNS,
        body=lambda t, a: {"reason": "出院了"},
        api=True,
    ),
]
CASES = PAGE_CASES + API_CASES


test_permission_matrix, test_anonymous_is_sent_to_log_in = matrix_tests(CASES, targets_for)


def test_the_service_worker_is_served_to_anyone(client):
    answer = client.get("/kits/sw.js")
    assert answer.status_code == 200 and b"fangxian-kits" in answer.content
