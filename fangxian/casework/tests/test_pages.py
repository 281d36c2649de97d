"""The case pages: the list (overdue first, filters, one query per kind of thing however many
rows), taking a case down, the case page and its steps (a refused form keeps what was typed),
the callback number revealed and audited, and the street's holiday table."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fangxian.accounts.models import AuditEvent
from fangxian.casework import handling, views
from fangxian.casework.models import Case, Category, Holiday, Photo

from .conftest import jpeg, make_case, unfounded_case, upload

pytestmark = pytest.mark.django_db


def listed_ids(response) -> list[int]:
    return [int(n) for n in re.findall(r'href="/casework/(\d+)/"', response.content.decode())]


def test_overdue_cases_come_first_and_in_red(world, client_for):
    newest = make_case(world, "新的")
    late = make_case(world, "超期的", received_at=timezone.now() - datetime.timedelta(days=20))
    done = make_case(world, "办完的", received_at=timezone.now() - datetime.timedelta(days=30))
    handling.handle(done, "resolve", None, "已清理")
    response = client_for("secretary").get("/casework/")
    assert response.status_code == 200
    assert listed_ids(response) == [late.pk, newest.pk, done.pk]
    html = response.content.decode()
    assert html.count('class="overdue"') == 1 and "超期的" in html.split('class="overdue"')[1].split("</li>")[0]


def test_the_pages_run_across_the_overdue_ones(world, client_for, monkeypatch, settings):
    monkeypatch.setattr(views, "PER_PAGE", 2)
    settings.CASEWORK_REPEAT_COMPLAINTS = 10  # three at one building would open a proactive case
    old = timezone.now() - datetime.timedelta(days=20)
    late = [make_case(world, f"超期{i}", received_at=old + datetime.timedelta(hours=i)) for i in range(3)]
    fresh = [make_case(world, f"新{i}") for i in range(2)]
    client = client_for("street_admin")
    pages = [listed_ids(client.get(f"/casework/?page={n}")) for n in (1, 2, 3)]
    assert pages == [[late[0].pk, late[1].pk], [late[2].pk, fresh[1].pk], [fresh[0].pk]]


def test_the_list_takes_as_many_queries_for_many_cases_as_for_few(world, client_for):
    client = client_for("street_admin")

    def queries() -> int:
        with CaptureQueriesContext(connection) as seen:
            assert client.get("/casework/").status_code == 200
        return len(seen)

    make_case(world, "一")
    few = queries()
    for i in range(12):
        make_case(world, f"多{i}", building=world.building(world.yongan, "2"))
        handling.assign(Case.objects.latest("id"), world.users["street_admin"], None)
    assert queries() == few


def test_the_filters_narrow_the_list(world, client_for):
    mine = make_case(world, "派给网格员")
    handling.assign(mine, world.users["grid_worker"], None)
    phone = make_case(world, "电话反映", source="phone", category=Category.objects.get(code="other"))
    street = handling.receive(
        street=world.tianqiao, category=Category.objects.get(code="other"), what="地址不明", source="hotline"
    )
    late = make_case(world, "超期", received_at=timezone.now() - datetime.timedelta(days=20))
    admin = client_for("street_admin")
    assert listed_ids(admin.get("/casework/?community=street")) == [street.pk]
    assert listed_ids(admin.get("/casework/?source=phone")) == [phone.pk]
    assert set(listed_ids(admin.get("/casework/?category=other"))) == {phone.pk, street.pk}
    assert listed_ids(admin.get("/casework/?overdue=1")) == [late.pk]
    assert listed_ids(admin.get("/casework/?state=assigned")) == [mine.pk]
    assert listed_ids(client_for("grid_worker").get("/casework/?mine=1")) == [mine.pk]
    assert street.pk not in listed_ids(client_for("secretary").get("/casework/"))
    # Filters nobody offers are no filters, not errors.
    assert admin.get("/casework/?state=nonsense&community=x&page=999").status_code == 200


def new_case_form(world, **changes) -> dict:
    return {
        "source": "phone",
        "category": "entrance-order",
        "community": world.xiangchang.id,
        "building": world.building(world.xiangchang, "1").id,
        "entrance": "1",
        "room": "102",
        "what": "单元门口堆放杂物",
        "reporter_name": "李先生",
        "reporter_phone": "13800001111",
    } | changes


def test_a_case_is_taken_down_with_its_place_and_deadlines(world, client_for):
    response = client_for("community_worker").post("/casework/new/", new_case_form(world) | {"photos": [upload()]})
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.dwelling == world.dwelling(world.xiangchang, "1", 1, "102") and case.community == world.xiangchang
    assert case.respond_by > case.received_at and case.resolve_by > case.respond_by
    assert Photo.objects.filter(step__case=case).count() == 1
    page = client_for("community_worker").get(response["Location"]).content.decode()
    assert "138****1111" in page and "13800001111" not in page


def test_a_refused_case_keeps_what_was_typed(world, client_for):
    response = client_for("secretary").post("/casework/new/", new_case_form(world, reporter_phone="12"))
    assert response.status_code == 422 and not Case.objects.exists()
    html = response.content.decode()
    assert "单元门口堆放杂物" in html and "李先生" in html and 'value="102"' in html


@pytest.mark.parametrize("content", [b"GIF89a not really", jpeg()[:500]], ids=["not an image", "truncated"])
def test_a_hostile_photo_is_told_and_the_form_kept(world, client_for, content):
    form = new_case_form(world) | {"photos": [upload(content=content)]}
    response = client_for("secretary").post("/casework/new/", form)
    assert response.status_code == 422 and not Case.objects.exists()
    html = response.content.decode()
    assert "请重新选择照片" in html and "单元门口堆放杂物" in html


def test_the_street_keeps_a_case_no_community_owns(world, client_for):
    form = {"source": "hotline", "category": "other", "community": f"street-{world.tianqiao.id}", "what": "某处噪音"}
    assert client_for("street_admin").post("/casework/new/", form).status_code == 302
    case = Case.objects.get()
    assert case.community is None and case.street == world.tianqiao
    # A community's secretary keeps no street's cases.
    refused = client_for("secretary").post("/casework/new/", form | {"what": "又一起"})
    assert refused.status_code == 422 and Case.objects.count() == 1


def test_a_grid_worker_names_a_building_of_the_grid(world, client_for):
    grid_worker = client_for("grid_worker")
    form = new_case_form(world, building="", room="")
    assert grid_worker.post("/casework/new/", form).status_code == 422
    other_grid = new_case_form(world, building=world.building(world.xiangchang, "2").id, room="")
    assert grid_worker.post("/casework/new/", other_grid).status_code == 422
    assert not Case.objects.exists()
    assert grid_worker.post("/casework/new/", new_case_form(world)).status_code == 302


def test_choosing_the_community_offers_its_buildings(world, client_for):
    html = client_for("street_admin").get(f"/casework/new/?community={world.yongan.id}").content.decode()
    places = html.split('<select name="building">')[1].split("</select>")[0]
    assert f'value="{world.building(world.yongan, "1").id}"' in places
    assert f'value="{world.building(world.xiangchang, "1").id}"' not in places


def test_the_case_page_walks_the_whole_unfounded_path(world, client_for):
    case = make_case(world)
    secretary = client_for("secretary")
    grid = client_for("grid_worker")
    page = f"/casework/{case.id}/"
    step = f"{page}step/"
    assert secretary.post(step, {"action": "assign", "to": world.users["grid_worker"].id}).status_code == 302
    visit = {"action": "visit", "note": "在门口观察20分钟，秩序良好", "photos": [upload(), upload("b.jpg")]}
    assert grid.post(step, visit).status_code == 302
    assert grid.post(step, {"action": "unfounded", "note": "秩序良好，不属实"}).status_code == 302
    before = grid.get(page).content.decode()
    assert "139****2222" in before and "13911112222" not in before
    revealed = grid.post(f"{page}reveal/")
    assert revealed.status_code == 200 and "13911112222" in revealed.content.decode()
    event = AuditEvent.objects.get(action="reveal_phone", target_type="case")
    assert event.user == world.users["grid_worker"] and event.target_id == str(case.id)
    assert event.detail["field"] == "reporter_phone"
    assert grid.post(step, {"action": "callback", "result": "satisfied", "note": "满意"}).status_code == 302
    assert grid.post(step, {"action": "close"}).status_code == 302
    case.refresh_from_db()
    assert case.state == "closed" and case.callback == "satisfied"
    html = grid.get(page).content.decode()
    assert html.count('src="/casework/photos/') == 2
    assert [s.action for s in case.steps.all()] == ["receive", "assign", "visit", "unfounded", "callback", "close"]


def test_the_number_is_not_revealed_before_the_callback(world, client_for):
    case = make_case(world)
    assert client_for("secretary").post(f"/casework/{case.id}/reveal/").status_code == 403
    assert not AuditEvent.objects.filter(target_type="case").exists()


def test_a_refused_step_keeps_what_was_typed(world, client_for):
    case = make_case(world)
    grid = client_for("grid_worker")
    note = "门口有三辆车乱停，已拍照"
    response = grid.post(
        f"/casework/{case.id}/step/", {"action": "visit", "note": note, "photos": [upload(content=b"x")]}
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert note in html and "请重新选择照片" in html and '<details open id="form-visit">' in html
    closing = grid.post(f"/casework/{case.id}/step/", {"action": "close"})
    assert closing.status_code == 422
    case.refresh_from_db()
    assert case.state == "received" and case.steps.count() == 1


def test_a_handled_case_offers_the_callback(world, client_for):
    case = unfounded_case(world)
    html = client_for("secretary").get(f"/casework/{case.id}/").content.decode()
    assert '<details open id="form-callback">' in html and 'name="result" value="unsatisfied"' in html
    assert 'id="form-visit"' not in html


def test_another_streets_case_is_not_found_on_any_page(world, client_for):
    case = unfounded_case(world)
    photo = Photo.objects.filter(step__case=case).first()
    outsider = client_for("outsider")
    assert outsider.get(f"/casework/{case.id}/").status_code == 404
    assert outsider.post(f"/casework/{case.id}/step/", {"action": "note", "note": "x"}).status_code == 404
    assert outsider.post(f"/casework/{case.id}/reveal/").status_code == 404
    assert outsider.get(f"/casework/photos/{photo.id}/").status_code == 404
    assert case.pk not in listed_ids(outsider.get("/casework/"))


def test_the_street_keeps_its_holiday_table(world, client_for):
    admin = client_for("street_admin")
    saturday = {"day": "2026-10-10", "working": "on", "name": "国庆调休"}
    assert admin.post("/casework/holidays/", saturday).status_code == 302
    weekday = admin.post("/casework/holidays/", {"day": "2026-10-12", "working": "on", "name": "错"})
    assert weekday.status_code == 422 and "错" in weekday.content.decode()
    assert admin.post("/casework/holidays/", {"day": "2026-02-30"}).status_code == 422
    day = Holiday.objects.get()
    assert day.working and day.street == world.tianqiao
    secretary = client_for("secretary")
    html = secretary.get("/casework/holidays/").content.decode()
    assert "国庆调休" in html and 'name="day"' not in html and "entrance-order" not in html
    assert secretary.post("/casework/holidays/", {"day": "2026-10-11"}).status_code == 403
    assert secretary.post(f"/casework/holidays/{day.id}/remove/").status_code == 403
    assert client_for("outsider").post(f"/casework/holidays/{day.id}/remove/").status_code == 404
    outsider = client_for("outsider")
    assert outsider.get(f"/casework/holidays/?street={world.tianqiao.id}").status_code == 404
    assert outsider.post("/casework/holidays/", {"street": world.tianqiao.id, "day": "2026-10-11"}).status_code == 404
    assert admin.post(f"/casework/holidays/{day.id}/remove/").status_code == 302
    assert not Holiday.objects.exists()


def test_the_menu_offers_cases_to_those_who_handle_them(world, client_for):
    assert "/casework/" in client_for("grid_worker").get("/").content.decode()
    assert "/casework/" not in client_for("volunteer").get("/").content.decode()


def test_a_step_refused_because_the_case_moved_on_says_why_and_keeps_the_text(world, client_for):
    case = unfounded_case(world)
    handling.reopen(case, world.users["secretary"], "反映人又来电")  # a colleague, meanwhile
    response = client_for("secretary").post(
        f"/casework/{case.id}/step/", {"action": "callback", "result": "satisfied", "note": "回访记录不能丢"}
    )
    html = response.content.decode()
    assert response.status_code == 422 and 'id="not-kept"' in html
    assert "回访记录不能丢" in html.split('id="not-kept"')[1].split("</section>")[0]


def test_a_step_opened_as_a_page_after_logging_in_again_is_the_case(world, client_for):
    case = make_case(world)
    response = client_for("secretary").get(f"/casework/{case.id}/step/")
    assert response.status_code == 302 and response["Location"] == f"/casework/{case.id}/"
