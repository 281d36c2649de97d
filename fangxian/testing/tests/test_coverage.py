"""Full coverage: due = targets − sampled − exempted (the bedridden stay due until the home
team's swab), counted by building, entrance and grid; the grid worker's call list of their
grid only; the API's refusals."""

from __future__ import annotations

import json

import pytest

from fangxian.people.models import Resident
from fangxian.testing import campaigns, coverage
from fangxian.testing.models import Booking, Call, Campaign, Exemption

from .campaign_fixtures import make_campaign, swab

pytestmark = pytest.mark.django_db


def test_counts_by_building_entrance_and_grid(world):
    campaign = make_campaign(world)
    x = world.xiangchang
    sampled = world.dwelling(x, "1", 1, "101").residents.get()
    swab(campaign, sampled)
    swab(campaign, sampled, retest=True)  # a retest does not count twice
    campaigns.exempt(campaign, world.dwelling(x, "1", 2, "101").residents.get(), Exemption.Reason.INFANT)
    campaigns.exempt(campaign, world.dwelling(x, "2", 1, "101").residents.get(), Exemption.Reason.AT_HOME)
    totals = coverage.totals(campaign)
    assert totals == {"targets": 24, "sampled": 1, "exempted": 1, "due": 22, "at_home": 1}
    buildings = {r["dwelling__building__number"]: r for r in coverage.by(campaign, "building")}
    assert (buildings["1"]["sampled"], buildings["1"]["exempted"], buildings["1"]["due"]) == (1, 1, 10)
    assert (buildings["2"]["due"], buildings["2"]["at_home"]) == (12, 1)
    entrances = [
        (r["dwelling__building__number"], r["dwelling__entrance"], r["due"]) for r in coverage.by(campaign, "entrance")
    ]
    assert entrances == [("1", 1, 5), ("1", 2, 5), ("2", 1, 6), ("2", 2, 6)]
    grids = {r["dwelling__building__grid__code"]: r["due"] for r in coverage.by(campaign, "grid")}
    assert grids == {"G1": 10, "G2": 12}


def test_sampled_wins_over_an_exemption(world):
    campaign = make_campaign(world)
    resident = campaigns.targets(campaign).first()
    campaigns.exempt(campaign, resident, Exemption.Reason.AWAY)
    swab(campaign, resident)
    assert coverage.totals(campaign)["sampled"] == 1 and coverage.totals(campaign)["exempted"] == 0


def test_the_call_list_is_the_grid_workers_grid_and_records_outcomes(world):
    campaign = make_campaign(world)
    from fangxian.accounts.scoping import Can, visible

    grid_worker = world.users["grid_worker"]
    mine = visible(grid_worker, Can.SAMPLE, campaigns.targets(campaign))
    rows = list(coverage.call_list(campaign, mine))
    assert len(rows) == 12 and {r["dwelling__building__number"] for r in rows} == {"1"}
    first, second, third = (Resident.objects.get(pk=r["id"]) for r in rows[:3])
    slot = campaigns.bookable_slots(campaign).first()
    coverage.record_call(campaign, first, Call.Outcome.NO_ANSWER, grid_worker)
    coverage.record_call(campaign, first, Call.Outcome.WILL_COME, grid_worker)
    coverage.record_call(campaign, second, Call.Outcome.BOOKED, grid_worker, slot)
    coverage.record_call(campaign, third, Call.Outcome.AWAY, grid_worker)
    assert Booking.objects.get(resident=second).via == Booking.Via.STAFF
    assert Exemption.objects.get(resident=third).reason == Exemption.Reason.AWAY
    progress = coverage.call_progress(campaign, mine)
    assert progress == {
        "due": 11,
        "not_called": 9,
        "will_come": 1,
        "booked": 1,
        "away": 0,
        "no_answer": 0,
        "called": 2,
        "exempted_by_call": 1,
    }
    listed = {r["id"]: r for r in coverage.with_calls(campaign, list(coverage.call_list(campaign, mine)))}
    assert listed[first.pk]["last_outcome"] == Call.Outcome.WILL_COME
    assert listed[second.pk]["booked_for"] == slot.starts_at


def test_a_refused_booking_records_no_call(world):
    campaign = make_campaign(world)
    resident = campaigns.targets(campaign).first()
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        coverage.record_call(campaign, resident, Call.Outcome.BOOKED, None, None)
    assert not Call.objects.exists()


def post(client, path, body):
    return client.post(path, data=json.dumps(body), content_type="application/json")


def test_the_api_makes_a_campaign_books_and_refuses_completion(world, api_for):
    api = api_for("secretary")
    x = world.xiangchang
    start, end = "2030-06-14T08:00:00+08:00", "2030-06-15T20:00:00+08:00"
    made = post(
        api,
        "/api/v1/testing/campaigns",
        {
            "community_id": x.pk,
            "name": "2号楼",
            "starts_at": start,
            "ends_at": end,
            "pool_size": 10,
            "target": "buildings",
            "building_ids": [world.building(x, "2").pk],
        },
    )
    assert made.status_code == 201, made.content
    campaign = made.json()
    assert campaign["progress"]["targets"] == 12 and campaign["progress"]["due"] == 12
    site = post(api, f"/api/v1/testing/campaigns/{campaign['id']}/sites", {"name": "广场"}).json()
    slots = post(
        api,
        f"/api/v1/testing/sites/{site['id']}/slots",
        {"starts_at": start, "ends_at": "2030-06-14T09:00:00+08:00", "minutes": 30, "capacity": 1},
    )
    assert slots.status_code == 201 and len(slots.json()) == 2
    slot = slots.json()[0]
    residents = list(campaigns.targets(Campaign.objects.get(pk=campaign["id"])).values_list("pk", flat=True))
    booked = post(
        api,
        f"/api/v1/testing/campaigns/{campaign['id']}/bookings",
        {"slot_id": slot["id"], "resident_ids": residents[:1]},
    )
    assert booked.status_code == 201
    full = post(
        api,
        f"/api/v1/testing/campaigns/{campaign['id']}/bookings",
        {"slot_id": slot["id"], "resident_ids": residents[1:2]},
    )
    assert full.status_code == 422 and "slot" in full.json()["detail"]
    refused = post(api, f"/api/v1/testing/campaigns/{campaign['id']}/complete", {})
    assert refused.status_code == 422 and "12" in json.dumps(refused.json(), ensure_ascii=False)
    by_grid = api.get(f"/api/v1/testing/campaigns/{campaign['id']}/coverage?by=grid").json()
    assert by_grid["rows"][0]["due"] == 12
    assert api.get(f"/api/v1/testing/campaigns/{campaign['id']}/coverage?by=floor").status_code == 422


@pytest.mark.parametrize(
    "body",
    [
        {"name": "x", "starts_at": "2030-06-14T08:00:00+08:00", "ends_at": "2030-06-13T08:00:00+08:00"},
        {"name": "x", "starts_at": "2030-06-14T08:00:00+08:00", "ends_at": "2030-06-15T08:00:00+08:00", "pool_size": 3},
        {
            "name": "x",
            "starts_at": "2030-06-14T08:00:00+08:00",
            "ends_at": "2030-06-15T08:00:00+08:00",
            "target": "list",
        },
        {"name": "x", "starts_at": "nonsense", "ends_at": "2030-06-15T08:00:00+08:00"},
        {
            "name": "x",
            "starts_at": "2030-06-14T08:00:00+08:00",
            "ends_at": "2030-06-15T08:00:00+08:00",
            "pool_size": True,
        },
        {
            "name": "x",
            "starts_at": "2030-06-14T08:00:00+08:00",
            "ends_at": "2030-06-15T08:00:00+08:00",
            "resident_ids": [0],
        },
    ],
)
def test_bad_campaigns_are_refused_with_422(world, api_for, body):
    answer = post(api_for("secretary"), "/api/v1/testing/campaigns", {"community_id": world.xiangchang.pk, **body})
    assert answer.status_code == 422, answer.content


def test_the_api_refuses_what_is_not_the_callers(world, api_for):
    campaign = make_campaign(world)
    stranger = world.resident(world.liulichang)
    api = api_for("secretary")
    slot = campaigns.bookable_slots(campaign).first()
    assert (
        post(
            api,
            f"/api/v1/testing/campaigns/{campaign.pk}/bookings",
            {"slot_id": slot.pk, "resident_ids": [stranger.pk]},
        ).status_code
        == 404
    )
    assert (
        post(
            api,
            f"/api/v1/testing/campaigns/{campaign.pk}/bookings",
            {"slot_id": 10**12, "resident_ids": [campaigns.targets(campaign).first().pk]},
        ).status_code
        == 422
    )
    assert (
        post(
            api, f"/api/v1/testing/campaigns/{campaign.pk}/calls", {"resident_id": stranger.pk, "outcome": "away"}
        ).status_code
        == 404
    )
    volunteer = api_for("volunteer")
    assert volunteer.get(f"/api/v1/testing/campaigns/{campaign.pk}/call-list").status_code == 403
    assert (
        post(
            api_for("health_worker"),
            f"/api/v1/testing/campaigns/{campaign.pk}/calls",
            {"resident_id": campaigns.targets(campaign).first().pk, "outcome": "maybe"},
        ).status_code
        == 422
    )
