"""The campaign rules: whom a campaign covers, its window and pool size, sites and slots,
exemptions and completion."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from fangxian.kits.tests.conftest import tag
from fangxian.people.models import Tag
from fangxian.testing import campaigns, coverage
from fangxian.testing.models import Campaign, Exemption

from .campaign_fixtures import make_campaign, swab

pytestmark = pytest.mark.django_db


def window():
    now = timezone.now()
    return {"starts_at": now, "ends_at": now + datetime.timedelta(days=1)}


def test_a_community_campaign_covers_its_current_residents_only(world):
    x = world.xiangchang
    gone = world.dwelling(x, "1", 1, "101").residents.get()
    gone.moved_out_on = datetime.date(2020, 2, 1)
    gone.save()
    hidden = world.dwelling(x, "1", 1, "102").residents.get()
    hidden.anonymised = True
    hidden.save()
    campaign = campaigns.create(x, "全员", pool_size=10, **window())
    assert campaigns.targets(campaign).count() == 22
    assert not campaigns.targets(campaign).filter(pk__in=[gone.pk, hidden.pk]).exists()


def test_a_buildings_campaign_covers_those_buildings(world):
    x = world.xiangchang
    campaign = campaigns.create(
        x, "2号楼", pool_size=5, target=Campaign.Target.BUILDINGS, buildings=[world.building(x, "2")], **window()
    )
    assert set(campaigns.targets(campaign).values_list("dwelling__building__number", flat=True)) == {"2"}
    assert campaigns.targets(campaign).count() == 12


def test_a_list_campaign_is_picked_by_tag(world):
    x = world.xiangchang
    exposed = [tag(world.dwelling(x, "1", 1, room).residents.get(), Tag.CHRONIC) for room in ("101", "202")]
    picked = campaigns.pick(x, Tag.CHRONIC)
    campaign = campaigns.create(
        x,
        "新发地暴露人员",
        pool_size=1,
        target=Campaign.Target.LIST,
        residents=picked.values_list("pk", flat=True),
        **window(),
    )
    assert set(campaigns.targets(campaign)) == set(exposed)


def test_a_list_may_not_name_another_communitys_resident(world):
    stranger = world.resident(world.liulichang)
    with pytest.raises(ValidationError) as refused:
        campaigns.create(
            world.xiangchang, "名单", pool_size=1, target=Campaign.Target.LIST, residents=[stranger.pk], **window()
        )
    assert "residents" in refused.value.message_dict


def test_every_problem_is_told_at_once(world):
    now = timezone.now()
    with pytest.raises(ValidationError) as refused:
        campaigns.create(
            world.xiangchang, " ", now, now - datetime.timedelta(hours=1), 7, target=Campaign.Target.BUILDINGS
        )
    assert set(refused.value.message_dict) == {"name", "ends_at", "pool_size", "buildings"}


def test_buildings_of_another_community_are_refused(world):
    with pytest.raises(ValidationError) as refused:
        campaigns.create(
            world.xiangchang,
            "楼",
            pool_size=10,
            target=Campaign.Target.BUILDINGS,
            buildings=[world.building(world.liulichang)],
            **window(),
        )
    assert "buildings" in refused.value.message_dict


def test_slots_are_cut_from_a_span_inside_the_window(world):
    campaign = make_campaign(world)
    site = campaigns.add_site(campaign, "广场")
    start = campaign.starts_at + datetime.timedelta(hours=2)
    slots = campaigns.add_slots(site, start, start + datetime.timedelta(minutes=70), 30, 40)
    assert [(s.ends_at - s.starts_at).seconds // 60 for s in slots] == [30, 30, 10]
    with pytest.raises(ValidationError) as refused:
        campaigns.add_slots(
            site, campaign.ends_at - datetime.timedelta(hours=1), campaign.ends_at + datetime.timedelta(hours=1), 30, 40
        )
    assert "starts_at" in refused.value.message_dict


def test_the_same_slots_sent_twice_are_refused_and_the_span_beside_them_taken(world):
    campaign = make_campaign(world)
    site = campaigns.add_site(campaign, "广场")
    start = campaign.starts_at + datetime.timedelta(hours=2)
    campaigns.add_slots(site, start, start + datetime.timedelta(hours=1), 30, 2)
    with pytest.raises(ValidationError) as refused:
        campaigns.add_slots(site, start + datetime.timedelta(minutes=30), start + datetime.timedelta(hours=2), 30, 2)
    assert "已有时段" in refused.value.message_dict["starts_at"][0]
    later = campaigns.add_slots(site, start + datetime.timedelta(hours=1), start + datetime.timedelta(hours=2), 30, 2)
    assert len(later) == 2 and site.slots.count() == 4


def test_an_exemption_for_another_reason_gives_the_booking_back(world):
    campaign = make_campaign(world)
    resident = campaigns.targets(campaign).first()
    slot = campaigns.bookable_slots(campaign).first()
    campaigns.book(campaign, slot, [resident], "staff")
    campaigns.exempt(campaign, resident, Exemption.Reason.AWAY)
    slot.refresh_from_db()
    assert slot.booked == 0 and campaigns.live_booking(campaign, resident) is None


def test_other_needs_a_note(world):
    campaign = make_campaign(world)
    with pytest.raises(ValidationError):
        campaigns.exempt(campaign, campaigns.targets(campaign).first(), Exemption.Reason.OTHER, " ")


def test_a_campaign_is_complete_only_when_no_one_is_due(world):
    campaign = make_campaign(world, target=Campaign.Target.BUILDINGS, buildings=[world.building(world.xiangchang, "2")])
    people = list(campaigns.targets(campaign))
    for r in people[:10]:
        swab(campaign, r)
    campaigns.exempt(campaign, people[10], Exemption.Reason.INFANT)
    campaigns.exempt(campaign, people[11], Exemption.Reason.AT_HOME)  # still due: sampled at home
    with pytest.raises(ValidationError) as refused:
        coverage.complete(campaign)
    told = refused.value.messages[0]
    assert "1" in told and "11" not in told and "12" not in told
    swab(campaign, people[11])
    done = coverage.complete(campaign)
    assert done.status == Campaign.Status.COMPLETE and done.completed_at
    with pytest.raises(ValidationError):
        campaigns.add_site(done, "再加一个")
