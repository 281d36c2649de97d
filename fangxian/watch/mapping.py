"""The epidemic map: each dwelling coloured by its most urgent status. A whole community is
computed in a handful of grouped queries, whatever its size."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangxian.people.models import Resident, Tag
from fangxian.people.temperature import is_fever
from fangxian.places.layout import floor_rows
from fangxian.places.models import Building, Dwelling

from .models import Assignment, HealthReport, Observation, Outcome, Visit


@dataclass(frozen=True)
class Status:
    """How one status is drawn, on the page, the print and the legend alike. The letter is there
    for the black-and-white printer and for eyes that do not tell the colours apart; the ink is
    the letter's and room number's colour, at least 4.5:1 against the fill."""

    key: str
    label: str
    letter: str
    fill: str
    ink: str = "#000"
    border: str = "none"


# Most urgent first; a dwelling takes the first that applies to anyone living there. The warm
# colours go to a case, a contact and home observation (yellow, as on the health code), so fever
# takes a purple no other status is near. Nothing to note has no letter: it is most of the map,
# and the others stand out from it. An English letter is the word's initial, but P(ositive) for a
# case and E(mpty) for vacant, whose initials are taken.
STATUSES = [
    Status("confirmed_case", _("confirmed case"), pgettext_lazy("map letter", "P"), "#b3261e", "#fff"),
    Status("close_contact", _("close contact"), pgettext_lazy("map letter", "C"), "#e8710a"),
    # Held at the gate after a positive pooled sample: before fever, as the gate ranks it.
    Status("awaiting_retest", _("awaiting retest"), pgettext_lazy("map letter", "T"), "#f6aea9"),
    Status("fever", _("fever"), pgettext_lazy("map letter", "F"), "#8e24aa", "#fff"),
    Status("observation", _("under observation"), pgettext_lazy("map letter", "O"), "#fdd663"),
    Status("released", _("returnee released"), pgettext_lazy("map letter", "R"), "#81c995"),
    Status("vulnerable", _("vulnerable resident"), pgettext_lazy("map letter", "V"), "#a8c7fa"),
    Status("vacant", _("vacant"), pgettext_lazy("map letter", "E"), "#e0e0e0", "#444"),
    Status("not_visited", _("not yet visited"), pgettext_lazy("map letter", "N"), "#fff", border="1px dashed #666"),
    Status("clear", _("nothing to note"), "", "#e6f4ea"),
]
BY_KEY = {s.key: s for s in STATUSES}
RANK = {s.key: i for i, s in enumerate(STATUSES)}
VULNERABLE = [Tag.ELDERLY_ALONE, Tag.DIALYSIS, Tag.DISABLED, Tag.PREGNANT, Tag.CHRONIC]


@dataclass
class Cell:
    dwelling: Dwelling
    status: str = "clear"
    days_left: int | None = None
    people: int = 0

    def mark(self, status: str) -> None:
        if RANK[status] < RANK[self.status]:
            self.status = status

    @property
    def label(self) -> str:
        return str(BY_KEY[self.status].label)

    @property  # floor_rows places cells as it places dwellings
    def floor(self) -> int:
        return self.dwelling.floor

    @property
    def entrance(self) -> int:
        return self.dwelling.entrance


def cells_for(dwellings) -> dict[int, Cell]:
    """Statuses of these dwellings (a queryset), from eight grouped queries."""
    cells = {d.pk: Cell(d) for d in dwellings}
    ids = dwellings.values("id")
    today = timezone.localdate()
    residents = Resident.objects.current().filter(dwelling_id__in=ids)
    for dwelling_id, people in residents.values_list("dwelling_id").annotate(n=Count("id")):
        cells[dwelling_id].people = people
    tagged = Q()
    for tag in [Tag.CONFIRMED_CASE, Tag.CLOSE_CONTACT, *VULNERABLE]:
        tagged |= Resident.tagged(tag)
    for dwelling_id, stored in residents.filter(tagged).values_list("dwelling_id", "tags"):
        cell = cells[dwelling_id]
        tags = Resident.decode_tags(stored)
        if Tag.CONFIRMED_CASE in tags:
            cell.mark("confirmed_case")
        if Tag.CLOSE_CONTACT in tags:
            cell.mark("close_contact")
        if any(t in tags for t in VULNERABLE):
            cell.mark("vulnerable")
    for dwelling_id in residents.filter(awaiting_retest=True).values_list("dwelling_id", flat=True).distinct():
        cells[dwelling_id].mark("awaiting_retest")
    observations = Observation.objects.filter(resident__dwelling_id__in=ids, resident__moved_out_on=None)
    for dwelling_id, ends_on, released_at in observations.values_list(
        "resident__dwelling_id", "ends_on", "released_at"
    ):
        cell = cells[dwelling_id]
        if released_at is None:
            cell.mark("observation")
            left = (ends_on - today).days
            cell.days_left = left if cell.days_left is None else min(cell.days_left, left)
        else:
            cell.mark("released")
    since = timezone.now() - datetime.timedelta(hours=24)
    fevers = HealthReport.objects.filter(
        observation__resident__dwelling_id__in=ids,
        reported_at__gte=since,
        temperature__gte=settings.FEVER_AT_TENTHS / 10,
        observation__released_at=None,
    )
    for dwelling_id in fevers.values_list("observation__resident__dwelling_id", flat=True):
        cells[dwelling_id].mark("fever")
    # A temperature taken at the door by a census, or reported by phone, counts as much.
    knocks = Visit.objects.filter(assignment__dwelling_id__in=ids, visited_at__gte=since).exclude(present=[], absent={})
    for dwelling_id, present, absent in knocks.values_list("assignment__dwelling_id", "present", "absent"):
        taken = [row.get("temperature") for row in present] + [absent.get("temperature")]
        if any(t and is_fever(Decimal(t)) for t in taken):
            cells[dwelling_id].mark("fever")
    running = Assignment.objects.filter(
        dwelling_id__in=ids, campaign__closed_at=None, campaign__starts_on__lte=today, campaign__ends_on__gte=today
    )
    for dwelling_id, outcome in running.values_list("dwelling_id", "outcome"):
        if outcome == Outcome.VACANT:
            cells[dwelling_id].mark("vacant")
        elif not outcome:
            cells[dwelling_id].mark("not_visited")
    for cell in cells.values():
        if cell.people == 0:
            cell.mark("vacant")
    return cells


@dataclass
class BuildingMap:
    building: Building
    entrances: list[int]
    rows: list  # [(floor, [[Cell, ...] per entrance])]
    counts: dict[str, int]


def maps_for(buildings) -> list[BuildingMap]:
    buildings = list(buildings)
    dwellings = (
        Dwelling.objects.filter(building__in=[b.pk for b in buildings])
        .only("id", "building_id", "entrance", "floor", "room")
        .order_by("building_id", "entrance", "-floor", "room")
    )
    cells = cells_for(dwellings)
    by_building: dict[int, list[Cell]] = {}
    for cell in cells.values():
        by_building.setdefault(cell.dwelling.building_id, []).append(cell)
    maps = []
    for building in buildings:
        own = by_building.get(building.pk, [])
        counts = dict.fromkeys(RANK, 0)
        for cell in own:
            counts[cell.status] += 1
        maps.append(BuildingMap(building, *floor_rows(own, building.entrances), counts))
    return maps


def cells_html(cells: list[Cell], household_url: str, show: str = "") -> str:
    """One table cell's dwellings as links. Built here rather than in the template: a
    community has thousands of cells and the template loop was half the page's time."""
    labels = {s.key: escape(s.label) for s in STATUSES}
    letters = {s.key: f"<b>{escape(s.letter)}</b>" if s.letter else "" for s in STATUSES}
    return mark_safe(
        "".join(
            f'<a class="cell s-{c.status}{" dim" if show and show != c.status else ""}" href="{household_url}{c.dwelling.pk}/" '
            f'title="{labels[c.status]}">{letters[c.status]}{escape(c.dwelling.room)}'
            f"{f'<small>{c.days_left}</small>' if c.days_left is not None else ''}</a>"
            for c in cells
        )
    )


def total(maps: list[BuildingMap]) -> dict[str, int]:
    return {key: sum(m.counts[key] for m in maps) for key in RANK}


def legend(counts: dict[str, int] | None = None) -> list[tuple[Status, int | None]]:
    return [(s, counts.get(s.key, 0) if counts else None) for s in STATUSES]
