"""The table's page and its API: a batch answered in order, a tube's state, closing a tube."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fangxian.people.models import Resident
from fangxian.testing.models import Sample, Tube

from .table_fixtures import item, make_campaign

pytestmark = pytest.mark.django_db


def people(community, n):
    return list(Resident.objects.filter(community=community).order_by("id")[:n])


def test_the_page_lists_the_open_campaigns_with_their_sites(world, client_for):
    campaign = make_campaign(world)
    make_campaign(world, community=world.liulichang, name="别人的")
    page = client_for("volunteer").get("/testing/table/")
    assert page.status_code == 200
    body = page.content.decode()
    shown = lambda text: json.dumps(text)[1:-1] in body  # noqa: E731 (the page's JSON escapes Chinese)
    assert shown(campaign.name) and shown("广场采样点") and not shown("别人的")
    assert "采样登记台" in body
    assert client_for("gate_keeper").get("/testing/table/").status_code == 403
    assert client_for("volunteer").get("/testing/table/sw.js").status_code == 200


def test_a_batch_is_answered_in_order_each_accepted_or_refused_with_its_reason(world, api_for):
    campaign = make_campaign(world, pool_size=5)
    p = people(world.xiangchang, 3)
    first = item(campaign, "A0001", p[0].id_number)
    batch = [first, item(campaign, "A0001", p[1].id_number), item(campaign, "A0001", "123"), {"nonsense": 1}, 7, first]
    answer = api_for("volunteer").post("/api/v1/testing/samples", {"samples": batch}, content_type="application/json")
    assert answer.status_code == 200
    results = answer.json()["results"]
    assert [r["accepted"] for r in results] == [True, True, False, False, False, True]
    assert results[2]["reason"] == "身份证号无效：请逐位核对。"
    assert results[3]["reason"] and results[4]["client_id"] is None
    assert results[5]["replay"] and results[5]["sample_id"] == results[0]["sample_id"]
    assert results[1]["tube"] == {"barcode": "A0001", "size": 2, "capacity": 5, "status": "open", "retest": False}
    assert Sample.objects.count() == 2


def test_another_communitys_campaign_is_not_found_item_by_item(world, api_for):
    campaign = make_campaign(world)
    body = {"samples": [item(campaign, "A0002", people(world.xiangchang, 1)[0].id_number)]}
    [result] = (
        api_for("outsider").post("/api/v1/testing/samples", body, content_type="application/json").json()["results"]
    )
    assert not result["accepted"] and Sample.objects.count() == 0


def test_too_many_in_one_batch_is_refused_whole(world, api_for):
    answer = api_for("volunteer").post(
        "/api/v1/testing/samples", {"samples": [{}] * 501}, content_type="application/json"
    )
    assert answer.status_code == 422


def test_a_tube_is_read_and_closed_by_hand_and_only_by_its_community(world, api_for):
    campaign = make_campaign(world, pool_size=10)
    p = people(world.xiangchang, 2)
    client = api_for("volunteer")
    client.post(
        "/api/v1/testing/samples",
        {"samples": [item(campaign, "K0001", x.id_number) for x in p]},
        content_type="application/json",
    )
    url = f"/api/v1/testing/campaigns/{campaign.pk}/tubes/K0001"
    state = client.get(url).json()
    assert (state["size"], state["status"]) == (2, "open")
    assert len(state["members"]) == 2 and p[0].name not in state["members"]
    assert api_for("outsider").get(url).status_code == 404
    assert api_for("outsider").post(url + "/close", {}, content_type="application/json").status_code == 404
    assert client.get(f"/api/v1/testing/campaigns/{campaign.pk}/tubes/NOPE").status_code == 404
    closed = client.post(url + "/close", {}, content_type="application/json")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert client.post(url + "/close", {}, content_type="application/json").status_code == 409
    assert Tube.objects.get(barcode="K0001").closed_at


def test_a_registration_costs_a_handful_of_queries(world, api_for):
    campaign = make_campaign(world, pool_size=20)
    p = people(world.xiangchang, 21)
    client = api_for("volunteer")
    client.post(
        "/api/v1/testing/samples",
        {"samples": [item(campaign, "Q0001", p[0].id_number)]},
        content_type="application/json",
    )
    batch = {"samples": [item(campaign, "Q0001", x.id_number) for x in p[1:19]]}
    with CaptureQueriesContext(connection) as queries:
        results = client.post("/api/v1/testing/samples", batch, content_type="application/json").json()["results"]
    assert all(r["accepted"] for r in results)
    assert len(queries) <= 8 + 9 * 18  # auth and the campaign once; each registration at most 9 statements
