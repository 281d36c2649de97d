"""The rules of a case, in one place: pages, the API, the 12345 import, Open311, the whistle
and inspections call these and nothing else. Refusals are ValidationErrors in the user's
language. Who may act is asked of the scoping layer by the caller; what may happen next is
decided here:

    received → assigned → on site → resolved / unfounded / passed to a department
             → called back (satisfied, basically, unsatisfied, unreachable) → closed

An unsatisfied callback reopens the case (back to assigned, to whoever handled it). A case is
closed only after a callback or with a reason. Every step is a Step, by whom and when.

Offline-safe steps carry a client_id: sent again, they change nothing twice."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from fangxian.accounts.models import Role
from fangxian.accounts.scoping import CAPABILITIES, Can
from fangxian.lib import phone, workdays
from fangxian.people.photos import normalise_photo
from fangxian.places.models import Building, Business, Community, Dwelling, Street

from .models import Case, Category, Holiday, Photo, Step

S = Case.State
A = Step.Action
MAX_WHAT = 2000
MAX_NOTE = 2000
MAX_PHOTOS = 6
MAX_REASON = 300

# Which steps may follow which state.
NEXT: dict[str, frozenset[str]] = {
    S.RECEIVED: frozenset({A.ASSIGN, A.VISIT, A.RESOLVE, A.UNFOUNDED, A.PASS, A.ROUTE, A.NOTE, A.UPDATE}),
    S.ASSIGNED: frozenset({A.ASSIGN, A.VISIT, A.RESOLVE, A.UNFOUNDED, A.PASS, A.ROUTE, A.NOTE, A.UPDATE}),
    S.ON_SITE: frozenset({A.ASSIGN, A.VISIT, A.RESOLVE, A.UNFOUNDED, A.PASS, A.NOTE, A.UPDATE}),
    S.RESOLVED: frozenset({A.CALLBACK, A.CLOSE, A.REOPEN, A.NOTE, A.UPDATE}),
    S.UNFOUNDED: frozenset({A.CALLBACK, A.CLOSE, A.REOPEN, A.NOTE, A.UPDATE}),
    S.PASSED: frozenset({A.CALLBACK, A.CLOSE, A.REOPEN, A.NOTE, A.UPDATE, A.RESOLVE}),
    S.CALLED_BACK: frozenset({A.CLOSE, A.REOPEN, A.NOTE, A.CALLBACK}),
    S.CLOSED: frozenset({A.REOPEN, A.NOTE}),
}
HANDLING = {A.RESOLVE: S.RESOLVED, A.UNFOUNDED: S.UNFOUNDED, A.PASS: S.PASSED}


def as_client_id(value) -> uuid.UUID | None:
    if value in (None, ""):
        return None
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise ValidationError({"client_id": _("Not a client id (a UUID).")}) from None


def when(at: datetime.datetime | None) -> datetime.datetime:
    """When a step happened: now, or earlier for a step recorded after the fact (a work order's
    history from the hotline, the demo); never later than now."""
    now = timezone.now()
    if at is None:
        return now
    if at > now + datetime.timedelta(minutes=5):
        raise ValidationError({"at": _("This is in the future.")})
    return at


def calendar_for(street: Street) -> workdays.Calendar:
    days = list(Holiday.objects.filter(street=street).values_list("day", "working"))
    return workdays.Calendar(
        days_off=frozenset(day for day, working in days if not working),
        days_worked=frozenset(day for day, working in days if working),
    )


def deadlines(
    category: Category, street: Street, received_at: datetime.datetime, calendar: workdays.Calendar | None = None
) -> tuple[datetime.datetime, datetime.datetime]:
    """The respond-by and resolve-by moments, counted on the street's own working calendar."""
    calendar = calendar or calendar_for(street)
    local = timezone.localtime(received_at).replace(tzinfo=None)
    zone = timezone.get_current_timezone()
    respond = workdays.deadline(local, category.respond_within, category.respond_unit, calendar)
    resolve = workdays.deadline(local, category.resolve_within, category.resolve_unit, calendar)
    return timezone.make_aware(respond, zone), timezone.make_aware(resolve, zone)


def text(value, field: str, most: int, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: _("This field is required.")})
    if len(value) > most:
        raise ValidationError({field: _("At most %(n)s characters.") % {"n": most}})
    return value


def callback_number(value) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    try:
        return phone.parse(value)
    except phone.PhoneError:
        raise ValidationError(
            {"reporter_phone": _("Not a phone number: 11 digits for a mobile, or 010-12345678.")}
        ) from None


def place_of(
    street: Street,
    community: Community | None,
    building: Building | None,
    dwelling: Dwelling | None,
    business: Business | None,
) -> tuple[Community | None, Building | None]:
    """The community and building that own the place named, checked to lie in the street."""
    if dwelling is not None:
        building = building or dwelling.building
        if dwelling.building_id != building.pk:
            raise ValidationError({"dwelling": _("This dwelling is not in that building.")})
    if business is not None:
        community = community or business.community
        if business.community_id != community.pk:
            raise ValidationError({"business": _("This business is not in that community.")})
        building = building or business.building
    if building is not None:
        community = community or building.community
        if building.community_id != community.pk:
            raise ValidationError({"building": _("This building is not in that community.")})
    if community is not None and community.street_id != street.pk:
        raise ValidationError({"community": _("This community is not in the street.")})
    return community, building


def keep_photos(step: Step, photos: Iterable) -> None:
    photos = list(photos)
    if len(photos) > MAX_PHOTOS:
        raise ValidationError({"photos": _("At most %(n)s photos.") % {"n": MAX_PHOTOS}})
    for upload in photos:
        try:
            Photo.objects.create(step=step, image=normalise_photo(upload))
        except ValidationError as refused:
            raise ValidationError({"photos": refused.messages}) from None


def receive(
    *,
    street: Street,
    category: Category,
    what: str,
    source: str,
    by=None,
    community: Community | None = None,
    building: Building | None = None,
    dwelling: Dwelling | None = None,
    business: Business | None = None,
    address: str = "",
    reporter_name: str = "",
    reporter_phone: str = "",
    hotline_number: str = "",
    received_at: datetime.datetime | None = None,
    client_id=None,
    photos: Iterable = (),
    latitude=None,
    longitude=None,
) -> Case:
    """A new case with its deadlines; the same client_id again answers the case stored first."""
    client_id = as_client_id(client_id)
    if client_id is not None:
        known = Case.objects.filter(client_id=client_id).first()
        if known is not None:
            return known
    if source not in Case.Source.values:
        raise ValidationError({"source": _("Not a source of cases.")})
    if not category.active:
        raise ValidationError({"category": _("This category is no longer in use.")})
    received_at = received_at or timezone.now()
    if received_at > timezone.now() + datetime.timedelta(minutes=5):
        raise ValidationError({"received_at": _("This is in the future.")})
    community, building = place_of(street, community, building, dwelling, business)
    respond_by, resolve_by = deadlines(category, street, received_at)
    case = Case(
        street=street,
        community=community,
        building=building,
        dwelling=dwelling,
        business=business,
        address=text(address, "address", 300),
        source=source,
        category=category,
        what=text(what, "what", MAX_WHAT, required=True),
        hotline_number=text(hotline_number, "hotline_number", 40),
        reporter_name=text(reporter_name, "reporter_name", 50),
        reporter_phone=callback_number(reporter_phone),
        client_id=client_id,
        received_at=received_at,
        respond_by=respond_by,
        resolve_by=resolve_by,
        latitude=latitude,
        longitude=longitude,
    )
    try:
        with transaction.atomic():
            case.save()
            step = Step.objects.create(case=case, action=A.RECEIVE, by=by, at=received_at, note="")
            keep_photos(step, photos)
    except IntegrityError:
        if client_id is not None:
            known = Case.objects.filter(client_id=client_id).first()
            if known is not None:
                return known
        raise ValidationError({"hotline_number": _("This work order is already here.")}) from None
    from . import proactive  # it opens cases through receive: imported at call time

    proactive.open_for([case])
    return case


def kept_before(case: Case, client_id) -> Step | None:
    """The step this client_id already stored on the case: a retry answers it unchanged."""
    client_id = as_client_id(client_id)
    return None if client_id is None else Step.objects.filter(client_id=client_id, case=case).first()


def open_own(cases: list[Case], by=None) -> list[Case]:
    """The community's own cases (a proactive case, a finding), made unsaved from a case or a
    place this module already checked: their deadlines counted on each street's calendar,
    saved with their received step in two statements however many there are."""
    calendars: dict[int, workdays.Calendar] = {}
    for case in cases:
        calendar = calendars.setdefault(case.street_id, calendar_for(case.street))
        case.respond_by, case.resolve_by = deadlines(case.category, case.street, case.received_at, calendar)
    with transaction.atomic():
        Case.objects.bulk_create(cases)
        Step.objects.bulk_create(
            [Step(case=case, action=A.RECEIVE, by=by, at=case.received_at, note="") for case in cases]
        )
    return cases


def step(
    case: Case,
    action: str,
    by,
    note: str = "",
    *,
    photos: Iterable = (),
    client_id=None,
    at: datetime.datetime | None = None,
    note_required: bool = False,
    **changes,
) -> Step:
    """One step on a case, checked against what may follow its state, saved with the case's
    new fields in one transaction. Every named action below is this."""
    client_id = as_client_id(client_id)
    known = kept_before(case, client_id)
    if known is not None:
        return known
    note = text(note, "note", MAX_NOTE, required=note_required)
    now = when(at)
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        if action not in NEXT[case.state]:
            raise ValidationError(
                _("A case that is %(state)s cannot be %(action)s.")
                % {"state": case.get_state_display(), "action": A(action).label}
            )
        for field, value in changes.items():
            setattr(case, field, value)
        if action in (A.ASSIGN, A.VISIT) + tuple(HANDLING) and case.responded_at is None:
            case.responded_at = now
        case.save()
        try:
            with transaction.atomic():
                done = Step.objects.create(case=case, action=action, by=by, at=now, note=note, client_id=client_id)
        except IntegrityError:
            raise ValidationError({"client_id": _("This client id was used for another case.")}) from None
        keep_photos(done, photos)
    return done


def colleagues(case: Case) -> QuerySet:
    """Who may be given this case: whoever handles cases where it lies (its community, its
    building's grid, its street), active accounts only."""
    kinds = [kind for kind, caps in CAPABILITIES.items() if Can.HANDLE_CASES in caps]
    where = Q(street_id=case.street_id)
    if case.community_id is not None:
        where |= Q(community_id=case.community_id)
    if case.building_id is not None and case.building.grid_id is not None:
        where |= Q(grid_id=case.building.grid_id)
    holders = Role.objects.filter(where, kind__in=kinds).values("user_id")
    return get_user_model().objects.filter(pk__in=holders, is_active=True).order_by("username")


def assign(case: Case, to, by, note: str = "", client_id=None, at: datetime.datetime | None = None) -> Step:
    """To a colleague who may handle it there: a case given to someone who cannot open it
    would wait unseen until it is overdue."""
    if to is None or not (colleagues(case).filter(pk=to.pk).exists() or (to.is_superuser and to.is_active)):
        raise ValidationError({"to": _("Give the case to someone who handles cases where it is.")})
    state = S.ASSIGNED if case.state == S.RECEIVED else case.state
    return step(case, A.ASSIGN, by, note or who(to), client_id=client_id, at=at, assigned_to=to, state=state)


def visit(
    case: Case, by, note: str, photos: Iterable = (), client_id=None, at: datetime.datetime | None = None
) -> Step:
    """On site: what was seen, with photos (the verification the outcome rests on)."""
    return step(case, A.VISIT, by, note, photos=photos, client_id=client_id, at=at, note_required=True, state=S.ON_SITE)


def handle(
    case: Case,
    action: str,
    by,
    outcome: str,
    photos: Iterable = (),
    client_id=None,
    agency: str = "",
    at: datetime.datetime | None = None,
) -> Step:
    """Resolved, found unfounded, or passed to a department (named in `agency`): the outcome
    says what and why."""
    if action not in HANDLING:
        raise ValidationError(_("Not a way to handle a case."))
    agency = (agency or "").strip()
    if (action == A.PASS) != bool(agency):
        raise ValidationError({"agency": _("Name the department the case is passed to.")})
    now = when(at)
    return step(
        case,
        action,
        by,
        outcome,
        photos=photos,
        client_id=client_id,
        at=now,
        note_required=True,
        state=HANDLING[action],
        outcome=text(outcome, "outcome", MAX_NOTE, required=True),
        handled_at=now,
        handled_as=HANDLING[action],
        agency=text(agency, "agency", 100) if action == A.PASS else case.agency,
    )


def call_back(case: Case, by, result: str, note: str = "", client_id=None, at: datetime.datetime | None = None) -> Step:
    """The reporter called back. Unsatisfied reopens the case to whoever handled it."""
    if result not in Case.Callback.values or not result:
        raise ValidationError({"callback": _("Choose how the callback went.")})
    known = kept_before(case, client_id)
    if known is not None:
        return known  # sent again: an unsatisfied callback reopened the case once already
    now = when(at)
    if result == Case.Callback.UNSATISFIED:
        with transaction.atomic():
            done = step(case, A.CALLBACK, by, note, client_id=client_id, at=now, callback=result, called_back_at=now)
            reopen(case, by, _("Unsatisfied at the callback."), at=now)
        return done
    return step(
        case,
        A.CALLBACK,
        by,
        note,
        client_id=client_id,
        at=now,
        state=S.CALLED_BACK,
        callback=result,
        called_back_at=now,
    )


def close(case: Case, by, reason: str = "", client_id=None, at: datetime.datetime | None = None) -> Step:
    """Closed after a callback, or with a reason why there was none."""
    reason = text(reason, "reason", MAX_REASON)
    known = kept_before(case, client_id)
    if known is not None:
        return known
    case.refresh_from_db()
    if case.state != S.CALLED_BACK and not reason:
        raise ValidationError({"reason": _("Call the reporter back first, or say why the case closes without.")})
    now = when(at)
    return step(
        case, A.CLOSE, by, reason, client_id=client_id, at=now, state=S.CLOSED, closed_at=now, close_reason=reason
    )


def reopen(case: Case, by, reason: str, client_id=None, at: datetime.datetime | None = None) -> Step:
    case.refresh_from_db()
    return step(
        case,
        A.REOPEN,
        by,
        reason,
        client_id=client_id,
        at=when(at),
        note_required=True,
        state=S.ASSIGNED,
        handled_at=None,
        handled_as="",
        closed_at=None,
        close_reason="",
        reopened=case.reopened + 1,
    )


def route(case: Case, community: Community, by, note: str = "") -> Step:
    """A case the street held goes to the community that owns its address."""
    if community.street_id != case.street_id:
        raise ValidationError({"community": _("This community is not in the street.")})
    return step(case, A.ROUTE, by, note or community.name, community=community)


def add_note(
    case: Case, by, note: str, photos: Iterable = (), client_id=None, at: datetime.datetime | None = None
) -> Step:
    return step(case, A.NOTE, by, note, photos=photos, client_id=client_id, at=at, note_required=True)


def who(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def late(now: datetime.datetime | None = None) -> Q:
    """The overdue cases as a condition a list can filter by (Case.overdue, in SQL): open,
    and past the resolve-by moment, or not yet answered past the respond-by moment."""
    now = now or timezone.now()
    return Q(state__in=Case.OPEN) & (Q(resolve_by__lt=now) | Q(responded_at__isnull=True, respond_by__lt=now))


def keep_day(street: Street, day: datetime.date, working: bool, name: str = "") -> Holiday:
    """A day of the street's calendar that is not what its weekday says. Deadlines already
    set keep their moment (the hotline counts from the calendar of the day it was received);
    cases received from now on count with it."""
    name = text(name, "name", 50)
    if working and day.weekday() < 5:
        raise ValidationError({"working": _("A weekday is a working day anyway: only a weekend day can be worked.")})
    try:
        with transaction.atomic():
            return Holiday.objects.create(street=street, day=day, working=working, name=name)
    except IntegrityError:
        raise ValidationError({"day": _("This day is already in the table.")}) from None


def drop_day(holiday: Holiday) -> None:
    holiday.delete()
