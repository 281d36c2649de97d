"""Cases under /api/v1/cases: the list with its filters, a new case, one case with its steps,
one step at a time, and the categories with their deadlines. The rules are handling.py's.

Photos travel as base64 inside the JSON body (`photos`, a list of at most 6): the API reads
JSON only, and a phone queues a whole step (notes and photos) as one entry, sent again with
the same `client_id` until it is answered; a step sent twice is kept once."""

from __future__ import annotations

import datetime
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from fangxian.accounts.apikit import Id, Input, Page, answers, error
from fangxian.accounts.scoping import Can, can, get_visible_or_404
from fangxian.errands.api import decoded_photo
from fangxian.lib.ids import as_id

from . import cases, handling
from .models import Case, Category, Photo, Step

router = Router(tags=["cases"])
Photos = list[str]


class CaseIn(Input):
    category: str = Field(..., max_length=40, description="The category's code (GET /case-categories).")
    source: str = Field(..., max_length=12)
    what: str = Field(..., max_length=handling.MAX_WHAT)
    street_id: Id | None = Field(None, description="Only for a case no community owns yet (the street keeps it).")
    community_id: Id | None = None
    building_id: Id | None = None
    dwelling_id: Id | None = None
    business_id: Id | None = None
    address: str = Field("", max_length=300)
    reporter_name: str = Field("", max_length=50)
    reporter_phone: str = Field("", max_length=20)
    hotline_number: str = Field("", max_length=40)
    photos: Photos = Field([], max_length=handling.MAX_PHOTOS, description="Photos as base64 (JPEG, PNG or WebP).")
    client_id: uuid.UUID | None = None


class StepIn(Input):
    action: str = Field(..., max_length=12, description=", ".join(cases.ACTIONS))
    note: str = Field(
        "",
        max_length=handling.MAX_NOTE,
        description="The step's text: what was seen on site, the outcome, why it closes or reopens, a note.",
    )
    to: Id | None = Field(None, description="assign: the id of the colleague (GET /cases/{id} lists them).")
    result: str = Field("", max_length=12, description="callback: satisfied, basically, unsatisfied, unreachable.")
    agency: str = Field("", max_length=100, description="pass: the department's name.")
    photos: Photos = Field([], max_length=handling.MAX_PHOTOS, description="Photos as base64 (JPEG, PNG or WebP).")
    client_id: uuid.UUID | None = None


class CategoryOut(Schema):
    code: str
    name: str
    group: str
    respond_within: int
    respond_unit: str
    resolve_within: int
    resolve_unit: str
    active: bool


class StepOut(Schema):
    id: int
    action: str
    action_label: str
    by: str | None
    at: datetime.datetime
    note: str
    photos: list[str]  # addresses of the photos, for a logged-in session


class ColleagueOut(Schema):
    id: int
    username: str
    name: str


class CaseOut(Schema):
    id: int
    street_id: int
    community_id: int | None
    building_id: int | None
    dwelling_id: int | None
    business_id: int | None
    address: str
    source: str
    category: str
    what: str
    hotline_number: str
    reporter_name: str
    reporter_phone: str  # masked; POST /cases/{id}/callback-number reveals it for the callback
    received_at: datetime.datetime
    respond_by: datetime.datetime
    resolve_by: datetime.datetime
    state: str
    state_label: str
    overdue: bool
    assigned_to: str | None
    responded_at: datetime.datetime | None
    handled_at: datetime.datetime | None
    outcome: str
    agency: str
    callback: str
    called_back_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    close_reason: str
    reopened: int
    next: list[str]


class CaseDetailOut(CaseOut):
    steps: list[StepOut]
    colleagues: list[ColleagueOut]


class RevealOut(Schema):
    value: str


def row(case: Case) -> dict:
    return {
        **{
            f: getattr(case, f)
            for f in (
                "id",
                "street_id",
                "community_id",
                "building_id",
                "dwelling_id",
                "business_id",
                "address",
                "source",
                "what",
                "hotline_number",
                "reporter_name",
                "received_at",
                "respond_by",
                "resolve_by",
                "state",
                "responded_at",
                "handled_at",
                "outcome",
                "agency",
                "callback",
                "called_back_at",
                "closed_at",
                "close_reason",
                "reopened",
            )
        },
        "category": case.category.code,
        "reporter_phone": cases.callback_number(case),
        "state_label": case.get_state_display(),
        "overdue": case.overdue,
        "assigned_to": case.assigned_to.get_username() if case.assigned_to else None,
        "next": cases.next_actions(case),
    }


def detail(case: Case) -> dict:
    case = (
        Case.objects.select_related("category", "assigned_to")
        .prefetch_related(
            Prefetch(
                "steps", Step.objects.select_related("by").prefetch_related(Prefetch("photos", Photo.objects.all()))
            )
        )
        .get(pk=case.pk)
    )
    steps = [
        {
            "id": s.pk,
            "action": s.action,
            "action_label": s.get_action_display(),
            "by": s.by.get_username() if s.by else None,
            "at": s.at,
            "note": s.note,
            "photos": [reverse("casework:photo", args=[p.pk]) for p in s.photos.all()],
        }
        for s in case.steps.all()
    ]
    colleagues = (
        [{"id": u.pk, "username": u.get_username(), "name": u.get_full_name()} for u in handling.colleagues(case)]
        if Step.Action.ASSIGN in handling.NEXT[case.state]
        else []
    )
    return row(case) | {"steps": steps, "colleagues": colleagues}


def handled(request, case_id: int) -> Case:
    return get_visible_or_404(request.user, Can.HANDLE_CASES, Case.objects.select_related("category"), pk=case_id)


def photos_of(texts: list[str]) -> list:
    try:
        return [decoded_photo(text) for text in texts]
    except ValidationError as exc:
        raise ValidationError({"photos": exc.messages}) from None


class RowPage(Page):
    def paginate_queryset(self, queryset, pagination, request=None, **params):
        found = super().paginate_queryset(queryset, pagination, request=request, **params)
        found["items"] = [row(c) for c in found["items"]]
        return found


@router.get("/cases", response=answers({200: list[CaseOut]}, 403))
@paginate(RowPage)
def list_cases(
    request,
    state: str = "",
    category: str = "",
    source: str = "",
    overdue: bool = False,
    mine: bool = False,
    community: str = "",
):
    """Newest first. state: a state, or open (received, assigned, on site) or to_call_back
    (resolved, unfounded, passed); category: a code; community: an id, or "street" for the
    cases the street keeps; overdue and mine: true to narrow."""
    if not can(request.user, Can.HANDLE_CASES):
        error(_("Your role may not handle cases."), 403)
    if state and state not in cases.GROUPS and state not in Case.State.values:
        error(_("One of: %(values)s.") % {"values": ", ".join([*cases.GROUPS, *Case.State.values])}, 422)
    if source and source not in Case.Source.values:
        error(_("One of: %(values)s.") % {"values": ", ".join(Case.Source.values)}, 422)
    found = None
    if category:
        found = Category.objects.filter(code=category).first()
        if found is None:
            error(_("Not a category: see GET /api/v1/case-categories."), 422)
    community_id = as_id(community)
    if community and community != cases.STREET_HELD and community_id is None:
        error(_('An id of a community, or "street".'), 422)
    rows = cases.narrowed(
        cases.in_view(request.user),
        request.user,
        state=state,
        category=found,
        source=source,
        overdue=overdue,
        mine=mine,
        community=cases.STREET_HELD if community == cases.STREET_HELD else community_id,
    )
    return cases.listed(rows).order_by("-received_at", "-id")


@router.post("/cases", response=answers({201: CaseDetailOut}, 404))
def new_case(request, data: CaseIn):
    """A new case where the caller handles cases; the same client_id again answers the case
    stored first."""
    if not can(request.user, Can.HANDLE_CASES):
        error(_("Your role may not handle cases."), 403)
    category = Category.objects.filter(code=data.category, active=True).first()
    if category is None:
        raise ValidationError({"category": _("Not a category in use: see GET /api/v1/case-categories.")})
    try:
        where = cases.place(
            request.user,
            street_id=data.street_id,
            community_id=data.community_id,
            building_id=data.building_id,
            dwelling_id=data.dwelling_id,
            business_id=data.business_id,
        )
    except PermissionDenied:
        error(_("Your role may not handle cases there."), 403)
    case = handling.receive(
        street=where["street"],
        community=where["community"],
        building=where["building"],
        dwelling=where["dwelling"],
        business=where["business"],
        category=category,
        what=data.what,
        source=data.source,
        by=request.user,
        address=data.address,
        reporter_name=data.reporter_name,
        reporter_phone=data.reporter_phone,
        hotline_number=data.hotline_number,
        client_id=data.client_id,
        photos=photos_of(data.photos),
    )
    return Status(201, detail(case))


@router.get("/cases/{case_id}", response=CaseDetailOut)
def get_case(request, case_id: Id):
    return detail(handled(request, case_id))


@router.post("/cases/{case_id}/steps", response=answers({201: CaseDetailOut}, 404))
def take_step(request, case_id: Id, data: StepIn):
    """One step (see `action`); a refusal says why (422), e.g. a case that is closed cannot be
    resolved. The same client_id again keeps it once and answers the case as it is."""
    case = handled(request, case_id)
    cases.take_step(case, data.action, data.model_dump(), photos_of(data.photos), request.user)
    return Status(201, detail(case))


@router.post("/cases/{case_id}/callback-number", response=answers({200: RevealOut}, 404))
def reveal_callback_number(request, case_id: Id):
    """The reporter's number in full, for the callback: only once the case is handled (403
    before), written to the audit log."""
    case = handled(request, case_id)
    try:
        return {"value": cases.reveal(request, case, via="api")}
    except PermissionDenied:
        error(_("The number is shown for the callback, once the case is handled."), 403)


@router.get("/case-categories", response=list[CategoryOut])
def list_categories(request):
    """Every category with its two deadlines (in hours or working days); inactive ones are
    kept for old cases and take no new ones."""
    return [
        {
            "code": c.code,
            "name": c.name,
            "group": c.group,
            "respond_within": c.respond_within,
            "respond_unit": c.respond_unit,
            "resolve_within": c.resolve_within,
            "resolve_unit": c.resolve_unit,
            "active": c.active,
        }
        for c in Category.objects.all()
    ]
