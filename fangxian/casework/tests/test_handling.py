"""The case workflow's rules (handling.py), below any page or API."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from fangxian.accounts.scoping import Can, visible
from fangxian.casework import handling
from fangxian.casework.models import Case, Category, Holiday, Photo, Step

from .conftest import jpeg, make_case, upload

pytestmark = pytest.mark.django_db
S = Case.State


def local(text: str) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.fromisoformat(text))


@pytest.fixture
def category():
    return Category.objects.create(
        code="disorder", name_zh="秩序", respond_within=2, respond_unit="hours", resolve_within=3, resolve_unit="days"
    )


def test_a_work_order_without_a_community_stays_with_the_street(world, category):
    case = handling.receive(street=world.tianqiao, category=category, what="门口混乱", source="hotline")
    assert case.community is None and case.state == S.RECEIVED
    assert visible(world.users["street_admin"], Can.HANDLE_CASES, Case.objects).filter(pk=case.pk).exists()
    assert not visible(world.users["secretary"], Can.HANDLE_CASES, Case.objects).filter(pk=case.pk).exists()
    assert not visible(world.users["outsider"], Can.HANDLE_CASES, Case.objects).filter(pk=case.pk).exists()


def test_a_case_of_a_building_is_the_communitys(world, category):
    building = world.building(world.xiangchang)
    case = handling.receive(street=world.tianqiao, category=category, what="x", source="phone", building=building)
    assert case.community == world.xiangchang
    assert visible(world.users["secretary"], Can.HANDLE_CASES, Case.objects).filter(pk=case.pk).exists()


def test_a_place_in_another_street_is_refused(world, category):
    with pytest.raises(ValidationError):
        handling.receive(street=world.chunshu, category=category, what="x", source="phone", community=world.xiangchang)


def test_the_whole_unfounded_path_is_kept_step_by_step(world, category):
    secretary = world.users["secretary"]
    case = handling.receive(
        street=world.tianqiao,
        category=category,
        what="门口混乱",
        source="hotline",
        building=world.building(world.xiangchang, "1"),
    )
    handling.assign(case, world.users["grid_worker"], secretary)
    handling.visit(case, world.users["grid_worker"], "观察20分钟，秩序良好")
    handling.handle(case, "unfounded", world.users["grid_worker"], "现场秩序良好，不属实")
    with pytest.raises(ValidationError):
        handling.close(case, secretary)  # no callback, no reason
    handling.call_back(case, secretary, "satisfied")
    handling.close(case, secretary)
    case.refresh_from_db()
    assert case.state == S.CLOSED and case.responded_at and case.handled_at
    assert [s.action for s in case.steps.all()] == ["receive", "assign", "visit", "unfounded", "callback", "close"]


def test_unsatisfied_reopens_the_case(world, category):
    case = handling.receive(
        street=world.tianqiao, category=category, what="x", source="phone", community=world.xiangchang
    )
    handling.handle(case, "resolve", None, "修好了")
    handling.call_back(case, None, "unsatisfied")
    case.refresh_from_db()
    assert case.state == S.ASSIGNED and case.reopened == 1 and case.callback == "unsatisfied"


def test_a_step_sent_twice_is_kept_once(world, category):
    case = handling.receive(
        street=world.tianqiao, category=category, what="x", source="phone", community=world.xiangchang
    )
    client_id = "2f1e0c7a-8a9e-4f3c-9d8e-1b2c3d4e5f60"
    handling.visit(case, None, "到了", client_id=client_id)
    handling.visit(case, None, "到了", client_id=client_id)
    assert case.steps.filter(action="visit").count() == 1


def test_deadlines_skip_the_streets_holidays(world, category):
    friday_late = local("2026-09-25T23:00")
    Holiday.objects.create(street=world.tianqiao, day=datetime.date(2026, 9, 28), name="假")
    respond, resolve = handling.deadlines(category, world.tianqiao, friday_late)
    # One hour on Friday, the weekend and Monday's holiday off, the second hour on Tuesday.
    assert respond == local("2026-09-29T01:00")
    # Three working days after Friday: Tuesday, Wednesday, Thursday, due by Thursday 24:00.
    assert resolve == local("2026-10-02T00:00")


def test_a_case_is_given_only_to_someone_who_handles_cases_there(world, category):
    secretary = world.users["secretary"]
    at_the_community = handling.receive(
        street=world.tianqiao, category=category, what="x", source="phone", community=world.xiangchang
    )
    # The grid worker sees the cases of grid G1's buildings, not the community's own.
    for someone in ("grid_worker", "volunteer", "outsider", "district_admin"):
        with pytest.raises(ValidationError):
            handling.assign(at_the_community, world.users[someone], secretary)
    handling.assign(at_the_community, world.users["community_worker"], secretary)
    handling.assign(at_the_community, world.users["street_admin"], secretary)
    in_grid_one = make_case(world)
    handling.assign(in_grid_one, world.users["grid_worker"], secretary)
    assert set(handling.colleagues(in_grid_one).values_list("username", flat=True)) == {
        "secretary",
        "community_worker",
        "grid_worker",
        "street_admin",
    }
    in_grid_two = make_case(world, building=world.building(world.xiangchang, "2"))
    assert "grid_worker" not in handling.colleagues(in_grid_two).values_list("username", flat=True)


def test_an_unsatisfied_callback_sent_twice_reopens_once(world):
    case = make_case(world)
    handling.handle(case, "resolve", None, "已清理")
    client_id = "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d"
    handling.call_back(case, None, "unsatisfied", "还是乱", client_id=client_id)
    handling.call_back(case, None, "unsatisfied", "还是乱", client_id=client_id)
    case.refresh_from_db()
    assert case.reopened == 1 and case.state == S.ASSIGNED
    assert case.steps.filter(action="callback").count() == 1 and case.steps.filter(action="reopen").count() == 1


def test_a_close_sent_twice_is_kept_once(world):
    case = make_case(world)
    handling.handle(case, "unfounded", None, "不属实")
    client_id = "1b4e28ba-2fa1-41d2-883f-0016d3cca427"
    handling.close(case, None, "反映人未留电话", client_id=client_id)
    again = handling.close(case, None, "反映人未留电话", client_id=client_id)
    case.refresh_from_db()
    assert case.state == S.CLOSED and again.action == "close" and case.steps.filter(action="close").count() == 1


def test_passing_a_case_names_the_department(world):
    case = make_case(world)
    for blank in ("", "   "):
        with pytest.raises(ValidationError) as refused:
            handling.handle(case, "pass", None, "需要城管执法", agency=blank)
        assert "agency" in refused.value.message_dict
    handling.handle(case, "pass", None, "需要城管执法", agency="城管执法队")
    case.refresh_from_db()
    assert case.state == S.PASSED and case.agency == "城管执法队"


def test_nothing_follows_a_closed_case_but_a_reopening_or_a_note(world):
    case = make_case(world)
    handling.handle(case, "resolve", None, "已清理")
    handling.call_back(case, None, "satisfied")
    handling.close(case, None)
    for refused in (
        lambda: handling.visit(case, None, "再去看"),
        lambda: handling.handle(case, "resolve", None, "again"),
        lambda: handling.call_back(case, None, "satisfied"),
    ):
        with pytest.raises(ValidationError):
            refused()
    handling.add_note(case, None, "存档")
    handling.reopen(case, None, "又有人反映")
    case.refresh_from_db()
    assert case.state == S.ASSIGNED and case.closed_at is None and case.reopened == 1


@pytest.mark.parametrize(
    "content",
    [b"%PDF-1.4 not a photo", jpeg()[:400], b""],
    ids=["not an image", "truncated", "empty"],
)
def test_a_hostile_photo_keeps_nothing_of_the_step(world, content):
    case = make_case(world)
    with pytest.raises(ValidationError) as refused:
        handling.visit(case, None, "到现场", photos=[upload(content=content)])
    assert "photos" in refused.value.message_dict
    case.refresh_from_db()
    assert case.state == S.RECEIVED and not case.steps.filter(action="visit").exists()
    assert not Photo.objects.filter(step__case=case).exists()


def test_a_huge_photo_is_refused(world, settings):
    settings.PHOTO_MAX_BYTES = 1024
    with pytest.raises(ValidationError):
        handling.visit(make_case(world), None, "到现场", photos=[upload()])


def test_more_photos_than_allowed_are_refused(world):
    with pytest.raises(ValidationError):
        handling.visit(make_case(world), None, "到现场", photos=[upload() for _ in range(handling.MAX_PHOTOS + 1)])


def test_the_overdue_condition_is_the_cases_own(world):
    fresh = make_case(world)
    received_long_ago = make_case(world, received_at=timezone.now() - datetime.timedelta(days=30))
    answered_late = make_case(world, received_at=timezone.now() - datetime.timedelta(days=30))
    handling.handle(answered_late, "resolve", None, "已清理")
    late = set(Case.objects.filter(handling.late()).values_list("pk", flat=True))
    assert late == {c.pk for c in Case.objects.all() if c.overdue}
    assert received_long_ago.pk in late and fresh.pk not in late and answered_late.pk not in late


def test_the_holiday_table_refuses_a_weekday_worked_and_a_day_twice(world):
    monday = datetime.date(2026, 9, 28)
    with pytest.raises(ValidationError):
        handling.keep_day(world.tianqiao, monday, working=True)
    handling.keep_day(world.tianqiao, monday, working=False, name="假")
    with pytest.raises(ValidationError):
        handling.keep_day(world.tianqiao, monday, working=False)
    saturday = handling.keep_day(world.tianqiao, datetime.date(2026, 10, 10), working=True, name="调休")
    calendar = handling.calendar_for(world.tianqiao)
    assert not calendar.is_working(monday) and calendar.is_working(saturday.day)
    handling.drop_day(saturday)
    assert not handling.calendar_for(world.tianqiao).is_working(datetime.date(2026, 10, 10))


def test_every_step_says_who_and_when(world):
    case = make_case(world)
    handling.add_note(case, world.users["secretary"], "已电话联系物业")
    noted = Step.objects.get(case=case, action="note")
    assert noted.by == world.users["secretary"] and noted.at is not None


def test_a_streets_cases_are_asked_by_street_the_same_as_the_scoping_layer_sees_them(world):
    from fangxian.casework import cases

    make_case(world)
    make_case(world, building=world.building(world.yongan, "1"))
    handling.receive(street=world.tianqiao, category=Category.objects.get(code="other"), what="x", source="phone")
    handling.receive(
        street=world.chunshu,
        category=Category.objects.get(code="other"),
        what="y",
        source="phone",
        community=world.liulichang,
    )
    for actor in ("street_admin", "secretary", "grid_worker", "outsider", "volunteer"):
        user = world.users[actor]
        expected = set(visible(user, Can.HANDLE_CASES, Case.objects.all()).values_list("pk", flat=True))
        assert set(cases.in_view(user).values_list("pk", flat=True)) == expected, actor
    assert cases.in_view(world.users["street_admin"]).count() == 3
