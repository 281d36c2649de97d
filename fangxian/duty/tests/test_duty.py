import datetime
import io
import json
import subprocess

import pytest
from django.utils import timezone
from django.utils.html import strip_tags
from openpyxl import load_workbook

from fangxian.duty import planning, views
from fangxian.duty.models import Assignment, Pattern, Person, Post, Project, Roster, SignUp, SwapRequest


def post(client, path, body):
    return client.post(path, json.dumps(body), content_type="application/json")


def test_a_week_is_planned_and_every_shift_covered_within_the_rules(world, crew, client_for):
    monday = timezone.localdate() + datetime.timedelta(days=7 - timezone.localdate().weekday())
    response = client_for("secretary").post(
        "/duty/", {"community": world.xiangchang.id, "starts_on": str(monday), "days": "7"}
    )
    roster = Roster.objects.get()
    assert response["Location"] == f"/duty/rosters/{roster.id}/"
    assert Assignment.objects.filter(shift__roster=roster).count() == 7 * 6 * 2 and roster.result["shortfall"] == 0
    for person in crew:
        shifts = sorted((a.shift for a in person.assignments.all()), key=lambda s: s.begins)
        assert all(b.begins >= a.ends + datetime.timedelta(hours=8) for a, b in zip(shifts, shifts[1:], strict=False))
    page = client_for("grid_worker").get(f"/duty/rosters/{roster.id}/").content.decode()
    assert "党员" in page and "重新排班" not in page  # others read it; only coordinators change it


def test_a_locked_hand_edit_survives_a_re_solve(world, crew, client_for, api_for):
    roster = planning.create(world.xiangchang, timezone.localdate(), 2, None)
    planning.solve(roster)
    shift = roster.shifts.order_by("day", "start").last()
    outsider = next(p for p in crew if not Assignment.objects.filter(shift=shift, person=p).exists() and not p.is_new)
    client_for("secretary").post(f"/duty/shifts/{shift.id}/", {"person": outsider.id, "action": "add"})
    assert Assignment.objects.get(shift=shift, person=outsider).locked
    for _ in range(2):
        response = post(api_for("secretary"), f"/api/v1/duty/rosters/{roster.id}/solve", {})
        assert response.status_code == 202 and response.json()["job"]["state"] == "done"
        assert Assignment.objects.get(shift=shift, person=outsider).locked


def test_a_hand_edit_that_breaks_the_rest_rule_is_refused(world, crew, client_for):
    roster = planning.create(world.xiangchang, timezone.localdate(), 1, None)
    morning, next_one = roster.shifts.order_by("start")[2], roster.shifts.order_by("start")[3]
    client = client_for("secretary")
    client.post(f"/duty/shifts/{morning.id}/", {"person": crew[7].id})
    page = client.post(f"/duty/shifts/{next_one.id}/", {"person": crew[7].id}, follow=True).content.decode()
    assert "太近" in page and not Assignment.objects.filter(shift=next_one, person=crew[7]).exists()


def test_a_post_needing_more_people_than_exist_is_explained_and_the_rest_filled(world, crew, api_for):
    big = Post.objects.create(community=world.xiangchang, name="菜市场入口")
    Pattern.objects.create(post=big, start=8, hours=4, headcount=20)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    body = post(
        api_for("secretary"),
        "/api/v1/duty/rosters",
        {"community_id": world.xiangchang.id, "starts_on": str(tomorrow), "days": 1},
    ).json()
    words = " ".join(body["result"]["explanations"])
    assert "菜市场入口" in words and "需要 20 人" in words
    assert body["result"]["shortfall"] > 0 and any(s["people"] for s in body["shifts"])


@pytest.mark.parametrize(
    "pattern", [{"start": 8, "hours": 0}, {"start": 24, "hours": 4}, {"start": 8, "hours": 4, "headcount": 0}]
)
def test_an_impossible_shift_pattern_is_refused(world, api_for, pattern):
    response = post(
        api_for("secretary"),
        "/api/v1/duty/posts",
        {"community_id": world.xiangchang.id, "name": "岗", "patterns": [pattern]},
    )
    assert response.status_code == 422 and not Post.objects.exists()


def test_a_post_has_at_most_a_shift_per_hour_and_none_twice(world, api_for):
    client, body = api_for("secretary"), {"community_id": world.xiangchang.id, "name": "岗"}
    many = post(client, "/api/v1/duty/posts", body | {"patterns": [{"start": 8, "hours": 4}] * 10_000})
    assert many.status_code == 422 and many.json()["detail"]["patterns"] == ["每个岗位每天最多 24 个班次。"]
    twice = post(
        client, "/api/v1/duty/posts", body | {"patterns": [{"start": 8, "hours": 4}, {"start": 8, "hours": 4}]}
    )
    assert twice.status_code == 422 and "重复" in twice.json()["detail"]["patterns"][0]
    assert not Post.objects.exists()
    every_hour = [{"start": h, "hours": 1} for h in range(24)]
    assert post(client, "/api/v1/duty/posts", body | {"patterns": every_hour}).status_code == 201


@pytest.mark.needs("pango", "fonts", "pdftotext")
def test_a_published_shift_is_checked_in_and_out_and_counts_hours(world, crew, api_for, client_for):
    roster = planning.create(world.xiangchang, timezone.localdate(), 1, None)
    hour = timezone.localtime().hour
    assignment = planning.put(roster.shifts.get(start=hour - hour % 4), crew[6])
    assert api_for("volunteer").get("/api/v1/duty/my-shifts").json() == []  # not published yet
    planning.publish(roster)
    [mine] = api_for("volunteer").get("/api/v1/duty/my-shifts").json()
    assert mine["assignment_id"] == assignment.id
    client = api_for("volunteer")
    assert post(client, f"/api/v1/duty/assignments/{assignment.id}/check-out", {}).status_code == 422
    assert post(client, f"/api/v1/duty/assignments/{assignment.id}/check-in", {}).status_code == 200
    Assignment.objects.filter(pk=assignment.pk).update(checked_in_at=timezone.now() - datetime.timedelta(hours=3))
    assert post(client, f"/api/v1/duty/assignments/{assignment.id}/check-out", {}).json()["hours"] == 3.0
    pdf = client_for("volunteer").get(f"/duty/people/{crew[6].id}/certificate.pdf")
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf.content, capture_output=True, check=True).stdout.decode()
    assert "志愿服务" in text and "3.0" in text


def test_a_shift_too_far_away_cannot_be_checked_in(world, crew, api_for):
    roster = planning.create(world.xiangchang, timezone.localdate() + datetime.timedelta(days=2), 1, None)
    assignment = planning.put(roster.shifts.first(), crew[6])
    assert post(api_for("volunteer"), f"/api/v1/duty/assignments/{assignment.id}/check-in", {}).status_code == 422


def test_an_approved_swap_hands_the_shift_over(world, crew, client_for):
    roster = planning.create(world.xiangchang, timezone.localdate() + datetime.timedelta(days=1), 1, None)
    assignment = planning.put(roster.shifts.get(start=8), crew[6])
    planning.publish(roster)
    client_for("volunteer").post(f"/duty/mine/{assignment.id}/swap/", {"reason": "孩子发烧", "replacement": crew[8].id})
    swap = SwapRequest.objects.get()
    assert swap.replacement == crew[8]
    client_for("secretary").post(f"/duty/swaps/{swap.id}/", {"decision": "approve", "replacement": crew[8].id})
    assert list(roster.shifts.get(start=8).assignments.values_list("person__name", flat=True)) == [crew[8].name]


@pytest.mark.needs("pango", "fonts", "pdftotext")
def test_the_week_prints_in_chinese_and_exports_to_excel(world, crew, client_for):
    roster = planning.create(world.xiangchang, timezone.localdate() + datetime.timedelta(days=1), 7, None)
    planning.solve(roster)
    client = client_for("secretary")
    text = subprocess.run(
        ["pdftotext", "-", "-"],
        input=client.get(f"/duty/rosters/{roster.id}/print.pdf").content,
        capture_output=True,
        check=True,
    ).stdout.decode()
    assert "南门" in text and "排班表" in text
    sheet = load_workbook(io.BytesIO(client.get(f"/duty/rosters/{roster.id}/export.xlsx").content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 1 + 6 and rows[1][0] == "南门" and "党员" in rows[1][2]


def print_font_characters() -> set[int]:
    """The code points of the font the print pages ask for, as fontconfig finds it."""
    from fontTools.ttLib import TTFont

    found = subprocess.run(
        ["fc-match", "-f", "%{file}\n%{index}", "Noto Sans CJK SC"], capture_output=True, text=True, check=True
    ).stdout.split("\n")
    return set(TTFont(found[0], fontNumber=int(found[1] or 0), lazy=True).getBestCmap())


@pytest.mark.needs("fonts")
def test_the_printed_roster_marks_a_locked_place_with_a_drawn_padlock_and_a_word_every_printer_has(world, crew):
    roster = planning.create(world.xiangchang, timezone.localdate() + datetime.timedelta(days=1), 2, None)
    planning.solve(roster)
    Assignment.objects.filter(pk__in=Assignment.objects.filter(shift__roster=roster).values("pk")[:3]).update(
        locked=True
    )
    html = views.roster_print(roster)
    assert html.count('<span class="chip locked"><span class="lock"><svg') == 3 and html.count("已锁定") == 3
    printable = print_font_characters()
    assert {c for c in strip_tags(html) if not c.isspace() and ord(c) not in printable} == set()


def test_accepted_volunteers_join_the_roster(world, crew, client_for):
    newcomer = Person.objects.create(
        community=world.xiangchang, name="大学生", active=False, user=world.users["volunteer"]
    )
    Person.objects.filter(pk=crew[6].pk).update(user=None)
    project = Project.objects.create(
        community=world.xiangchang,
        title="核酸检测秩序",
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate(),
        headcount=5,
    )
    client_for("volunteer").post(f"/duty/projects/{project.id}/sign-up/")
    signup = SignUp.objects.get()
    assert signup.person == newcomer and signup.status == "pending"
    client_for("secretary").post(f"/duty/signups/{signup.id}/", {"decision": "accept"})
    newcomer.refresh_from_db()
    problem = planning.problem_for(planning.create(world.xiangchang, timezone.localdate(), 1, None), timezone.now())
    assert newcomer.active and newcomer.id in {m.id for m in problem.members}


@pytest.mark.parametrize("headcount", ["0", "-3", "五", "99999999"])
def test_a_project_needing_no_people_or_an_impossible_number_is_refused_not_made_one(world, client_for, headcount):
    today = str(timezone.localdate())
    form = {"community": world.xiangchang.id, "title": "核酸检测秩序", "starts_on": today, "ends_on": today}
    page = client_for("secretary").post("/duty/projects/", form | {"headcount": headcount}, follow=True)
    assert "项目需要标题、日期和人数" in page.content.decode() and not Project.objects.exists()
    client_for("secretary").post("/duty/projects/", form | {"headcount": ""})
    assert Project.objects.get().headcount == 1


def test_the_coordinator_signs_someone_up_with_their_availability(world, client_for):
    client_for("secretary").post(
        "/duty/people/",
        {
            "community": world.xiangchang.id,
            "name": "王阿姨",
            "kind": "reporting_member",
            "birth_year": "1953",
            "day0": ["2", "3"],
            "day5": ["0"],
            "max_hours_week": "20",
        },
    )
    person = Person.objects.get()
    assert person.availability == {"0": [2, 3], "5": [0]} and person.max_hours_week == 20
    assert planning.member(person).available == frozenset({(0, 2), (0, 3), (5, 0)})


def test_members_of_a_duty_team_are_signed_up_under_it_with_a_leader(world, client_for, api_for):
    client_for("secretary").post(
        "/duty/people/",
        {
            "community": world.xiangchang.id,
            "name": "张处长",
            "kind": "dispatched_cadre",
            "level": "district",
            "team": "区商务局临时党支部",
            "leader": "on",
        },
    )
    post(
        api_for("secretary"),
        "/api/v1/duty/people",
        {"community_id": world.xiangchang.id, "name": "李科员", "team": "区商务局临时党支部"},
    )
    team = Person.objects.get(name="张处长").team
    assert team.leader.name == "张处长" and set(team.members.values_list("name", flat=True)) == {"张处长", "李科员"}


def test_the_roster_shows_who_is_late(world, crew, client_for):
    roster = planning.create(world.xiangchang, timezone.localdate(), 1, None)
    hour = timezone.localtime().hour
    shift = roster.shifts.get(start=hour - hour % 4)
    on_time, late = planning.put(shift, crew[6]), planning.put(shift, crew[7])
    Assignment.objects.filter(pk=on_time.pk).update(checked_in_at=shift.begins)
    Assignment.objects.filter(pk=late.pk).update(checked_in_at=shift.begins + datetime.timedelta(minutes=25))
    cell = (
        client_for("secretary")
        .get(f"/duty/rosters/{roster.id}/")
        .content.decode()
        .split(f'id="shift-{shift.id}"')[1]
        .split("</td>")[0]
    )
    assert cell.count("迟到") == 1 and cell.index(crew[7].name) < cell.index("迟到")


def test_a_project_that_ends_before_it_starts_is_refused(world, client_for):
    today = timezone.localdate()
    form = {"community": world.xiangchang.id, "title": "核酸检测秩序", "headcount": "3"}
    days = {"starts_on": str(today + datetime.timedelta(days=4)), "ends_on": str(today)}
    page = client_for("secretary").post("/duty/projects/", form | days, follow=True)
    assert "结束日期早于开始日期" in page.content.decode() and not Project.objects.exists()


@pytest.mark.parametrize("how", ["page", "api"])
def test_publishing_a_roster_is_audited_from_the_page_and_the_api_alike(world, crew, client_for, api_for, how):
    from fangxian.accounts.models import AuditEvent

    roster = planning.create(world.xiangchang, timezone.localdate(), 1, None)
    if how == "page":
        client_for("secretary").post(f"/duty/rosters/{roster.id}/publish/")
    else:
        assert post(api_for("secretary"), f"/api/v1/duty/rosters/{roster.id}/publish", {}).status_code == 200
    event = AuditEvent.objects.get(action="roster_published")
    assert (event.username, event.target_id, event.community_id) == ("secretary", str(roster.id), world.xiangchang.id)


def test_a_double_tap_on_check_in_does_not_check_out_a_0_hour_shift(world, crew, client_for):
    roster = planning.create(world.xiangchang, timezone.localdate(), 1, None)
    hour = timezone.localtime().hour
    assignment = planning.put(roster.shifts.get(start=hour - hour % 4), crew[6])
    planning.publish(roster)
    client = client_for("volunteer")
    page = client.post(f"/duty/mine/{assignment.id}/check-in/", follow=True).content.decode()
    assert "签到。" in page  # said, not silent
    page = client.post(f"/duty/mine/{assignment.id}/check-out/", follow=True).content.decode()  # the second tap
    assignment.refresh_from_db()
    assert assignment.checked_out_at is None and "班次结束后再签退" in page
