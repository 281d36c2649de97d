"""The supplies ledger in the permission matrix.

Reading a community's ledger (stock, items, stores, movements, the public ledger) takes
Can.SERVE or Can.RUN_SERVICES over it: the secretary, community workers, and also the grid
worker (the stores are the whole community's, and what a grid's households get comes out of
them) and volunteers (they hand it out). Writing it (items, stores, movements, reversals) and
printing its documents (a donor's receipt, the public ledger as PDF or Excel) takes
Can.RUN_SERVICES over the whole community: the secretary and community workers. Offices count
through the roll-up. Another community's ids are 404."""

from __future__ import annotations

from fangxian.accounts.tests.matrix import (
    KEEPS_COMMUNITY,
    SEES_PLACE,
    SERVERS,
    Case,
    matrix_tests,
    statuses,
)
from fangxian.gate.models import Gate
from fangxian.supplies import ledger
from fangxian.supplies.models import Item, Movement, Store

K = Movement.Kind
READS_ONLY = SERVERS - KEEPS_COMMUNITY  # the grid worker and volunteers
OUTSIDER = (404, {"outsider"})  # Liulichang's secretary, who keeps a ledger of her own


def targets_for(world) -> dict:
    community = world.xiangchang
    office = Store.objects.create(community=community, name="社区办公室")
    masks = Item.objects.create(community=community, name="口罩", unit="个", pack_name="箱", pack_size=20, minimum=100)
    gate = Gate.objects.create(community=community, name="菜市场门")
    (donation,) = ledger.receive(K.DONATION, office, [(masks, 60)], donor="天桥商会")
    issue = ledger.issue(masks, office, 10, to_gate=gate)
    return {
        "community": community,
        "office": office,
        "masks": masks,
        "gate": gate,
        "donation": donation,
        "issue": issue,
    }


def reads(ok: int = 200) -> dict[str, int]:
    return statuses(403, ok=(ok, SERVERS), outsider=OUTSIDER)


def writes(ok: int) -> dict[str, int]:
    return statuses(404, no=(403, READS_ONLY), ok=(ok, KEEPS_COMMUNITY))


def posts(ok: int) -> dict[str, int]:
    """A form naming Xiangchang: those who read no ledger are refused before it is looked at."""
    return statuses(403, no=(403, READS_ONLY), ok=(ok, KEEPS_COMMUNITY), outsider=OUTSIDER)


def c(t) -> str:
    return f"?community={t['community'].id}"


PAGE_CASES = [
    Case("supplies:stock", "get", lambda t: f"/supplies/{c(t)}", reads()),
    Case("supplies:items", "get", lambda t: f"/supplies/items/{c(t)}", reads()),
    Case(
        "supplies:items (add)",
        "post",
        lambda t: "/supplies/items/",
        posts(302),
        body=lambda t, a: {"community": t["community"].id, "name": f"手套{a}", "unit": "副"},
        routes=("supplies:items",),
    ),
    Case("supplies:item_edit", "get", lambda t: f"/supplies/items/{t['masks'].id}/", writes(200)),
    Case(
        "supplies:item_edit (save)",
        "post",
        lambda t: f"/supplies/items/{t['masks'].id}/",
        writes(302),
        body=lambda t, a: {
            "name": "口罩",
            "unit": "个",
            "pack_name": "箱",
            "pack_size": "20",
            "minimum": "5",
            "minimum_unit": "箱",
        },
        routes=("supplies:item_edit",),
    ),
    Case("supplies:stores", "get", lambda t: f"/supplies/stores/{c(t)}", reads()),
    Case(
        "supplies:stores (add)",
        "post",
        lambda t: "/supplies/stores/",
        posts(302),
        body=lambda t, a: {"community": t["community"].id, "name": f"库房{a}", "gate": t["gate"].id},
        routes=("supplies:stores",),
    ),
    Case("supplies:movements", "get", lambda t: f"/supplies/movements/{c(t)}", reads()),
    Case("supplies:record", "get", lambda t: f"/supplies/movements/new/{c(t)}", posts(200)),
    Case(
        "supplies:record (donation)",
        "post",
        lambda t: "/supplies/movements/new/",
        posts(302),
        body=lambda t, a: {
            "community": t["community"].id,
            "kind": "donation",
            "store": t["office"].id,
            "item0": t["masks"].id,
            "quantity0": "1",
            "unit0": "箱",
            "anonymous": "on",
        },
        routes=("supplies:record",),
    ),
    Case(
        "supplies:reverse",
        "post",
        lambda t: f"/supplies/movements/{t['issue'].id}/reverse/",
        writes(302),
        body=lambda t, a: {"reason": "发错了"},
    ),
    Case("supplies:donation", "get", lambda t: f"/supplies/donations/{t['donation'].id}/", writes(200)),
    Case("supplies:receipt_pdf", "get", lambda t: f"/supplies/donations/{t['donation'].id}/receipt.pdf", writes(200)),
    Case("supplies:public", "get", lambda t: f"/supplies/public/{c(t)}", reads()),
    Case(
        "supplies:public (pdf)",
        "get",
        lambda t: f"/supplies/public/{c(t)}&format=pdf",
        posts(200),
        routes=("supplies:public",),
    ),
    Case(
        "supplies:public (xlsx)",
        "get",
        lambda t: f"/supplies/public/{c(t)}&format=xlsx",
        posts(200),
        routes=("supplies:public",),
    ),
]

API_CASES = [
    Case("GET /supplies/items", "get", lambda t: "/api/v1/supplies/items", statuses(200), api=True),
    Case(
        "POST /supplies/items",
        "post",
        lambda t: "/api/v1/supplies/items",
        writes(201),
        body=lambda t, a: {"community_id": t["community"].id, "name": f"手套{a}", "unit": "副", "minimum": "10"},
        api=True,
    ),
    Case(
        "PATCH /supplies/items/{item_id}",
        "patch",
        lambda t: f"/api/v1/supplies/items/{t['masks'].id}",
        writes(200),
        body=lambda t, a: {"minimum": 2, "minimum_unit": "箱"},
        api=True,
    ),
    Case("GET /supplies/stores", "get", lambda t: "/api/v1/supplies/stores", statuses(200), api=True),
    Case(
        "POST /supplies/stores",
        "post",
        lambda t: "/api/v1/supplies/stores",
        writes(201),
        body=lambda t, a: {"community_id": t["community"].id, "name": f"库房{a}", "gate_id": t["gate"].id},
        api=True,
    ),
    Case("GET /supplies/movements", "get", lambda t: "/api/v1/supplies/movements", statuses(200), api=True),
    Case(
        "POST /supplies/movements",
        "post",
        lambda t: "/api/v1/supplies/movements",
        writes(201),
        body=lambda t, a: {
            "community_id": t["community"].id,
            "kind": "issue",
            "from_store_id": t["office"].id,
            "to_gate_id": t["gate"].id,
            "lines": [{"item_id": t["masks"].id, "quantity": "1/2", "unit": "箱"}],
        },
        api=True,
    ),
    Case(
        "POST /supplies/movements/{movement_id}/reverse",
        "post",
        lambda t: f"/api/v1/supplies/movements/{t['issue'].id}/reverse",
        writes(201),
        body=lambda t, a: {"reason": "发错了"},
        api=True,
    ),
    Case("GET /supplies/stock", "get", lambda t: "/api/v1/supplies/stock", statuses(200), api=True),
    Case("GET /supplies/below-minimum", "get", lambda t: "/api/v1/supplies/below-minimum", statuses(200), api=True),
    Case(
        "GET /supplies/public-ledger",
        "get",
        lambda t: f"/api/v1/supplies/public-ledger?community_id={t['community'].id}",
        statuses(404, ok=(200, SERVERS)),
        api=True,
    ),
    Case(
        "GET /supplies/rollup",
        "get",
        lambda t: "/api/v1/supplies/rollup?by=street",
        statuses(403, ok=(200, SEES_PLACE | {"outsider"})),
        api=True,
    ),
]
CASES = PAGE_CASES + API_CASES


test_permission_matrix, test_anonymous_is_sent_to_log_in = matrix_tests(CASES, targets_for)
