"""The rules of inspections, in one place: the pages, the phone page's API and the overdue
command call these and nothing else. Refusals are ValidationErrors in the user's language.

A visit and a revisit carry a client_id made by the phone: sent again (a queue that syncs
twice, a resend after a timeout) it answers the inspection stored the first time."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from fangxian.accounts.scoping import Can, can, holds_community, holds_place
from fangxian.lib.masking import mask_id_number, mask_name
from fangxian.people.models import Resident
from fangxian.people.photos import normalise_photo
from fangxian.places.models import Business, Community, Street

from .models import Finding, Inspection, Item, Round, Staff, Template

MAX_NOTE = 500
MAX_DEADLINE_DAYS = 60
MAX_BUSINESSES = 2000
MAX_OFFLINE = datetime.timedelta(days=7)  # a visit's own time is believed up to this far back
STAFF_CODE = "staff-observation"
R = Finding.Result
# What is still to rectify: failed, not fixed on the spot, not yet checked again.
TO_RECTIFY = Q(result=R.FAIL, fixed_on_spot=False, settled_at=None)


@dataclass
class Check:
    """One finding as the phone sends it: for an item of the checklist on a visit, for an
    earlier finding on a revisit."""

    target: int  # the item's id on a visit, the earlier finding's id on a revisit
    result: str
    note: str = ""
    photo: object = None  # an upload, checked here
    fixed_on_spot: bool = False
    deadline: datetime.date | None = None


def as_client_id(value) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (TypeError, ValueError):
        raise ValidationError({"client_id": _("Not a client id (a UUID).")}) from None


def today() -> datetime.date:
    return timezone.localdate()


def text(value: str, field: str, limit: int) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        raise ValidationError({field: _("At most %(n)s characters.") % {"n": limit}})
    return value


def may_run_round(user, street: Street, community: Community | None) -> bool:
    """Setting up and closing a round: the community's staff for a round of their community,
    the street's office for any round in the street."""
    if community is not None and holds_community(user, Can.INSPECT, community.pk):
        return True
    return holds_place(user, Can.INSPECT, "street", street.pk)


def new_round(
    user,
    *,
    street: Street,
    community: Community | None,
    name: str,
    team: str,
    visits: int,
    starts_on: datetime.date,
    ends_on: datetime.date,
    businesses: QuerySet,
) -> Round:
    if not may_run_round(user, street, community):
        raise ValidationError(_("Your role may not set up inspection rounds here."))
    name = text(name, "name", 100)
    if not name:
        raise ValidationError({"name": _("Give the round a name.")})
    if not 1 <= visits <= 5:
        raise ValidationError({"visits": _("From 1 to 5 visits per business.")})
    if ends_on < starts_on:
        raise ValidationError({"ends_on": _("The round ends before it starts.")})
    chosen = businesses.filter(community__street=street)
    if community is not None:
        chosen = chosen.filter(community=community)
    ids = list(chosen.values_list("id", flat=True)[: MAX_BUSINESSES + 1])
    if not ids:
        raise ValidationError({"businesses": _("Choose the businesses to inspect.")})
    if len(ids) > MAX_BUSINESSES:
        raise ValidationError({"businesses": _("At most %(n)s businesses on a round.") % {"n": MAX_BUSINESSES}})
    with transaction.atomic():
        row = Round.objects.create(
            street=street,
            community=community,
            name=name,
            team=text(team, "team", 100),
            visits=visits,
            starts_on=starts_on,
            ends_on=ends_on,
            created_by=user,
        )
        row.businesses.set(ids)
    return row


def close_round(row: Round, user) -> Round:
    if not may_run_round(user, row.street, row.community):
        raise ValidationError(_("Your role may not close this round."))
    if row.state == Round.State.CLOSED:
        raise ValidationError(_("The round is closed already."))
    row.state = Round.State.CLOSED
    row.closed_at = timezone.now()
    row.save(update_fields=["state", "closed_at"])
    return row


def template_for(business: Business, template_id: int | None) -> Template:
    """The version the phone had when it went offline, if it is one of this kind's; else the newest."""
    if template_id is not None:
        template = Template.objects.filter(pk=template_id, kind=business.kind).first()
        if template is None:
            raise ValidationError({"template_id": _("Not a checklist for this kind of premises.")})
        return template
    template = Template.current(business.kind)
    if template is None:
        raise ValidationError(_("There is no checklist for this kind of premises yet."))
    return template


def deadline_ok(check: Check, field: str) -> None:
    if check.result not in R.values:
        raise ValidationError({field: _("pass, fail or n.a.")})
    if check.result != R.FAIL:
        check.fixed_on_spot, check.deadline = False, None
        return
    if check.fixed_on_spot:
        check.deadline = None
        return
    if check.deadline is None:
        raise ValidationError({field: _("A failure is fixed on the spot or given a date to rectify by.")})
    if check.deadline < today():
        raise ValidationError({field: _("The date to rectify by has passed already.")})
    if check.deadline > today() + datetime.timedelta(days=MAX_DEADLINE_DAYS):
        raise ValidationError({field: _("At most %(n)s days to rectify.") % {"n": MAX_DEADLINE_DAYS}})


def kept_photo(check: Check, field: str):
    if check.photo is None:
        return None
    try:
        return normalise_photo(check.photo)
    except ValidationError as refused:
        raise ValidationError({field: refused.messages}) from None


def first_visits(row: Round, business: Business) -> int:
    return Inspection.objects.filter(round=row, business=business, kind=Inspection.Kind.VISIT).count()


def open_for_a_visit(row: Round, business: Business) -> None:
    if row.state != Round.State.OPEN:
        raise ValidationError(
            {"round_id": _("The round has been closed: ask who runs it to reopen it or choose another.")}
        )
    if first_visits(row, business) >= row.visits:
        raise ValidationError(
            {"business_id": _("This business has had its %(n)s visits on this round.") % {"n": row.visits}}
        )


def may_inspect(user, row: Round, business: Business) -> None:
    if not can(user, Can.INSPECT, business):
        raise ValidationError(_("Your role may not inspect this business."))
    if not row.businesses.filter(pk=business.pk).exists():
        raise ValidationError({"business_id": _("This business is not on the round.")})


def inspect(
    row: Round,
    business: Business,
    user,
    checks: list[Check],
    client_id,
    *,
    template_id: int | None = None,
    note: str = "",
    visited_at: datetime.datetime | None = None,
) -> tuple[Inspection, bool]:
    """A visit with a finding for every item of the checklist; (the inspection, whether it is new).
    Staff under observation are added as a finding of their own."""
    client_id = as_client_id(client_id)
    known = Inspection.objects.filter(client_id=client_id).first()
    if known is not None:
        return known, False
    may_inspect(user, row, business)
    open_for_a_visit(row, business)
    template = template_for(business, template_id)
    items = {item.pk: item for item in template.items.all()}
    given = [c.target for c in checks]
    if sorted(given) != sorted(items) or len(set(given)) != len(given):
        raise ValidationError({"findings": _("One finding for every item of the checklist, no more.")})
    photos = {}
    for i, check in enumerate(checks):
        field = f"findings.{i}"
        deadline_ok(check, field)
        check.note = text(check.note, field, MAX_NOTE)
        photos[i] = kept_photo(check, field)
    try:
        with transaction.atomic():
            # Two teams at one door at once: the round's row, locked, counts their visits in turn.
            row = Round.objects.select_for_update().get(pk=row.pk)
            open_for_a_visit(row, business)
            inspection = Inspection.objects.create(
                round=row,
                business=business,
                template=template,
                inspector=user,
                note=text(note, "note", MAX_NOTE),
                client_id=client_id,
                visited_at=when_visited(visited_at),
            )
            for i, check in enumerate(checks):
                item: Item = items[check.target]
                keep(inspection, check, photos[i], item=item, code=item.code, wording=item.text_zh)
            staff_finding(inspection)
    except IntegrityError:
        # The same client_id sent twice at once: the first one stored it.
        return Inspection.objects.get(client_id=client_id), False
    return inspection, True


def when_visited(said: datetime.datetime | None) -> datetime.datetime:
    """When the phone says the visit was made, if that can be so: a visit saved offline is
    sent hours later. A phone whose clock is off (in the future, or more than a week back)
    is not believed: the office's time is kept instead."""
    now = timezone.now()
    if said is None or said > now + datetime.timedelta(minutes=5) or said < now - MAX_OFFLINE:
        return now
    return min(said, now)


def keep(inspection: Inspection, check: Check, photo, **fields) -> Finding:
    finding = Finding(
        inspection=inspection,
        result=check.result,
        note=check.note,
        fixed_on_spot=check.fixed_on_spot,
        deadline=check.deadline,
        text=fields.pop("wording"),
        **fields,
    )
    if photo is not None:
        finding.photo.save(photo.name, photo, save=False)
    finding.save()
    return finding


def staff_finding(inspection: Inspection) -> Finding | None:
    """Someone under observation on the staff list: a failure to rectify today (sent home)."""
    observed = observed_staff(inspection.business)
    if not observed:
        return None
    names = "、".join(f"{mask_name(s.name)}（{mask_id_number(s.id_number)}）" for s in observed)
    return Finding.objects.create(
        inspection=inspection,
        code=STAFF_CODE,
        text=_("Staff under observation at work"),
        result=R.FAIL,
        note=names,
        deadline=timezone.localdate(inspection.visited_at),
    )


def observed_staff(business: Business) -> list[Staff]:
    """Staff whose ID number is of someone under observation anywhere in the registry: a
    worker may live in another community than the shop's."""
    numbers = [s.id_number for s in business.staff.all() if s.id_number]
    if not numbers:
        return []
    watched = set(
        Resident.objects.current()
        .filter(id_number__in=numbers, under_observation=True)
        .values_list("id_number", flat=True)
    )
    return [s for s in business.staff.all() if s.id_number in watched]


def to_rectify(business: Business) -> QuerySet:
    return Finding.objects.filter(TO_RECTIFY, inspection__business=business).select_related("inspection")


def revisit(
    business: Business,
    user,
    checks: list[Check],
    client_id,
    *,
    note: str = "",
    visited_at: datetime.datetime | None = None,
) -> tuple[Inspection, bool]:
    """Checks again only what is left to rectify at the business: each earlier finding passes,
    or fails again with a new date (or fixed now). The round may have closed since."""
    client_id = as_client_id(client_id)
    known = Inspection.objects.filter(client_id=client_id).first()
    if known is not None:
        return known, False
    if not can(user, Can.INSPECT, business):
        raise ValidationError(_("Your role may not inspect this business."))
    open_ones = {f.pk: f for f in to_rectify(business)}
    if not checks:
        raise ValidationError({"findings": _("Nothing is left to rectify here.")})
    for i, check in enumerate(checks):
        if check.target not in open_ones:
            raise ValidationError({f"findings.{i}": _("This finding is not left to rectify at this business.")})
        if check.result == R.NA:
            raise ValidationError({f"findings.{i}": _("A revisit says pass or fail.")})
    if len({c.target for c in checks}) != len(checks):
        raise ValidationError({"findings": _("Each finding once.")})
    photos = {}
    for i, check in enumerate(checks):
        field = f"findings.{i}"
        deadline_ok(check, field)
        check.note = text(check.note, field, MAX_NOTE)
        photos[i] = kept_photo(check, field)
    first = open_ones[checks[0].target].inspection
    now = when_visited(visited_at)
    try:
        with transaction.atomic():
            inspection = Inspection.objects.create(
                round_id=first.round_id,
                business=business,
                template_id=first.template_id,
                kind=Inspection.Kind.REVISIT,
                inspector=user,
                visited_at=now,
                note=text(note, "note", MAX_NOTE),
                client_id=client_id,
            )
            for i, check in enumerate(checks):
                earlier = Finding.objects.select_for_update().get(pk=check.target)
                if not earlier.to_rectify:
                    raise ValidationError(_("Someone else checked this again meanwhile."))
                keep(
                    inspection,
                    check,
                    photos[i],
                    item_id=earlier.item_id,
                    code=earlier.code,
                    wording=earlier.text,
                    rechecks=earlier,
                )
                earlier.settled_at = now
                earlier.save(update_fields=["settled_at"])
    except IntegrityError:
        return Inspection.objects.get(client_id=client_id), False
    return inspection, True


def overdue(on: datetime.date | None = None) -> QuerySet:
    """Rectifications past their date and not yet a case."""
    on = on or today()
    return Finding.objects.filter(TO_RECTIFY, deadline__lt=on, case=None)


def raise_overdue(on: datetime.date | None = None) -> int:
    """Each overdue rectification becomes one case of the street (a finding never twice: the
    case is kept on it, and its client_id is the finding's own)."""
    from fangxian.casework import handling
    from fangxian.casework.models import Case, Category

    category = Category.objects.get(code="rectification-overdue")
    made = 0
    for pk in overdue(on).values_list("pk", flat=True):
        with transaction.atomic():
            finding = (
                Finding.objects.select_for_update()
                .select_related("inspection__business__community__street")
                .filter(pk=pk, case=None)
                .first()
            )
            if finding is None:
                continue  # another run took it meanwhile
            business = finding.inspection.business
            case = handling.receive(
                street=business.community.street,
                category=category,
                source=Case.Source.INSPECTION,
                business=business,
                what=_("%(item)s: not rectified by %(date)s. %(note)s")
                % {"item": finding.text, "date": finding.deadline.isoformat(), "note": finding.note},
                client_id=uuid.uuid5(uuid.NAMESPACE_URL, f"fangxian:inspection-finding:{finding.pk}"),
            )
            finding.case = case
            finding.save(update_fields=["case"])
            made += 1
    return made


@dataclass
class Progress:
    business: Business
    visits: int
    needed: int
    open: int
    overdue: int

    @property
    def done(self) -> bool:
        return self.visits >= self.needed


def progress(row: Round) -> list[Progress]:
    """Each business of the round: its visits against those wanted, what is left to rectify."""
    businesses = row.businesses.select_related("community", "building").annotate(
        done=Count("inspections", filter=Q(inspections__round=row, inspections__kind=Inspection.Kind.VISIT))
    )
    left = dict(
        Finding.objects.filter(TO_RECTIFY, inspection__round=row)
        .values_list("inspection__business_id")
        .annotate(n=Count("id"))
    )
    late = dict(
        Finding.objects.filter(TO_RECTIFY, inspection__round=row, deadline__lt=today())
        .values_list("inspection__business_id")
        .annotate(n=Count("id"))
    )
    return [Progress(b, b.done, row.visits, left.get(b.pk, 0), late.get(b.pk, 0)) for b in businesses]


def totals(rows: list[Progress]) -> dict:
    wanted = sum(p.needed for p in rows)
    made = sum(min(p.visits, p.needed) for p in rows)
    return {
        "businesses": len(rows),
        "visits": made,
        "wanted": wanted,
        "percent": round(100 * made / wanted) if wanted else 0,
        "open": sum(p.open for p in rows),
        "overdue": sum(p.overdue for p in rows),
    }


def add_staff(business: Business, user, name: str, phone: str, id_number: str) -> Staff:
    if not can(user, Can.INSPECT, business):
        raise ValidationError(_("Your role may not keep this business's staff list."))
    name = text(name, "name", 50)
    if not name:
        raise ValidationError({"name": _("The name, please.")})
    id_number = text(id_number, "id_number", 40).upper()
    if id_number and business.staff.filter(id_number=id_number).exists():
        raise ValidationError({"id_number": _("This ID number is on the list already.")})
    return Staff.objects.create(
        business=business, name=name, phone=text(phone, "phone", 20), id_number=id_number, added_by=user
    )


def new_version(kind: str, items: list[tuple[str, str, str]]) -> Template:
    """A kind's checklist changed: a new version with these items (code, Chinese, English).
    Past inspections keep the version they were made with."""
    if kind not in Business.Kind.values:
        raise ValidationError({"kind": _("Not a kind of premises.")})
    if not items or len({code for code, _zh, _en in items}) != len(items):
        raise ValidationError({"items": _("Each item once, with its own code.")})
    with transaction.atomic():
        last = Template.objects.select_for_update().filter(kind=kind).order_by("-version").first()
        template = Template.objects.create(kind=kind, version=(last.version + 1) if last else 1)
        for position, (code, zh, en) in enumerate(items, start=1):
            Item.objects.create(template=template, position=position, code=code, text_zh=zh, text_en=en)
    return template


# The staff list as businesses send it: these headers, in Chinese or English, in any order.
STAFF_COLUMNS = {
    "name": ("姓名", "name"),
    "phone": ("电话", "手机", "联系电话", "phone"),
    "id_number": ("证件号码", "身份证号", "身份证号码", "id number", "id_number"),
}
MAX_STAFF_ROWS = 2000


@dataclass
class StaffRow:
    line: int
    name: str
    phone: str
    id_number: str
    problems: list[str]


def read_staff(business: Business, data: bytes) -> list[StaffRow]:
    """Every row of an uploaded staff list, each with what is wrong with it; nothing is kept
    here. ValidationError when the file as a whole cannot be read."""
    from fangxian.lib.tabular import TableError
    from fangxian.people.importing import TABLE_MESSAGES, read_upload

    try:
        table = read_upload(data)
    except TableError as exc:
        raise ValidationError(TABLE_MESSAGES[exc.code](exc.params)) from None
    header = [h.strip().casefold() for h in table.header]
    where = {}
    for key, names in STAFF_COLUMNS.items():
        found = [i for i, h in enumerate(header) if h in names]
        if found:
            where[key] = found[0]
    if "name" not in where:
        raise ValidationError(_("The list needs a column for the name; the phone and the ID number are read too."))
    if len(table.rows) > MAX_STAFF_ROWS:
        raise ValidationError(_("At most %(n)s staff in one list.") % {"n": MAX_STAFF_ROWS})
    known = set(business.staff.exclude(id_number="").values_list("id_number", flat=True))
    seen: set[str] = set()
    rows = []
    for line, cells in table.rows:
        value = {k: (cells[i].strip() if i < len(cells) else "") for k, i in where.items()}
        if not any(value.values()):
            continue
        row = StaffRow(line, value.get("name", ""), value.get("phone", ""), value.get("id_number", "").upper(), [])
        if not row.name:
            row.problems.append(_("The name, please."))
        for field, limit in (("name", 50), ("phone", 20), ("id_number", 40)):
            if len(getattr(row, field)) > limit:
                row.problems.append(_("At most %(n)s characters.") % {"n": limit})
        if row.id_number and (row.id_number in known or row.id_number in seen):
            row.problems.append(_("This ID number is on the list already."))
        seen.add(row.id_number)
        rows.append(row)
    if not rows:
        raise ValidationError(_("The list has no staff in it."))
    return rows


def import_staff(business: Business, user, rows: list[StaffRow]) -> int:
    """All the rows or none: a list with any problem is not kept."""
    if not can(user, Can.INSPECT, business):
        raise ValidationError(_("Your role may not keep this business's staff list."))
    if any(r.problems for r in rows):
        raise ValidationError(_("Correct the rows marked in the file and upload it again."))
    try:
        with transaction.atomic():
            Staff.objects.bulk_create(
                Staff(business=business, name=r.name, phone=r.phone, id_number=r.id_number, added_by=user) for r in rows
            )
    except IntegrityError:
        raise ValidationError(_("This ID number is on the list already.")) from None
    return len(rows)
