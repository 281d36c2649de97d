import datetime
import re

import pytest

from fangxian.people.models import Resident


def test_an_offices_totals_match_its_communities(world, client_for):
    context = client_for("street_admin").get("/").context
    in_street = Resident.objects.current().filter(community__street=world.tianqiao)
    assert context["registry"]["residents"] == in_street.count()
    assert context["registry"]["households"] == in_street.values("dwelling_id").distinct().count()
    assert sum(row["residents"] for row in context["community_table"]) == in_street.count()


def test_a_secretarys_totals_are_their_community(world, client_for):
    registry = client_for("secretary").get("/").context["registry"]
    assert registry["residents"] == Resident.objects.current().filter(community=world.xiangchang).count()


@pytest.mark.parametrize(
    "actor", ["secretary", "grid_worker", "gate_keeper", "health_worker", "volunteer", "street_admin"]
)
def test_the_home_page_offers_only_what_the_role_may_open(world, client_for, actor):
    client = client_for(actor)
    links = set(re.findall(r'<a [^>]*href="(/[^"]*)"', client.get("/").content.decode()))
    statuses = {href: client.get(href).status_code for href in links}
    assert len(statuses) > 3 and {href: status for href, status in statuses.items() if status >= 400} == {}


def test_an_office_sees_each_communitys_services_today_as_counts(world, client_for):
    from fangxian.errands.models import Errand
    from fangxian.errands.tests.conftest import make_errand
    from fangxian.stations import ordering
    from fangxian.stations.tests.conftest import make_round

    late = make_errand(world, "101")
    Errand.objects.filter(pk=late.pk).update(needed_by=late.needed_by - datetime.timedelta(days=1))
    make_errand(world, "102")
    row = make_round(world)
    ordering.place(row, world.dwelling(world.xiangchang, "1", 1, "201"), {row.packages.first().pk: 1}, "phone")
    response = client_for("street_admin").get("/")
    [xiangchang] = [r for r in response.context["services_table"] if r["community"] == world.xiangchang]
    assert (xiangchang["errands_open"], xiangchang["errands_overdue"], xiangchang["orders"]) == (2, 1, 1)
    assert "降压药" not in response.content.decode()  # what was asked stays with the community
    assert "services_table" not in client_for("secretary").get("/").context


def test_an_office_sees_this_months_complaint_rates_per_community(world, client_for):
    from fangxian.casework import handling
    from fangxian.casework.models import Category

    category = Category.objects.get(code="noise")
    late = handling.receive(
        street=world.tianqiao, category=category, what="楼下装修噪音", source="hotline", community=world.xiangchang
    )
    handling.receive(street=world.tianqiao, category=category, what="地址不明", source="hotline")
    type(late).objects.filter(pk=late.pk).update(respond_by=late.received_at, resolve_by=late.received_at)
    response = client_for("street_admin").get("/")
    rows = {row.name: row for row in response.context["case_rates"]["rows"]}
    assert rows[world.xiangchang.name].overdue == 1 and rows["由街道受理"].received == 1
    assert "楼下装修噪音" not in response.content.decode()  # counts only
    assert [row.name for row in client_for("secretary").get("/").context["case_rates"]["rows"]] == [
        world.xiangchang.name
    ]
    assert client_for("outsider").get("/").context.get("case_rates") is None
