"""What the case pages and the case API share: the list and its filters (overdue first), the
place a new case names (checked against what the user may handle), one step as a form or a
JSON body sends it, and the callback number shown only to whoever calls back.

The rules of the workflow are handling.py's; this turns what people send into its calls."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from fangxian.accounts import audit
from fangxian.accounts.models import AuditEvent
from fangxian.accounts.scoping import (
    CAPABILITIES,
    Can,
    get_visible_or_404,
    holds_community,
    holds_place,
    roles_of,
    visible,
)
from fangxian.lib.ids import as_id
from fangxian.lib.masking import mask_phone
from fangxian.places.models import Building, Business, Community, Dwelling, Street

from . import handling
from .models import Case, Category, Step

S = Case.State
A = Step.Action
# A state filter beyond the single states: the open ones, and those waiting for a callback.
GROUPS = {"open": Case.OPEN, "to_call_back": Case.HANDLED}
# The steps a person takes on a page or through the API (receive, update and route are the
# import's and the street's).
ACTIONS = (A.ASSIGN, A.VISIT, A.RESOLVE, A.UNFOUNDED, A.PASS, A.CALLBACK, A.CLOSE, A.REOPEN, A.NOTE)
STREET_HELD = "street"


def in_view(user) -> QuerySet:
    """The cases the user handles. A street's administrator handles the whole street: asked as
    the one indexed column it is, not as the scoping layer's union of the street's communities
    and the street itself (the same rows, found through two indexes and merged)."""
    holding = [r for r in roles_of(user) if Can.HANDLE_CASES in CAPABILITIES.get(r.kind, ())]
    if holding and not user.is_superuser and all(r.street_id for r in holding):
        return Case.objects.filter(street_id__in=[r.street_id for r in holding])
    return visible(user, Can.HANDLE_CASES, Case.objects.all())


def narrowed(
    rows: QuerySet,
    user,
    *,
    state: str = "",
    category: Category | None = None,
    source: str = "",
    overdue: bool = False,
    mine: bool = False,
    community: str | int | None = None,
) -> QuerySet:
    """The list's filters, each answered by an index of Case (state, category, community, the
    one assigned); `community` is an id, or "street" for what the street still holds."""
    if state in GROUPS:
        rows = rows.filter(state__in=GROUPS[state])
    elif state:
        rows = rows.filter(state=state)
    if category is not None:
        rows = rows.filter(category=category)
    if source:
        rows = rows.filter(source=source)
    if overdue:
        rows = rows.filter(handling.late())
    if mine:
        rows = rows.filter(assigned_to=user)
    if community == STREET_HELD:
        rows = rows.filter(community__isnull=True)
    elif community:
        rows = rows.filter(community_id=community)
    return rows


def listed(rows: QuerySet) -> QuerySet:
    """What a row of the list shows, in one query however many rows."""
    return rows.select_related("category", "community", "building", "assigned_to")


class OverdueFirst:
    """The rows with the overdue ones first (soonest deadline first), then the rest newest
    first, sliceable for a Paginator. Two plain ordered queries, each walking an index, instead
    of one sorted by a computed "is it late" that would sort the whole street's cases."""

    def __init__(self, rows: QuerySet, now: datetime.datetime | None = None):
        condition = handling.late(now or timezone.now())
        self.rows = rows
        self.late = listed(rows.filter(condition)).order_by("resolve_by", "id")
        self.rest = listed(rows.exclude(condition)).order_by("-received_at", "-id")
        self._late_count: int | None = None

    def late_count(self) -> int:
        if self._late_count is None:
            self._late_count = self.late.count()
        return self._late_count

    def count(self) -> int:
        return self.rows.count()

    def __getitem__(self, part: slice) -> list[Case]:
        start, stop = part.start or 0, part.stop
        first = self.late_count()
        found: list[Case] = []
        if start < first:
            found += list(self.late[start : min(stop, first)])
        if stop > first:
            found += list(self.rest[max(start - first, 0) : stop - first])
        return found


def communities_for_new(user) -> QuerySet:
    return visible(user, Can.HANDLE_CASES, Community.objects.select_related("street")).order_by("street", "code")


def streets_held(user) -> list[Street]:
    """The streets whose unrouted cases the user handles (a street admin's own)."""
    ids = visible(user, Can.HANDLE_CASES, Community.objects.all()).values("street_id")
    return [s for s in Street.objects.filter(pk__in=ids) if holds_place(user, Can.HANDLE_CASES, "street", s.pk)]


def place(
    user,
    *,
    street_id: int | None = None,
    community_id: int | None = None,
    building_id: int | None = None,
    dwelling_id: int | None = None,
    business_id: int | None = None,
    entrance: int | None = None,
    room: str = "",
) -> dict[str, Any]:
    """The street and place of a new case, each named id checked to be one the user handles
    cases in (404 otherwise, as for any row out of view). A community without a building is
    for whoever holds the whole community; no place at all is for the street."""
    cap = Can.HANDLE_CASES
    found: dict[str, Any] = {"community": None, "building": None, "dwelling": None, "business": None}
    if dwelling_id is not None:
        found["dwelling"] = get_visible_or_404(user, cap, Dwelling.objects.select_related("building"), pk=dwelling_id)
    if building_id is not None:
        found["building"] = get_visible_or_404(user, cap, Building.objects.all(), pk=building_id)
    if business_id is not None:
        found["business"] = get_visible_or_404(user, cap, Business.objects.all(), pk=business_id)
    if community_id is not None:
        found["community"] = get_visible_or_404(user, cap, Community.objects.select_related("street"), pk=community_id)
    if room and found["building"] is not None:
        found["dwelling"] = Dwelling.objects.filter(
            building=found["building"], entrance=entrance or 1, room=room
        ).first()
        if found["dwelling"] is None:
            raise ValidationError({"room": _("No such room in that entrance of the building.")})
    named = found["dwelling"] or found["building"] or found["business"]
    if named is not None:
        community = Community.objects.select_related("street").get(pk=named.community_id)
        found["community"] = found["community"] or community
        found["street"] = community.street
    elif found["community"] is not None:
        if not holds_community(user, cap, found["community"].pk):
            raise ValidationError({"building": _("Choose the building: you handle cases of your grid's buildings.")})
        found["street"] = found["community"].street
    else:
        streets = streets_held(user)
        chosen = [s for s in streets if street_id is None or s.pk == street_id]
        if not streets:
            raise ValidationError({"community": _("Choose the community the case belongs to.")})
        if len(chosen) != 1:
            if street_id is not None:
                raise Http404
            raise ValidationError({"street_id": _("Choose the street that keeps the case.")})
        found["street"] = chosen[0]
    return found


def take_step(case: Case, action: str, data: Mapping[str, Any], photos: Iterable, user) -> Step:
    """One step as a page's form or the API's body names it: `note` is the text of every step
    (what was seen on site, the outcome, why it closes or reopens), `to` whom it is given,
    `result` of a callback, `agency` the department it is passed to."""
    note = str(data.get("note") or "")
    client_id = data.get("client_id") or None
    if action == A.ASSIGN:
        to = handling.colleagues(case).filter(pk=as_id(str(data.get("to") or ""))).first()
        return handling.assign(case, to, user, note, client_id=client_id)
    if action == A.VISIT:
        return handling.visit(case, user, note, photos, client_id=client_id)
    if action in handling.HANDLING:
        return handling.handle(
            case, action, user, note, photos, client_id=client_id, agency=str(data.get("agency") or "")
        )
    if action == A.CALLBACK:
        return handling.call_back(case, user, str(data.get("result") or ""), note, client_id=client_id)
    if action == A.CLOSE:
        return handling.close(case, user, note, client_id=client_id)
    if action == A.REOPEN:
        return handling.reopen(case, user, note, client_id=client_id)
    if action == A.NOTE:
        return handling.add_note(case, user, note, photos, client_id=client_id)
    raise ValidationError({"action": _("One of: %(values)s.") % {"values": ", ".join(ACTIONS)}})


def next_actions(case: Case) -> list[str]:
    return [a for a in ACTIONS if a in handling.NEXT[case.state]]


def may_call_back(case: Case) -> bool:
    return A.CALLBACK in handling.NEXT[case.state]


def callback_number(case: Case) -> str:
    """Masked: the whole number is for the callback, through reveal()."""
    return mask_phone(case.reporter_phone)


def reveal(request, case: Case, **detail) -> str:
    """The reporter's number in full, to whoever calls back, written to the audit log. Before
    the case is handled there is no callback to make, and no one needs the number."""
    if not may_call_back(case) or not case.reporter_phone:
        raise PermissionDenied
    audit.record(
        request,
        AuditEvent.Action.REVEAL_PHONE,
        case,
        community_id=case.community_id,
        field="reporter_phone",
        why="callback",
        **detail,
    )
    return case.reporter_phone
