"""The permission matrix: every page and API endpoint, every actor, one test per case.

Targets belong to Xiangchang Road, building 1 (grid G1). Statuses not listed for an endpoint
follow its `default`. `test_every_route_is_in_the_matrix` keeps new routes from escaping."""

from __future__ import annotations

import datetime

from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from fangxian.api import api
from fangxian.casework.tests.test_permissions import CASES as casework_cases
from fangxian.casework.tests.test_permissions_hotline import CASES as hotline_cases
from fangxian.errands.tests.test_permissions import CASES as errands_cases
from fangxian.inspections.tests.test_permissions import CASES as inspections_cases
from fangxian.kits.tests.test_permissions import CASES as kits_cases
from fangxian.people.models import HouseholdLink, ImportBatch
from fangxian.reports.tests.test_permissions import CASES as reports_cases
from fangxian.stations.tests.test_permissions import CASES as stations_cases
from fangxian.supplies.tests.test_permissions import CASES as supplies_cases
from fangxian.testing.tests import test_matrix_campaigns
from fangxian.testing.tests.test_matrix_results import CASES as testing_results_cases
from fangxian.testing.tests.test_matrix_table import CASES as table_cases
from fangxian.tracing.tests.test_permissions import CASES as tracing_cases
from fangxian.whistle.tests.test_permissions import CASES as whistle_cases

from .matrix import (
    ACTORS,
    CENSUS_TAKERS,
    EDITS,
    EXPORTERS,
    GATE_USERS,
    KEEPS_COMMUNITY,
    OFFICES,
    RUNS_SERVICES,
    SEES_PLACE,
    SEES_RESIDENTS,
    WATCHERS,
    Case,
    matrix_tests,
    statuses,
)


def checked_batch(world, kind: str, text: str) -> ImportBatch:
    """An upload as the import page stores it: checked, with its plan and its errors."""
    from fangxian.people.importing import run_import

    report = run_import(kind, world.xiangchang, text.encode(), apply=False)
    return ImportBatch.objects.create(
        community=world.xiangchang,
        kind=kind,
        filename=f"{kind}.csv",
        data=text.encode(),
        status="previewed" if report.ok else "invalid",
        report=report.as_json(),
        plan_digest=report.digest,
        error_report=report.error_report,
    )


def targets_for(world) -> dict:
    resident = world.resident(world.xiangchang, "1")
    resident.photo.save("p.jpg", ContentFile(b"\xff\xd8jpeg"), save=True)
    batch = checked_batch(world, "residents", "楼号,单元,房号,姓名,证件号码\n1,1,101,张三,1\n")
    good_batch = checked_batch(world, "dwellings", "楼号,单元,楼层,房号\n1,1,1,109\n")
    from fangxian.gate import permits
    from fangxian.gate.models import Gate

    gate = Gate.objects.create(community=world.xiangchang, name="南门")
    gate.keepers.add(world.users["gate_keeper"])
    from fangxian.gate.models import TrustGrant
    from fangxian.watch import census, observations

    other = (
        world.resident(world.xiangchang, "1").dwelling.residents.exclude(pk=resident.pk).first()
        or world.dwelling(world.xiangchang, "1", 1, "102").residents.first()
    )
    duty = duty_targets(world)
    from fangxian.jobs.models import Job

    job = Job(
        user=world.users["secretary"],
        community=world.xiangchang,
        title="疫情楼图",
        state="done",
        capability="view_residents",
        export={"name": "epidemic_map", "communities": {str(world.xiangchang.id): 1}, "detail": {}},
        filename="map.pdf",
    )
    job.file.save("map.pdf", ContentFile(b"%PDF-1.4"), save=True)
    released = observations.start(
        world.dwelling(world.xiangchang, "1", 1, "201").residents.first(), "home", timezone.localdate(), None
    )
    return {
        "observation": observations.start(other, "home", timezone.localdate(), None),
        "released": observations.release(released, None, "test"),
        "campaign": census.create(
            world.xiangchang,
            "第一轮",
            timezone.localdate(),
            timezone.localdate(),
            [world.building(world.xiangchang, "1")],
            None,
        ),
        "knocked": knocked_campaign(world),
        **duty,
        "gate": gate,
        "grant": TrustGrant.objects.create(gate=gate, issuer=world.yongan, asked_by=world.users["secretary"]),
        "job": job,  # the secretary's: no one else sees it
        "permit": permits.issue(resident, None),
        "gate_role": world.users["gate_keeper"].roles.get(),
        "keeper_token": keeper_token(world),
        "community": world.xiangchang,
        "building": world.building(world.xiangchang, "1"),
        "dwelling": world.dwelling(world.xiangchang, "1"),
        "household_link": HouseholdLink.objects.create(dwelling=world.dwelling(world.xiangchang, "1")),
        "resident": resident,
        "batch": batch,
        "good_batch": good_batch,
    }


def keeper_token(world):
    from fangxian.accounts.models import ApiToken

    ApiToken.issue(world.users["gate_keeper"], "南门手机")
    return ApiToken.objects.filter(user=world.users["gate_keeper"]).latest("pk")


def knocked_campaign(world):
    """A campaign with every door visited, which may be closed."""
    from fangxian.watch import census

    campaign = census.create(
        world.xiangchang,
        "第二轮",
        timezone.localdate(),
        timezone.localdate(),
        [world.building(world.xiangchang, "2")],
        None,
    )
    campaign.assignments.update(outcome="vacant")
    return campaign


def duty_targets(world) -> dict:
    """A gate post around the clock, a one-day roster from today (not solved: the solver has
    its own tests), the volunteer on the shift running now, a swap request and a sign-up."""
    from fangxian.duty import planning
    from fangxian.duty.models import Assignment, Pattern, Person, Post, Project, SignUp, SwapRequest

    post = Post.objects.create(community=world.xiangchang, name="南门")
    Pattern.objects.bulk_create([Pattern(post=post, start=h, hours=4, headcount=2) for h in range(0, 24, 4)])
    roster = planning.create(world.xiangchang, timezone.localdate(), 1, None)
    person = Person.objects.create(community=world.xiangchang, name="志愿者小王", user=world.users["volunteer"])
    now = timezone.localtime().hour
    assignment = planning.put(roster.shifts.get(start=now - now % 4), person)
    # The same volunteer signed up twice (a second list entry), checked in on that shift an hour ago.
    on_duty = Assignment.objects.create(
        shift=assignment.shift,
        person=Person.objects.create(
            community=world.xiangchang, name="志愿者小王（二）", user=world.users["volunteer"]
        ),
        checked_in_at=timezone.now() - datetime.timedelta(hours=1),
    )
    project = Project.objects.create(
        community=world.xiangchang,
        title="核酸检测秩序",
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate(),
        headcount=5,
    )
    return {
        "post": post,
        "roster": roster,
        "person": person,
        "assignment": assignment,
        "shift": assignment.shift,
        "on_duty": on_duty,
        "swap": SwapRequest.objects.create(assignment=assignment, reason="家里有事"),
        "project": project,
        "signup": SignUp.objects.create(project=project, person=person),
    }


PAGE_CASES = [
    Case("home", "get", lambda t: "/", statuses(200)),
    Case("places:communities", "get", lambda t: "/places/", statuses(200)),
    Case(
        "places:community",
        "get",
        lambda t: f"/places/communities/{t['community'].id}/",
        statuses(404, ok=(200, SEES_PLACE)),
    ),
    Case(
        "places:building",
        "get",
        lambda t: f"/places/buildings/{t['building'].id}/",
        statuses(404, ok=(200, SEES_PLACE)),
    ),
    Case(
        "places:building_edit",
        "get",
        lambda t: f"/places/buildings/{t['building'].id}/edit/",
        statuses(404, no=(403, SEES_PLACE), ok=(200, KEEPS_COMMUNITY)),
    ),
    Case(
        "places:community/add-grid",
        "post",
        lambda t: f"/places/communities/{t['community'].id}/",
        statuses(404, no=(403, SEES_PLACE), ok=(302, KEEPS_COMMUNITY)),
        body=lambda t, a: {"code": f"N{ACTORS.index(a)}", "name_zh": "新网格"},
    ),
    Case("places:dwellings", "get", lambda t: "/places/dwellings/", statuses(200)),
    Case("places:businesses", "get", lambda t: "/places/businesses/", statuses(200)),
    Case(
        "people:residents",
        "get",
        lambda t: "/people/residents/",
        statuses(403, ok=(200, SEES_RESIDENTS | {"outsider"})),
    ),
    Case(
        "people:resident",
        "get",
        lambda t: f"/people/residents/{t['resident'].id}/",
        statuses(404, ok=(200, SEES_RESIDENTS)),
    ),
    Case(
        "people:resident_photo",
        "get",
        lambda t: f"/people/residents/{t['resident'].id}/photo/",
        statuses(404, ok=(200, SEES_RESIDENTS)),
    ),
    Case(
        "people:resident_edit",
        "get",
        lambda t: f"/people/residents/{t['resident'].id}/edit/",
        statuses(404, no=(403, SEES_RESIDENTS), ok=(200, EDITS)),
    ),
    Case(
        "people:resident_new", "get", lambda t: "/people/residents/new/", statuses(403, ok=(200, EDITS | {"outsider"}))
    ),
    Case(
        "people:resident_move_out",
        "post",
        lambda t: f"/people/residents/{t['resident'].id}/move-out/",
        statuses(404, no=(403, SEES_RESIDENTS), ok=(302, EDITS)),
        body=lambda t, a: {"moved_on": "2020-02-01"},
    ),
    Case(
        "people:reveal/id",
        "post",
        lambda t: f"/people/residents/{t['resident'].id}/reveal/id_number/",
        statuses(404, no=(403, SEES_RESIDENTS), ok=(200, KEEPS_COMMUNITY)),
        routes=("people:reveal",),
    ),
    Case(
        "people:reveal/phone",
        "post",
        lambda t: f"/people/residents/{t['resident'].id}/reveal/phone/",
        statuses(404, no=(403, SEES_RESIDENTS), ok=(200, EDITS | {"health_worker"})),
        routes=("people:reveal",),
    ),
    Case(
        "people:household",
        "get",
        lambda t: f"/people/households/{t['dwelling'].id}/",
        statuses(404, no=(403, SEES_PLACE), ok=(200, SEES_RESIDENTS)),
    ),
    Case(
        "people:household_link",
        "post",
        lambda t: f"/people/households/{t['dwelling'].id}/link/issue/",
        statuses(404, no=(403, SEES_PLACE), ok=(302, RUNS_SERVICES)),
    ),
    Case("people:import", "get", lambda t: "/people/import/", statuses(403, ok=(200, KEEPS_COMMUNITY | {"outsider"}))),
    Case(
        "people:import_preview",
        "get",
        lambda t: f"/people/import/{t['batch'].id}/",
        statuses(404, ok=(200, KEEPS_COMMUNITY)),
    ),
    Case(
        "people:import_confirm",
        "post",
        lambda t: f"/people/import/{t['good_batch'].id}/confirm/",
        statuses(404, ok=(302, KEEPS_COMMUNITY)),
    ),
    Case(
        "people:import_errors",
        "get",
        lambda t: f"/people/import/{t['batch'].id}/errors.xlsx",
        statuses(404, ok=(200, KEEPS_COMMUNITY)),
    ),
    Case("people:import_template", "get", lambda t: "/people/import/template/residents.xlsx", statuses(200)),
    Case("staff", "get", lambda t: "/staff/", statuses(403, ok=(200, OFFICES | {"secretary", "outsider"}))),
    Case(
        "revoke_role",
        "post",
        lambda t: f"/staff/roles/{t['gate_role'].id}/remove/",
        statuses(404, ok=(302, OFFICES | {"secretary"})),
    ),
    Case(
        "deactivate_user",
        "post",
        lambda t: f"/staff/users/{t['gate_role'].user_id}/deactivate/",
        statuses(404, ok=(302, OFFICES | {"secretary"})),
    ),
    Case("tokens", "get", lambda t: "/tokens/", statuses(200)),
    Case(
        "revoke_token",
        "post",
        lambda t: f"/tokens/{t['keeper_token'].id}/revoke/",
        statuses(404, ok=(302, OFFICES | {"secretary", "gate_keeper"})),
    ),
    Case("gate:gates", "get", lambda t: "/gate/", statuses(200)),
    Case("gate:scan", "get", lambda t: f"/gate/{t['gate'].id}/", statuses(404, ok=(200, GATE_USERS))),
    Case(
        "gate:permit_photo",
        "get",
        lambda t: f"/gate/permits/{t['permit'].id}/photo/",
        statuses(404, ok=(200, GATE_USERS)),
    ),
    Case("gate:manage", "get", lambda t: "/gate/manage/", statuses(403, ok=(200, KEEPS_COMMUNITY | {"outsider"}))),
    Case(
        "gate:gate_new",
        "get",
        lambda t: f"/gate/manage/new/?community={t['community'].id}",
        statuses(404, ok=(200, KEEPS_COMMUNITY)),
    ),
    Case("gate:gate_edit", "get", lambda t: f"/gate/manage/{t['gate'].id}/", statuses(404, ok=(200, KEEPS_COMMUNITY))),
    Case(
        "gate:trust", "get", lambda t: "/gate/trust/", statuses(403, ok=(200, KEEPS_COMMUNITY | OFFICES | {"outsider"}))
    ),
    # Xiangchang's gate asks Yong'an: the offices above both decide it, Xiangchang may withdraw it.
    Case(
        "gate:trust_action",
        "post",
        lambda t: f"/gate/trust/{t['grant'].id}/end/",
        statuses(404, ok=(302, KEEPS_COMMUNITY | OFFICES)),
    ),
    Case("gate:records", "get", lambda t: "/gate/records/", statuses(403, ok=(200, SEES_RESIDENTS | {"outsider"}))),
    Case("gate:fevers", "get", lambda t: "/gate/fevers/", statuses(200)),
    Case("gate:permits", "get", lambda t: "/gate/permits/", statuses(403, ok=(200, EDITS | {"outsider"}))),
    Case(
        "gate:issue_bulk",
        "post",
        lambda t: "/gate/permits/issue/",
        statuses(403, ok=(302, EDITS | {"outsider"})),
        body=lambda t, a: {"building": t["building"].id},
    ),
    Case(
        "gate:issue_one", "post", lambda t: f"/gate/residents/{t['resident'].id}/issue/", statuses(404, ok=(302, EDITS))
    ),
    Case(
        "gate:permit_action",
        "post",
        lambda t: f"/gate/permits/{t['permit'].id}/revoke/",
        statuses(404, ok=(302, EDITS)),
        body=lambda t, actor: {"reason": "lost"},
    ),
    Case(
        "gate:print_cards",
        "get",
        lambda t: f"/gate/permits/print.pdf?permit={t['permit'].id}",
        statuses(404, ok=(200, EDITS)),
    ),
    Case(
        "gate:print_cards/building",
        "post",
        lambda t: "/gate/permits/print.pdf",
        statuses(404, ok=(302, EDITS)),
        body=lambda t, a: {"building": t["building"].id},
        routes=("gate:print_cards",),
    ),
    Case("gate:permit_qr", "get", lambda t: f"/gate/permits/{t['permit'].id}/qr.png", statuses(404, ok=(200, EDITS))),
    Case(
        "watch:observations",
        "get",
        lambda t: "/watch/observations/",
        statuses(403, ok=(200, SEES_RESIDENTS | {"outsider"})),
    ),
    Case(
        "watch:start",
        "post",
        lambda t: f"/watch/observations/start/{t['resident'].id}/",
        statuses(404, ok=(302, WATCHERS)),
        body=lambda t, a: {"kind": "home"},
    ),
    Case(
        "watch:release",
        "post",
        lambda t: f"/watch/observations/{t['observation'].id}/release/",
        statuses(404, ok=(302, WATCHERS)),
        body=lambda t, a: {"reason": "test"},
    ),
    Case(
        "watch:observation",
        "get",
        lambda t: f"/watch/observations/{t['observation'].id}/",
        statuses(404, ok=(200, SEES_RESIDENTS)),
    ),
    Case(
        "watch:report",
        "post",
        lambda t: f"/watch/observations/{t['observation'].id}/report/",
        statuses(404, ok=(302, WATCHERS)),
        body=lambda t, a: {"temperature": "36.5"},
    ),
    Case(
        "watch:extend",
        "post",
        lambda t: f"/watch/observations/{t['observation'].id}/extend/",
        statuses(404, ok=(302, WATCHERS)),
        body=lambda t, a: {"days": "7", "reason": "test", "approved_by": "王医生"},
    ),
    Case(
        "watch:notice",
        "get",
        lambda t: f"/watch/observations/{t['released'].id}/notice.pdf",
        statuses(404, ok=(200, SEES_RESIDENTS)),
    ),
    Case("watch:campaigns", "get", lambda t: "/watch/campaigns/", statuses(200)),
    Case(
        "watch:campaign", "get", lambda t: f"/watch/campaigns/{t['campaign'].id}/", statuses(404, ok=(200, SEES_PLACE))
    ),
    Case(
        "watch:campaign_close",
        "post",
        lambda t: f"/watch/campaigns/{t['knocked'].id}/close/",
        statuses(404, ok=(302, KEEPS_COMMUNITY)),
    ),
    Case(
        "watch:campaign_assign",
        "post",
        lambda t: f"/watch/campaigns/{t['campaign'].id}/assign/",
        statuses(404, ok=(302, KEEPS_COMMUNITY)),
        body=lambda t, a: {"buildings": [t["building"].id], "team": "党员志愿队"},
    ),
    Case(
        "watch:walk",
        "get",
        lambda t: f"/watch/campaigns/{t['campaign'].id}/walk/",
        statuses(404, ok=(200, CENSUS_TAKERS)),
    ),
    Case("watch:map", "get", lambda t: "/watch/map/", statuses(403, ok=(200, SEES_RESIDENTS | {"outsider"}))),
    Case(
        "watch:community_map",
        "get",
        lambda t: f"/watch/map/{t['community'].id}/",
        statuses(403, no=(404, {"outsider"}), ok=(200, SEES_RESIDENTS)),
    ),
    Case(
        "watch:map_pdf",
        "post",
        lambda t: f"/watch/map/{t['community'].id}/print.pdf",
        statuses(403, no=(404, {"outsider"}), ok=(302, SEES_RESIDENTS)),
    ),
    Case(
        "watch:building_map",
        "get",
        lambda t: f"/watch/map/buildings/{t['building'].id}/",
        statuses(404, ok=(200, SEES_RESIDENTS)),
    ),
    Case("watch:evening", "get", lambda t: "/watch/evening/", statuses(403, ok=(200, SEES_RESIDENTS | {"outsider"}))),
    Case("duty:overview", "get", lambda t: "/duty/", statuses(200)),
    Case("duty:people", "get", lambda t: "/duty/people/", statuses(403, ok=(200, SEES_PLACE | {"outsider"}))),
    Case(
        "duty:certificate",
        "get",
        lambda t: f"/duty/people/{t['person'].id}/certificate.pdf",
        statuses(404, ok=(200, SEES_PLACE)),
    ),
    Case("duty:posts", "get", lambda t: "/duty/posts/", statuses(200)),
    Case("duty:roster", "get", lambda t: f"/duty/rosters/{t['roster'].id}/", statuses(404, ok=(200, SEES_PLACE))),
    Case(
        "duty:solve",
        "post",
        lambda t: f"/duty/rosters/{t['roster'].id}/solve/",
        statuses(404, ok=(302, KEEPS_COMMUNITY)),
    ),
    Case(
        "duty:publish",
        "post",
        lambda t: f"/duty/rosters/{t['roster'].id}/publish/",
        statuses(404, ok=(302, KEEPS_COMMUNITY)),
    ),
    Case(
        "duty:roster_pdf",
        "get",
        lambda t: f"/duty/rosters/{t['roster'].id}/print.pdf",
        statuses(404, ok=(200, SEES_PLACE)),
    ),
    Case(
        "duty:roster_xlsx",
        "get",
        lambda t: f"/duty/rosters/{t['roster'].id}/export.xlsx",
        statuses(404, no=(403, SEES_PLACE), ok=(200, EXPORTERS)),
    ),
    Case(
        "duty:shift_edit",
        "post",
        lambda t: f"/duty/shifts/{t['shift'].id}/",
        statuses(404, ok=(302, KEEPS_COMMUNITY)),
        body=lambda t, a: {"person": t["person"].id, "action": "toggle"},
    ),
    Case("duty:mine", "get", lambda t: "/duty/mine/", statuses(200)),
    Case(
        "duty:check_in",
        "post",
        lambda t: f"/duty/mine/{t['assignment'].id}/check-in/",
        statuses(404, ok=(302, {"volunteer"})),
    ),
    Case(
        "duty:check_out",
        "post",
        lambda t: f"/duty/mine/{t['on_duty'].id}/check-out/",
        statuses(404, ok=(302, {"volunteer"})),
    ),
    Case(
        "duty:ask_swap",
        "post",
        lambda t: f"/duty/mine/{t['assignment'].id}/swap/",
        statuses(404, ok=(302, {"volunteer"})),
        body=lambda t, a: {"reason": "发烧"},
    ),
    Case(
        "duty:decide_swap",
        "post",
        lambda t: f"/duty/swaps/{t['swap'].id}/",
        statuses(404, ok=(302, KEEPS_COMMUNITY)),
        body=lambda t, a: {"decision": "refuse"},
    ),
    Case("duty:projects", "get", lambda t: "/duty/projects/", statuses(200)),
    Case(
        "duty:sign_up",
        "post",
        lambda t: f"/duty/projects/{t['project'].id}/sign-up/",
        statuses(404, ok=(302, {"volunteer"})),
    ),
    Case(
        "duty:decide_signup",
        "post",
        lambda t: f"/duty/signups/{t['signup'].id}/",
        statuses(404, ok=(302, KEEPS_COMMUNITY)),
        body=lambda t, a: {"decision": "accept"},
    ),
    Case("jobs:job", "get", lambda t: f"/jobs/{t['job'].id}/", statuses(404, ok=(200, {"secretary"}))),
    Case("jobs:status", "get", lambda t: f"/jobs/{t['job'].id}/status/", statuses(404, ok=(200, {"secretary"}))),
    Case("jobs:file", "get", lambda t: f"/jobs/{t['job'].id}/file/", statuses(404, ok=(200, {"secretary"}))),
    Case(
        "audit",
        "get",
        lambda t: "/audit/",
        statuses(403, ok=(200, {"secretary", "street_admin", "district_admin", "city_admin", "outsider"})),
    ),
    # Every list that leaves as a file needs the export capability over the rows' communities.
    Case(
        "people:residents/xlsx",
        "get",
        lambda t: "/people/residents/?format=xlsx",
        statuses(403, ok=(200, EXPORTERS | {"outsider"})),
        routes=("people:residents",),
    ),
    Case(
        "places:communities/xlsx",
        "get",
        lambda t: "/places/?format=xlsx",
        statuses(403, ok=(200, EXPORTERS | {"outsider"})),
        routes=("places:communities",),
    ),
    Case(
        "places:community/xlsx",
        "get",
        lambda t: f"/places/communities/{t['community'].id}/?format=xlsx",
        statuses(404, no=(403, SEES_PLACE), ok=(200, EXPORTERS)),
        routes=("places:community",),
    ),
    Case(
        "places:dwellings/xlsx",
        "get",
        lambda t: "/places/dwellings/?format=xlsx",
        statuses(403, ok=(200, EXPORTERS | {"outsider"})),
        routes=("places:dwellings",),
    ),
    Case(
        "places:businesses/xlsx",
        "get",
        lambda t: "/places/businesses/?format=xlsx",
        statuses(403, ok=(200, EXPORTERS | {"outsider"})),
        routes=("places:businesses",),
    ),
    Case(
        "gate:records/xlsx",
        "get",
        lambda t: "/gate/records/?format=xlsx",
        statuses(403, ok=(200, EXPORTERS | {"outsider"})),
        routes=("gate:records",),
    ),
    Case(
        "audit/xlsx",
        "get",
        lambda t: "/audit/?format=xlsx",
        statuses(403, ok=(200, {"secretary", "street_admin", "district_admin", "city_admin", "outsider"})),
        routes=("audit",),
    ),
]


def building_body(t, actor):
    return {"community_id": t["community"].id, "number": f"new-{actor}", "floors": 6}


def dwelling_body(t, actor):
    return {"building_id": t["building"].id, "entrance": 1, "floor": 1, "room": f"r{ACTORS.index(actor)}"}


def resident_body(t, actor):
    import datetime

    from fangxian.lib import idnumber

    number = idnumber.make("110102", datetime.date(1990, 1, 1), 900 + ACTORS.index(actor), "F")
    return {"dwelling_id": t["dwelling"].id, "name": "王芳", "id_number": number, "phone": "13900001111"}


API_CASES = [
    Case("GET /communities", "get", lambda t: "/api/v1/communities", statuses(200), api=True),
    Case(
        "GET /communities/{community_id}",
        "get",
        lambda t: f"/api/v1/communities/{t['community'].id}",
        statuses(404, ok=(200, SEES_PLACE)),
        api=True,
    ),
    Case(
        "POST /communities",
        "post",
        lambda t: "/api/v1/communities",
        statuses(403, ok=(201, OFFICES)),
        body=lambda t, a: {
            "street_id": t["community"].street_id,
            "code": f"9{ACTORS.index(a):03d}",
            "name_zh": "新社区",
        },
        api=True,
    ),
    Case(
        "PATCH /communities/{community_id}",
        "patch",
        lambda t: f"/api/v1/communities/{t['community'].id}",
        statuses(404, no=(403, SEES_PLACE), ok=(200, OFFICES)),
        body=lambda t, a: {"name_en": "Xiangchang"},
        api=True,
    ),
    Case("GET /grids", "get", lambda t: "/api/v1/grids", statuses(200), api=True),
    Case(
        "POST /grids",
        "post",
        lambda t: "/api/v1/grids",
        statuses(404, no=(403, SEES_PLACE), ok=(201, KEEPS_COMMUNITY)),
        body=lambda t, a: {"community_id": t["community"].id, "code": f"N{ACTORS.index(a)}", "name_zh": "新网格"},
        api=True,
    ),
    Case("GET /buildings", "get", lambda t: "/api/v1/buildings", statuses(200), api=True),
    Case(
        "GET /buildings/{building_id}",
        "get",
        lambda t: f"/api/v1/buildings/{t['building'].id}",
        statuses(404, ok=(200, SEES_PLACE)),
        api=True,
    ),
    Case(
        "POST /buildings",
        "post",
        lambda t: "/api/v1/buildings",
        statuses(404, no=(403, SEES_PLACE), ok=(201, KEEPS_COMMUNITY)),
        body=building_body,
        api=True,
    ),
    Case(
        "PATCH /buildings/{building_id}",
        "patch",
        lambda t: f"/api/v1/buildings/{t['building'].id}",
        statuses(404, no=(403, SEES_PLACE), ok=(200, KEEPS_COMMUNITY)),
        body=lambda t, a: {"name": "一号楼"},
        api=True,
    ),
    Case("GET /dwellings", "get", lambda t: "/api/v1/dwellings", statuses(200), api=True),
    Case(
        "GET /dwellings/{dwelling_id}",
        "get",
        lambda t: f"/api/v1/dwellings/{t['dwelling'].id}",
        statuses(404, ok=(200, SEES_PLACE)),
        api=True,
    ),
    Case(
        "POST /dwellings",
        "post",
        lambda t: "/api/v1/dwellings",
        statuses(404, no=(403, SEES_PLACE), ok=(201, KEEPS_COMMUNITY)),
        body=dwelling_body,
        api=True,
    ),
    Case("GET /residents", "get", lambda t: "/api/v1/residents", statuses(200), api=True),
    Case(
        "GET /residents/{resident_id}",
        "get",
        lambda t: f"/api/v1/residents/{t['resident'].id}",
        statuses(404, ok=(200, SEES_RESIDENTS)),
        api=True,
    ),
    Case(
        "POST /residents",
        "post",
        lambda t: "/api/v1/residents",
        statuses(404, no=(403, SEES_PLACE), ok=(201, EDITS)),
        body=resident_body,
        api=True,
    ),
    Case(
        "PATCH /residents/{resident_id}",
        "patch",
        lambda t: f"/api/v1/residents/{t['resident'].id}",
        statuses(404, no=(403, SEES_RESIDENTS), ok=(200, EDITS)),
        body=lambda t, a: {"phone": "13700001111"},
        api=True,
    ),
    Case(
        "POST /residents/{resident_id}/reveal",
        "post",
        lambda t: f"/api/v1/residents/{t['resident'].id}/reveal",
        statuses(404, no=(403, SEES_RESIDENTS), ok=(200, KEEPS_COMMUNITY)),
        body=lambda t, a: {"field": "id_number"},
        api=True,
    ),
]


def undo_body(t, actor):
    import uuid

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from fangxian.gate.models import Pass

    kept = Pass.objects.create(
        gate=t["gate"],
        kind=Pass.Kind.REFUSAL,
        verdict="refused",
        direction=t["gate"].direction,
        scanned_at=timezone.now(),
        keeper=get_user_model().objects.filter(username=actor).first(),
        client_id=uuid.uuid4(),
    )
    return {"gate_id": t["gate"].id, "client_id": str(kept.client_id), "undone_at": timezone.now().isoformat()}


def scan_body(t, actor):
    import uuid

    from django.utils import timezone

    return {
        "gate_id": t["gate"].id,
        "code": t["permit"].code,
        "temperature": 36.5,
        "client_id": str(uuid.uuid4()),
        "scanned_at": timezone.now().isoformat(),
    }


def visit_body(t, actor):
    import uuid

    return {
        "visits": [
            {
                "dwelling_id": t["dwelling"].id,
                "outcome": "vacant",
                "client_id": str(uuid.uuid4()),
                "visited_at": timezone.now().isoformat(),
            }
        ]
    }


API_CASES += [
    Case("GET /observations", "get", lambda t: "/api/v1/observations", statuses(200), api=True),
    Case(
        "POST /observations",
        "post",
        lambda t: "/api/v1/observations",
        statuses(404, no=(403, SEES_RESIDENTS), ok=(201, WATCHERS)),
        body=lambda t, a: {"resident_id": t["resident"].id, "start": str(timezone.localdate())},
        api=True,
    ),
    Case(
        "POST /observations/{observation_id}/release",
        "post",
        lambda t: f"/api/v1/observations/{t['observation'].id}/release",
        statuses(404, no=(403, SEES_RESIDENTS), ok=(200, WATCHERS)),
        body=lambda t, a: {"reason": "test"},
        api=True,
    ),
    Case(
        "GET /observations/{observation_id}",
        "get",
        lambda t: f"/api/v1/observations/{t['observation'].id}",
        statuses(404, ok=(200, SEES_RESIDENTS)),
        api=True,
    ),
    Case(
        "GET /observations/{observation_id}/reports",
        "get",
        lambda t: f"/api/v1/observations/{t['observation'].id}/reports",
        statuses(404, ok=(200, SEES_RESIDENTS)),
        api=True,
    ),
    Case(
        "POST /observations/{observation_id}/reports",
        "post",
        lambda t: f"/api/v1/observations/{t['observation'].id}/reports",
        statuses(404, no=(403, SEES_RESIDENTS), ok=(201, WATCHERS)),
        body=lambda t, a: {"temperature": 36.5, "symptoms": ["cough"]},
        api=True,
    ),
    Case(
        "POST /observations/{observation_id}/extend",
        "post",
        lambda t: f"/api/v1/observations/{t['observation'].id}/extend",
        statuses(404, no=(403, SEES_RESIDENTS), ok=(200, WATCHERS)),
        body=lambda t, a: {"days": 7, "reason": "test", "approved_by": "王医生"},
        api=True,
    ),
    Case("GET /arrivals", "get", lambda t: "/api/v1/arrivals", statuses(200), api=True),
    Case(
        "POST /arrivals",
        "post",
        lambda t: "/api/v1/arrivals",
        statuses(404, no=(403, SEES_RESIDENTS), ok=(201, WATCHERS)),
        body=lambda t, a: {
            "resident_id": t["resident"].id,
            "came_from": "武汉",
            "arrived_on": str(timezone.localdate()),
        },
        api=True,
    ),
    Case("GET /alerts", "get", lambda t: "/api/v1/alerts", statuses(200), api=True),
    Case("GET /campaigns", "get", lambda t: "/api/v1/campaigns", statuses(200), api=True),
    Case(
        "POST /campaigns",
        "post",
        lambda t: "/api/v1/campaigns",
        statuses(404, no=(403, SEES_PLACE), ok=(201, KEEPS_COMMUNITY)),
        body=lambda t, a: {
            "community_id": t["community"].id,
            "name": "第二轮",
            "starts_on": str(timezone.localdate()),
            "ends_on": str(timezone.localdate()),
            "grid_ids": [t["building"].grid_id],
        },
        api=True,
    ),
    Case(
        "GET /campaigns/rollup",
        "get",
        lambda t: "/api/v1/campaigns/rollup?name=第一轮&by=street",
        statuses(200),
        api=True,
    ),
    Case(
        "GET /campaigns/{campaign_id}/progress",
        "get",
        lambda t: f"/api/v1/campaigns/{t['campaign'].id}/progress",
        statuses(404, ok=(200, SEES_PLACE)),
        api=True,
    ),
    Case(
        "GET /campaigns/{campaign_id}/worklist",
        "get",
        lambda t: f"/api/v1/campaigns/{t['campaign'].id}/worklist",
        statuses(404, no=(403, SEES_PLACE), ok=(200, CENSUS_TAKERS)),
        api=True,
    ),
    Case(
        "POST /campaigns/{campaign_id}/visits",
        "post",
        lambda t: f"/api/v1/campaigns/{t['campaign'].id}/visits",
        statuses(404, no=(403, SEES_PLACE), ok=(200, CENSUS_TAKERS)),
        body=visit_body,
        api=True,
    ),
    Case(
        "POST /campaigns/{campaign_id}/assign",
        "post",
        lambda t: f"/api/v1/campaigns/{t['campaign'].id}/assign",
        statuses(404, no=(403, SEES_PLACE), ok=(200, KEEPS_COMMUNITY)),
        body=lambda t, a: {"building_ids": [t["building"].id], "worker": "volunteer"},
        api=True,
    ),
    # The campaign still has doors without an outcome (closing) and is open (reopening): both refused.
    Case(
        "POST /campaigns/{campaign_id}/close",
        "post",
        lambda t: f"/api/v1/campaigns/{t['campaign'].id}/close",
        statuses(404, no=(403, SEES_PLACE), ok=(422, KEEPS_COMMUNITY)),
        api=True,
    ),
    Case(
        "POST /campaigns/{campaign_id}/reopen",
        "post",
        lambda t: f"/api/v1/campaigns/{t['campaign'].id}/reopen",
        statuses(404, no=(403, SEES_PLACE), ok=(422, KEEPS_COMMUNITY)),
        body=lambda t, a: {"reason": "test"},
        api=True,
    ),
    Case(
        "GET /map/buildings/{building_id}",
        "get",
        lambda t: f"/api/v1/map/buildings/{t['building'].id}",
        statuses(404, ok=(200, SEES_RESIDENTS)),
        api=True,
    ),
    Case(
        "GET /evening",
        "get",
        lambda t: "/api/v1/evening",
        statuses(404, ok=(200, SEES_RESIDENTS | {"outsider"})),
        api=True,
    ),
    Case("GET /duty/people", "get", lambda t: "/api/v1/duty/people", statuses(200), api=True),
    Case(
        "POST /duty/people",
        "post",
        lambda t: "/api/v1/duty/people",
        statuses(404, no=(403, SEES_PLACE), ok=(201, KEEPS_COMMUNITY)),
        body=lambda t, a: {"community_id": t["community"].id, "name": "李大爷", "availability": {"0": [2, 3]}},
        api=True,
    ),
    Case("GET /duty/posts", "get", lambda t: "/api/v1/duty/posts", statuses(200), api=True),
    Case(
        "POST /duty/posts",
        "post",
        lambda t: "/api/v1/duty/posts",
        statuses(404, no=(403, SEES_PLACE), ok=(201, KEEPS_COMMUNITY)),
        body=lambda t, a: {
            "community_id": t["community"].id,
            "name": "夜巡",
            "kind": "patrol",
            "patterns": [{"start": 20, "hours": 4, "headcount": 2}],
        },
        api=True,
    ),
    Case(
        "POST /duty/rosters",
        "post",
        lambda t: "/api/v1/duty/rosters",
        statuses(404, no=(403, SEES_PLACE), ok=(202, KEEPS_COMMUNITY)),
        body=lambda t, a: {"community_id": t["community"].id, "starts_on": str(timezone.localdate()), "days": 1},
        api=True,
    ),
    Case(
        "GET /duty/rosters/{roster_id}",
        "get",
        lambda t: f"/api/v1/duty/rosters/{t['roster'].id}",
        statuses(404, ok=(200, SEES_PLACE)),
        api=True,
    ),
    Case(
        "POST /duty/rosters/{roster_id}/solve",
        "post",
        lambda t: f"/api/v1/duty/rosters/{t['roster'].id}/solve",
        statuses(404, no=(403, SEES_PLACE), ok=(202, KEEPS_COMMUNITY)),
        api=True,
    ),
    Case(
        "POST /duty/rosters/{roster_id}/publish",
        "post",
        lambda t: f"/api/v1/duty/rosters/{t['roster'].id}/publish",
        statuses(404, no=(403, SEES_PLACE), ok=(200, KEEPS_COMMUNITY)),
        api=True,
    ),
    Case("GET /duty/my-shifts", "get", lambda t: "/api/v1/duty/my-shifts", statuses(200), api=True),
    Case(
        "POST /duty/assignments/{assignment_id}/check-in",
        "post",
        lambda t: f"/api/v1/duty/assignments/{t['assignment'].id}/check-in",
        statuses(404, ok=(200, {"volunteer"})),
        api=True,
    ),
    Case(
        "POST /duty/assignments/{assignment_id}/check-out",
        "post",
        lambda t: f"/api/v1/duty/assignments/{t['on_duty'].id}/check-out",
        statuses(404, ok=(200, {"volunteer"})),
        api=True,
    ),
    Case(
        "GET /jobs/{job_id}",
        "get",
        lambda t: f"/api/v1/jobs/{t['job'].id}",
        statuses(404, ok=(200, {"secretary"})),
        api=True,
    ),
    Case("GET /gates", "get", lambda t: "/api/v1/gates", statuses(200), api=True),
    Case(
        "GET /gates/{gate_id}/bundle",
        "get",
        lambda t: f"/api/v1/gates/{t['gate'].id}/bundle",
        statuses(404, no=(403, SEES_PLACE), ok=(200, GATE_USERS)),
        api=True,
    ),
    Case(
        "POST /gate/scans",
        "post",
        lambda t: "/api/v1/gate/scans",
        statuses(404, no=(403, SEES_PLACE), ok=(200, GATE_USERS)),
        body=scan_body,
        api=True,
    ),
    # A batch answers 200 and refuses each scan the caller may not make, in its own slot.
    Case(
        "POST /gate/scans/batch",
        "post",
        lambda t: "/api/v1/gate/scans/batch",
        statuses(200),
        body=lambda t, a: {"scans": [scan_body(t, a)]},
        api=True,
    ),
    Case(
        "POST /gate/visitors",
        "post",
        lambda t: "/api/v1/gate/visitors",
        statuses(404, no=(403, SEES_PLACE), ok=(200, GATE_USERS)),
        body=lambda t, a: scan_body(t, a) | {"name": "访客"},
        api=True,
    ),
    # Each actor undoes a pass of their own: only a gate's users get as far as finding it.
    Case(
        "POST /gate/passes/undo",
        "post",
        lambda t: "/api/v1/gate/passes/undo",
        statuses(404, no=(403, SEES_PLACE), ok=(200, GATE_USERS)),
        body=lambda t, a: undo_body(t, a),
        api=True,
    ),
    Case(
        "POST /gate/refusals",
        "post",
        lambda t: "/api/v1/gate/refusals",
        statuses(404, no=(403, SEES_PLACE), ok=(200, GATE_USERS)),
        body=lambda t, a: scan_body(t, a) | {"refusal": "no_mask"},
        api=True,
    ),
    # No visitor has come by this phone yet, so even those who may ask hear 404.
    Case(
        "GET /gate/visitors/recall",
        "get",
        lambda t: f"/api/v1/gate/visitors/recall?gate_id={t['gate'].id}&phone=13900000000",
        statuses(404, no=(403, SEES_PLACE - GATE_USERS)),
        api=True,
    ),
    Case("GET /auth/tokens", "get", lambda t: "/api/v1/auth/tokens", statuses(200), api=True),
    Case(
        "DELETE /auth/tokens/{token_id}",
        "delete",
        lambda t: f"/api/v1/auth/tokens/{t['keeper_token'].id}",
        statuses(404, ok=(204, OFFICES | {"secretary", "gate_keeper"})),
        api=True,
    ),
    Case("GET /gate/grants", "get", lambda t: "/api/v1/gate/grants", statuses(200), api=True),
    Case(
        "POST /gate/grants",
        "post",
        lambda t: "/api/v1/gate/grants",
        statuses(404, no=(403, SEES_PLACE), ok=(201, KEEPS_COMMUNITY | OFFICES)),
        body=lambda t, a: {"gate_id": t["gate"].id, "issuer_id": t["grant"].issuer_id},
        api=True,
    ),
    Case(
        "POST /gate/grants/{grant_id}/grant",
        "post",
        lambda t: f"/api/v1/gate/grants/{t['grant'].id}/grant",
        statuses(404, no=(403, KEEPS_COMMUNITY), ok=(200, OFFICES)),
        api=True,
    ),
    Case(
        "POST /gate/grants/{grant_id}/refuse",
        "post",
        lambda t: f"/api/v1/gate/grants/{t['grant'].id}/refuse",
        statuses(404, no=(403, KEEPS_COMMUNITY), ok=(200, OFFICES)),
        api=True,
    ),
    Case(
        "POST /gate/grants/{grant_id}/end",
        "post",
        lambda t: f"/api/v1/gate/grants/{t['grant'].id}/end",
        statuses(404, ok=(200, KEEPS_COMMUNITY | OFFICES)),
        api=True,
    ),
    Case(
        "POST /permits",
        "post",
        lambda t: "/api/v1/permits",
        statuses(404, no=(403, SEES_RESIDENTS), ok=(201, EDITS)),
        body=lambda t, a: {"resident_id": t["resident"].id},
        api=True,
    ),
    Case(
        "POST /permits/{permit_id}/revoke",
        "post",
        lambda t: f"/api/v1/permits/{t['permit'].id}/revoke",
        statuses(404, no=(403, SEES_RESIDENTS), ok=(200, EDITS)),
        body=lambda t, a: {"reason": "lost"},
        api=True,
    ),
]
CASES = PAGE_CASES + API_CASES


test_permission_matrix, test_anonymous_is_sent_to_log_in = matrix_tests(CASES, targets_for)


# The service worker script holds no data; the browser fetches it without a session at times.
PUBLIC_ROUTES = {
    "gate_service_worker",
    "watch_service_worker",
    "watch:self_report",
    # The household's own link: the token is the key (fangxian/households/tests).
    "households:page",
    "households:ask_errand",
    "households:order",
    "households:report",
    "households:call_off_errand",
    "households:call_off_order",
    *test_matrix_campaigns.PUBLIC_ROUTES,
    "login",
    "logout",
    "set_language",
    "api:api-root",
    "api:openapi-json",
    "api:openapi-view",
    "api:take_token",
}


def named_routes(resolver=None, prefix="") -> set[str]:
    names = set()
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.app_name == "admin":
                continue
            ns = f"{prefix}{pattern.namespace}:" if pattern.namespace and pattern.namespace != "api" else prefix
            if pattern.namespace == "api":
                continue
            names |= named_routes(pattern, ns)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(prefix + pattern.name)
    return names


def api_operations() -> set[str]:
    schema = api.get_openapi_schema()
    return {
        f"{method.upper()} {path.removeprefix('/api/v1')}" for path, ops in schema["paths"].items() for method in ops
    } - {"POST /auth/token"}


# Apps above the registry keep their cases beside their code, in their own tests/test_permissions.py.
APP_CASES: list[Case] = [
    *supplies_cases,
    *kits_cases,
    *stations_cases,
    *errands_cases,
    *casework_cases,
    *hotline_cases,
    *whistle_cases,
    *reports_cases,
    *inspections_cases,
    *test_matrix_campaigns.CASES,
    *tracing_cases,
    *testing_results_cases,
    *table_cases,
]


def test_every_route_is_in_the_matrix():
    pages = PAGE_CASES + [c for c in APP_CASES if not c.api]
    covered = {c.name for c in pages} | {r for c in pages for r in c.routes}
    assert named_routes() - covered - PUBLIC_ROUTES == set()
    assert api_operations() - {c.name for c in API_CASES + APP_CASES if c.api} == set()


def test_admin_is_for_data_stewards_only(world, client_for):
    assert client_for("city_admin").get("/admin/").status_code == 302
