"""The testing campaigns' part of the permission matrix: every page and API operation, every
actor. Targets belong to Xiangchang Road: a campaign of the whole community under way (a site
with slots, a home team), a booking of a resident of building 1 (grid G1, the grid worker's),
and a list campaign whose one resident is sampled (so it may be completed).

Sampling (the campaign, its coverage) is for those who sample here; the call list, bookings
and calls for those of them who also see the registry (not volunteers); running the campaign
(sites, slots, exemptions, completion) for the community's testing staff. Everyone else, the
other street's secretary first, gets 404."""

from __future__ import annotations

import datetime

from fangxian.accounts.tests.matrix import SEES_PLACE, Case, matrix_tests, statuses

SAMPLERS = {"secretary", "community_worker", "grid_worker", "health_worker", "volunteer"}
CALLERS = SAMPLERS - {"volunteer"}
RUNNERS = {"secretary", "community_worker", "health_worker"}


def targets_for(world) -> dict:
    from fangxian.testing import campaigns
    from fangxian.testing.models import Booking, Campaign, Slot

    from .campaign_fixtures import make_campaign, swab

    x = world.xiangchang
    campaign = make_campaign(world)
    resident = world.dwelling(x, "1", 1, "101").residents.get()
    other = world.dwelling(x, "1", 1, "102").residents.get()
    slot = Slot.objects.filter(site__campaign=campaign, site__home_team=False).order_by("starts_at").first()
    booking = campaigns.book(campaign, slot, [other], Booking.Via.STAFF)[0]
    done = campaigns.create(
        x,
        "市场暴露人员",
        campaign.starts_at,
        campaign.ends_at,
        1,
        target=Campaign.Target.LIST,
        residents=[resident.pk],
    )
    swab(done, resident)
    return {
        "community": x,
        "campaign": campaign,
        "site": slot.site,
        "slot": slot,
        "resident": resident,
        "booking": booking,
        "done": done,
    }


def slot_body(t, actor):
    start = t["campaign"].starts_at + datetime.timedelta(hours=5)
    return {
        "starts_at": start.isoformat(),
        "ends_at": (start + datetime.timedelta(hours=1)).isoformat(),
        "minutes": 30,
        "capacity": 20,
    }


def slot_form(t, actor):
    from django.utils import timezone

    start = timezone.localtime(t["campaign"].starts_at + datetime.timedelta(hours=5))
    return {
        "starts_at": f"{start:%Y-%m-%dT%H:%M}",
        "ends_at": f"{start + datetime.timedelta(hours=1):%Y-%m-%dT%H:%M}",
        "minutes": 30,
        "capacity": 20,
    }


def campaign_body(t, actor):
    return {
        "community_id": t["community"].id,
        "name": "第二轮",
        "starts_at": "2030-06-14T08:00:00+08:00",
        "ends_at": "2030-06-15T20:00:00+08:00",
        "pool_size": 10,
    }


# Outside the sampling scope a campaign and everything in it is not there (404).
SAMPLES = statuses(404, ok=(200, SAMPLERS))
CALLS = statuses(404, no=(403, SAMPLERS), ok=(200, CALLERS))


def runs(ok: int) -> dict:
    return statuses(404, no=(403, SAMPLERS), ok=(ok, RUNNERS))


def calls(ok: int) -> dict:
    return statuses(404, no=(403, SAMPLERS), ok=(ok, CALLERS))


PAGE_CASES = [
    Case("testing:campaigns", "get", lambda t: "/testing/", statuses(200)),
    # Liulichang's secretary makes campaigns for Liulichang, not for Xiangchang Road.
    Case("testing:create", "get", lambda t: "/testing/new/", statuses(403, ok=(200, RUNNERS | {"outsider"}))),
    Case(
        "testing:create (find)",
        "post",
        lambda t: "/testing/new/",
        statuses(403, ok=(200, RUNNERS)),
        body=lambda t, a: {"community": t["community"].id, "action": "find", "tag": "elderly_alone"},
        routes=("testing:create",),
    ),
    Case("testing:campaign", "get", lambda t: f"/testing/{t['campaign'].id}/", SAMPLES),
    Case(
        "testing:add_site",
        "post",
        lambda t: f"/testing/{t['campaign'].id}/sites/",
        runs(302),
        body=lambda t, a: {"name": "3号楼门口"},
    ),
    Case("testing:add_slots", "post", lambda t: f"/testing/sites/{t['site'].id}/slots/", runs(302), body=slot_form),
    Case("testing:coverage", "get", lambda t: f"/testing/{t['campaign'].id}/coverage/?by=entrance", SAMPLES),
    Case("testing:calls", "get", lambda t: f"/testing/{t['campaign'].id}/calls/", CALLS),
    Case(
        "testing:record_call",
        "post",
        lambda t: f"/testing/{t['campaign'].id}/calls/{t['resident'].id}/",
        calls(302),
        body=lambda t, a: {"outcome": "will_come"},
    ),
    Case("testing:residents", "get", lambda t: f"/testing/{t['campaign'].id}/residents/?q=101", CALLS),
    Case(
        "testing:book",
        "post",
        lambda t: f"/testing/{t['campaign'].id}/residents/{t['resident'].id}/book/",
        calls(302),
        body=lambda t, a: {"slot": t["slot"].id},
    ),
    Case(
        "testing:exempt",
        "post",
        lambda t: f"/testing/{t['campaign'].id}/residents/{t['resident'].id}/exempt/",
        runs(302),
        body=lambda t, a: {"reason": "infant"},
    ),
    Case("testing:cancel_booking", "post", lambda t: f"/testing/bookings/{t['booking'].id}/cancel/", calls(302)),
    Case("testing:complete", "post", lambda t: f"/testing/{t['done'].id}/complete/", runs(302)),
]
API_CASES = [
    Case("GET /testing/campaigns", "get", lambda t: "/api/v1/testing/campaigns", statuses(200), api=True),
    Case(
        "POST /testing/campaigns",
        "post",
        lambda t: "/api/v1/testing/campaigns",
        statuses(404, no=(403, SEES_PLACE), ok=(201, RUNNERS)),
        body=campaign_body,
        api=True,
    ),
    Case(
        "GET /testing/campaigns/{campaign_id}",
        "get",
        lambda t: f"/api/v1/testing/campaigns/{t['campaign'].id}",
        SAMPLES,
        api=True,
    ),
    Case(
        "GET /testing/campaigns/{campaign_id}/sites",
        "get",
        lambda t: f"/api/v1/testing/campaigns/{t['campaign'].id}/sites",
        SAMPLES,
        api=True,
    ),
    Case(
        "POST /testing/campaigns/{campaign_id}/sites",
        "post",
        lambda t: f"/api/v1/testing/campaigns/{t['campaign'].id}/sites",
        runs(201),
        body=lambda t, a: {"name": "3号楼门口"},
        api=True,
    ),
    Case(
        "POST /testing/sites/{site_id}/slots",
        "post",
        lambda t: f"/api/v1/testing/sites/{t['site'].id}/slots",
        runs(201),
        body=slot_body,
        api=True,
    ),
    Case(
        "GET /testing/campaigns/{campaign_id}/slots",
        "get",
        lambda t: f"/api/v1/testing/campaigns/{t['campaign'].id}/slots?bookable=true",
        SAMPLES,
        api=True,
    ),
    Case(
        "POST /testing/campaigns/{campaign_id}/bookings",
        "post",
        lambda t: f"/api/v1/testing/campaigns/{t['campaign'].id}/bookings",
        calls(201),
        body=lambda t, a: {"slot_id": t["slot"].id, "resident_ids": [t["resident"].id]},
        api=True,
    ),
    Case(
        "POST /testing/bookings/{booking_id}/cancel",
        "post",
        lambda t: f"/api/v1/testing/bookings/{t['booking'].id}/cancel",
        calls(200),
        api=True,
    ),
    Case(
        "GET /testing/campaigns/{campaign_id}/exemptions",
        "get",
        lambda t: f"/api/v1/testing/campaigns/{t['campaign'].id}/exemptions",
        SAMPLES,
        api=True,
    ),
    Case(
        "POST /testing/campaigns/{campaign_id}/exemptions",
        "post",
        lambda t: f"/api/v1/testing/campaigns/{t['campaign'].id}/exemptions",
        runs(201),
        body=lambda t, a: {"resident_id": t["resident"].id, "reason": "at_home"},
        api=True,
    ),
    Case(
        "GET /testing/campaigns/{campaign_id}/coverage",
        "get",
        lambda t: f"/api/v1/testing/campaigns/{t['campaign'].id}/coverage?by=grid",
        SAMPLES,
        api=True,
    ),
    Case(
        "GET /testing/campaigns/{campaign_id}/call-list",
        "get",
        lambda t: f"/api/v1/testing/campaigns/{t['campaign'].id}/call-list",
        CALLS,
        api=True,
    ),
    Case(
        "GET /testing/campaigns/{campaign_id}/call-progress",
        "get",
        lambda t: f"/api/v1/testing/campaigns/{t['campaign'].id}/call-progress",
        CALLS,
        api=True,
    ),
    Case(
        "POST /testing/campaigns/{campaign_id}/calls",
        "post",
        lambda t: f"/api/v1/testing/campaigns/{t['campaign'].id}/calls",
        calls(201),
        body=lambda t, a: {"resident_id": t["resident"].id, "outcome": "no_answer"},
        api=True,
    ),
    Case(
        "POST /testing/campaigns/{campaign_id}/complete",
        "post",
        lambda t: f"/api/v1/testing/campaigns/{t['done'].id}/complete",
        runs(200),
        api=True,
    ),
]
CASES = PAGE_CASES + API_CASES

# The household's booking pages are opened by its link, without an account (test_booking.py).
PUBLIC_ROUTES = {"testing:household", "testing:household_book", "testing:household_cancel"}

test_permission_matrix, test_anonymous_is_sent_to_log_in = matrix_tests(CASES, targets_for)
