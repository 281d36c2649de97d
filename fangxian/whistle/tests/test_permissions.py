"""The whistle in the permission matrix: every page and every API operation, every actor.

The calls come from Xiangchang Road (building 1, grid G1) to Tianqiao's city management, for
which the world's liaison works: the liaison acts on them as the department, the community
confirms, the offices above see them, and no one else learns of them. A call to Tianqiao's
housing office is another department's: the liaison gets 404 for it. Departments are kept
by the street office and those above it."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from fangxian.accounts.tests.matrix import DEPARTMENT, OFFICES, SEES_PLACE, Case, matrix_tests, statuses
from fangxian.whistle import calling

from .conftest import liaison_of, make_call, make_departments

CALLERS = {"secretary", "community_worker", "street_admin"}  # whistle for Xiangchang Road
SEES_CALLS = CALLERS | DEPARTMENT | {"grid_worker", "district_admin", "city_admin"}
MAY_SEE_LIST = SEES_CALLS | {"outsider"}
SEES_DEPARTMENT = OFFICES | DEPARTMENT | {"secretary", "community_worker"}  # Tianqiao's city management


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(out, format="JPEG")
    return out.getvalue()


def targets_for(world) -> dict:
    departments = make_departments(world)
    spare = liaison_of(world.tianqiao, "spare_liaison")
    building = world.building(world.xiangchang, "1")
    call = make_call(world, departments["city"], building=building)
    done = make_call(world, departments["city"], building=building)
    calling.arrive(done, world.users["liaison"], "已到", SimpleUploadedFile("p.jpg", jpeg()))
    calling.report(done, world.users["liaison"], "solved", "已装围挡")
    on_site = calling.arrive(make_call(world, departments["city"], building=building), world.users["liaison"], "已到")
    return {
        **departments,
        "call": call,
        "done": done,
        "on_site": on_site,
        "housing_call": make_call(world, departments["housing"], building=building),
        "building": building,
        "community": world.xiangchang,
        "spare": spare,
        "member": departments["city"].members.get(user=world.users["liaison"]),
        "soon": done.needed_by.isoformat(),
    }


def api(name, method, path, expect, body=None) -> Case:
    return Case(name, method, path, expect, body=body, api=True)


def department_step(status: int) -> dict:
    """A step only the department takes: 404 outside, 403 to whoever else sees the call."""
    return statuses(404, no=(403, SEES_CALLS), ok=(status, DEPARTMENT))


def community_step(status: int) -> dict:
    return statuses(404, no=(403, SEES_CALLS), ok=(status, CALLERS))


OTHER_DEPARTMENT = statuses(404, no=(403, SEES_CALLS - DEPARTMENT))


def new_call(t, a) -> dict:
    return {
        "community": t["community"].id,
        "department": t["city"].id,
        "what": "封闭出入口",
        "address": "东口",
        "needed_by": t["soon"][:16],
    }


CASES: list[Case] = [
    Case("whistle:list", "get", lambda t: "/whistle/", statuses(403, ok=(200, MAY_SEE_LIST))),
    Case("whistle:new", "get", lambda t: "/whistle/new/", statuses(403, ok=(200, CALLERS | {"outsider"}))),
    Case(
        "whistle:new (a call made)",
        "post",
        lambda t: "/whistle/new/",
        statuses(403, no=(404, {"outsider"}), ok=(302, CALLERS)),
        body=new_call,
        routes=("whistle:new",),
    ),
    Case("whistle:call", "get", lambda t: f"/whistle/{t['call'].id}/", statuses(404, ok=(200, SEES_CALLS))),
    Case(
        "whistle:call (another department's)",
        "get",
        lambda t: f"/whistle/{t['housing_call'].id}/",
        statuses(404, ok=(200, SEES_CALLS - DEPARTMENT)),
        routes=("whistle:call",),
    ),
    Case("whistle:acknowledge", "post", lambda t: f"/whistle/{t['call'].id}/acknowledge/", department_step(302)),
    Case(
        "whistle:acknowledge (another department's)",
        "post",
        lambda t: f"/whistle/{t['housing_call'].id}/acknowledge/",
        OTHER_DEPARTMENT,
        routes=("whistle:acknowledge",),
    ),
    Case(
        "whistle:arrive",
        "post",
        lambda t: f"/whistle/{t['call'].id}/arrive/",
        department_step(302),
        body=lambda t, a: {"note": "已到现场"},
    ),
    Case(
        "whistle:outcome",
        "post",
        lambda t: f"/whistle/{t['on_site'].id}/outcome/",
        department_step(302),
        body=lambda t, a: {"outcome": "solved", "note": "已装围挡"},
    ),
    Case("whistle:confirm", "post", lambda t: f"/whistle/{t['done'].id}/confirm/", community_step(302)),
    Case(
        "whistle:send_back",
        "post",
        lambda t: f"/whistle/{t['done'].id}/send-back/",
        community_step(302),
        body=lambda t, a: {"note": "北口还没有"},
    ),
    Case("whistle:photo", "get", lambda t: f"/whistle/{t['done'].id}/photo/", statuses(404, ok=(200, SEES_CALLS))),
    Case("whistle:departments", "get", lambda t: "/whistle/departments/", statuses(403, ok=(200, OFFICES))),
    Case(
        "whistle:departments (one added)",
        "post",
        lambda t: "/whistle/departments/",
        statuses(403, ok=(302, OFFICES)),
        body=lambda t, a: {"street": t["city"].street_id, "kind": "police", "name": "天桥派出所"},
        routes=("whistle:departments",),
    ),
    Case(
        "whistle:department",
        "get",
        lambda t: f"/whistle/departments/{t['city'].id}/",
        statuses(404, no=(403, SEES_DEPARTMENT), ok=(200, OFFICES)),
    ),
    Case(
        "whistle:department (saved)",
        "post",
        lambda t: f"/whistle/departments/{t['city'].id}/",
        statuses(404, no=(403, SEES_DEPARTMENT), ok=(302, OFFICES)),
        body=lambda t, a: {"kind": "city_management", "name": "天桥城管", "contact": "63030000", "active": "on"},
        routes=("whistle:department",),
    ),
    Case(
        "whistle:member_add",
        "post",
        lambda t: f"/whistle/departments/{t['city'].id}/members/",
        statuses(404, no=(403, SEES_DEPARTMENT), ok=(302, OFFICES)),
        body=lambda t, a: {"user": t["spare"].id},
    ),
    Case(
        "whistle:member_remove",
        "post",
        lambda t: f"/whistle/departments/{t['city'].id}/members/{t['member'].id}/remove/",
        statuses(404, no=(403, SEES_DEPARTMENT), ok=(302, OFFICES)),
    ),
    Case("whistle:figures", "get", lambda t: "/whistle/figures/", statuses(403, ok=(200, OFFICES))),
    Case(
        "whistle:figures (Excel)",
        "get",
        lambda t: "/whistle/figures/?format=xlsx",
        statuses(403, ok=(200, OFFICES)),
        routes=("whistle:figures",),
    ),
    api("GET /whistle/calls", "get", lambda t: "/api/v1/whistle/calls?show=all", statuses(200)),
    api(
        "POST /whistle/calls",
        "post",
        lambda t: "/api/v1/whistle/calls",
        statuses(404, no=(403, SEES_PLACE), ok=(201, CALLERS)),
        body=lambda t, a: {
            "community_id": t["community"].id,
            "department_id": t["city"].id,
            "what": "封闭出入口",
            "address": "东口",
            "needed_by": t["soon"],
        },
    ),
    api(
        "GET /whistle/calls/{call_id}",
        "get",
        lambda t: f"/api/v1/whistle/calls/{t['call'].id}",
        statuses(404, ok=(200, SEES_CALLS)),
    ),
    api(
        "GET /whistle/calls/{call_id} (another department's)",
        "get",
        lambda t: f"/api/v1/whistle/calls/{t['housing_call'].id}",
        statuses(404, ok=(200, SEES_CALLS - DEPARTMENT)),
    ),
    api(
        "POST /whistle/calls/{call_id}/acknowledge",
        "post",
        lambda t: f"/api/v1/whistle/calls/{t['call'].id}/acknowledge",
        department_step(200),
    ),
    api(
        "POST /whistle/calls/{call_id}/arrive",
        "post",
        lambda t: f"/api/v1/whistle/calls/{t['call'].id}/arrive",
        department_step(200),
        body=lambda t, a: {"note": "已到现场"},
    ),
    api(
        "POST /whistle/calls/{call_id}/outcome",
        "post",
        lambda t: f"/api/v1/whistle/calls/{t['on_site'].id}/outcome",
        department_step(200),
        body=lambda t, a: {"outcome": "partly", "note": "装了一处"},
    ),
    api(
        "POST /whistle/calls/{call_id}/confirm",
        "post",
        lambda t: f"/api/v1/whistle/calls/{t['done'].id}/confirm",
        community_step(200),
    ),
    api(
        "POST /whistle/calls/{call_id}/send-back",
        "post",
        lambda t: f"/api/v1/whistle/calls/{t['done'].id}/send-back",
        community_step(200),
        body=lambda t, a: {"note": "北口还没有"},
    ),
    api("GET /whistle/departments", "get", lambda t: "/api/v1/whistle/departments", statuses(200)),
]

test_permission_matrix, test_anonymous_is_sent_to_log_in = matrix_tests(CASES, targets_for)
