"""Cases in the permission matrix: every page and every API operation, every actor.

The cases lie in Xiangchang Road, building 1 (grid G1): its secretary, community worker and
grid worker handle them, and so does Tianqiao Street's administrator; Liulichang's secretary
(another street) handles cases of her own and gets 404 for these; offices above the street,
gate keepers, volunteers and department liaisons handle none."""

from __future__ import annotations

import datetime

from fangxian.accounts.tests.matrix import OFFICES, Case, matrix_tests, statuses
from fangxian.casework.models import Holiday, Photo

from .conftest import make_case, unfounded_case

HANDLERS = {"secretary", "community_worker", "grid_worker", "street_admin"}


def targets_for(world) -> dict:
    handled = unfounded_case(world)
    return {
        "case": make_case(world),
        "handled": handled,
        "photo": Photo.objects.filter(step__case=handled).first(),
        "building": world.building(world.xiangchang, "1"),
        "holiday": Holiday.objects.create(street=world.tianqiao, day=datetime.date(2026, 10, 1), name="国庆节"),
    }


def api(name, method, path, expect, body=None) -> Case:
    return Case(name, method, path, expect, body=body, api=True)


CASES: list[Case] = [
    # Counts only: every office, and whoever handles cases for their own community.
    Case(
        "casework:rates",
        "get",
        lambda t: "/casework/rates/",
        statuses(403, ok=(200, HANDLERS | OFFICES | {"outsider"})),
    ),
    Case("casework:list", "get", lambda t: "/casework/", statuses(403, ok=(200, HANDLERS | {"outsider"}))),
    Case("casework:new", "get", lambda t: "/casework/new/", statuses(403, ok=(200, HANDLERS | {"outsider"}))),
    Case(
        "casework:new",
        "post",
        lambda t: "/casework/new/",
        # Liulichang's secretary may take cases, but not in a building of another street.
        statuses(403, no=(422, {"outsider"}), ok=(302, HANDLERS)),
        body=lambda t, a: {
            "source": "phone",
            "category": "other",
            "community": t["building"].community_id,
            "building": t["building"].id,
            "what": "楼道灯坏了",
        },
    ),
    Case("casework:case", "get", lambda t: f"/casework/{t['case'].id}/", statuses(404, ok=(200, HANDLERS))),
    # Handled: the callback's forms and the photos of the visit are on the page.
    Case("casework:case", "get", lambda t: f"/casework/{t['handled'].id}/", statuses(404, ok=(200, HANDLERS))),
    Case(
        "casework:step",
        "post",
        lambda t: f"/casework/{t['case'].id}/step/",
        statuses(404, ok=(302, HANDLERS)),
        body=lambda t, a: {"action": "note", "note": "已联系物业"},
    ),
    Case(
        "casework:reveal",
        "post",
        lambda t: f"/casework/{t['handled'].id}/reveal/",
        statuses(404, ok=(200, HANDLERS)),
    ),
    Case("casework:photo", "get", lambda t: f"/casework/photos/{t['photo'].id}/", statuses(404, ok=(200, HANDLERS))),
    Case("casework:holidays", "get", lambda t: "/casework/holidays/", statuses(403, ok=(200, HANDLERS | {"outsider"}))),
    Case(
        "casework:holidays",
        "post",
        lambda t: "/casework/holidays/",
        statuses(403, ok=(302, {"street_admin"})),
        body=lambda t, a: {"day": "2026-10-10", "working": "on", "name": "国庆调休"},
    ),
    Case(
        "casework:holiday_remove",
        "post",
        lambda t: f"/casework/holidays/{t['holiday'].id}/remove/",
        statuses(403, no=(404, {"outsider"}), ok=(302, {"street_admin"})),
    ),
    api("GET /cases", "get", lambda t: "/api/v1/cases", statuses(403, ok=(200, HANDLERS | {"outsider"}))),
    api(
        "POST /cases",
        "post",
        lambda t: "/api/v1/cases",
        statuses(403, no=(404, {"outsider"}), ok=(201, HANDLERS)),
        body=lambda t, a: {
            "category": "other",
            "source": "phone",
            "what": "楼道灯坏了",
            "building_id": t["building"].id,
        },
    ),
    api("GET /cases/{case_id}", "get", lambda t: f"/api/v1/cases/{t['case'].id}", statuses(404, ok=(200, HANDLERS))),
    api(
        "POST /cases/{case_id}/steps",
        "post",
        lambda t: f"/api/v1/cases/{t['case'].id}/steps",
        statuses(404, ok=(201, HANDLERS)),
        body=lambda t, a: {"action": "note", "note": "已联系物业"},
    ),
    api(
        "POST /cases/{case_id}/callback-number",
        "post",
        lambda t: f"/api/v1/cases/{t['handled'].id}/callback-number",
        statuses(404, ok=(200, HANDLERS)),
    ),
    api("GET /case-categories", "get", lambda t: "/api/v1/case-categories", statuses(200)),
]


test_permission_matrix, test_anonymous_is_sent_to_log_in = matrix_tests(CASES, targets_for)
