"""The rules of testing campaigns, in one place for the pages and the API: making a campaign
(whom it covers, its window, its pool size), its sampling sites and their slots, bookings
(no slot overbooked, one booking per resident per campaign), exemptions and completion.

Who must be tested (the targets) is computed from the registry each time it is asked, never
copied: a resident who moves out drops from the campaign, one who moves in joins it."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from fangxian.kits.distributing import buildings_of
from fangxian.people.models import Resident, Tag
from fangxian.places.models import Building, Community

from .models import POOL_SIZES, Booking, Campaign, Exemption, Site, Slot

MAX_LISTED = 20_000  # a list campaign of more is a building or community campaign
MAX_SLOTS = 200  # slots made at once on one site
LONGEST_WINDOW = datetime.timedelta(days=31)


def targets(campaign: Campaign) -> QuerySet:
    """The residents who must be tested: living in the community now (not moved out, not
    anonymised), in the campaign's buildings or on its list when it names them."""
    residents = Resident.objects.current().filter(community_id=campaign.community_id, anonymised=False)
    if campaign.target == Campaign.Target.BUILDINGS:
        residents = residents.filter(dwelling__building__in=campaign.buildings.all())
    elif campaign.target == Campaign.Target.LIST:
        residents = residents.filter(
            pk__in=campaign.listed.through.objects.filter(campaign=campaign).values("resident")
        )
    return residents


def is_target(campaign: Campaign, resident: Resident) -> bool:
    return targets(campaign).filter(pk=resident.pk).exists()


def pick(community: Community, tag: str = "", building_ids: Iterable[int] = ()) -> QuerySet:
    """Residents of the community to put on a list: those with a tag, in some buildings, or
    all (the search box narrows it further in the views)."""
    residents = Resident.objects.current().filter(community=community, anonymised=False)
    if tag:
        if tag not in Tag.values:
            raise ValidationError({"tag": [_("Not one of the allowed values.")]})
        residents = residents.filter(Resident.tagged(tag))
    building_ids = list(building_ids)
    if building_ids:
        residents = residents.filter(dwelling__building__in=buildings_of(community, building_ids))
    return residents


def clean_window(starts_at: datetime.datetime | None, ends_at: datetime.datetime | None) -> dict[str, list[str]]:
    if starts_at is None or ends_at is None:
        return {"ends_at": [_("Give the campaign's first and last moment.")]}
    if ends_at <= starts_at:
        return {"ends_at": [_("The campaign must end after it starts.")]}
    if ends_at - starts_at > LONGEST_WINDOW:
        return {"ends_at": [_("A campaign lasts at most 31 days.")]}
    return {}


@transaction.atomic
def create(
    community: Community,
    name: str,
    starts_at: datetime.datetime | None,
    ends_at: datetime.datetime | None,
    pool_size: int,
    households_together: bool = False,
    target: str = Campaign.Target.COMMUNITY,
    buildings: Iterable[Building] = (),
    residents: Iterable[int] = (),
    by=None,
) -> Campaign:
    """A campaign with its window and pool size, for the whole community, some of its
    buildings or a list of its residents (ids); every problem is told at once."""
    errors: dict[str, list[str]] = {}
    buildings, resident_ids = list(buildings), list(dict.fromkeys(residents))
    if not name.strip():
        errors["name"] = [_("Give the campaign a name, like “Building 3, second round”.")]
    errors.update(clean_window(starts_at, ends_at))
    if pool_size not in POOL_SIZES:
        errors["pool_size"] = [_("A tube pools 1, 5, 10 or 20 swabs.")]
    if target not in Campaign.Target.values:
        errors["target"] = [_("Not one of the allowed values.")]
    elif target == Campaign.Target.BUILDINGS:
        if not buildings:
            errors["buildings"] = [_("Choose the buildings whose residents must be tested.")]
        elif any(b.community_id != community.pk for b in buildings):
            errors["buildings"] = [_("Every building must be in this community.")]
    elif target == Campaign.Target.LIST:
        if not resident_ids:
            errors["residents"] = [_("Choose the residents on the list.")]
        elif len(resident_ids) > MAX_LISTED:
            errors["residents"] = [_("A list holds at most %(n)s residents.") % {"n": MAX_LISTED}]
        else:
            found = Resident.objects.current().filter(community=community, anonymised=False, pk__in=resident_ids)
            if found.count() != len(resident_ids):
                errors["residents"] = [_("Every resident on the list must live in this community.")]
    if errors:
        raise ValidationError(errors)
    campaign = Campaign.objects.create(
        community=community,
        name=name.strip()[:100],
        starts_at=starts_at,
        ends_at=ends_at,
        pool_size=pool_size,
        households_together=households_together,
        target=target,
        created_by=by,
    )
    if target == Campaign.Target.BUILDINGS:
        campaign.buildings.set(buildings)
    elif target == Campaign.Target.LIST:
        Through = Campaign.listed.through
        Through.objects.bulk_create([Through(campaign=campaign, resident_id=r) for r in resident_ids], batch_size=2000)
    return campaign


def refuse_if_complete(campaign: Campaign) -> None:
    if campaign.status == Campaign.Status.COMPLETE:
        raise ValidationError(_("This campaign is complete: nothing more is booked or exempted in it."))


def add_site(campaign: Campaign, name: str, address: str = "", home_team: bool = False) -> Site:
    refuse_if_complete(campaign)
    if not name.strip():
        raise ValidationError({"name": [_("Give the site a name, like “Square in front of building 2”.")]})
    return Site.objects.create(
        campaign=campaign, name=name.strip()[:100], address=address.strip()[:200], home_team=home_team
    )


def add_slots(
    site: Site, starts_at: datetime.datetime, ends_at: datetime.datetime, minutes: int, capacity: int
) -> list[Slot]:
    """The span cut into slots of `minutes` (the last may be shorter), each taking `capacity`
    people; all inside the campaign's window."""
    campaign = site.campaign
    refuse_if_complete(campaign)
    errors: dict[str, list[str]] = {}
    if ends_at <= starts_at:
        errors["ends_at"] = [_("The slots must end after they start.")]
    elif starts_at < campaign.starts_at or ends_at > campaign.ends_at:
        start, end = timezone.localtime(campaign.starts_at), timezone.localtime(campaign.ends_at)
        window = f"{start:%m-%d %H:%M} – {end:%m-%d %H:%M}"
        errors["starts_at"] = [_("Slots must lie inside the campaign's window (%(window)s).") % {"window": window}]
    if not 5 <= minutes <= 24 * 60:
        errors["minutes"] = [_("A slot lasts from 5 minutes to a day.")]
    if not 1 <= capacity <= 10_000:
        errors["capacity"] = [_("A slot takes from 1 to 10,000 people.")]
    if errors:
        raise ValidationError(errors)
    step = datetime.timedelta(minutes=minutes)
    spans, at = [], starts_at
    while at < ends_at:
        spans.append((at, min(at + step, ends_at)))
        at += step
    if len(spans) > MAX_SLOTS:
        raise ValidationError({"minutes": [_("At most %(n)s slots at once: make them longer.") % {"n": MAX_SLOTS}]})
    # The same form sent twice must not offer every time twice to the households.
    if site.slots.filter(starts_at__lt=ends_at, ends_at__gt=starts_at).exists():
        raise ValidationError(
            {"starts_at": [_("This site already has slots in this span: add the times around them.")]}
        )
    return Slot.objects.bulk_create([Slot(site=site, starts_at=a, ends_at=b, capacity=capacity) for a, b in spans])


def bookable_slots(campaign: Campaign, home_team: bool | None = False) -> QuerySet:
    """Slots still to come with room left; the home team's only for staff (None: every site)."""
    slots = Slot.objects.filter(site__campaign=campaign, ends_at__gt=timezone.now(), booked__lt=F("capacity"))
    if home_team is not None:
        slots = slots.filter(site__home_team=home_team)
    return slots.select_related("site").order_by("starts_at", "site__name")


def live_booking(campaign: Campaign, resident: Resident) -> Booking | None:
    return (
        Booking.objects.filter(campaign=campaign, resident=resident, cancelled_at=None)
        .select_related("slot__site")
        .first()
    )


def book(campaign: Campaign, slot: Slot, residents: Iterable[Resident], via: str, by=None) -> list[Booking]:
    """A slot for each resident, all or none: the slot's seats are taken by one conditional
    UPDATE, so two households racing for its last seat cannot both win it."""
    residents = list(residents)
    refuse_if_complete(campaign)
    if not residents:
        raise ValidationError({"residents": [_("Choose who is coming.")]})
    if slot.site.campaign_id != campaign.pk:
        raise ValidationError({"slot": [_("This slot belongs to another campaign.")]})
    if slot.ends_at <= timezone.now():
        raise ValidationError({"slot": [_("This slot is over: choose a later one.")]})
    if via == Booking.Via.LINK and slot.site.home_team:
        raise ValidationError({"slot": [_("The home team is booked by the community.")]})
    covered = set(targets(campaign).filter(pk__in=[r.pk for r in residents]).values_list("pk", flat=True))
    outside = [r for r in residents if r.pk not in covered]
    if outside:
        raise ValidationError(
            {"residents": [_("%(name)s is not to be tested in this campaign.") % {"name": outside[0].name}]}
        )
    try:
        with transaction.atomic():
            taken = Slot.objects.filter(pk=slot.pk, booked__lte=F("capacity") - len(residents)).update(
                booked=F("booked") + len(residents)
            )
            if not taken:
                left = Slot.objects.get(pk=slot.pk)
                raise ValidationError(
                    {
                        "slot": [
                            ngettext(
                                "This slot has %(n)s place left: choose another.",
                                "This slot has %(n)s places left: choose another.",
                                max(left.capacity - left.booked, 0),
                            )
                            % {"n": max(left.capacity - left.booked, 0)}
                        ]
                    }
                )
            return Booking.objects.bulk_create(
                [Booking(campaign=campaign, slot=slot, resident=r, via=via, booked_by=by) for r in residents]
            )
    except IntegrityError:
        already = Booking.objects.filter(campaign=campaign, resident__in=residents, cancelled_at=None).select_related(
            "resident", "slot"
        )
        named = ", ".join(f"{b.resident.name} {timezone.localtime(b.slot.starts_at):%m-%d %H:%M}" for b in already)
        raise ValidationError(
            {"residents": [_("Already booked in this campaign (cancel that booking first): %(who)s.") % {"who": named}]}
        ) from None


@transaction.atomic
def cancel(booking: Booking, by=None) -> Booking:
    """The seat goes back to the slot; cancelling twice frees one seat."""
    refuse_if_complete(booking.campaign)
    if Booking.objects.filter(pk=booking.pk, cancelled_at=None).update(cancelled_at=timezone.now()):
        Slot.objects.filter(pk=booking.slot_id).update(booked=F("booked") - 1)
    booking.refresh_from_db()
    return booking


@transaction.atomic
def exempt(campaign: Campaign, resident: Resident, reason: str, note: str = "", by=None) -> Exemption:
    """Records (or changes) why the resident is not sampled at a site. A bedridden resident is
    sampled at home: their live booking at a site is given back."""
    refuse_if_complete(campaign)
    if reason not in Exemption.Reason.values:
        raise ValidationError({"reason": [_("Not one of the allowed values.")]})
    if reason == Exemption.Reason.OTHER and not note.strip():
        raise ValidationError({"note": [_("Say why, in a few words.")]})
    if not is_target(campaign, resident):
        raise ValidationError(
            {"resident": [_("%(name)s is not to be tested in this campaign.") % {"name": resident.name}]}
        )
    exemption, _created = Exemption.objects.update_or_create(
        campaign=campaign,
        resident=resident,
        defaults={"reason": reason, "note": note.strip()[:200], "recorded_by": by, "recorded_at": timezone.now()},
    )
    if reason != Exemption.Reason.AT_HOME:
        booking = live_booking(campaign, resident)
        if booking is not None:
            cancel(booking, by)
    return exemption


def lift(exemption: Exemption) -> None:
    refuse_if_complete(exemption.campaign)
    exemption.delete()
