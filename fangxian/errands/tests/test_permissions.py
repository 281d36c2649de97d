"""Errands in the permission matrix: every page and every API operation, every actor.

The errands belong to Xiangchang Road, building 1 (grid G1): the grid worker serves them, the
volunteer carries them, offices see only counts, and Liulichang's secretary sees nothing of
them (the lists open for her, with her own community's errands)."""

from __future__ import annotations

import datetime

from django.core.files.base import ContentFile
from django.utils import timezone

from fangxian.accounts.tests.matrix import (
    KEEPS_COMMUNITY,
    RUNS_SERVICES,
    SEES_PLACE,
    SERVERS,
    Case,
    matrix_tests,
    statuses,
)
from fangxian.errands import requests
from fangxian.supplies import ledger
from fangxian.supplies.models import Item, Movement, Store

from .conftest import make_errand


def targets_for(world) -> dict:
    volunteer = world.users["volunteer"]
    delivered = make_errand(world, "102")
    requests.deliver(delivered, volunteer, code=delivered.code, advanced=1500)
    delivered.refresh_from_db()
    delivered.photo.save("p.jpg", ContentFile(b"\xff\xd8jpeg"), save=True)
    office = Store.objects.create(community=world.xiangchang, name="社区办公室")
    masks = Item.objects.create(community=world.xiangchang, name="口罩", unit="个", pack_name="箱", pack_size=20)
    ledger.record(Movement.Kind.DONATION, masks, 1000, to_store=office, donor="天桥商会")
    return {
        "office": office,
        "masks": masks,
        "errand": make_errand(world, "101"),
        "delivered": delivered,
        "dwelling": world.dwelling(world.xiangchang, "1", 1, "201"),
        "soon": (timezone.now() + datetime.timedelta(hours=3)).isoformat(),
    }


def api(name, method, path, expect, body=None) -> Case:
    return Case(name, method, path, expect, body=body, api=True)


CASES: list[Case] = [
    Case("errands:list", "get", lambda t: "/errands/", statuses(403, ok=(200, SERVERS | {"outsider"}))),
    Case("errands:new", "get", lambda t: "/errands/new/", statuses(403, ok=(200, RUNS_SERVICES | {"outsider"}))),
    Case("errands:mine", "get", lambda t: "/errands/mine/", statuses(403, ok=(200, SERVERS | {"outsider"}))),
    Case("errands:errand", "get", lambda t: f"/errands/{t['errand'].id}/", statuses(404, ok=(200, SERVERS))),
    Case("errands:claim", "post", lambda t: f"/errands/{t['errand'].id}/claim/", statuses(404, ok=(302, SERVERS))),
    Case(
        "errands:deliver",
        "post",
        lambda t: f"/errands/{t['errand'].id}/deliver/",
        statuses(404, ok=(302, SERVERS)),
        body=lambda t, a: {"code": t["errand"].code, "advanced": "12.50"},
    ),
    Case(
        "errands:repay",
        "post",
        lambda t: f"/errands/{t['delivered'].id}/repay/",
        statuses(404, no=(403, SERVERS), ok=(302, RUNS_SERVICES | {"volunteer"})),
        body=lambda t, a: {"repaid": "15"},
    ),
    Case(
        "errands:close",
        "post",
        lambda t: f"/errands/{t['delivered'].id}/close/",
        statuses(404, no=(403, SERVERS), ok=(302, RUNS_SERVICES)),
    ),
    Case(
        "errands:cancel",
        "post",
        lambda t: f"/errands/{t['errand'].id}/cancel/",
        statuses(404, no=(403, SERVERS), ok=(302, RUNS_SERVICES)),
        body=lambda t, a: {"reason": "家属已买到"},
    ),
    # The service worker holds no data; a browser fetches it without a session at times.
    Case("errands_service_worker", "get", lambda t: "/errands/sw.js", statuses(200), anonymous=200),
    Case("errands:photo", "get", lambda t: f"/errands/{t['delivered'].id}/photo/", statuses(404, ok=(200, SERVERS))),
    Case(
        "errands:supplies",
        "post",
        lambda t: f"/errands/{t['errand'].id}/supplies/",
        statuses(404, no=(403, SERVERS), ok=(302, KEEPS_COMMUNITY)),
        body=lambda t, a: {"item": t["masks"].id, "store": t["office"].id, "quantity": "1/2 箱"},
    ),
    api(
        "GET /errands/{errand_id}/supplies",
        "get",
        lambda t: f"/api/v1/errands/{t['errand'].id}/supplies",
        statuses(404, ok=(200, SERVERS)),
    ),
    api(
        "POST /errands/{errand_id}/supplies",
        "post",
        lambda t: f"/api/v1/errands/{t['errand'].id}/supplies",
        statuses(404, no=(403, SERVERS), ok=(201, KEEPS_COMMUNITY)),
        body=lambda t, a: {"item_id": t["masks"].id, "store_id": t["office"].id, "quantity": "10"},
    ),
    api("GET /errands", "get", lambda t: "/api/v1/errands", statuses(200)),
    api(
        "POST /errands",
        "post",
        lambda t: "/api/v1/errands",
        statuses(404, no=(403, SEES_PLACE), ok=(201, RUNS_SERVICES)),
        body=lambda t, a: {
            "dwelling_id": t["dwelling"].id,
            "kind": "groceries",
            "what": "米 10斤",
            "needed_by": t["soon"],
        },
    ),
    api(
        "GET /errands/rollup",
        "get",
        lambda t: "/api/v1/errands/rollup?by=street",
        statuses(403, ok=(200, SEES_PLACE | {"outsider"})),
    ),
    api(
        "GET /errands/{errand_id}",
        "get",
        lambda t: f"/api/v1/errands/{t['errand'].id}",
        statuses(404, ok=(200, SERVERS)),
    ),
    api(
        "POST /errands/{errand_id}/claim",
        "post",
        lambda t: f"/api/v1/errands/{t['errand'].id}/claim",
        statuses(404, ok=(200, SERVERS)),
    ),
    api(
        "POST /errands/{errand_id}/deliver",
        "post",
        lambda t: f"/api/v1/errands/{t['errand'].id}/deliver",
        statuses(404, ok=(200, SERVERS)),
        body=lambda t, a: {"code": t["errand"].code, "advanced": 800},
    ),
    api(
        "POST /errands/{errand_id}/repay",
        "post",
        lambda t: f"/api/v1/errands/{t['delivered'].id}/repay",
        statuses(404, no=(403, SERVERS), ok=(200, RUNS_SERVICES | {"volunteer"})),
        body=lambda t, a: {"amount": 1500},
    ),
    api(
        "POST /errands/{errand_id}/close",
        "post",
        lambda t: f"/api/v1/errands/{t['delivered'].id}/close",
        statuses(404, no=(403, SERVERS), ok=(200, RUNS_SERVICES)),
    ),
    api(
        "POST /errands/{errand_id}/cancel",
        "post",
        lambda t: f"/api/v1/errands/{t['errand'].id}/cancel",
        statuses(404, no=(403, SERVERS), ok=(200, RUNS_SERVICES)),
        body=lambda t, a: {"reason": "家属已买到"},
    ),
]


test_permission_matrix, test_anonymous_is_sent_to_log_in = matrix_tests(CASES, targets_for)
