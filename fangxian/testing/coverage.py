"""Full coverage (应检尽检): who must be tested and is not, counted by building, entrance and
grid; the grid worker's call list and its progress; completing a campaign.

Due = the campaign's targets, minus those with a sample in it (a retest changes nothing: one
swab is enough to be covered), minus the exempted. A bedridden resident sampled at home is not
exempted: they stay due, listed "to be sampled at home", until the home team's swab is in.

Every count is one grouped query over the registry, never a loop over residents in Python."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from fangxian.people.models import Resident
from fangxian.places.models import Building, Dwelling

from . import campaigns
from .models import Booking, Call, Campaign, Exemption, Result, Sample, Slot, Tube

AT_HOME = Exemption.Reason.AT_HOME
# The registry's walking order: what a grid worker's list and the counts follow.
WALK = ["dwelling__building__number", "dwelling__entrance", "dwelling__floor", "dwelling__room", "id"]


def sampled_ids(campaign: Campaign) -> QuerySet:
    return Sample.objects.filter(campaign=campaign).values("resident_id")


def exempted_ids(campaign: Campaign, at_home: bool = False) -> QuerySet:
    exemptions = Exemption.objects.filter(campaign=campaign)
    chosen = exemptions.filter(reason=AT_HOME) if at_home else exemptions.exclude(reason=AT_HOME)
    return chosen.values("resident_id")


def counts(campaign: Campaign) -> dict:
    """The figures as aggregates over targets. Each lookup is a subquery that does not depend on
    the row (IN the campaign's samples or exemptions): both databases read it once, as a hash
    or a temporary index, where a correlated lookup would run once per resident."""
    sampled, exempted = Q(pk__in=sampled_ids(campaign)), Q(pk__in=exempted_ids(campaign))
    return {
        "targets": Count("id"),
        "sampled": Count("id", filter=sampled),
        "exempted": Count("id", filter=exempted & ~sampled),
        "due": Count("id", filter=~sampled & ~exempted),
        "at_home": Count("id", filter=Q(pk__in=exempted_ids(campaign, at_home=True)) & ~sampled),
    }


def due(campaign: Campaign, residents: QuerySet | None = None) -> QuerySet:
    """Residents neither sampled nor exempted (the bedridden awaiting the home team included)."""
    residents = campaigns.targets(campaign) if residents is None else residents
    return residents.exclude(pk__in=sampled_ids(campaign)).exclude(pk__in=exempted_ids(campaign))


def totals(campaign: Campaign, residents: QuerySet | None = None, entrances: list[dict] | None = None) -> dict:
    """The campaign's figures: one aggregate, or the sum of by_entrance's rows when at hand."""
    if entrances is not None:
        return {figure: sum(row[figure] for row in entrances) for figure in FIGURES}
    residents = campaigns.targets(campaign) if residents is None else residents
    return residents.aggregate(**counts(campaign))


FIGURES = ("targets", "sampled", "exempted", "due", "at_home")
ENTRANCE = [
    "dwelling__building_id",
    "dwelling__building__number",
    "dwelling__entrance",
    "dwelling__building__grid_id",
    "dwelling__building__grid__code",
    "dwelling__building__grid__name_zh",
]
LEVELS = {
    "building": ["dwelling__building_id", "dwelling__building__number"],
    "entrance": ENTRANCE,
    "grid": ["dwelling__building__grid_id", "dwelling__building__grid__code", "dwelling__building__grid__name_zh"],
}


def by_entrance(campaign: Campaign, residents: QuerySet | None = None) -> list[dict]:
    """Counts per entrance, with its building and grid, in walking order: one grouped query,
    from which the buildings' and grids' counts are summed."""
    residents = campaigns.targets(campaign) if residents is None else residents
    rows = residents.order_by().values(*ENTRANCE).annotate(**counts(campaign))
    return list(rows.order_by("dwelling__building__number", "dwelling__building_id", "dwelling__entrance"))


def by(
    campaign: Campaign, level: str, residents: QuerySet | None = None, entrances: list[dict] | None = None
) -> list[dict]:
    """Counts per building, entrance or grid; `entrances` (by_entrance's rows) saves the query."""
    entrances = by_entrance(campaign, residents) if entrances is None else entrances
    if level == "entrance":
        return entrances
    keys = LEVELS[level]
    merged: dict[tuple, dict] = {}
    for row in entrances:  # a few hundred entrances, not residents
        key = tuple(row[k] for k in keys)
        into = merged.setdefault(key, {k: row[k] for k in keys} | dict.fromkeys(FIGURES, 0))
        for figure in FIGURES:
            into[figure] += row[figure]
    found = list(merged.values())
    if level == "grid":
        found.sort(
            key=lambda r: (r["dwelling__building__grid__code"] is None, r["dwelling__building__grid__code"] or "")
        )
    return found


def progress(campaign: Campaign, residents: QuerySet | None = None) -> dict:
    """What the campaign's page shows: residents by state, bookings, and tubes by result."""
    figures = totals(campaign, residents)
    tubes = Tube.objects.filter(campaign=campaign, retest=False).aggregate(
        tubes=Count("id"),
        open=Count("id", filter=Q(status=Tube.Status.OPEN)),
        pending=Count("id", filter=Q(result=Result.PENDING)),
        negative=Count("id", filter=Q(result=Result.NEGATIVE)),
        positive=Count("id", filter=Q(result=Result.POSITIVE)),
        invalid=Count("id", filter=Q(result=Result.INVALID)),
    )
    figures["tubes"] = tubes
    figures["booked"] = Booking.objects.filter(campaign=campaign, cancelled_at=None).count()
    figures["percent"] = (
        round(100 * (figures["sampled"] + figures["exempted"]) / figures["targets"]) if figures["targets"] else 100
    )
    return figures


@transaction.atomic
def complete(campaign: Campaign, by=None) -> Campaign:
    """Refused while anyone is neither sampled nor exempted, saying how many."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status == Campaign.Status.COMPLETE:
        return campaign
    left = due(campaign).count()
    if left:
        raise ValidationError(
            ngettext(
                "%(n)s resident is neither sampled nor exempted: the campaign cannot be complete yet.",
                "%(n)s residents are neither sampled nor exempted: the campaign cannot be complete yet.",
                left,
            )
            % {"n": left}
        )
    campaign.status, campaign.completed_at, campaign.completed_by = Campaign.Status.COMPLETE, timezone.now(), by
    campaign.save(update_fields=["status", "completed_at", "completed_by"])
    return campaign


def last_calls(campaign: Campaign) -> QuerySet:
    return Call.objects.filter(campaign=campaign, resident=OuterRef("pk")).order_by("-called_at", "-id")


ROW = ("id", "name", "phone", "dwelling__building__number", "dwelling__entrance", "dwelling__floor", "dwelling__room")


def call_list(campaign: Campaign, residents: QuerySet) -> QuerySet:
    """Those still due among `residents` (the caller's visible ones), in walking order, as rows
    of plain values (a list of tens of thousands is read without making a model of each); a
    page of it gets its address, calls and bookings from `with_calls`."""
    return due(campaign, residents).order_by(*WALK).values(*ROW)


def with_calls(campaign: Campaign, rows: list[dict]) -> list[dict]:
    """Each row of a page of the call list with its address, its last call's outcome and time,
    its booked slot's start and whether the home team samples them: three queries a page."""
    ids = [r["id"] for r in rows]
    at_home = set(
        exempted_ids(campaign, at_home=True).filter(resident_id__in=ids).values_list("resident_id", flat=True)
    )
    last: dict[int, tuple[str, object]] = {}
    for resident_id, outcome, called_at in (
        Call.objects.filter(campaign=campaign, resident_id__in=ids)
        .order_by("resident_id", "called_at", "id")
        .values_list("resident_id", "outcome", "called_at")
    ):
        last[resident_id] = (outcome, called_at)  # ordered: the latest stays
    booked = dict(
        Booking.objects.filter(campaign=campaign, resident_id__in=ids, cancelled_at=None).values_list(
            "resident_id", "slot__starts_at"
        )
    )
    for r in rows:
        building = Building(number=r["dwelling__building__number"])
        r["address"] = Dwelling(building=building, entrance=r["dwelling__entrance"], room=r["dwelling__room"]).label
        r["last_outcome"], r["last_called_at"] = last.get(r["id"], (None, None))
        r["booked_for"], r["at_home"] = booked.get(r["id"]), r["id"] in at_home
    return rows


def call_progress(campaign: Campaign, residents: QuerySet) -> dict:
    """Of those still due in the list: how many called, by their last call's outcome, and not."""
    rows = due(campaign, residents).annotate(last_outcome=Subquery(last_calls(campaign).values("outcome")[:1]))
    figures = rows.aggregate(
        due=Count("id"),
        not_called=Count("id", filter=Q(last_outcome__isnull=True)),
        **{o: Count("id", filter=Q(last_outcome=o)) for o in Call.Outcome.values},
    )
    figures["called"] = figures["due"] - figures["not_called"]
    figures["exempted_by_call"] = (
        Call.objects.filter(campaign=campaign, outcome=Call.Outcome.AWAY, resident__in=residents)
        .values("resident")
        .distinct()
        .count()
    )
    return figures


@transaction.atomic
def record_call(
    campaign: Campaign, resident: Resident, outcome: str, by=None, slot: Slot | None = None, note: str = ""
) -> Call:
    """One call's outcome. "Booked" books the slot for them (by the community); "away"
    exempts them as away. A refused booking records nothing."""
    campaigns.refuse_if_complete(campaign)
    if outcome not in Call.Outcome.values:
        raise ValidationError({"outcome": [_("Not one of the allowed values.")]})
    if not campaigns.is_target(campaign, resident):
        raise ValidationError(
            {"resident": [_("%(name)s is not to be tested in this campaign.") % {"name": resident.name}]}
        )
    if outcome == Call.Outcome.BOOKED:
        if slot is None:
            raise ValidationError({"slot": [_("Choose the slot they booked.")]})
        campaigns.book(campaign, slot, [resident], Booking.Via.STAFF, by)
    elif outcome == Call.Outcome.AWAY:
        campaigns.exempt(campaign, resident, Exemption.Reason.AWAY, note or _("away, said on the phone"), by)
    return Call.objects.create(
        campaign=campaign, resident=resident, outcome=outcome, note=note.strip()[:200], called_by=by
    )
