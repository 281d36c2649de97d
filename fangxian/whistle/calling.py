"""The rules of a call, in one place (pages and the API call these):

    called → acknowledged (接单) → on site (报到) → outcome reported → confirmed
                                   ↑________ sent back by the community ________|

Who may see a call: the community that made it (whoever handles its cases), the street and
the offices above (overseeing), and the members of the department called. Department staff
see the call and nothing else: not the case behind it, not the residents.

An overdue call (not acknowledged in time, or not done by when it was needed) is escalated
to the street, then, if it stays overdue, to the district (`escalate`, run by
`manage.py escalate_calls`)."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from fangxian.accounts.models import Role
from fangxian.accounts.scoping import Can, holds_community, holds_place, roles_of, scope_for
from fangxian.casework import handling
from fangxian.casework.models import Case
from fangxian.people.photos import normalise_photo
from fangxian.places.models import Building, Community, Street

from .models import Call, CallStep, Department, Escalation, Member

S = Call.State
A = CallStep.Action
MAX_WHAT = 2000
MAX_NOTE = 2000
# A department answers a call within this, or the call is overdue (sooner if needed sooner).
ACKNOWLEDGE_WITHIN = datetime.timedelta(hours=2)
# Still overdue this long after the street was told, it goes to the district.
DISTRICT_AFTER = datetime.timedelta(hours=24)


def text(value, field: str, most: int, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: _("Required.")})
    if len(value) > most:
        raise ValidationError({field: _("At most %(n)s characters.") % {"n": most}})
    return value


# Who sees what ---------------------------------------------------------------------------


def departments_of(user) -> QuerySet:
    """The departments the user works for: a member, with a liaison role on its street."""
    if not user.is_authenticated:
        return Department.objects.none()
    streets = [r.street_id for r in roles_of(user) if r.kind == Role.Kind.LIAISON]
    return Department.objects.filter(members__user=user, street_id__in=streets)


def overseen(user) -> QuerySet:
    """Calls seen from the community or the offices above it: whoever handles its cases, and
    the street, district and city offices (who manage the staff of their territory)."""
    handling_scope = scope_for(user, Can.HANDLE_CASES)
    offices = scope_for(user, Can.MANAGE_STAFF)
    return handling_scope.filter(Call.objects.all()) | offices.filter(Call.objects.all())


def calls_for(user) -> QuerySet:
    """Every call the user may see."""
    return (overseen(user) | Call.objects.filter(department__in=departments_of(user))).distinct()


def get_call_or_404(user, pk: int, queryset: QuerySet | None = None) -> Call:
    found = (queryset if queryset is not None else Call.objects.all()).filter(pk__in=calls_for(user).values("pk"))
    try:
        return found.get(pk=pk)
    except Call.DoesNotExist:
        raise Http404 from None


def answers_for(user, call: Call) -> bool:
    """Whether the user answers the call for its department."""
    return user.is_superuser or departments_of(user).filter(pk=call.department_id).exists()


def calls_from(user, call: Call) -> bool:
    """Whether the user speaks for the community that made the call."""
    return holds_community(user, Can.HANDLE_CASES, call.community_id)


def uses_whistle(user) -> bool:
    """Whether the whistle's pages open for the user: a community that handles cases (a grid
    worker for calls about the grid), a department's staff, or the offices above."""
    return (
        not scope_for(user, Can.HANDLE_CASES).empty or departments_of(user).exists() or managed_streets(user).exists()
    )


def summary(user) -> dict | None:
    """For the home page: the open calls in view, and how many of them were escalated."""
    if not user.is_authenticated or not uses_whistle(user):
        return None
    open_calls = calls_for(user).filter(state__in=Call.OPEN)
    return {"open": open_calls.count(), "escalated": open_calls.filter(level__gt=Call.Level.NONE).count()}


def may_call(user) -> bool:
    return calling_communities(user).exists()


def calling_communities(user) -> QuerySet:
    """Communities the user may whistle for: held whole, with the right to handle cases."""
    scope = scope_for(user, Can.HANDLE_CASES)
    return Community.objects.filter(id__in=scope.whole_communities()).select_related("street")


def manages_street(user, street_id: int) -> bool:
    """A street's departments and their members are kept by the street office (and above)."""
    return holds_place(user, Can.MANAGE_STAFF, "street", street_id)


def managed_streets(user) -> QuerySet:
    scope = scope_for(user, Can.MANAGE_STAFF)
    if scope.everything:
        return Street.objects.all()
    if scope.streets is None:
        return Street.objects.none()
    return Street.objects.filter(scope.streets)


def department_choices(user) -> QuerySet:
    """Departments the user may see: those of the streets of the communities they call for,
    of the streets they manage, and their own."""
    streets = Street.objects.filter(
        Q(pk__in=calling_communities(user).values("street_id")) | Q(pk__in=managed_streets(user).values("pk"))
    )
    return Department.objects.filter(Q(street__in=streets) | Q(pk__in=departments_of(user))).distinct()


# Departments and their staff ------------------------------------------------------------


def keep_department(
    street: Street, kind: str, name: str, contact: str = "", active: bool = True, department: Department | None = None
) -> Department:
    """A new department of the street, or the one given changed."""
    if kind not in Department.Kind.values:
        raise ValidationError({"kind": _("Choose the kind of department.")})
    name = text(name, "name", 100, required=True)
    clash = Department.objects.filter(street=street, name=name)
    if department is not None:
        clash = clash.exclude(pk=department.pk)
    if clash.exists():
        raise ValidationError({"name": _("The street already has a department of this name.")})
    department = department or Department(street=street)
    department.kind = kind
    department.name = name
    department.contact = text(contact, "contact", 100)
    department.active = active
    department.save()
    return department


def liaisons_of(street: Street) -> QuerySet:
    """Accounts that may work for the street's departments: a liaison role on the street."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model().objects.filter(roles__kind=Role.Kind.LIAISON, roles__street=street, is_active=True).distinct()
    )


def add_member(department: Department, user) -> Member:
    if not liaisons_of(department.street).filter(pk=user.pk).exists():
        raise ValidationError(
            {"user": _("Only an account with a liaison role on this street can work for its departments.")}
        )
    member, _created = Member.objects.get_or_create(department=department, user=user)
    return member


# The steps ------------------------------------------------------------------------------


def record(call: Call, action: str, by, note: str = "", at: datetime.datetime | None = None) -> CallStep:
    return CallStep.objects.create(call=call, action=action, by=by, at=at or timezone.now(), note=note)


def whistle(
    *,
    community: Community,
    department: Department,
    what: str,
    address: str,
    needed_by: datetime.datetime,
    by,
    case: Case | None = None,
    building: Building | None = None,
    client_id=None,
) -> Call:
    """A community calls a department. A case named goes to the department with it (passed, in
    the same transaction): its outcome then says whom it was passed to and why."""
    client_id = handling.as_client_id(client_id)
    if client_id is not None:
        known = Call.objects.filter(client_id=client_id).first()
        if known is not None:
            return known
    if department.street_id != community.street_id:
        raise ValidationError({"department_id": _("This department is not of the community's street.")})
    if not department.active:
        raise ValidationError({"department_id": _("This department no longer takes calls.")})
    if building is not None and building.community_id != community.pk:
        raise ValidationError({"building_id": _("The building is not in the calling community.")})
    if case is not None and (case.street_id != community.street_id or case.community_id not in (None, community.pk)):
        raise ValidationError({"case_id": _("This case is not the community's.")})
    now = timezone.now()
    if needed_by <= now:
        raise ValidationError({"needed_by": _("By when it is needed: a time still to come.")})
    what = text(what, "what", MAX_WHAT, required=True)
    call = Call(
        street_id=community.street_id,
        community=community,
        building=building or (case.building if case else None),
        department=department,
        case=case,
        what=what,
        address=text(address, "address", 300, required=True),
        called_by=by,
        called_at=now,
        acknowledge_by=min(now + ACKNOWLEDGE_WITHIN, needed_by),
        needed_by=needed_by,
        client_id=client_id,
    )
    try:
        with transaction.atomic():
            call.save()
            record(call, A.CALL, by, what, at=now)
            if case is not None:
                outcome = _("Whistled %(department)s: %(what)s") % {"department": department.name, "what": what}
                handling.handle(case, "pass", by, outcome[:MAX_NOTE], agency=department.name)
    except IntegrityError:
        known = Call.objects.filter(client_id=client_id).first() if client_id else None
        if known is None:
            raise
        return known
    return call


def advance(call: Call, allowed: tuple[str, ...], action: str, by, note: str = "", at=None, **changes) -> Call:
    """One step, checked against the state the call is in now (under a row lock)."""
    with transaction.atomic():
        locked = Call.objects.select_for_update().get(pk=call.pk)
        if locked.state not in allowed:
            raise ValidationError(
                _("A call that is %(state)s cannot be %(action)s.")
                % {"state": locked.get_state_display(), "action": A(action).label}
            )
        for field, value in changes.items():
            setattr(locked, field, value)
        locked.save()
        record(locked, action, by, note, at=at)
    return locked


def acknowledge(call: Call, by, note: str = "") -> Call:
    now = timezone.now()
    return advance(
        call,
        (S.CALLED,),
        A.ACKNOWLEDGE,
        by,
        text(note, "note", MAX_NOTE),
        state=S.ACKNOWLEDGED,
        acknowledged_at=now,
        acknowledged_by=by,
    )


def arrive(call: Call, by, note: str = "", photo=None, at: datetime.datetime | None = None) -> Call:
    """Arrival on site (报到), at the time given (told afterwards) or now. Arriving acknowledges
    a call nobody acknowledged first."""
    now = timezone.now()
    at = at or now
    if at.replace(second=0, microsecond=0) == now.replace(second=0, microsecond=0):
        at = now  # this minute, as a form says it: now
    if at > now + datetime.timedelta(minutes=5):
        raise ValidationError({"arrived_at": _("The arrival cannot be in the future.")})
    # A form says the minute: the minute of the call itself means just after it.
    if at < call.called_at.replace(second=0, microsecond=0):
        raise ValidationError({"arrived_at": _("Before the call was made.")})
    at = max(at, call.called_at)
    note = text(note, "note", MAX_NOTE)
    changes: dict = {"state": S.ON_SITE, "arrived_at": at, "arrived_by": by, "arrival_note": note}
    if photo is not None:
        try:
            changes["arrival_photo"] = normalise_photo(photo)
        except ValidationError as refused:
            raise ValidationError({"photo": refused.messages}) from None
    if call.acknowledged_at is None:
        changes.update(acknowledged_at=at, acknowledged_by=by)
    return advance(call, (S.CALLED, S.ACKNOWLEDGED, S.ON_SITE), A.ARRIVE, by, note, at=at, **changes)


def report(call: Call, by, outcome: str, note: str) -> Call:
    """What came of it: solved, partly, or cannot be (and why)."""
    if outcome not in Call.Outcome.values or not outcome:
        raise ValidationError({"outcome": _("Choose what came of it.")})
    note = text(note, "note", MAX_NOTE, required=True)
    # Solved, even partly, only by someone who came (报到); "cannot" may be said once the call
    # is taken, without going. Either way the figures then time a real acknowledgement.
    came = outcome != Call.Outcome.CANNOT
    call.refresh_from_db(fields=["state"])
    if came and call.state != S.ON_SITE:
        raise ValidationError({"outcome": _("Report the arrival on site first: a call is solved by coming.")})
    if not came and call.state == S.CALLED:
        raise ValidationError({"outcome": _("Acknowledge the call first.")})
    now = timezone.now()
    changes: dict = {"state": S.DONE, "outcome": outcome, "outcome_note": note, "done_at": now, "done_by": by}
    label = Call.Outcome(outcome).label
    return advance(call, (S.ACKNOWLEDGED, S.ON_SITE), A.OUTCOME, by, f"{label}: {note}", **changes)


def confirm(call: Call, by, note: str = "") -> Call:
    now = timezone.now()
    return advance(
        call,
        (S.DONE,),
        A.CONFIRM,
        by,
        text(note, "note", MAX_NOTE),
        state=S.CONFIRMED,
        confirmed_at=now,
        confirmed_by=by,
    )


def send_back(call: Call, by, note: str) -> Call:
    """Not done as the community needs: the department goes again. The outcome it reported
    stays in the steps; the call waits for a new one."""
    note = text(note, "note", MAX_NOTE, required=True)
    return advance(
        call,
        (S.DONE,),
        A.SEND_BACK,
        by,
        note,
        state=S.ACKNOWLEDGED,
        outcome="",
        outcome_note="",
        done_at=None,
        done_by=None,
        sent_back=call.sent_back + 1,
    )


# Escalation -----------------------------------------------------------------------------


def overdue_at(now: datetime.datetime) -> Q:
    """Open calls not acknowledged in time, or not done by when they were needed (Call.late)."""
    return Q(state__in=Call.OPEN) & (Q(state=S.CALLED, acknowledge_by__lt=now) | Q(needed_by__lt=now))


def escalate(now: datetime.datetime | None = None) -> list[Escalation]:
    """Raises every overdue open call one level, at most: to the street when it falls overdue,
    to the district when it is still overdue DISTRICT_AFTER later. Run again, it raises
    nothing twice (one Escalation per call and level)."""
    now = now or timezone.now()
    overdue = Call.objects.filter(overdue_at(now), level__lt=Call.Level.DISTRICT)
    made = []
    for call in overdue.prefetch_related("escalations"):
        reason = call.late(now)
        if not reason:
            continue
        if call.level == Call.Level.NONE:
            level = Call.Level.STREET
        elif all(e.at + DISTRICT_AFTER <= now for e in call.escalations.all()):
            level = Call.Level.DISTRICT
        else:
            continue
        with transaction.atomic():
            if Call.objects.filter(pk=call.pk, level__lt=level).update(level=level) != 1:
                continue  # another run took it
            made.append(Escalation.objects.create(call=call, level=level, reason=reason, at=now))
            record(call, A.ESCALATE, None, Call.Level(level).label, at=now)
    return made
