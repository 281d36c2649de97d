"""Inspections in the permission matrix: every page and every API operation, every actor.

The shop is Xiangchang Road's, in building 1 (grid G1), on a round of the community: its staff
and the grid worker inspect it, the street's office too; only the community's staff and the
street set up and close rounds; Liulichang's secretary inspects her own businesses and sees
nothing of these (her lists open empty)."""

from __future__ import annotations

import datetime
import uuid

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from fangxian.accounts.tests.matrix import Case, matrix_tests, statuses
from fangxian.inspections.models import Template

from .conftest import ensure_checklists, make_business, make_round, visit

INSPECTORS = {"secretary", "community_worker", "grid_worker", "street_admin"}
RUNS_ROUNDS = {"secretary", "community_worker", "street_admin"}
ANY_INSPECTOR = INSPECTORS | {"outsider"}


def targets_for(world) -> dict:
    ensure_checklists()  # also read by tests/test_words.py, outside this folder's fixtures
    shop = make_business(world)
    row = make_round(world, [shop])
    inspection = visit(world, row, shop, failing={"disinfection-log"}, photo=True)
    failed = inspection.findings.get(result="fail")
    template = Template.current(shop.kind)
    return {
        "shop": shop,
        "round": row,
        "inspection": inspection,
        "failed": failed,
        "items": list(template.items.values_list("pk", flat=True)),
        "template": template,
        "today": timezone.localdate().isoformat(),
        "later": (timezone.localdate() + datetime.timedelta(days=3)).isoformat(),
    }


def api(name, method, path, expect, body=None) -> Case:
    return Case(name, method, path, expect, body=body, api=True)


def visit_body(t, actor) -> dict:
    return {
        "client_id": str(uuid.uuid4()),
        "round_id": t["round"].id,
        "business_id": t["shop"].id,
        "template_id": t["template"].id,
        "findings": [{"item_id": pk, "result": "pass"} for pk in t["items"]],
    }


CASES: list[Case] = [
    Case("inspections:rounds", "get", lambda t: "/inspections/", statuses(403, ok=(200, ANY_INSPECTOR))),
    Case(
        "inspections:new_round",
        "get",
        lambda t: "/inspections/rounds/new/",
        statuses(403, ok=(200, RUNS_ROUNDS | {"outsider"})),
    ),
    Case(
        "inspections:round",
        "get",
        lambda t: f"/inspections/rounds/{t['round'].id}/",
        statuses(404, ok=(200, INSPECTORS)),
    ),
    Case(
        "inspections:close_round",
        "post",
        lambda t: f"/inspections/rounds/{t['round'].id}/close/",
        statuses(404, no=(403, INSPECTORS), ok=(302, RUNS_ROUNDS)),
    ),
    Case("inspections:phone", "get", lambda t: "/inspections/phone/", statuses(403, ok=(200, ANY_INSPECTOR))),
    Case(
        "inspections:rectifications",
        "get",
        lambda t: "/inspections/rectifications/",
        statuses(403, ok=(200, ANY_INSPECTOR)),
    ),
    Case("inspections:checklists", "get", lambda t: "/inspections/checklists/", statuses(403, ok=(200, ANY_INSPECTOR))),
    Case(
        "inspections:staff",
        "get",
        lambda t: f"/inspections/businesses/{t['shop'].id}/staff/",
        statuses(404, ok=(200, INSPECTORS)),
    ),
    Case(
        "inspections:staff",
        "post",
        lambda t: f"/inspections/businesses/{t['shop'].id}/staff/",
        statuses(404, ok=(302, INSPECTORS)),
        body=lambda t, a: {"name": "王店员", "phone": "13912345678", "id_number": ""},
    ),
    Case(
        "inspections:staff_import",
        "post",
        lambda t: f"/inspections/businesses/{t['shop'].id}/staff/import/",
        statuses(404, ok=(302, INSPECTORS)),
        body=lambda t, a: {
            "action": "check",
            "file": SimpleUploadedFile("staff.csv", "姓名,电话\n王一,13900000001\n".encode()),
        },
    ),
    Case(
        "inspections:photo",
        "get",
        lambda t: f"/inspections/findings/{t['failed'].id}/photo/",
        statuses(404, ok=(200, INSPECTORS)),
    ),
    Case(
        "inspections:inspection",
        "get",
        lambda t: f"/inspections/{t['inspection'].id}/",
        statuses(404, ok=(200, INSPECTORS)),
    ),
    Case(
        "inspections:pdf",
        "get",
        lambda t: f"/inspections/{t['inspection'].id}/pdf/",
        statuses(404, ok=(200, INSPECTORS)),
    ),
    # The service worker holds no data; a browser fetches it without a session at times.
    Case("inspections_service_worker", "get", lambda t: "/inspections/sw.js", statuses(200), anonymous=200),
    api("GET /inspections/rounds", "get", lambda t: "/api/v1/inspections/rounds", statuses(200)),
    api(
        "POST /inspections/rounds",
        "post",
        lambda t: "/api/v1/inspections/rounds",
        statuses(404, no=(403, {"grid_worker"}), ok=(201, RUNS_ROUNDS)),
        body=lambda t, a: {
            "name": "第二轮",
            "community_id": t["shop"].community_id,
            "starts_on": t["today"],
            "ends_on": t["later"],
            "business_ids": [t["shop"].id],
        },
    ),
    api(
        "GET /inspections/rounds/{round_id}",
        "get",
        lambda t: f"/api/v1/inspections/rounds/{t['round'].id}",
        statuses(404, ok=(200, INSPECTORS)),
    ),
    api(
        "POST /inspections/rounds/{round_id}/close",
        "post",
        lambda t: f"/api/v1/inspections/rounds/{t['round'].id}/close",
        statuses(404, no=(403, {"grid_worker"}), ok=(200, RUNS_ROUNDS)),
    ),
    api(
        "GET /inspections/bundle", "get", lambda t: "/api/v1/inspections/bundle", statuses(403, ok=(200, ANY_INSPECTOR))
    ),
    api(
        "POST /inspections",
        "post",
        lambda t: "/api/v1/inspections",
        statuses(404, ok=(201, INSPECTORS)),
        body=visit_body,
    ),
    api("GET /inspections/findings", "get", lambda t: "/api/v1/inspections/findings", statuses(200)),
    api(
        "GET /inspections/{inspection_id}",
        "get",
        lambda t: f"/api/v1/inspections/{t['inspection'].id}",
        statuses(404, ok=(200, INSPECTORS)),
    ),
    api(
        "POST /inspections/businesses/{business_id}/revisits",
        "post",
        lambda t: f"/api/v1/inspections/businesses/{t['shop'].id}/revisits",
        statuses(404, ok=(201, INSPECTORS)),
        body=lambda t, a: {
            "client_id": str(uuid.uuid4()),
            "findings": [{"finding_id": t["failed"].id, "result": "fail", "deadline": t["later"]}],
        },
    ),
]


test_permission_matrix, test_anonymous_is_sent_to_log_in = matrix_tests(CASES, targets_for)
