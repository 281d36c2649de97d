"""The case workflow's rules (handling.py), below any page or API."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from fangxian.accounts.scoping import Can, visible
from fangxian.casework import handling
from fangxian.casework.models import Case, Category, Holiday

pytestmark = pytest.mark.django_db
S = Case.State


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
        street=world.tianqiao, category=category, what="门口混乱", source="hotline", community=world.xiangchang
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
    friday_late = datetime.datetime(2026, 9, 25, 23, 0, tzinfo=timezone.get_current_timezone())
    Holiday.objects.create(street=world.tianqiao, day=datetime.date(2026, 9, 28), name="假")
    respond, resolve = handling.deadlines(category, world.tianqiao, friday_late)
    # One hour on Friday, the weekend and Monday's holiday off, the second hour on Tuesday.
    assert respond == datetime.datetime(2026, 9, 29, 1, 0, tzinfo=timezone.get_current_timezone())
    # Three working days after Friday: Tuesday, Wednesday, Thursday, due by Thursday 24:00.
    assert resolve == datetime.datetime(2026, 10, 2, 0, 0, tzinfo=timezone.get_current_timezone())
