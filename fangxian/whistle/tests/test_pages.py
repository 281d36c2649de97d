"""The whistle's pages: a call made from a case's page, each side's step, the street's
departments and its figures as Excel (audited)."""

import datetime
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import load_workbook
from PIL import Image

from fangxian.accounts.models import AuditEvent
from fangxian.casework import handling
from fangxian.casework.models import Case, Category
from fangxian.whistle import calling
from fangxian.whistle.models import Call, Department


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "blue").save(out, format="JPEG")
    return out.getvalue()


def test_a_call_from_a_case_and_back(world, departments, client_for):
    case = handling.receive(
        street=world.tianqiao,
        category=Category.objects.get(code="other"),
        what="8号院无围挡",
        source=Case.Source.PATROL,
        community=world.xiangchang,
        address="香厂路8号院",
    )
    secretary = client_for("secretary")
    form = secretary.get(f"/whistle/new/?case={case.id}")
    assert form.context["values"]["what"] == "8号院无围挡" and form.context["values"]["address"] == "香厂路8号院"
    needed = (timezone.localtime() + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    made = secretary.post(
        "/whistle/new/",
        {
            "case": case.id,
            "community": world.xiangchang.id,
            "department": departments["city"].id,
            "what": "封闭东口、北口",
            "address": "香厂路8号院",
            "needed_by": needed,
        },
    )
    call = Call.objects.get()
    assert made["Location"] == f"/whistle/{call.id}/" and call.case == case
    case.refresh_from_db()
    assert case.state == "passed"

    team = client_for("liaison")
    page = team.get(f"/whistle/{call.id}/")
    assert page.context["answers"] and page.context["case"] is None
    team.post(f"/whistle/{call.id}/acknowledge/", {"note": "马上到"})
    team.post(f"/whistle/{call.id}/arrive/", {"note": "到了", "photo": SimpleUploadedFile("p.jpg", jpeg())})
    assert team.get(f"/whistle/{call.id}/photo/")["Content-Type"] == "image/jpeg"
    team.post(f"/whistle/{call.id}/outcome/", {"outcome": "solved", "note": "已装围挡"})
    assert secretary.get(f"/whistle/{call.id}/").context["case"] == case
    secretary.post(f"/whistle/{call.id}/confirm/")
    call.refresh_from_db()
    assert call.state == "confirmed" and call.confirmed_by == world.users["secretary"]


def test_a_refused_step_says_why(world, call, client_for):
    answer = client_for("secretary").post(f"/whistle/{call.id}/confirm/", follow=True)
    assert any("不能" in str(m) for m in answer.context["messages"])


def test_a_call_needs_a_time_to_come(world, departments, client_for):
    answer = client_for("secretary").post(
        "/whistle/new/",
        {
            "community": world.xiangchang.id,
            "department": departments["city"].id,
            "what": "x",
            "address": "东口",
            "needed_by": "2020-02-01T18:00",
        },
    )
    assert answer.status_code == 200 and "needed_by" in answer.context["errors"]
    assert not Call.objects.exists()


def test_a_call_to_another_streets_department_is_refused(world, departments, client_for):
    answer = client_for("secretary").post(
        "/whistle/new/",
        {
            "community": world.xiangchang.id,
            "department": departments["chunshu_city"].id,
            "what": "x",
            "address": "东口",
            "needed_by": "2099-02-01T18:00",
        },
    )
    assert answer.status_code == 200 and not Call.objects.exists()


def test_the_street_keeps_its_departments_and_their_staff(world, departments, client_for):
    from .conftest import liaison_of

    street = client_for("street_admin")
    street.post("/whistle/departments/", {"street": world.tianqiao.id, "kind": "police", "name": "天桥派出所"})
    police = Department.objects.get(name="天桥派出所")
    assert police.street == world.tianqiao
    newcomer = liaison_of(world.tianqiao, "police_liaison")
    assert newcomer in street.get(f"/whistle/departments/{police.id}/").context["liaisons"]
    street.post(f"/whistle/departments/{police.id}/members/", {"user": newcomer.id})
    assert list(calling.departments_of(newcomer)) == [police]
    street.post(f"/whistle/departments/{police.id}/", {"kind": "police", "name": "天桥派出所", "contact": "110"})
    police.refresh_from_db()
    assert police.contact == "110" and not police.active
    member = police.members.get()
    street.post(f"/whistle/departments/{police.id}/members/{member.id}/remove/")
    assert not calling.departments_of(newcomer).exists()
    # Chunshu's department is another street's: 404.
    assert street.get(f"/whistle/departments/{departments['chunshu_city'].id}/").status_code == 404


def test_figures_as_excel_are_audited_per_community(world, call, client_for):
    calling.acknowledge(call, world.users["liaison"])
    answer = client_for("street_admin").get("/whistle/figures/?format=xlsx")
    sheet = load_workbook(io.BytesIO(answer.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "部门" and len(rows) == 1 + 2
    city = next(r for r in rows if r[0] == "天桥城管执法队")
    assert city[1] == 1
    event = AuditEvent.objects.get(action="export")
    assert event.community == world.xiangchang and event.detail["list"] == "whistle-figures"


def test_the_figures_page_shows_the_month_asked(world, call, client_for):
    page = client_for("street_admin").get("/whistle/figures/?month=2020-02")
    assert page.context["month"] == "2020-02" and all(row[1] == 0 for row in page.context["table"])
    assert client_for("street_admin").get("/whistle/figures/?month=nonsense").status_code == 200


def test_overdue_and_escalated_calls_are_listed(world, departments, client_for):
    from .conftest import make_call

    late = make_call(world, departments["city"])
    in_time = make_call(world, departments["city"])
    Call.objects.filter(pk=late.pk).update(acknowledge_by=timezone.now() - datetime.timedelta(minutes=1))
    team = client_for("liaison")
    assert [c.pk for c in team.get("/whistle/?show=overdue").context["page"]] == [late.pk]
    assert {c.pk for c in team.get("/whistle/").context["page"]} == {late.pk, in_time.pk}
    calling.escalate()
    assert [c.pk for c in client_for("street_admin").get("/whistle/?show=escalated").context["page"]] == [late.pk]
    assert client_for("district_admin").get("/").context["whistle"] == {"open": 2, "escalated": 1}
    assert client_for("volunteer").get("/").context["whistle"] is None
