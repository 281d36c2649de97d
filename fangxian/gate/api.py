"""Gates, permits and passes under /api/v1/. A scan is stored once per client_id, however
often a gate phone sends it."""

import datetime
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.http import JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from ninja.responses import NinjaJSONEncoder
from pydantic import model_validator

from fangxian.accounts import apikit, audit
from fangxian.accounts.apikit import (
    Id,
    Input,
    Moment,
    Phone,
    Refused,
    access_version,
    answers,
    batch_item,
    error,
    not_found,
)
from fangxian.accounts.models import AuditEvent
from fangxian.accounts.scoping import Can, can, get_visible_or_404, scope_for, visible
from fangxian.people.models import Resident
from fangxian.people.temperature import clean_temperature, is_fever
from fangxian.people.temperature import device_rule as temperature_rule

from . import bundle, checking, permits, trust
from .models import Gate, Pass, Permit, Verdict

router = Router(tags=["gate"])
MAX_BATCH = 5000


def usable_gates(user):
    """Gates a keeper is posted to, and every gate of a community the user keeps as a whole."""
    keeps = scope_for(user, Can.EDIT_REGISTRY)
    condition = Q(keepers=user)
    if keeps.everything:
        condition = Q()
    elif keeps.communities is not None:
        condition |= Q(community_id__in=keeps.whole_communities())
    return Gate.objects.filter(condition).distinct()


class GateOut(Schema):
    id: int
    name: str
    community_id: int
    direction: str


class Taken(Input):
    """A person's pass holds the temperature taken for it, or says why none was: a card seen
    before a temperature was tapped was stored with none, and nobody could tell why."""

    temperature: float | None = None
    no_temperature: Literal[("", *Pass.NoTemperature.values)] = ""  # type: ignore[valid-type]

    @model_validator(mode="after")
    def temperature_or_why_not(self) -> "Taken":
        if (self.temperature is None) == (not self.no_temperature):
            raise ValueError(temperature_or_why_not())
        return self


def temperature_or_why_not() -> str:
    return _("Give the temperature taken, or why none was taken: one of the two.")


def device_rules(schema: type[Input]) -> dict[str, dict]:
    """What the gate page checks before it keeps a pass (apikit.device_rules)."""
    return apikit.device_rules(
        schema,
        temperature=temperature_rule(),
        __all__={"oneOf": [["temperature", "no_temperature"], temperature_or_why_not()]},
    )


class ScanIn(Taken):
    gate_id: Id
    code: str = Field("", max_length=2000)
    permit_id: Id | None = None  # typed from the card when its code cannot be scanned
    client_id: uuid.UUID
    scanned_at: Moment
    # The keeper says this is someone passing again, not the same card seen twice.
    new_passage: bool = False

    @model_validator(mode="after")
    def names_a_permit(self) -> "ScanIn":
        # Nothing to judge is no pass: it was stored as a forged one.
        if not self.code and self.permit_id is None:
            raise ValueError(_("A scan carries the permit's code, or its number typed from the card."))
        return self


class ScanOut(Schema):
    client_id: uuid.UUID
    verdict: str
    pass_id: int
    holder: dict
    reasons: list[str]
    # The same passage as pass_id, stored under another client_id: not counted again.
    repeat: bool = False


class BatchIn(Schema):
    scans: list[Any]  # each checked on its own: a bad one gets its own error


class VisitorIn(Taken):
    gate_id: Id
    kind: str = Pass.Kind.VISITOR
    name: str = Field(..., min_length=1, max_length=50)
    phone: Phone = ""
    reason: str = Field("", max_length=200)
    dwelling_id: Id | None = None
    client_id: uuid.UUID
    scanned_at: Moment


class UndoIn(Input):
    gate_id: Id
    client_id: uuid.UUID  # of the pass to undo
    undone_at: Moment


class RefusalIn(Input):
    gate_id: Id
    refusal: str
    note: str = Field("", max_length=200)
    client_id: uuid.UUID
    scanned_at: Moment


class PassOut(Schema):
    id: int
    kind: str
    verdict: str
    holder: str
    temperature: Decimal | None
    scanned_at: datetime.datetime


class PermitIn(Input):
    resident_id: Id


class PermitOut(Schema):
    id: int
    resident_id: int
    code: str
    valid_from: datetime.datetime
    valid_until: datetime.datetime
    revoked_at: datetime.datetime | None
    revoke_reason: str


class RevokeIn(Input):
    reason: str = Permit.RevokeReason.LOST


@router.get("/gates", response=list[GateOut])
def list_gates(request):
    return usable_gates(request.user)


@router.get("/gates/{gate_id}/bundle", response=answers({200: dict}, 403))
def trust_bundle(request, gate_id: Id):
    """Downloaded by the gate page for offline use; `version` changes when its content does."""
    return bundle.build(gate_for(request, gate_id))


def gate_for(request, gate_id: Id) -> Gate:
    gate = usable_gates(request.user).filter(pk=gate_id).first()
    if gate is None:
        if visible(request.user, Can.VIEW_PLACES, Gate.objects.filter(pk=gate_id)).exists():
            error(_("You are not posted to this gate."), 403)
        not_found()
    return gate


@dataclass(frozen=True)
class GatePost:
    """What a scan needs to know about a gate the user may scan at."""

    gate_id: int
    direction: str
    accepted: frozenset[int]
    community_id: int


POSTS: dict[tuple[int, int], tuple[int, GatePost]] = {}


def post_for(request, gate_id: Id) -> GatePost:
    """Kept per worker while the access version stands: a busy gate sends hundreds of scans
    a minute, and a posting or a grant changes a few times a day — and then at once."""
    key = (request.user.pk, gate_id)
    version = access_version(request)
    cached = POSTS.get(key)
    if cached is not None and cached[0] == version:
        return cached[1]
    gate = gate_for(request, gate_id)
    post = GatePost(gate.pk, gate.direction, frozenset(gate.accepted_issuers()), gate.community_id)
    POSTS[key] = (version, post)
    return post


def clean_time(at: datetime.datetime) -> datetime.datetime:
    if timezone.is_naive(at):
        raise ValueError(_("The scan time needs its time zone, like 2020-02-01T08:00:00+08:00."))
    now = timezone.now()
    if at > now + datetime.timedelta(seconds=settings.SCAN_FUTURE_TOLERANCE_SECONDS):
        raise ValueError(_("The scan time is in the future: check the phone's clock."))
    if at < now - datetime.timedelta(days=settings.SCAN_MAX_AGE_DAYS):
        raise ValueError(
            _("The scan time is more than %(n)s days ago: check the phone's clock.") % {"n": settings.SCAN_MAX_AGE_DAYS}
        )
    return at


def existing_passes(client_ids) -> dict:
    return {p.client_id: p for p in Pass.objects.filter(client_id__in=client_ids)}


def result(p: Pass, gate_id: int, finding: checking.Finding | None = None) -> dict:
    """The answer for one pass. A client_id belongs to the gate that made it: another gate's
    client_id gets an error, never that pass."""
    if p.gate_id != gate_id:
        return {"client_id": str(p.client_id), "error": _("This client_id belongs to a pass of another gate.")}
    holder = (
        finding.holder
        if finding
        else (
            {"permit_id": p.claimed_permit_id, "name": p.holder, "issuer": p.issuer_code} if p.claimed_permit_id else {}
        )
    )
    return {
        "client_id": p.client_id,
        "verdict": p.verdict,
        "pass_id": p.pk,
        "holder": holder,
        "reasons": p.reasons,
        "repeat": False,
    }


def typed_codes(post: GatePost, scans: list[ScanIn]) -> dict[int, str]:
    """Codes of the permits whose numbers were typed, among the gate's own community's only: a
    number of any other permit reads as unknown here, whether it exists or not. Trust lets a
    gate admit the cards another community signed, shown at the gate; a typed number proves
    no card, and would let a keeper walk through that community's numbers and read who lives
    where and who is under observation."""
    typed = {s.permit_id for s in scans if s.permit_id is not None and not s.code}
    if not typed:
        return {}
    return dict(Permit.objects.filter(pk__in=typed, community_id=post.community_id).values_list("id", "code"))


def record_scans(request, post: GatePost, scans: list[ScanIn]) -> list[dict]:
    """Judges and stores scans of one gate. A client_id already stored answers as it was
    stored: resending a batch after a lost answer changes nothing."""
    known = (
        set(Pass.objects.filter(client_id__in=[s.client_id for s in scans]).values_list("client_id", flat=True))
        if len(scans) > 1
        else set()
    )
    fresh = [s for s in scans if s.client_id not in known]
    codes = typed_codes(post, fresh)
    typed_elsewhere = {
        s.client_id for s in fresh if not s.code and s.permit_id is not None and s.permit_id not in codes
    }
    parsed = [checking.parse(s.code or codes.get(s.permit_id, "")) for s in fresh]
    rows, passages = checking.permit_rows(parsed, near(post, fresh))
    new, findings, repeat_of = [], {}, {}
    for scan, item in zip(fresh, parsed, strict=True):
        temperature = clean_temperature(scan.temperature)
        if scan.client_id in typed_elsewhere:
            finding = checking.unknown_number(temperature)
        else:
            finding = checking.judge(item, post.accepted, temperature, scan.scanned_at.timestamp(), rows)
        holder = finding.holder
        findings[scan.client_id] = finding
        if finding.permit_row and not scan.new_passage:
            seen = passages.setdefault(finding.permit_row["id"], [])
            earlier = same_passage(seen, scan, finding.verdict)
            if earlier is not None:
                repeat_of[scan.client_id] = earlier
                continue
            seen.append((scan.scanned_at, finding.verdict, scan.client_id))
        new.append(
            Pass(
                gate_id=post.gate_id,
                kind=Pass.Kind.PERMIT,
                verdict=finding.verdict,
                reasons=finding.reasons,
                direction=post.direction,
                temperature=temperature,
                no_temperature=scan.no_temperature,
                permit_id=finding.permit_row["id"] if finding.permit_row else None,
                claimed_permit_id=holder.get("permit_id"),
                issuer_code=holder.get("issuer", ""),
                holder=holder.get("name", ""),
                scanned_at=scan.scanned_at,
                keeper_id=request.user.pk,
                client_id=scan.client_id,
            )
        )
    stored = store(new)
    missing = [
        i
        for i in [s.client_id for s in scans if s.client_id not in repeat_of] + list(repeat_of.values())
        if i not in stored
    ]
    stored.update(existing_passes(missing) if missing else {})
    return [answer(s, stored, post.gate_id, findings.get(s.client_id), repeat_of.get(s.client_id)) for s in scans]


def answer(scan: ScanIn, stored: dict, gate_id: int, finding: checking.Finding | None, earlier) -> dict:
    if earlier is not None and earlier in stored:
        return {**result(stored[earlier], gate_id, finding), "client_id": scan.client_id, "repeat": True}
    if scan.client_id in stored:
        return result(stored[scan.client_id], gate_id, finding)
    return {"client_id": str(scan.client_id), "error": _("This scan could not be stored; the others were.")}


def near(post: GatePost, scans: list[ScanIn]) -> checking.Near | None:
    """The span in which a pass of this gate may be repeated by these scans: none when the
    window is off or every scan is a new passage."""
    window = datetime.timedelta(seconds=settings.GATE_REPEAT_SECONDS)
    times = [s.scanned_at for s in scans if not s.new_passage]
    if not window or not times:
        return None
    return checking.Near(post.gate_id, min(times) - window, max(times) + window)


def same_passage(seen: list, scan: ScanIn, verdict: str) -> uuid.UUID | None:
    """The earlier pass this scan repeats: the same permit and verdict within the window (a
    card left before the camera). A fever after an admission is not a repeat, nor is a
    resend of that very pass, which answers as stored."""
    window = datetime.timedelta(seconds=settings.GATE_REPEAT_SECONDS)
    if any(client_id == scan.client_id for _at, _verdict, client_id in seen):
        return None
    return next(
        (client_id for at, earlier, client_id in seen if earlier == verdict and abs(at - scan.scanned_at) < window),
        None,
    )


PASS_FIELDS = [f for f in Pass._meta.concrete_fields if not f.primary_key]
INSERT_SQL: dict[str, str] = {}


def insert_one(p: Pass) -> None:
    """One pass in one INSERT ... RETURNING, with no BEGIN/COMMIT around it. The statement
    is built once per process (the ORM rebuilt it for every scan: 0.56 ms of a scan's ~2);
    each field still prepares its own value, as the ORM would."""
    if connection.vendor not in INSERT_SQL:
        columns = ", ".join(connection.ops.quote_name(f.column) for f in PASS_FIELDS)
        placeholders = ", ".join(["%s"] * len(PASS_FIELDS))
        INSERT_SQL[connection.vendor] = (
            f"INSERT INTO {connection.ops.quote_name(Pass._meta.db_table)} ({columns}) VALUES ({placeholders}) RETURNING id"
        )
    params = [f.get_db_prep_save(f.pre_save(p, add=True), connection) for f in PASS_FIELDS]
    with connection.cursor() as cursor:
        cursor.execute(INSERT_SQL[connection.vendor], params)
        p.pk = cursor.fetchone()[0]
    p._state.adding = False
    p._state.db = connection.alias


def store(passes: list[Pass]) -> dict:
    """Inserts the passes; any whose client_id another request stored meanwhile is left out
    (the caller looks those up). One statement in the common case; if the database refuses
    it, each pass is tried on its own, so that one it refuses costs only itself."""
    try:
        if connection.in_atomic_block:
            with transaction.atomic():  # a savepoint, so that a conflict spoils nothing around it
                Pass.objects.bulk_create(passes)
        elif len(passes) == 1 and connection.features.can_return_columns_from_insert:
            insert_one(passes[0])
        else:
            Pass.objects.bulk_create(passes)
        return {p.client_id: p for p in passes}
    except DatabaseError:
        return store_each(passes)


def store_each(passes: list[Pass]) -> dict:
    kept = {}
    for p in passes:
        try:
            with transaction.atomic():
                Pass.objects.bulk_create([p])
        except DatabaseError:  # stored meanwhile by a resend (looked up by the caller), or refused
            continue
        kept[p.client_id] = p
    return kept


def keep(p: Pass) -> Pass:
    """Stores one pass; if its client_id was stored before (a resend), answers that one —
    unless another gate stored it, whose pass is not this caller's to see."""
    kept = store([p]).get(p.client_id) or Pass.objects.filter(client_id=p.client_id).first()
    if kept is None:
        error(_("This pass could not be stored."), 422)
    if kept.gate_id != p.gate_id:
        error(_("This client_id belongs to a pass of another gate."), 409)
    return kept


@router.post("/gate/scans", response=answers({200: ScanOut}, 404, 409))
def scan(request, data: ScanIn):
    post = post_for(request, data.gate_id)
    try:
        checked(data)
    except Refused as exc:
        raise ValidationError(exc.errors) from None
    [answer] = record_scans(request, post, [data])
    if "error" in answer:
        error(answer["error"], 409)
    # The answer is built here in ScanOut's shape; validating it again costs a tenth of a scan.
    return JsonResponse(answer, encoder=NinjaJSONEncoder)


@router.post("/gate/scans/batch")
def scan_batch(request, data: BatchIn):
    """Up to 5,000 scans, answered in order; a bad scan gets its own error and the good ones
    in the same batch are stored."""
    if len(data.scans) > MAX_BATCH:
        error(_("At most %(n)s scans in one batch.") % {"n": MAX_BATCH}, 422)
    slots: list[dict | None] = [None] * len(data.scans)
    by_gate: dict[int, list[tuple[int, ScanIn]]] = {}
    gates: dict[int, GatePost | str] = {}
    for index, raw in enumerate(data.scans):
        try:
            item = batch_item(ScanIn, raw)
            checked(item)
        except Refused as exc:
            slots[index] = {"client_id": raw.get("client_id") if isinstance(raw, dict) else None, "error": short(exc)}
            continue
        if item.gate_id not in gates:
            try:
                gates[item.gate_id] = post_for(request, item.gate_id)
            except HttpError as refused:  # told as a single scan is: another community's gate is not found
                gates[item.gate_id] = str(refused)
        if isinstance(gates[item.gate_id], str):
            slots[index] = {"client_id": str(item.client_id), "error": gates[item.gate_id]}
            continue
        by_gate.setdefault(item.gate_id, []).append((index, item))
    for gate_id, items in by_gate.items():
        for (index, _item), answer in zip(
            items, record_scans(request, gates[gate_id], [i for _index, i in items]), strict=True
        ):
            slots[index] = answer
    return {"results": slots}


def checked(scan: ScanIn) -> None:
    """What a scan's schema cannot say: its time and its temperature are possible."""
    for key, check, value in (
        ("scanned_at", clean_time, scan.scanned_at),
        ("temperature", clean_temperature, scan.temperature),
    ):
        try:
            check(value)
        except ValueError as exc:
            raise Refused({key: [str(exc)]}) from None


def short(refused: Refused) -> str:
    """A batch's error in one line, as the gate page shows it: `field: what is wrong; …`."""
    return "; ".join(
        message if key == "__all__" else f"{key}: {message}"
        for key, messages in refused.errors.items()
        for message in messages
    )


@router.post("/gate/visitors", response=answers({200: PassOut}, 404, 409))
def visitor(request, data: VisitorIn):
    gate = gate_for(request, data.gate_id)
    if data.kind not in (Pass.Kind.VISITOR, Pass.Kind.COURIER):
        error(_("A visitor is kind visitor or courier."), 422)
    # Said by field, as a batch says them: the page corrects a visitor's entry by what was wrong.
    try:
        temperature = clean_temperature(data.temperature)
    except ValueError as exc:
        raise ValidationError({"temperature": [str(exc)]}) from None
    try:
        clean_time(data.scanned_at)
    except ValueError as exc:
        raise ValidationError({"scanned_at": [str(exc)]}) from None
    dwelling = None
    if data.dwelling_id is not None:
        dwelling = gate.community.dwellings.filter(pk=data.dwelling_id).first()
        if dwelling is None:
            error(_("That dwelling is not in this gate's community."), 422)
    verdict = Verdict.FEVER if is_fever(temperature) else Verdict.ADMIT
    return keep(
        Pass(
            gate=gate,
            kind=data.kind,
            verdict=verdict,
            reasons=[verdict] if verdict == Verdict.FEVER else [],
            direction=gate.direction,
            temperature=temperature,
            no_temperature=data.no_temperature,
            holder=data.name,
            phone=data.phone,
            reason=data.reason,
            visiting=dwelling,
            scanned_at=data.scanned_at,
            keeper=request.user,
            client_id=data.client_id,
        )
    )


@router.post("/gate/refusals", response=answers({200: PassOut}, 404, 409))
def refusal(request, data: RefusalIn):
    """Someone would not show a permit, wear a mask or stop: two taps at the gate."""
    gate = gate_for(request, data.gate_id)
    if data.refusal not in Pass.Refusal.values:
        error(_("Unknown refusal."), 422)
    try:
        clean_time(data.scanned_at)
    except ValueError as exc:
        raise ValidationError({"scanned_at": [str(exc)]}) from None
    return keep(
        Pass(
            gate=gate,
            kind=Pass.Kind.REFUSAL,
            verdict=Verdict.REFUSED,
            reasons=[data.refusal],
            refusal=data.refusal,
            reason=data.note,
            direction=gate.direction,
            scanned_at=data.scanned_at,
            keeper=request.user,
            client_id=data.client_id,
        )
    )


class UndoneOut(Schema):
    client_id: uuid.UUID
    undone: bool


@router.post("/gate/passes/undo", response=answers({200: UndoneOut}, 404))
def undo_pass(request, data: UndoIn):
    """A pass recorded by mistake (the wrong temperature tapped, a person recorded twice),
    undone by the keeper who recorded it, within GATE_UNDO_SECONDS of recording it. The pass
    goes; the audit log keeps what it was. Nothing to undo (never stored, undone before)
    answers 404."""
    gate = gate_for(request, data.gate_id)
    try:
        clean_time(data.undone_at)
    except ValueError as exc:
        error(str(exc), 422)
    p = Pass.objects.filter(gate=gate, client_id=data.client_id).first()
    if p is None:
        not_found()
    if p.keeper_id != request.user.pk:
        error(_("Only the keeper who recorded a pass may undo it."), 403)
    # A few seconds' grace: the page stops offering the undo after the limit, by its own clock.
    if data.undone_at - p.scanned_at > datetime.timedelta(seconds=settings.GATE_UNDO_SECONDS + 10):
        error(
            _("A pass can be undone within %(n)s seconds of recording it; this one is older.")
            % {"n": settings.GATE_UNDO_SECONDS},
            422,
        )
    audit.record(
        request,
        AuditEvent.Action.PASS_UNDONE,
        p,
        community_id=gate.community_id,
        kind=p.kind,
        verdict=p.verdict,
        temperature=str(p.temperature) if p.temperature is not None else None,
        scanned_at=p.scanned_at.isoformat(),
    )
    p.delete()
    return {"client_id": data.client_id, "undone": True}


class RecallOut(Schema):
    name: str = Field(..., alias="holder")
    phone: str
    reason: str
    kind: str


@router.get("/gate/visitors/recall", response=answers({200: RecallOut}, 403, 404))
def recall_visitor(request, gate_id: Id, phone: str):
    """A returning visitor's last registration at this gate, found by phone number."""
    gate = gate_for(request, gate_id)
    last = (
        Pass.objects.filter(gate=gate, phone=phone.strip(), kind__in=[Pass.Kind.VISITOR, Pass.Kind.COURIER])
        .order_by("-scanned_at")
        .first()
    )
    if last is None:
        not_found()
    return last


class GrantIn(Input):
    gate_id: Id
    issuer_id: Id


class GrantOut(Schema):
    id: int
    gate_id: int
    gate: str = Field(..., alias="gate.name")
    gate_community_id: int = Field(..., alias="gate.community_id")
    issuer_id: int
    status: str
    ending: str
    asked_at: datetime.datetime
    granted_at: datetime.datetime | None
    ended_at: datetime.datetime | None


@router.get("/gate/grants", response=list[GrantOut])
def list_grants(request):
    """Trust asked of, granted by or ended by the communities the caller decides for, and
    that of the gates the caller runs."""
    return trust.grants_in_view(request.user)


@router.post("/gate/grants", response=answers({201: GrantOut}, 404))
def ask_trust(request, data: GrantIn):
    """Asks a community to let this gate admit its permits (granted at once when the caller
    may grant it)."""
    gate = get_visible_or_404(
        request.user, Can.VIEW_PLACES, Gate.objects.select_related("community__street"), pk=data.gate_id
    )
    issuer = trust.candidates(gate).filter(pk=data.issuer_id).first()
    if issuer is None:
        error(_("A gate may ask only the communities of its own district."), 422)
    return Status(201, trust.ask(request, gate, issuer))


def grant_for(request, grant_id: Id):
    grant = trust.grants_in_view(request.user).filter(pk=grant_id).first()
    if grant is None:
        not_found()
    return grant


@router.post("/gate/grants/{grant_id}/grant", response=GrantOut)
def grant_trust(request, grant_id: Id):
    return trust.decide(request, grant_for(request, grant_id), True)


@router.post("/gate/grants/{grant_id}/refuse", response=GrantOut)
def refuse_trust(request, grant_id: Id):
    return trust.decide(request, grant_for(request, grant_id), False)


@router.post("/gate/grants/{grant_id}/end", response=GrantOut)
def end_trust(request, grant_id: Id):
    """Revoked by the issuer's side, withdrawn by the gate's."""
    return trust.end(request, grant_for(request, grant_id))


@router.post("/permits", response=answers({201: PermitOut}, 404))
def issue_permit(request, data: PermitIn):
    resident = get_visible_or_404(
        request.user,
        Can.VIEW_RESIDENTS,
        Resident.objects.select_related("community", "dwelling__building"),
        pk=data.resident_id,
    )
    if not can(request.user, Can.EDIT_REGISTRY, resident):
        error(_("Your role may not issue permits."), 403)
    if resident.moved_out_on is not None:
        error(_("This resident has moved out."), 422)
    return Status(201, permits.issue(resident, request.user))


@router.post("/permits/{permit_id}/revoke", response=PermitOut)
def revoke_permit(request, permit_id: Id, data: RevokeIn):
    row = get_visible_or_404(request.user, Can.VIEW_RESIDENTS, Permit.objects.all(), pk=permit_id)
    if not can(request.user, Can.EDIT_REGISTRY, row):
        error(_("Your role may not revoke permits."), 403)
    if data.reason not in Permit.RevokeReason.values:
        error(_("Unknown reason."), 422)
    return permits.revoke(row, data.reason)
