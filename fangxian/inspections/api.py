"""Inspections under /api/v1/inspections: the rounds and their progress, what a phone takes
offline (the bundle), visits and revisits sent with a client_id, and the findings left to
rectify. The rules are rules.py's; only types here.

A finding's photo travels as base64 inside the JSON body, as the errands' photo at the door
does: a phone queues a whole visit as one entry and sends it once."""

from __future__ import annotations

import base64
import binascii
import datetime
import uuid
from typing import Annotated

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from fangxian.accounts.apikit import NOT_TRUE_OR_FALSE, Day, Id, Input, Moment, answers, error
from fangxian.accounts.scoping import Can, can, get_visible_or_404, visible
from fangxian.places.models import Business, Community, Street

from . import rules
from .models import Finding, Inspection, Round, Template

router = Router(tags=["inspections"])


class RoundIn(Input):
    name: str = Field(..., max_length=100)
    team: str = Field("", max_length=100)
    street_id: Id | None = Field(None, description="For a round of the street's team; else community_id.")
    community_id: Id | None = None
    # Bounds before the validator, as in apikit.Id: JSON's true is not a number of visits.
    visits: Annotated[int, Field(ge=1, le=5), NOT_TRUE_OR_FALSE] = Field(
        2, description="Visits per business (every firm twice: 2)."
    )
    starts_on: Day
    ends_on: Day
    business_ids: list[Id] = Field(..., max_length=rules.MAX_BUSINESSES)


class FindingIn(Input):
    item_id: Id | None = Field(None, description="On a visit: the checklist item.")
    finding_id: Id | None = Field(None, description="On a revisit: the finding left to rectify.")
    result: str = Field(..., description="pass, fail or na")
    note: str = Field("", max_length=rules.MAX_NOTE)
    photo: str | None = Field(None, description="A photo as base64 (JPEG, PNG or WebP).")
    fixed_on_spot: bool = False
    deadline: Day | None = Field(None, description="For a failure not fixed on the spot: rectify by.")


class InspectionIn(Input):
    client_id: uuid.UUID
    round_id: Id
    business_id: Id
    template_id: Id | None = Field(None, description="The checklist version the phone showed.")
    visited_at: Moment | None = Field(
        None, description="When the visit was saved on the phone; believed up to 7 days back, else the time received."
    )
    note: str = Field("", max_length=rules.MAX_NOTE)
    findings: list[FindingIn] = Field(..., max_length=40)


class RevisitIn(Input):
    client_id: uuid.UUID
    visited_at: Moment | None = Field(None, description="As for a visit.")
    note: str = Field("", max_length=rules.MAX_NOTE)
    findings: list[FindingIn] = Field(..., max_length=40)


class FindingOut(Schema):
    id: int
    inspection_id: int
    business_id: int
    code: str
    text: str
    result: str
    note: str
    has_photo: bool
    fixed_on_spot: bool
    deadline: datetime.date | None
    to_rectify: bool
    rechecks_id: int | None
    case_id: int | None


class InspectionOut(Schema):
    id: int
    client_id: uuid.UUID
    round_id: int
    business_id: int
    business: str
    template_id: int
    kind: str
    inspector: str
    visited_at: datetime.datetime
    note: str
    findings: list[FindingOut]


class ProgressOut(Schema):
    business_id: int
    business: str
    kind: str
    visits: int
    needed: int
    open: int
    overdue: int


class RoundOut(Schema):
    id: int
    name: str
    team: str
    street_id: int
    community_id: int | None
    visits: int
    starts_on: datetime.date
    ends_on: datetime.date
    state: str
    totals: dict
    businesses: list[ProgressOut]


def finding_out(f: Finding) -> dict:
    return {
        "id": f.pk,
        "inspection_id": f.inspection_id,
        "business_id": f.inspection.business_id,
        "code": f.code,
        "text": f.text,
        "result": f.result,
        "note": f.note,
        "has_photo": bool(f.photo),
        "fixed_on_spot": f.fixed_on_spot,
        "deadline": f.deadline,
        "to_rectify": f.to_rectify,
        "rechecks_id": f.rechecks_id,
        "case_id": f.case_id,
    }


def inspection_out(i: Inspection) -> dict:
    i = Inspection.objects.select_related("business", "inspector").get(pk=i.pk)
    who = i.inspector.get_full_name() or i.inspector.get_username() if i.inspector else ""
    return {
        "id": i.pk,
        "client_id": i.client_id,
        "round_id": i.round_id,
        "business_id": i.business_id,
        "business": i.business.name,
        "template_id": i.template_id,
        "kind": i.kind,
        "inspector": who,
        "visited_at": i.visited_at,
        "note": i.note,
        "findings": [finding_out(f) for f in i.findings.select_related("inspection")],
    }


def round_out(row: Round) -> dict:
    rows = rules.progress(row)
    return {
        "id": row.pk,
        "name": row.name,
        "team": row.team,
        "street_id": row.street_id,
        "community_id": row.community_id,
        "visits": row.visits,
        "starts_on": row.starts_on,
        "ends_on": row.ends_on,
        "state": row.state,
        "totals": rules.totals(rows),
        "businesses": [
            {
                "business_id": p.business.pk,
                "business": p.business.name,
                "kind": p.business.kind,
                "visits": p.visits,
                "needed": p.needed,
                "open": p.open,
                "overdue": p.overdue,
            }
            for p in rows
        ],
    }


def rounds_of(request):
    return visible(request.user, Can.INSPECT, Round.objects.select_related("street", "community"))


def decoded_photo(text: str, field: str) -> SimpleUploadedFile:
    if text.startswith("data:") and "," in text:
        text = text.split(",", 1)[1]  # a data URL as a phone's canvas makes it
    if len(text) > settings.PHOTO_MAX_BYTES * 4 // 3 + 4:
        raise ValidationError(
            {field: [_("The photo is larger than %(mb)s MB.") % {"mb": settings.PHOTO_MAX_BYTES // (1024 * 1024)}]}
        )
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError({field: [_("The photo as base64, like the text of a data: URL.")]}) from None
    return SimpleUploadedFile("photo", raw)


def checks(findings: list[FindingIn], key: str) -> list[rules.Check]:
    made = []
    for i, f in enumerate(findings):
        target = getattr(f, key)
        if target is None:
            raise ValidationError({f"findings.{i}": _("Which %(key)s this finding is for.") % {"key": key}})
        made.append(
            rules.Check(
                target=target,
                result=f.result,
                note=f.note,
                photo=decoded_photo(f.photo, f"findings.{i}") if f.photo else None,
                fixed_on_spot=f.fixed_on_spot,
                deadline=f.deadline,
            )
        )
    return made


@router.get("/inspections/rounds", response=list[RoundOut])
def list_rounds(request, state: str = "open"):
    """The rounds the caller inspects on, with each business's progress; state open, closed or all."""
    if state not in ("open", "closed", "all"):
        error(_("state is open, closed or all."), 422)
    rows = rounds_of(request)
    if state != "all":
        rows = rows.filter(state=state)
    return [round_out(r) for r in rows[:50]]


@router.post("/inspections/rounds", response=answers({201: RoundOut}, 403, 404))
def create_round(request, data: RoundIn):
    if data.community_id is not None:
        community = get_visible_or_404(request.user, Can.INSPECT, Community.objects.all(), pk=data.community_id)
        street = community.street
    elif data.street_id is not None:
        community = None
        street = Street.objects.filter(pk=data.street_id).first()
        if street is None or not visible(request.user, Can.INSPECT, Community.objects.filter(street=street)).exists():
            error(_("Not found, or not yours to see."), 404)
    else:
        error(_("A community_id, or a street_id for a round of the street."), 422)
    if not rules.may_run_round(request.user, street, community):
        error(_("Your role may not set up inspection rounds here."), 403)
    businesses = visible(request.user, Can.INSPECT, Business.objects.filter(pk__in=data.business_ids))
    if businesses.count() != len(set(data.business_ids)):
        error(_("Not found, or not yours to see."), 404)
    row = rules.new_round(
        request.user,
        street=street,
        community=community,
        name=data.name,
        team=data.team,
        visits=data.visits,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        businesses=businesses,
    )
    return Status(201, round_out(row))


@router.get("/inspections/rounds/{round_id}", response=RoundOut)
def get_round(request, round_id: Id):
    return round_out(get_visible_or_404(request.user, Can.INSPECT, rounds_of(request), pk=round_id))


@router.post("/inspections/rounds/{round_id}/close", response=answers({200: RoundOut}, 403))
def close_round(request, round_id: Id):
    row = get_visible_or_404(request.user, Can.INSPECT, rounds_of(request), pk=round_id)
    if not rules.may_run_round(request.user, row.street, row.community):
        error(_("Your role may not close this round."), 403)
    return round_out(rules.close_round(row, request.user))


@router.get("/inspections/bundle", response=answers({200: dict}, 403))
def bundle(request):
    """What the phone page takes offline: the open rounds with the businesses the caller may
    inspect, the checklist of each kind (the newest version) and what is left to rectify."""
    if not can(request.user, Can.INSPECT):
        error(_("Your role may not inspect businesses."), 403)
    open_rounds = list(rounds_of(request).filter(state=Round.State.OPEN)[:20])
    mine = set(
        visible(request.user, Can.INSPECT, Business.objects.filter(inspection_rounds__in=open_rounds)).values_list(
            "pk", flat=True
        )
    )
    rounds = []
    kinds = set()
    for row in open_rounds:
        listed = []
        for p in rules.progress(row):
            if p.business.pk not in mine:
                continue
            kinds.add(p.business.kind)
            listed.append(
                {
                    "id": p.business.pk,
                    "name": p.business.name,
                    "address": p.business.address,
                    "kind": p.business.kind,
                    "kind_label": p.business.get_kind_display(),
                    "visits": p.visits,
                    "needed": p.needed,
                }
            )
        rounds.append({"id": row.pk, "name": row.name, "team": row.team, "visits": row.visits, "businesses": listed})
    templates = {}
    for kind in kinds:
        template = Template.current(kind)
        if template is not None:
            templates[kind] = {
                "id": template.pk,
                "version": template.version,
                "items": [{"id": i.pk, "text": i.text} for i in template.items.all()],
            }
    left = (
        visible(request.user, Can.INSPECT, Finding.objects.filter(rules.TO_RECTIFY))
        .select_related("inspection__business")
        .order_by("deadline", "id")[:500]
    )
    rectify = [
        {
            "id": f.pk,
            "business_id": f.inspection.business_id,
            "business": f.inspection.business.name,
            "text": f.text,
            "note": f.note,
            "deadline": f.deadline.isoformat() if f.deadline else None,
        }
        for f in left
    ]
    return {"rounds": rounds, "templates": templates, "rectify": rectify}


@router.post("/inspections", response=answers({200: InspectionOut, 201: InspectionOut}, 404))
def record_inspection(request, data: InspectionIn):
    """A visit: one finding per item of the checklist. The same client_id again answers 200
    with the inspection stored the first time; 422 says what to correct (the round closed
    meanwhile, a failure without a date)."""
    known = Inspection.objects.filter(client_id=data.client_id).first()
    if known is not None:
        get_visible_or_404(request.user, Can.INSPECT, Inspection.objects.all(), pk=known.pk)
        return Status(200, inspection_out(known))
    row = get_visible_or_404(request.user, Can.INSPECT, rounds_of(request), pk=data.round_id)
    business = get_visible_or_404(request.user, Can.INSPECT, Business.objects.all(), pk=data.business_id)
    inspection, new = rules.inspect(
        row,
        business,
        request.user,
        checks(data.findings, "item_id"),
        data.client_id,
        template_id=data.template_id,
        note=data.note,
        visited_at=data.visited_at,
    )
    return Status(201 if new else 200, inspection_out(inspection))


@router.get("/inspections/findings", response=list[FindingOut])
def list_findings(request, business_id: Id | None = None, overdue: bool = False):
    """What is left to rectify, the earliest date first."""
    rows = visible(request.user, Can.INSPECT, Finding.objects.filter(rules.TO_RECTIFY)).select_related("inspection")
    if business_id is not None:
        rows = rows.filter(inspection__business_id=business_id)
    if overdue:
        rows = rows.filter(deadline__lt=rules.today())
    return [finding_out(f) for f in rows.order_by("deadline", "id")[:500]]


@router.get("/inspections/{inspection_id}", response=InspectionOut)
def get_inspection(request, inspection_id: Id):
    return inspection_out(get_visible_or_404(request.user, Can.INSPECT, Inspection.objects.all(), pk=inspection_id))


@router.post(
    "/inspections/businesses/{business_id}/revisits", response=answers({200: InspectionOut, 201: InspectionOut})
)
def record_revisit(request, business_id: Id, data: RevisitIn):
    """A revisit: a finding for each failure left to rectify that was checked again (pass,
    or fail with a new date). The same client_id again answers 200 as stored."""
    business = get_visible_or_404(request.user, Can.INSPECT, Business.objects.all(), pk=business_id)
    inspection, new = rules.revisit(
        business,
        request.user,
        checks(data.findings, "finding_id"),
        data.client_id,
        note=data.note,
        visited_at=data.visited_at,
    )
    return Status(201 if new else 200, inspection_out(inspection))
