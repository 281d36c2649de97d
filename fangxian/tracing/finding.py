"""The rules of tracing: who met a confirmed case in its infectious window, by which record.

Each source is one or two queries over the community's own records; none loops over a table
in Python. A person reached by several records is one contact with every reason. `run` stores
what `find` returns, keeping what was decided about contacts found before (their observation),
so running a trace again only adds."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangxian.accounts.scoping import Can, visible
from fangxian.duty.models import Assignment as DutyAssignment
from fangxian.duty.models import Person, Roster
from fangxian.errands.models import Errand
from fangxian.gate.models import Gate, Pass, Permit
from fangxian.kits.models import Recipient
from fangxian.people.models import Resident
from fangxian.stations.models import Order
from fangxian.testing.models import Sample
from fangxian.watch import observations
from fangxian.watch.models import Observation, Visit

from .models import Contact, Trace

REASONS = {
    "household": gettext_lazy("lives in the same dwelling"),
    "gate": gettext_lazy("at the same gate within minutes"),
    "visitor": gettext_lazy("registered at the gate to visit the dwelling"),
    "tube": gettext_lazy("swabbed into the same tube"),
    "census": gettext_lazy("knocked at the dwelling"),
    "errand": gettext_lazy("delivered an errand to the dwelling"),
    "order": gettext_lazy("delivered vegetables to the dwelling"),
    "kit": gettext_lazy("handed an emergency kit to the dwelling"),
    "duty": gettext_lazy("on the same shift"),
    "household_of": gettext_lazy("lives with a close contact"),
}
MAX_DAYS_BEFORE = 14
MAX_GATE_MINUTES = 120


@dataclass
class Found:
    key: str
    kind: str = Contact.Kind.CLOSE
    resident_id: int | None = None
    user_id: int | None = None
    name: str = ""
    phone: str = ""
    reasons: list[dict] = field(default_factory=list)


class Finding:
    """The contacts of one run, by key."""

    def __init__(self, case: Resident):
        self.case = case
        self.people: dict[str, Found] = {}

    def add(self, key: str, reason: str, record: str, at=None, where: str = "", kind=Contact.Kind.CLOSE, **who):
        if key == f"resident:{self.case.pk}":
            return
        found = self.people.get(key)
        if found is None:
            found = self.people[key] = Found(key, kind, **who)
        elif kind == Contact.Kind.CLOSE:
            found.kind = Contact.Kind.CLOSE
        evidence = {"reason": reason, "record": record, "at": at.isoformat() if at else None, "where": where}
        if evidence not in found.reasons:
            found.reasons.append(evidence)

    def resident(self, resident_id: int, reason: str, record: str, **evidence) -> None:
        self.add(f"resident:{resident_id}", reason, record, resident_id=resident_id, **evidence)

    def outsider(self, name: str, phone: str, reason: str, record: str, **evidence) -> None:
        self.add(f"phone:{phone}", reason, record, name=name[:50], phone=phone, **evidence)

    def staff(self, users: dict[int, tuple[str, str]], user_id: int, reason: str, record: str, **evidence) -> None:
        name, phone = users.get(user_id, ("", ""))
        self.add(f"user:{user_id}", reason, record, user_id=user_id, name=name, phone=phone, **evidence)


def window(trace: Trace, now: datetime.datetime | None = None) -> tuple[datetime.datetime, datetime.datetime]:
    return trace.starts_at, trace.ends_at(now)


def household(finding: Finding, case: Resident) -> None:
    label = str(case.dwelling.label)
    for pk in Resident.objects.current().filter(dwelling_id=case.dwelling_id).values_list("id", flat=True):
        finding.resident(pk, "household", f"dwelling:{case.dwelling_id}", where=label)


def gate(finding: Finding, case: Resident, start, end, minutes: int) -> None:
    """Everyone at a gate within ± minutes of one of the case's own passes. The case's passes
    are few (its permits on their index); everyone else's come from one query on (gate,
    scanned_at), one time range per gate, however many passes the table holds."""
    permits = list(Permit.objects.filter(resident=case).values_list("id", flat=True))
    if not permits:
        return
    own = list(
        Pass.objects.filter(permit_id__in=permits, scanned_at__gte=start, scanned_at__lte=end)
        .values_list("id", "gate_id", "scanned_at", "gate__name")
        .order_by("gate_id", "scanned_at")
    )
    if not own:
        return
    span = datetime.timedelta(minutes=minutes)
    near = Q()
    for gate_id, ranges in merged(own, span).items():
        for low, high in ranges:
            near |= Q(gate_id=gate_id, scanned_at__gte=low, scanned_at__lte=high)
    others = (
        Pass.objects.filter(near)
        .exclude(permit_id__in=permits)
        .values_list("id", "gate_id", "scanned_at", "permit__resident_id", "holder", "phone")
        .order_by("scanned_at")
    )
    gates = {gate_id: name for _pk, gate_id, _at, name in own}
    for pk, gate_id, at, resident_id, holder, phone in others:
        where = gates[gate_id]
        record = f"pass:{pk}"
        if resident_id is not None:
            finding.resident(resident_id, "gate", record, at=at, where=where)
        elif phone:
            finding.outsider(holder, phone, "gate", record, at=at, where=where)


def merged(own: list, span: datetime.timedelta) -> dict[int, list[tuple]]:
    """Each gate's ranges around the case's passes (sorted by gate and time), overlaps joined."""
    ranges: dict[int, list[list]] = {}
    for _pk, gate_id, at, _name in own:
        gate_ranges = ranges.setdefault(gate_id, [])
        if gate_ranges and at - span <= gate_ranges[-1][1]:
            gate_ranges[-1][1] = at + span
        else:
            gate_ranges.append([at - span, at + span])
    return {g: [tuple(r) for r in rs] for g, rs in ranges.items()}


def visitors(finding: Finding, case: Resident, start, end) -> None:
    """Visitors and couriers who registered at a gate to come to the case's dwelling. Passes
    have no index on the dwelling visited: the community's gates and the window (gate,
    scanned_at) narrow them first."""
    gates = list(Gate.objects.filter(community_id=case.community_id).values_list("id", flat=True))
    passes = Pass.objects.filter(
        gate_id__in=gates, scanned_at__gte=start, scanned_at__lte=end, visiting_id=case.dwelling_id
    ).exclude(phone="")
    for pk, at, holder, phone, where in passes.order_by().values_list(
        "id", "scanned_at", "holder", "phone", "gate__name"
    ):
        finding.outsider(holder, phone, "visitor", f"pass:{pk}", at=at, where=where)


def tube_mates(finding: Finding, case: Resident, start, end) -> None:
    tubes = Sample.objects.filter(resident=case, sampled_at__gte=start, sampled_at__lte=end).values("tube_id")
    mates = Sample.objects.filter(tube_id__in=tubes).exclude(resident=case)
    for pk, resident_id, at, barcode, site in mates.values_list(
        "id", "resident_id", "sampled_at", "tube__barcode", "site__name"
    ):
        finding.resident(resident_id, "tube", f"sample:{pk}", at=at, where=f"{barcode} {site or ''}".strip())


def staff_names(user_ids: set[int]) -> dict[int, tuple[str, str]]:
    """Name and phone of each account, from its person on duty when it has one."""
    names = {
        pk: (f"{first} {last}".strip() or username, "")
        for pk, first, last, username in get_user_model()
        .objects.filter(pk__in=user_ids)
        .values_list("pk", "first_name", "last_name", "username")
    }
    for user_id, name, phone in Person.objects.filter(user_id__in=user_ids).values_list("user_id", "name", "phone"):
        names[user_id] = (name, phone)
    return names


def at_the_door(finding: Finding, case: Resident, start, end) -> None:
    """The staff who stood at the case's door: census knocks, errands, vegetables, kits."""
    dwelling = case.dwelling_id
    rows = [
        ("census", "visit", Visit.objects.filter(assignment__dwelling_id=dwelling), "visited_at", "recorded_by_id"),
        ("errand", "errand", Errand.objects.filter(dwelling_id=dwelling), "delivered_at", "delivered_by_id"),
        ("order", "order", Order.objects.filter(dwelling_id=dwelling), "delivered_at", "delivered_by_id"),
        ("kit", "kit", Recipient.objects.filter(dwelling_id=dwelling), "handed_over_at", "handed_over_by_id"),
    ]
    met = []
    for reason, record, queryset, when, by in rows:
        for pk, at, user_id in queryset.filter(
            **{f"{when}__gte": start, f"{when}__lte": end, f"{by}__isnull": False}
        ).values_list("id", when, by):
            met.append((reason, f"{record}:{pk}", at, user_id))
    names = staff_names({user_id for *_rest, user_id in met})
    where = str(case.dwelling.label)
    for reason, record, at, user_id in met:
        finding.staff(names, user_id, reason, record, at=at, where=where)


def duty(finding: Finding, case: Resident, start, end) -> None:
    """If the case is on a published roster of its community (a person on duty with the case's
    phone: duty knows people by name and phone only), the others on the same shifts."""
    if not case.phone:
        return
    people = Person.objects.filter(community_id=case.community_id, phone=case.phone).values("id")
    own = DutyAssignment.objects.filter(
        person_id__in=people,
        shift__roster__status=Roster.Status.PUBLISHED,
        shift__day__gte=start.date() - datetime.timedelta(days=1),
        shift__day__lte=end.date(),
    ).select_related("shift")
    shifts = {a.shift_id: a.shift for a in own if a.shift.begins < end and a.shift.ends > start}
    if not shifts:
        return
    others = (
        DutyAssignment.objects.filter(shift_id__in=shifts)
        .exclude(person_id__in=people)
        .values_list("shift_id", "person_id", "person__user_id", "person__name", "person__phone", "shift__post__name")
    )
    for shift_id, person_id, user_id, name, phone, post in others:
        shift = shifts[shift_id]
        evidence = {"at": shift.begins, "where": f"{post} {shift.label}"}
        record = f"shift:{shift_id}"
        if user_id is not None:
            finding.staff({user_id: (name, phone)}, user_id, "duty", record, **evidence)
        elif phone:
            finding.outsider(name, phone, "duty", record, **evidence)
        else:
            finding.add(f"duty:{person_id}", "duty", record, name=name, **evidence)


def secondary(finding: Finding, case: Resident) -> None:
    """The households of the close contacts who live in the case's community; another
    community's residents are theirs to trace further. The evidence names the close contact
    they live with; their own address is on their row."""
    close = {
        f.resident_id: f for f in finding.people.values() if f.resident_id is not None and f.kind == Contact.Kind.CLOSE
    }
    contacts = Resident.objects.filter(pk__in=close, community_id=case.community_id).exclude(
        dwelling_id=case.dwelling_id
    )
    dwellings = dict(contacts.values_list("dwelling_id", "name"))
    housemates = Resident.objects.current().filter(dwelling_id__in=dwellings).exclude(pk__in=close)
    for pk, dwelling_id in housemates.values_list("id", "dwelling_id"):
        finding.add(
            f"resident:{pk}",
            "household_of",
            f"dwelling:{dwelling_id}",
            where=dwellings[dwelling_id],
            kind=Contact.Kind.SECONDARY,
            resident_id=pk,
        )


def find(trace: Trace, now: datetime.datetime | None = None) -> dict[str, Found]:
    case = Resident.objects.select_related("dwelling__building").get(pk=trace.resident_id)
    start, end = window(trace, now)
    finding = Finding(case)
    household(finding, case)
    gate(finding, case, start, end, trace.gate_minutes)
    visitors(finding, case, start, end)
    tube_mates(finding, case, start, end)
    at_the_door(finding, case, start, end)
    duty(finding, case, start, end)
    secondary(finding, case)
    return finding.people


@transaction.atomic
def run(trace: Trace, now: datetime.datetime | None = None) -> int:
    """Stores this run's contacts; answers how many are new. Contacts found before keep their
    decisions and gain the new evidence; none is removed, even if a narrower window would no
    longer reach them: someone may already be under observation because of it."""
    now = now or timezone.now()
    Trace.objects.select_for_update().filter(pk=trace.pk).first()
    found = find(trace, now)
    stored = {c.key: c for c in trace.contacts.all()}
    new, changed = [], []
    for key, person in found.items():
        contact = stored.get(key)
        if contact is None:
            new.append(
                Contact(
                    trace=trace,
                    key=key,
                    kind=person.kind,
                    resident_id=person.resident_id,
                    user_id=person.user_id,
                    name=person.name,
                    phone=person.phone,
                    reasons=person.reasons,
                    found_at=now,
                )
            )
            continue
        reasons = contact.reasons + [r for r in person.reasons if r not in contact.reasons]
        kind = Contact.Kind.CLOSE if Contact.Kind.CLOSE in (contact.kind, person.kind) else contact.kind
        if reasons != contact.reasons or kind != contact.kind:
            contact.reasons, contact.kind = reasons, kind
            changed.append(contact)
    Contact.objects.bulk_create(new)
    Contact.objects.bulk_update(changed, ["reasons", "kind"])
    Trace.objects.filter(pk=trace.pk).update(traced_at=now)
    trace.traced_at = now
    return len(new)


def clean(
    resident: Resident,
    onset_on: datetime.date | None,
    tested_on: datetime.date | None,
    days_before: int,
    isolated_at: datetime.datetime | None,
    gate_minutes: int,
) -> None:
    today = timezone.localdate()
    errors: dict[str, list] = {}
    if onset_on is None and tested_on is None:
        errors["onset_on"] = [_("Give the onset of symptoms, the date of the positive test, or both.")]
    for name, day in (("onset_on", onset_on), ("tested_on", tested_on)):
        if day is not None and day > today:
            errors[name] = [_("This date cannot be in the future.")]
    if not 0 <= days_before <= MAX_DAYS_BEFORE:
        errors["days_before"] = [_("Between 0 and %(most)s days.") % {"most": MAX_DAYS_BEFORE}]
    if not 1 <= gate_minutes <= MAX_GATE_MINUTES:
        errors["gate_minutes"] = [_("Between 1 and %(most)s minutes.") % {"most": MAX_GATE_MINUTES}]
    if isolated_at is not None:
        if isolated_at > timezone.now():
            errors["isolated_at"] = [_("This date cannot be in the future.")]
        first = onset_on or tested_on
        if first is not None and timezone.localtime(isolated_at).date() < first - datetime.timedelta(days=days_before):
            errors["isolated_at"] = [_("Isolation comes after the start of the infectious window.")]
    if resident.moved_out_on is not None:
        errors["resident_id"] = [_("This resident has moved out.")]
    if errors:
        raise ValidationError(errors)


def open_trace(
    resident: Resident,
    user,
    onset_on: datetime.date | None = None,
    tested_on: datetime.date | None = None,
    days_before: int = 2,
    isolated_at: datetime.datetime | None = None,
    gate_minutes: int = 15,
) -> tuple[Trace, int]:
    """A trace of this case with these settings, run at once. One trace per case: opening it
    again changes its window and runs it again, keeping its contacts and their decisions."""
    settings = {
        "onset_on": onset_on,
        "tested_on": tested_on,
        "days_before": days_before,
        "isolated_at": isolated_at,
        "gate_minutes": gate_minutes,
    }
    clean(resident, **settings)
    with transaction.atomic():
        trace, _created = Trace.objects.select_for_update().update_or_create(
            resident=resident,
            defaults={**settings, "community_id": resident.community_id},
            create_defaults={**settings, "community_id": resident.community_id, "created_by": user},
        )
        added = run(trace)
    return trace, added


@dataclass
class Observed:
    started: list[Contact] = field(default_factory=list)
    already: list[Contact] = field(default_factory=list)  # under observation before: linked
    elsewhere: list[Contact] = field(default_factory=list)  # outside the registry, or another community's


def observe(trace: Trace, contact_ids: list[int], user) -> Observed:
    """Home observation for the chosen contacts, from today, through watch's one path. A
    contact another community keeps, or outside the registry, is left to those who keep them."""
    done = Observed()
    with transaction.atomic():
        chosen = list(
            trace.contacts.select_for_update(of=("self",))
            .filter(pk__in=contact_ids, observation=None)
            .select_related("resident__community__street__district")
        )
        residents = [c.resident_id for c in chosen if c.resident_id]
        watched = set(visible(user, Can.WATCH, Resident.objects.filter(pk__in=residents)).values_list("id", flat=True))
        running = dict(
            Observation.objects.filter(resident_id__in=watched, released_at=None).values_list("resident_id", "id")
        )
        now = timezone.now()
        for contact in chosen:
            if contact.resident_id not in watched or contact.resident.moved_out_on is not None:
                done.elsewhere.append(contact)
                continue
            if contact.resident_id in running:
                contact.observation_id = running[contact.resident_id]
                done.already.append(contact)
            else:
                contact.observation = observations.start(
                    contact.resident, Observation.Kind.HOME, timezone.localdate(), user
                )
                done.started.append(contact)
            contact.observed_by, contact.observed_at = user, now
            contact.save(update_fields=["observation", "observed_by", "observed_at"])
    return done
