"""Booking: no slot overbooked, even by racing households; one booking per resident per
campaign; cancelling gives the place back; the household books through its own link."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client

from fangxian.people import links
from fangxian.people.models import HouseholdLink
from fangxian.testing import campaigns
from fangxian.testing.models import Booking, Exemption, Slot

from .campaign_fixtures import make_campaign

pytestmark = pytest.mark.django_db


def first_slot(campaign) -> Slot:
    return campaigns.bookable_slots(campaign).first()


def test_a_slot_takes_no_more_than_its_capacity(world):
    campaign = make_campaign(world)
    slot = first_slot(campaign)  # 3 places
    people = list(campaigns.targets(campaign)[:4])
    campaigns.book(campaign, slot, people[:2], Booking.Via.STAFF)
    with pytest.raises(ValidationError) as refused:
        campaigns.book(campaign, slot, people[2:4], Booking.Via.STAFF)
    assert "slot" in refused.value.message_dict
    slot.refresh_from_db()
    assert slot.booked == 2 and Booking.objects.filter(slot=slot).count() == 2  # all or none
    campaigns.book(campaign, slot, people[2:3], Booking.Via.STAFF)
    slot.refresh_from_db()
    assert slot.booked == slot.capacity == 3


def test_one_booking_per_resident_per_campaign(world):
    campaign = make_campaign(world)
    slots = list(campaigns.bookable_slots(campaign))
    resident = campaigns.targets(campaign).first()
    campaigns.book(campaign, slots[0], [resident], Booking.Via.STAFF)
    with pytest.raises(ValidationError) as refused:
        campaigns.book(campaign, slots[1], [resident], Booking.Via.STAFF)
    assert resident.name in refused.value.message_dict["residents"][0]
    slots[1].refresh_from_db()
    assert slots[1].booked == 0  # the seat taken before the refusal went back with the rollback


def test_cancelling_frees_the_place_once(world):
    campaign = make_campaign(world)
    slot = first_slot(campaign)
    booking = campaigns.book(campaign, slot, [campaigns.targets(campaign).first()], Booking.Via.STAFF)[0]
    campaigns.cancel(booking)
    campaigns.cancel(booking)
    slot.refresh_from_db()
    assert slot.booked == 0 and booking.cancelled_at is not None
    campaigns.book(campaign, slot, [booking.resident], Booking.Via.STAFF)  # may book again


def test_a_household_link_cannot_book_the_home_team(world):
    campaign = make_campaign(world)
    home = Slot.objects.get(site__campaign=campaign, site__home_team=True)
    with pytest.raises(ValidationError):
        campaigns.book(campaign, home, [campaigns.targets(campaign).first()], Booking.Via.LINK)
    assert campaigns.book(campaign, home, [campaigns.targets(campaign).first()], Booking.Via.STAFF)


def test_a_resident_not_covered_cannot_be_booked(world):
    campaign = make_campaign(world)
    with pytest.raises(ValidationError):
        campaigns.book(campaign, first_slot(campaign), [world.resident(world.liulichang)], Booking.Via.STAFF)


@pytest.mark.django_db(transaction=True)
def test_racing_bookings_never_overbook(world):
    """Six bookings for three places at once, each in its own connection: three win."""
    campaign = make_campaign(world)
    slot = first_slot(campaign)
    people = list(campaigns.targets(campaign)[:6])
    won, refused = [], []
    barrier = threading.Barrier(len(people))

    def attempt(resident):
        try:
            barrier.wait()
            campaigns.book(campaign, slot, [resident], Booking.Via.LINK)
            won.append(resident.pk)
        except ValidationError:
            refused.append(resident.pk)
        except Exception as exc:  # SQLite's one writer: a lock timeout is a refusal too
            refused.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(r,)) for r in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    slot.refresh_from_db()
    assert slot.booked == len(won) == Booking.objects.filter(slot=slot, cancelled_at=None).count()
    assert len(won) <= 3 and len(won) + len(refused) == 6


def household(world, building="1", entrance=1, room="101") -> tuple[HouseholdLink, Client]:
    dwelling = world.dwelling(world.xiangchang, building, entrance, room)
    link = HouseholdLink.objects.create(dwelling=dwelling)
    return link, Client()


def test_the_household_books_through_its_link(world):
    campaign = make_campaign(world)
    link, client = household(world)
    page = client.get(f"/h/{link.token}/")
    assert f"/testing/h/{link.token}/" in page.content.decode()  # offered on the household's page
    booking_page = client.get(f"/testing/h/{link.token}/")
    assert booking_page.status_code == 200 and booking_page["Cache-Control"] == "private, no-store"
    member = link.dwelling.residents.get()
    slot = first_slot(campaign)
    answer = client.post(
        f"/testing/h/{link.token}/book/", {"campaign": campaign.pk, "slot": slot.pk, "residents": [member.pk]}
    )
    assert answer.status_code == 302
    booking = Booking.objects.get(resident=member)
    assert booking.via == Booking.Via.LINK and booking.slot == slot
    again = client.post(
        f"/testing/h/{link.token}/book/", {"campaign": campaign.pk, "slot": slot.pk, "residents": [member.pk]}
    )
    assert again.status_code == 422 and Booking.objects.filter(resident=member).count() == 1
    client.post(f"/testing/h/{link.token}/bookings/{booking.pk}/cancel/")
    booking.refresh_from_db()
    assert booking.cancelled_at is not None


def test_a_household_books_only_its_own_members_and_cancels_only_its_own_bookings(world):
    campaign = make_campaign(world)
    link, client = household(world)
    neighbour = world.dwelling(world.xiangchang, "1", 1, "102").residents.get()
    slot = first_slot(campaign)
    answer = client.post(
        f"/testing/h/{link.token}/book/", {"campaign": campaign.pk, "slot": slot.pk, "residents": [neighbour.pk]}
    )
    assert answer.status_code == 422 and not Booking.objects.exists()
    theirs = campaigns.book(campaign, slot, [neighbour], Booking.Via.STAFF)[0]
    assert client.post(f"/testing/h/{link.token}/bookings/{theirs.pk}/cancel/").status_code == 404
    other = make_campaign(world, name="另一个")  # same community: fine; another community's: 404
    assert client.post(f"/testing/h/{link.token}/book/", {"campaign": 999999, "slot": slot.pk}).status_code == 404
    assert other


def test_a_revoked_link_books_nothing(world):
    campaign = make_campaign(world)
    link, client = household(world)
    links.end_live(link.dwelling, None)
    assert client.get(f"/testing/h/{link.token}/").status_code == 404
    member = link.dwelling.residents.get()
    answer = client.post(
        f"/testing/h/{link.token}/book/",
        {"campaign": campaign.pk, "slot": first_slot(campaign).pk, "residents": [member.pk]},
    )
    assert answer.status_code == 404


def test_the_bedridden_are_told_the_home_team_comes(world):
    campaign = make_campaign(world)
    link, client = household(world)
    campaigns.exempt(campaign, link.dwelling.residents.get(), Exemption.Reason.AT_HOME)
    page = client.get(f"/testing/h/{link.token}/").content.decode()
    assert 'name="residents"' not in page  # no one left to book
