"""The three rates and the proactive cases, counted from cases at known moments."""

import datetime

import pytest
from django.test import override_settings
from django.utils import timezone

from fangxian.casework import handling, rates
from fangxian.casework.models import Case, Category

pytestmark = pytest.mark.django_db
ZONE = timezone.get_current_timezone()
NOW = datetime.datetime(2026, 11, 20, 12, 0, tzinfo=ZONE)


@pytest.fixture
def category():
    return Category.objects.get(code="entrance-order")  # 2 hours to answer, 1 working day to resolve


def complaint(world, category, at, community=None, **place):
    return handling.receive(
        street=world.tianqiao,
        category=category,
        what="门口混乱",
        source="hotline",
        community=community if community is not None else world.xiangchang,
        received_at=at,
        **place,
    )


def at(day, hour=9):
    return datetime.datetime(2026, 11, day, hour, 0, tzinfo=ZONE)


def answered(case, when):
    handling.step(case, "assign", None, at=when, state=Case.State.ASSIGNED)


def test_answered_in_time_counts_for_the_response_rate(world, category):
    in_time = complaint(world, category, at(2))  # Monday 9:00, due 11:00
    late = complaint(world, category, at(2, 10))
    complaint(world, category, at(2, 11))  # never answered, and past due
    answered(in_time, at(2, 10))
    answered(late, at(2, 15))
    [row] = rates.figures(Case.objects.all(), "community", datetime.date(2026, 11, 1), now=NOW)
    assert (row.received, row.response_due, row.responded_in_time) == (3, 3, 1)
    assert row.response_rate == 33.3 and row.name == world.xiangchang.name


def test_a_case_not_yet_due_is_not_counted_against_anyone(world, category):
    complaint(world, category, NOW - datetime.timedelta(minutes=30))
    [row] = rates.figures(Case.objects.all(), "community", datetime.date(2026, 11, 1), now=NOW)
    assert row.response_due == 0 and row.response_rate is None and row.overdue == 0


def test_unfounded_complaints_are_left_out_of_the_resolution_rate(world, category):
    resolved = complaint(world, category, at(2))
    unfounded = complaint(world, category, at(3))
    complaint(world, category, at(4))  # past its resolve-by, still open: overdue
    handling.handle(resolved, "resolve", None, "修好了")
    handling.handle(unfounded, "unfounded", None, "现场秩序良好")
    Case.objects.filter(pk=resolved.pk).update(handled_at=at(2, 12))
    [row] = rates.figures(Case.objects.all(), "community", datetime.date(2026, 11, 1), now=NOW)
    assert (row.resolution_due, row.resolved_in_time, row.unfounded, row.overdue) == (2, 1, 1, 1)
    assert row.resolution_rate == 50.0


def test_satisfaction_counts_the_reached_callbacks(world, category):
    for result in ["satisfied", "basically", "unsatisfied", "unreachable"]:
        case = complaint(world, category, at(5))
        handling.handle(case, "resolve", None, "处理了")
        handling.call_back(case, None, result)
    [row] = rates.figures(Case.objects.all(), "street", datetime.date(2026, 11, 1), now=NOW)
    assert (row.called_back, row.satisfied, row.satisfaction_rate) == (3, 2, 66.7)


def test_months_and_places_are_counted_apart(world, category):
    complaint(world, category, datetime.datetime(2026, 10, 31, 23, 30, tzinfo=ZONE))  # October by Beijing's clock
    complaint(world, category, at(1, 0))
    complaint(world, category, at(1, 8), community=world.yongan)
    handling.receive(street=world.tianqiao, category=category, what="地址不明", source="hotline", received_at=at(1))
    rows = rates.figures(
        Case.objects.all(), "community", datetime.date(2026, 10, 1), datetime.date(2026, 11, 1), now=NOW
    )
    found = {(r.name, r.month.month): r.received for r in rows}
    assert found == {
        (world.xiangchang.name, 10): 1,
        (world.xiangchang.name, 11): 1,
        (world.yongan.name, 11): 1,
        ("由街道受理", 11): 1,
    }
    [street] = rates.figures(Case.objects.all(), "street", datetime.date(2026, 11, 1), now=NOW)
    assert street.received == 3


def test_departments_are_counted_by_the_cases_passed_to_them(world, category):
    case = complaint(world, category, at(2))
    handling.handle(case, "pass", None, "需要城管执法", agency="天桥街道城管执法队")
    complaint(world, category, at(2))
    [row] = rates.figures(Case.objects.all(), "department", datetime.date(2026, 11, 1), now=NOW)
    assert row.name == "天桥街道城管执法队" and row.received == 1


@override_settings(CASEWORK_REPEAT_COMPLAINTS=3, CASEWORK_REPEAT_DAYS=7)
def test_three_complaints_at_one_building_open_one_proactive_case(world, category):
    building = world.building(world.xiangchang)
    for day in (2, 4, 6, 7):
        complaint(world, category, at(day), building=building)
    proactive = Case.objects.filter(source="proactive")
    assert proactive.count() == 1
    assert proactive.get().building == building and "3" in proactive.get().what


@override_settings(CASEWORK_REPEAT_COMPLAINTS=3, CASEWORK_REPEAT_DAYS=7)
def test_complaints_spread_over_weeks_or_places_open_nothing(world, category):
    complaint(world, category, at(1), building=world.building(world.xiangchang))
    complaint(world, category, at(9), building=world.building(world.xiangchang))
    complaint(world, category, at(10), building=world.building(world.xiangchang, "2"))
    complaint(world, category, at(16), building=world.building(world.xiangchang))
    assert not Case.objects.filter(source="proactive").exists()


def test_the_rate_page_and_its_excel_count_the_months_asked(world, client_for, category):
    from fangxian.accounts.models import AuditEvent
    from fangxian.lib.tabular import read_table

    complaint(world, category, datetime.datetime(2026, 10, 10, 9, 0, tzinfo=ZONE))
    complaint(world, category, at(3), community=world.yongan)
    client = client_for("street_admin")
    page = client.get("/casework/rates/?by=community&from=2026-10&to=2026-11")
    found = {(r.name, r.month.month, r.received) for r in page.context["rows"]}
    assert found == {(world.yongan.name, 11, 1), (world.xiangchang.name, 10, 1)}
    excel = client.get("/casework/rates/?by=street&from=2026-10&to=2026-11&format=xlsx")
    table = read_table(excel.content)
    assert [row[:3] for _line, row in table.rows] == [
        [world.tianqiao.name, "2026-10", "1"],
        [world.tianqiao.name, "2026-11", "1"],
    ]
    assert AuditEvent.objects.filter(action="export", detail__list="case_rates").exists()


def test_a_bad_month_or_grouping_shows_this_month_by_community(world, client_for):
    response = client_for("secretary").get("/casework/rates/?by=nonsense&from=2026-13&to=x")
    assert response.status_code == 200 and response.context["by"] == "community"


@pytest.mark.parametrize("actor, status", [("gate_keeper", 403), ("volunteer", 403), ("district_admin", 200)])
def test_the_rates_are_for_case_handlers_and_offices(world, client_for, actor, status):
    assert client_for(actor).get("/casework/rates/").status_code == status


@override_settings(CASEWORK_REPEAT_COMPLAINTS=3, CASEWORK_REPEAT_DAYS=7)
def test_work_orders_imported_together_open_one_proactive_case(world):
    from fangxian.casework import workorders

    orders = [
        {
            "number": f"2020110{n}",
            "received_at": f"2026-11-0{n} 09:00",
            "category": "噪音扰民",
            "address": f"{world.xiangchang.name_zh} 1号楼",
            "what": "夜里施工噪音",
        }
        for n in (2, 3, 4)
    ]
    report, _plans = workorders.import_orders(world.tianqiao, orders, None)
    assert report.ok
    [proactive] = Case.objects.filter(source="proactive")
    assert proactive.building == world.building(world.xiangchang) and proactive.category.code == "noise"
