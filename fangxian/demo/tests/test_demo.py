import io

import pytest
from django.core.management import call_command
from django.http import HttpRequest
from django.test import Client

from fangxian.people.models import Resident
from fangxian.places.models import Community


@pytest.fixture
def demo(db):
    # The demo builds its own Beijing; the shared test world would collide with its codes.
    from fangxian.demo.management.commands.demo import delete_demo

    delete_demo()
    call_command("demo", "--residents", "40", stdout=io.StringIO())


def login(username: str) -> Client:
    client = Client()
    assert client.login(request=HttpRequest(), username=username, password="fangxian-demo")
    return client


def test_the_demo_loads_once_and_resets_on_request(demo):
    count = Resident.objects.count()
    out = io.StringIO()
    call_command("demo", stdout=out)
    assert "already loaded" in out.getvalue() and Resident.objects.count() == count
    call_command("demo", "--reset", "--residents", "40", stdout=io.StringIO())
    assert Resident.objects.count() == count
    assert Community.objects.filter(street__code="110102015").count() == 8


def test_each_demo_account_sees_exactly_its_part(demo):
    xiangchang = Community.objects.get(name_zh="香厂路社区")
    assert {r.community for r in login("demo-secretary").get("/people/residents/").context["page"]} == {xiangchang}
    street = login("demo-street").get("/").context["community_table"]
    assert len(street) == 8
    other = login("demo-other").get("/people/residents/").context["page"]
    assert {r.community.name_zh for r in other} == {"琉璃厂西街社区"}
    grid = login("demo-grid").get("/people/residents/").context["page"]
    assert {r.dwelling.building.grid.code for r in grid} == {"G1"}
    assert login("demo-gate").get("/people/residents/").status_code == 403
    assert (
        login("demo-health").get("/").context["registry"]["residents"]
        == Resident.objects.filter(community=xiangchang).count()
    )


def test_the_demo_has_returnees_at_every_stage_and_a_census_under_way(demo):
    from fangxian.watch.models import Campaign, Observation

    assert (
        Observation.objects.filter(released_at=None).count() == 3
        and Observation.objects.exclude(notice_number="").count() == 1
    )
    kinds = {a.kind for a in login("demo-health").get("/").context["alerts"]}
    assert {"fever", "missed"} <= kinds
    campaign = Campaign.objects.get()
    assert campaign.assignments.exclude(outcome="").count() == 12
    assert "第二轮入户排查" in login("demo-grid").get("/").content.decode()
    assert login("demo-secretary").get(f"/watch/map/{campaign.community_id}/").status_code == 200


def test_the_demo_has_this_weeks_roster_solved_and_published(demo):
    from fangxian.duty.models import Assignment, Roster

    roster = Roster.objects.get()
    assert roster.status == "published" and roster.result["shortfall"] == 0
    assert Assignment.objects.filter(shift__roster=roster).count() == sum(
        roster.shifts.values_list("headcount", flat=True)
    )
    assert login("demo-gate").get("/duty/mine/").context["rows"] is not None
    assert "香厂路社区南门" in login("demo-secretary").get(f"/duty/rosters/{roster.id}/").content.decode()


def test_the_demo_has_a_positive_pool_recalled_held_and_one_member_released(demo):
    from fangxian.testing.models import Recall, Tube

    recalls = Recall.objects.all()
    assert recalls.count() == 10 and recalls.filter(outcome="negative").count() == 1
    held = Resident.objects.filter(awaiting_retest=True)
    assert set(held.values_list("id", flat=True)) == set(
        recalls.filter(outcome="pending").values_list("resident_id", flat=True)
    )
    assert Tube.objects.filter(result="negative", retest=False).exists()
    page = login("demo-health").get("/testing/recalls/")
    assert page.status_code == 200 and held.first().name in page.content.decode()
