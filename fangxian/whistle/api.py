"""The whistle under /api/v1/whistle: calls (list, make, read) and their steps, and the
departments a caller may whistle. The rules are calling.py's; only types here.

The photo on site travels as base64 inside the JSON body (`photo`), as the errands' does."""

import base64
import binascii
import datetime
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from fangxian.accounts.apikit import Id, Input, Moment, Page, answers, error
from fangxian.accounts.scoping import Can, get_visible_or_404
from fangxian.casework.models import Case
from fangxian.places.models import Building, Community

from . import calling
from .models import Call, Department

router = Router(tags=["whistle"])


class CallIn(Input):
    community_id: Id
    department_id: Id
    what: str = Field(..., min_length=1, max_length=calling.MAX_WHAT)
    address: str = Field("", max_length=300)
    needed_by: Moment
    case_id: Id | None = Field(None, description="A case passed to the department with the call.")
    building_id: Id | None = None
    client_id: uuid.UUID | None = None


class NoteIn(Input):
    note: str = Field("", max_length=calling.MAX_NOTE)


class ArriveIn(Input):
    note: str = Field("", max_length=calling.MAX_NOTE)
    arrived_at: Moment | None = Field(None, description="When the department arrived; now if not given.")
    photo: str | None = Field(None, description="A photo on site as base64 (JPEG, PNG or WebP).")


class OutcomeIn(Input):
    outcome: str = Field(..., description="solved, partly or cannot.")
    note: str = Field(..., min_length=1, max_length=calling.MAX_NOTE)


class SendBackIn(Input):
    note: str = Field(..., min_length=1, max_length=calling.MAX_NOTE)


class DepartmentOut(Schema):
    id: int
    street_id: int
    kind: str
    name: str
    contact: str
    active: bool


class CallOut(Schema):
    id: int
    street_id: int
    community_id: int
    department_id: int
    department: str
    case_id: int | None  # to the community and the offices; a department does not see cases
    building_id: int | None
    what: str
    address: str
    state: str
    state_label: str
    called_at: datetime.datetime
    acknowledge_by: datetime.datetime
    needed_by: datetime.datetime
    acknowledged_at: datetime.datetime | None
    arrived_at: datetime.datetime | None
    arrival_note: str
    has_photo: bool
    outcome: str
    outcome_note: str
    done_at: datetime.datetime | None
    confirmed_at: datetime.datetime | None
    sent_back: int
    level: int
    overdue: bool


def out(request, call: Call) -> dict:
    call = Call.objects.select_related("department").get(pk=call.pk)
    sees_case = calling.overseen(request.user).filter(pk=call.pk).exists()
    return {
        **{
            f: getattr(call, f) for f in CallOut.model_fields if hasattr(call, f) and f not in ("department", "case_id")
        },
        "department": call.department.name,
        "case_id": call.case_id if sees_case else None,
        "state_label": call.get_state_display(),
        "has_photo": bool(call.arrival_photo),
        "overdue": call.overdue,
    }


class ShownPage(Page):
    def paginate_queryset(self, queryset, pagination, request=None, **params):
        found = super().paginate_queryset(queryset, pagination, request=request, **params)
        found["items"] = [out(request, c) for c in found["items"]]
        return found


SHOWS = ("open", "escalated", "done", "all")


@router.get("/whistle/calls", response=list[CallOut])
@paginate(ShownPage)
def list_calls(request, show: str = "open", department_id: Id | None = None):
    """The calls the caller may see: a community's, the street's, or a department's own.
    show: open, escalated (open and raised to the street or the district), done (waiting
    for the community to confirm), all."""
    if show not in SHOWS:
        error(_("show is one of: %(values)s.") % {"values": ", ".join(SHOWS)}, 422)
    calls = calling.calls_for(request.user)
    if show == "open":
        calls = calls.filter(state__in=Call.OPEN)
    elif show == "escalated":
        calls = calls.filter(state__in=Call.OPEN, level__gt=Call.Level.NONE)
    elif show == "done":
        calls = calls.filter(state=Call.State.DONE)
    if department_id is not None:
        calls = calls.filter(department_id=department_id)
    return calls


@router.post("/whistle/calls", response=answers({201: CallOut}, 404))
def make_call(request, data: CallIn):
    """A community whistles a department of its street. With case_id, the case is passed to
    the department in the same step (it must be one the caller handles)."""
    community = calling.calling_communities(request.user).filter(pk=data.community_id).first()
    if community is None:
        get_visible_or_404(request.user, Can.VIEW_PLACES, Community.objects.all(), pk=data.community_id)
        error(_("Your role may not whistle for this community."), 403)
    department = Department.objects.filter(pk=data.department_id, street_id=community.street_id).first()
    if department is None:
        error(_("Not found, or not yours to see."), 404)
    case = (
        get_visible_or_404(request.user, Can.HANDLE_CASES, Case.objects.all(), pk=data.case_id)
        if data.case_id
        else None
    )
    building = None
    if data.building_id:
        building = Building.objects.filter(pk=data.building_id, community=community).first()
        if building is None:
            raise ValidationError({"building_id": _("The building is not in the calling community.")})
    call = calling.whistle(
        community=community,
        department=department,
        what=data.what,
        address=data.address or (building.label if building else ""),
        needed_by=data.needed_by,
        by=request.user,
        case=case,
        building=building,
        client_id=data.client_id,
    )
    return Status(201, out(request, call))


@router.get("/whistle/calls/{call_id}", response=CallOut)
def get_call(request, call_id: Id):
    return out(request, calling.get_call_or_404(request.user, call_id))


def answered(request, call_id: int) -> Call:
    call = calling.get_call_or_404(request.user, call_id)
    if not calling.answers_for(request.user, call):
        raise PermissionDenied
    return call


def spoken(request, call_id: int) -> Call:
    call = calling.get_call_or_404(request.user, call_id)
    if not calling.calls_from(request.user, call):
        raise PermissionDenied
    return call


@router.post("/whistle/calls/{call_id}/acknowledge", response=CallOut)
def acknowledge_call(request, call_id: Id, data: NoteIn):
    """The department takes the call (接单): for its members only."""
    return out(request, calling.acknowledge(answered(request, call_id), request.user, data.note))


def decoded_photo(text: str):
    try:
        raw = base64.b64decode(text.split(",", 1)[-1], validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError({"photo": [_("The photo as base64, like the text of a data: URL.")]}) from None
    return SimpleUploadedFile("photo", raw)


@router.post("/whistle/calls/{call_id}/arrive", response=CallOut)
def arrive_call(request, call_id: Id, data: ArriveIn):
    """The department reports on site (报到), with a note and a photo if it has one."""
    call = answered(request, call_id)
    photo = decoded_photo(data.photo) if data.photo else None
    return out(request, calling.arrive(call, request.user, data.note, photo, data.arrived_at))


@router.post("/whistle/calls/{call_id}/outcome", response=CallOut)
def report_call(request, call_id: Id, data: OutcomeIn):
    """What came of it: solved, partly, or cannot (with what was done, or why not)."""
    return out(request, calling.report(answered(request, call_id), request.user, data.outcome, data.note))


@router.post("/whistle/calls/{call_id}/confirm", response=CallOut)
def confirm_call(request, call_id: Id, data: NoteIn):
    """The community confirms the outcome: the call is closed."""
    return out(request, calling.confirm(spoken(request, call_id), request.user, data.note))


@router.post("/whistle/calls/{call_id}/send-back", response=CallOut)
def send_back_call(request, call_id: Id, data: SendBackIn):
    """The community sends the outcome back: the department goes again."""
    return out(request, calling.send_back(spoken(request, call_id), request.user, data.note))


@router.get("/whistle/departments", response=list[DepartmentOut])
@paginate(Page)
def list_departments(request):
    """The departments of the streets the caller whistles in or manages, and the caller's own."""
    return calling.department_choices(request.user)
