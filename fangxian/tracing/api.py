"""Tracing under /api/v1/tracing: traces (list, open, read, run again) and home observation
for chosen contacts. The rules are finding.py's; phones and ID numbers stay masked here (the
disease-control centre's file, with what a role may reveal, is the page's audited export)."""

import datetime

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from fangxian.accounts.apikit import Day, Id, Input, Moment, Page, answers, error
from fangxian.accounts.scoping import Can, can, get_visible_or_404, visible
from fangxian.people.models import Resident

from . import finding, shown
from .models import Contact, Trace

router = Router(tags=["tracing"])


class TraceIn(Input):
    resident_id: Id = Field(..., description="The confirmed case, a resident of a community you trace for.")
    onset_on: Day | None = None
    tested_on: Day | None = Field(None, description="The positive test; the window starts from it without an onset.")
    days_before: int = Field(2, ge=0, le=finding.MAX_DAYS_BEFORE)
    isolated_at: Moment | None = Field(None, description="The end of the window; now while not given.")
    gate_minutes: int = Field(15, ge=1, le=finding.MAX_GATE_MINUTES)


class ObserveIn(Input):
    contact_ids: list[Id] = Field(..., min_length=1, max_length=1000)


class EvidenceOut(Schema):
    reason: str
    record: str
    at: datetime.datetime | None
    where: str
    text: str


class ContactOut(Schema):
    id: int
    kind: str
    resident_id: int | None
    user_id: int | None
    name: str
    community: str
    address: str
    phone: str
    reasons: list[EvidenceOut]
    observation_id: int | None


class TraceOut(Schema):
    id: int
    community_id: int
    resident_id: int
    onset_on: datetime.date | None
    tested_on: datetime.date | None
    days_before: int
    isolated_at: datetime.datetime | None
    gate_minutes: int
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    traced_at: datetime.datetime | None
    close: int
    secondary: int


class TraceDetailOut(TraceOut):
    added: int = Field(0, description="Contacts this request found that were not there before.")
    contacts: list[ContactOut]


class ObservedOut(Schema):
    started: list[int]
    already: list[int]
    elsewhere: list[int]


def counted(traces):
    return traces.annotate(
        close=Count("contacts", filter=Q(contacts__kind=Contact.Kind.CLOSE)),
        secondary=Count("contacts", filter=Q(contacts__kind=Contact.Kind.SECONDARY)),
    )


def trace_out(trace: Trace) -> dict:
    """A trace with its numbers of contacts (annotated by `counted`, for a page of traces)."""
    if not hasattr(trace, "close"):
        trace = counted(Trace.objects.filter(pk=trace.pk)).get()
    return {**{f: getattr(trace, f) for f in TraceOut.model_fields if f != "ends_at"}, "ends_at": trace.ends_at()}


def detail_out(request, trace: Trace, added: int = 0) -> dict:
    contacts = [
        {
            "id": p.contact.pk,
            "kind": p.contact.kind,
            "resident_id": p.contact.resident_id,
            "user_id": p.contact.user_id,
            "name": p.name,
            "community": p.community,
            "address": p.address,
            "phone": p.phone,
            "reasons": [{**r, "text": text} for r, text in zip(p.contact.reasons, p.reasons, strict=True)],
            "observation_id": p.contact.observation_id,
        }
        for p in shown.contacts(trace, request.user)
    ]
    return {**trace_out(trace), "added": added, "contacts": contacts}


def traces_for(user):
    if not can(user, Can.TRACE):
        raise PermissionDenied
    return visible(user, Can.TRACE, counted(Trace.objects.all()))


class TracePage(Page):
    def paginate_queryset(self, queryset, pagination, request=None, **params):
        found = super().paginate_queryset(queryset, pagination, request=request, **params)
        found["items"] = [trace_out(t) for t in found["items"]]
        return found


@router.get("/tracing/traces", response=answers({200: list[TraceOut]}, 403))
@paginate(TracePage)
def list_traces(request):
    """The traces of the communities the caller traces for, newest first."""
    return traces_for(request.user)


@router.post("/tracing/traces", response=answers({201: TraceDetailOut}, 404))
def open_trace(request, data: TraceIn):
    """Traces a confirmed case at once. One trace per case: opening it again sets its window
    and runs it again, keeping the contacts found and what was decided about them."""
    case = visible(request.user, Can.TRACE, Resident.objects.current()).filter(pk=data.resident_id).first()
    if case is None:
        get_visible_or_404(request.user, Can.VIEW_RESIDENTS, Resident.objects.all(), pk=data.resident_id)
        error(_("Your role may not trace contacts in this community."), 403)
    trace, added = finding.open_trace(
        case,
        request.user,
        onset_on=data.onset_on,
        tested_on=data.tested_on,
        days_before=data.days_before,
        isolated_at=data.isolated_at,
        gate_minutes=data.gate_minutes,
    )
    return Status(201, detail_out(request, trace, added))


def trace_or_404(request, trace_id: int) -> Trace:
    return get_visible_or_404(request.user, Can.TRACE, Trace.objects.all(), pk=trace_id)


@router.get("/tracing/traces/{trace_id}", response=TraceDetailOut)
def get_trace(request, trace_id: Id):
    return detail_out(request, trace_or_404(request, trace_id))


@router.post("/tracing/traces/{trace_id}/run", response=TraceDetailOut)
def run_trace(request, trace_id: Id):
    """Runs the trace again over records that came in since: only adds."""
    trace = trace_or_404(request, trace_id)
    return detail_out(request, trace, finding.run(trace))


@router.post("/tracing/traces/{trace_id}/observe", response=ObservedOut)
def observe(request, trace_id: Id, data: ObserveIn):
    """Home observation from today for the chosen contacts of this trace. Contacts under
    observation already are linked to it; another community's residents and people outside
    the registry are answered in `elsewhere`, for their community or the centre to take up."""
    trace = trace_or_404(request, trace_id)
    if not can(request.user, Can.WATCH, trace.community):
        raise PermissionDenied
    done = finding.observe(trace, data.contact_ids, request.user)
    return {key: [c.pk for c in getattr(done, key)] for key in ObservedOut.model_fields}
