"""12345 work orders and Open311 in the permission matrix: every page and operation, every actor.

Tianqiao's street admin takes the street's work orders in; everyone inside the street who
does not hears 403 on the API, the lists and the upload, 404 on an import's own pages.
Open311 is public to read (status only, tested in test_open311) and takes an api_key to file."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from fangxian.accounts.models import ApiToken
from fangxian.accounts.tests.matrix import SEES_PLACE, Case, matrix_tests, statuses
from fangxian.casework import handling, workorders
from fangxian.casework.hotline_views import check_job
from fangxian.casework.models import Category, WorkOrderImport
from fangxian.jobs.models import Job

GOOD = "工单编号,受理时间,诉求地址,诉求内容\nA1,2020-03-01 09:15,香厂路社区1号楼,门口秩序混乱\n"
BAD = "工单编号,受理时间,诉求地址,诉求内容\nA1,明天,香厂路社区1号楼,门口秩序混乱\nA2,2020-03-01 10:00,永安路社区,楼道堆物\n"
ADMIN = {"street_admin"}
FILES_CASES = {"secretary", "community_worker", "grid_worker", "street_admin"}


def checked(world, text: str) -> WorkOrderImport:
    batch = WorkOrderImport.objects.create(street=world.tianqiao, filename="12345.csv", data=text.encode())
    check_job(Job(user=world.users["street_admin"], params={"batch": batch.pk}))
    batch.refresh_from_db()
    return batch


def targets_for(world) -> dict:
    case = handling.receive(
        street=world.tianqiao,
        category=Category.objects.get(code="other"),
        what="门口混乱",
        source="hotline",
        hotline_number="H1",
        building=world.building(world.xiangchang, "1"),
    )
    return {
        "world": world,
        "good": checked(world, GOOD),
        "bad": checked(world, BAD),
        "case": case,
        "building": world.building(world.xiangchang, "1"),
    }


def open311_post(t, actor):
    user = t["world"].users.get(actor)
    return {
        "api_key": ApiToken.issue(user, "open311") if user else "",
        "service_code": "noise",
        "address_id": str(t["building"].id),
        "description": "夜间施工噪音",
    }


def public(name, path, **extra) -> Case:
    return Case(name, "get", path, statuses(200), anonymous=200, **extra)


CASES: list[Case] = [
    Case("hotline:upload", "get", lambda t: "/casework/hotline/", statuses(403, ok=(200, ADMIN))),
    Case(
        "hotline:upload/post",
        "post",
        lambda t: "/casework/hotline/",
        statuses(403, ok=(302, ADMIN)),
        body=lambda t, a: {"street": t["world"].tianqiao.id, "file": SimpleUploadedFile("12345.csv", GOOD.encode())},
        routes=("hotline:upload",),
    ),
    Case("hotline:preview", "get", lambda t: f"/casework/hotline/{t['good'].id}/", statuses(404, ok=(200, ADMIN))),
    Case(
        "hotline:preview/errors",
        "get",
        lambda t: f"/casework/hotline/{t['bad'].id}/",
        statuses(404, ok=(200, ADMIN)),
        routes=("hotline:preview",),
    ),
    Case(
        "hotline:confirm",
        "post",
        lambda t: f"/casework/hotline/{t['good'].id}/confirm/",
        statuses(404, ok=(302, ADMIN)),
    ),
    Case(
        "hotline:errors",
        "get",
        lambda t: f"/casework/hotline/{t['bad'].id}/errors.xlsx",
        statuses(404, ok=(200, ADMIN)),
    ),
    Case("hotline:template", "get", lambda t: "/casework/hotline/template.xlsx", statuses(200)),
    Case("hotline:export", "get", lambda t: "/casework/hotline/export.xlsx", statuses(403, ok=(200, ADMIN))),
    public("open311:discovery", lambda t: "/open311/v2/discovery.json"),
    public("open311:services", lambda t: "/open311/v2/services.json"),
    public("open311:service", lambda t: "/open311/v2/services/noise.json"),
    public("open311:requests", lambda t: "/open311/v2/requests.json"),
    public("open311:request", lambda t: f"/open311/v2/requests/{t['case'].id}.xml"),
    Case(
        "open311:requests/post",
        "post",
        lambda t: "/open311/v2/requests.json",
        statuses(403, ok=(200, FILES_CASES)),
        body=open311_post,
        anonymous=403,
        routes=("open311:requests",),
    ),
    Case(
        "POST /work-orders",
        "post",
        lambda t: "/api/v1/work-orders",
        statuses(404, no=(403, SEES_PLACE - ADMIN), ok=(200, ADMIN)),
        body=lambda t, a: {
            "street_id": t["world"].tianqiao.id,
            "orders": [{"number": "API-1", "received_at": "2020-03-01T09:15:00+08:00", "what": "楼道堆物"}],
        },
        api=True,
    ),
]

test_permission_matrix, test_anonymous_is_sent_to_log_in = matrix_tests(CASES, targets_for)


def another_street_admin(world):
    from django.contrib.auth import get_user_model

    from fangxian.accounts.models import Role

    user = get_user_model().objects.create_user(username="chunshu_admin", password="x")
    Role.objects.create(user=user, kind=Role.Kind.STREET_ADMIN, street=world.chunshu)
    return user


def test_another_streets_admin_neither_sees_nor_updates_this_streets_orders(world, client, api_for):
    targets = targets_for(world)
    client.force_login(another_street_admin(world))
    assert client.get(f"/casework/hotline/{targets['good'].id}/").status_code == 404
    assert client.post(f"/casework/hotline/{targets['good'].id}/confirm/").status_code == 404
    assert client.get(f"/casework/hotline/{targets['bad'].id}/errors.xlsx").status_code == 404
    assert client.get(f"/casework/hotline/export.xlsx?street={world.tianqiao.id}").status_code == 404
    # Her own street's upload page lists nothing of Tianqiao's.
    assert "12345.csv" not in client.get("/casework/hotline/").content.decode()
    response = api_for("chunshu_admin").post(
        "/api/v1/work-orders",
        data={
            "street_id": world.tianqiao.id,
            "orders": [{"number": "H1", "received_at": "2020-03-01T09:15:00+08:00", "what": "改掉它"}],
        },
        content_type="application/json",
    )
    assert response.status_code == 404
    targets["case"].refresh_from_db()
    assert targets["case"].what == "门口混乱"
    # The same number in her own street is her street's order, not Tianqiao's.
    report, _ = workorders.import_orders(
        world.chunshu, [{"number": "H1", "received_at": "2020-03-01 09:15", "what": "椿树的工单"}], None
    )
    assert report.summary["created"] == 1
