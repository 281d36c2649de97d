"""The rules of errands, in one place: the pages, the API and the household's link page call
these and nothing else. Refusals are ValidationErrors in the user's language; a claim that
comes second is `Taken` (a ValidationError the API answers 409) and names who has it.

Offline-safe actions carry a client_id (a UUID made by the phone): sent again, it answers
what was stored the first time, so a queue that syncs twice changes nothing twice."""

from __future__ import annotations

import datetime
import hmac
import secrets
import unicodedata
import uuid

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import BooleanField, Case, Count, F, Q, QuerySet, Value, When, prefetch_related_objects
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from fangxian.accounts.scoping import Can, can, holds_community, visible
from fangxian.lib import money
from fangxian.lib.ids import LAST_DAY
from fangxian.lib.masking import mask_name, mask_phone
from fangxian.people.models import Resident
from fangxian.people.photos import normalise_photo
from fangxian.places.models import Dwelling
from fangxian.places.rollups import roll_up
from fangxian.supplies import forms as supplies_forms
from fangxian.supplies import ledger
from fangxian.supplies.models import Item, Movement, Store

from .models import Errand

MAX_WHAT = 500
MAX_REASON = 200
MAX_FEN = 10_000_00  # 10,000 yuan: more than any errand of a neighbourhood carries
MAX_WRONG_CODES = 5  # then the code is no proof any more: a photo at the door is
SHOWS = ("open", "claimed", "overdue", "mine", "done")
S = Errand.State


class Taken(ValidationError):
    """Someone else holds the errand: the API answers 409."""


def who(user) -> str:
    if user is None:
        return _("the household")
    return user.get_full_name() or user.get_username()


def as_client_id(value) -> uuid.UUID | None:
    if value in (None, ""):
        return None
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise ValidationError({"client_id": [_("A UUID, like 123e4567-e89b-42d3-a456-426614174000.")]}) from None


def under_observation(dwelling: Dwelling) -> bool:
    return Resident.objects.current().filter(dwelling=dwelling, under_observation=True).exists()


def fen_from_yuan(text) -> int:
    """Yuan as typed on a page ("12.5", "¥12.50") → fen, or refused in the user's words."""
    try:
        return money.fen_from_yuan(text, MAX_FEN)
    except ValueError as exc:
        if str(exc) == "too much":
            raise ValidationError(_("At most %(yuan)s yuan.") % {"yuan": MAX_FEN // 100}) from None
        raise ValidationError(_("An amount in yuan, like 12.50.")) from None


yuan = money.yuan


def checked_fen(amount, field: str) -> int:
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise ValidationError({field: [_("A whole number of fen, like 1250 for 12.50 yuan.")]})
    if not 0 <= amount <= MAX_FEN:
        raise ValidationError({field: [_("Between 0 and %(n)s fen.") % {"n": MAX_FEN}]})
    return amount


def new_code() -> str:
    return f"{secrets.randbelow(10_000):04d}"


def ask(
    dwelling: Dwelling,
    resident: Resident | None,
    kind: str,
    what: str,
    urgency: str,
    needed_by: datetime.datetime,
    via: str,
    by=None,
    client_id=None,
) -> Errand:
    """A new errand for the household (and one of its residents, if for someone). `by` is the
    staff member who took the call, None when the household asked through its link."""
    client_id = as_client_id(client_id)
    if client_id is not None:
        stored = Errand.objects.filter(client_id=client_id).first()
        if stored is not None:
            if stored.dwelling_id != dwelling.pk:
                raise ValidationError({"client_id": [_("This client_id belongs to another record.")]})
            return stored
    errors: dict[str, list[str]] = {}
    if kind not in Errand.Kind.values:
        errors["kind"] = [_("One of: %(values)s.") % {"values": ", ".join(Errand.Kind.values)}]
    what = unicodedata.normalize("NFC", str(what or "")).strip()
    if not what:
        errors["what"] = [_("Say what to buy or do, like “blood-pressure pills, 2 boxes”.")]
    elif len(what) > MAX_WHAT:
        errors["what"] = [_("At most %(n)s characters.") % {"n": MAX_WHAT}]
    if urgency not in Errand.Urgency.values:
        errors["urgency"] = [_("One of: %(values)s.") % {"values": ", ".join(Errand.Urgency.values)}]
    if via not in Errand.Via.values:
        errors["via"] = [_("One of: %(values)s.") % {"values": ", ".join(Errand.Via.values)}]
    if not isinstance(needed_by, datetime.datetime) or timezone.is_naive(needed_by):
        errors["needed_by"] = [_("A date and time with its time zone, like 2020-02-01T08:00:00+08:00.")]
    elif needed_by < timezone.now() - datetime.timedelta(minutes=5):
        errors["needed_by"] = [_("That time has passed: when is it needed?")]
    elif needed_by.date() > min(LAST_DAY, timezone.localdate() + datetime.timedelta(days=90)):
        errors["needed_by"] = [_("At most 90 days ahead.")]
    if resident is not None and (resident.dwelling_id != dwelling.pk or resident.moved_out_on is not None):
        errors["resident"] = [_("Not a resident of this household.")]
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            return Errand.objects.create(
                dwelling=dwelling,
                resident=resident,
                kind=kind,
                what=what,
                urgency=urgency,
                needed_by=needed_by,
                via=via,
                taken_by=by,
                client_id=client_id,
                code=new_code(),
                door_only=under_observation(dwelling),
            )
    except IntegrityError:  # the same client_id from a second request at the same moment
        stored = Errand.objects.filter(client_id=client_id).first() if client_id else None
        if stored is None:
            raise
        return stored


def of_household(dwelling: Dwelling) -> QuerySet:
    """The household's errands, newest first: what its link page shows it."""
    return Errand.objects.filter(dwelling=dwelling).order_by("-created_at", "-id")


def taken_by_other(errand: Errand) -> Taken:
    return Taken(_("%(who)s has already claimed this errand.") % {"who": who(errand.claimed_by)})


def not_live(errand: Errand) -> ValidationError:
    if errand.state == S.CANCELLED:
        return ValidationError(_("This errand was cancelled: %(reason)s") % {"reason": errand.cancel_reason})
    return ValidationError(_("This errand is already %(state)s.") % {"state": errand.get_state_display()})


def claim(errand: Errand, user, client_id=None) -> Errand:
    """One of two deliverers claiming at once wins (a conditional UPDATE … WHERE state =
    'open'); the other is told who has it."""
    client_id = as_client_id(client_id)
    if client_id is not None:
        stored = Errand.objects.filter(claim_client_id=client_id).select_related("claimed_by").first()
        if stored is not None:
            if stored.pk != errand.pk or stored.claimed_by_id != user.pk:
                raise ValidationError({"client_id": [_("This client_id belongs to another record.")]})
            return stored
    try:
        with transaction.atomic():
            won = Errand.objects.filter(pk=errand.pk, state=S.OPEN).update(
                state=S.CLAIMED, claimed_by=user, claimed_at=timezone.now(), claim_client_id=client_id
            )
    except IntegrityError:  # the same client_id twice at the same moment: the first one stored it
        won = 0
    errand.refresh_from_db()
    if won:
        return errand
    if errand.state == S.CLAIMED:
        if errand.claimed_by_id == user.pk:
            return errand  # tapped twice: it is theirs already
        raise taken_by_other(errand)
    raise not_live(errand)


def deliver(errand: Errand, user, code=None, photo=None, advanced=None, client_id=None) -> Errand:
    """Handed over at the door with the household's code, or a photo of the bag at the door.
    An open errand is claimed on the way; one another deliverer holds is refused as Taken."""
    client_id = as_client_id(client_id)
    if client_id is not None:
        stored = Errand.objects.filter(deliver_client_id=client_id).first()
        if stored is not None:
            if stored.pk != errand.pk or stored.delivered_by_id != user.pk:
                raise ValidationError({"client_id": [_("This client_id belongs to another record.")]})
            return stored
    errand.refresh_from_db()
    if errand.state == S.CLAIMED and errand.claimed_by_id != user.pk:
        raise taken_by_other(errand)
    if errand.state == S.DELIVERED and errand.delivered_by_id == user.pk:
        return errand  # tapped twice: delivered already, by them
    if errand.state not in Errand.LIVE:
        raise not_live(errand)
    door_only = errand.door_only or under_observation(errand.dwelling)
    door = (
        " " + _("Door delivery only: someone in this household is under observation. Leave it at the door.")
        if door_only
        else ""
    )
    advanced = errand.advanced if advanced is None else checked_fen(advanced, "advanced")
    code = unicodedata.normalize("NFKC", str(code or "")).strip()
    if not code and photo is None:
        raise ValidationError({"code": [_("Ask the household for its code, or take a photo at the door.") + door]})
    stored_photo = None
    if photo is not None:
        stored_photo = normalise_photo(photo)
    else:
        if errand.wrong_codes >= MAX_WRONG_CODES:
            raise ValidationError({"code": [_("Too many wrong codes: take a photo at the door instead.") + door]})
        if not hmac.compare_digest(code.encode(), errand.code.encode()):
            Errand.objects.filter(pk=errand.pk).update(wrong_codes=F("wrong_codes") + 1)
            raise ValidationError(
                {"code": [_("The code does not match: ask the household to read it out again.") + door]}
            )
    with transaction.atomic():
        locked = Errand.objects.select_for_update().get(pk=errand.pk)
        if locked.state == S.CLAIMED and locked.claimed_by_id != user.pk:
            raise taken_by_other(locked)
        if locked.state not in Errand.LIVE:
            raise not_live(locked)
        now = timezone.now()
        if locked.state == S.OPEN:
            locked.claimed_by, locked.claimed_at = user, now
        locked.state, locked.door_only, locked.advanced = S.DELIVERED, door_only, advanced
        locked.handover = Errand.Handover.PHOTO if stored_photo is not None else Errand.Handover.CODE
        locked.delivered_by, locked.delivered_at, locked.deliver_client_id = user, now, client_id
        if stored_photo is not None:
            locked.photo.save(f"{locked.pk}.jpg", stored_photo, save=False)
        try:
            with transaction.atomic():
                locked.save()
        except IntegrityError:  # the same client_id from a second request at the same moment
            stored = Errand.objects.filter(deliver_client_id=client_id).first() if client_id else None
            if stored is None:
                raise
            return stored
    return locked


def repaid(errand: Errand, amount: int, by) -> Errand:
    """What the household has paid back of the money advanced, in fen (the total, not a step)."""
    amount = checked_fen(amount, "amount")
    errand.refresh_from_db()
    if errand.state == S.CANCELLED:
        raise not_live(errand)
    if amount > errand.advanced:
        raise ValidationError(
            {"amount": [_("More than was advanced (%(yuan)s yuan).") % {"yuan": yuan(errand.advanced)}]}
        )
    errand.repaid, errand.repaid_by, errand.repaid_at = amount, by, timezone.now()
    errand.save(update_fields=["repaid", "repaid_by", "repaid_at"])
    return errand


def close(errand: Errand, by) -> Errand:
    """Done: delivered and settled. Only a delivered errand closes."""
    with transaction.atomic():
        errand = Errand.objects.select_for_update().get(pk=errand.pk)
        if errand.state == S.CLOSED:
            return errand
        if errand.state != S.DELIVERED:
            if errand.state in Errand.LIVE:
                raise ValidationError(_("Not delivered yet: an errand closes once it is handed over."))
            raise not_live(errand)
        errand.state, errand.closed_by, errand.closed_at = S.CLOSED, by, timezone.now()
        errand.save(update_fields=["state", "closed_by", "closed_at"])
    return errand


def cancel(errand: Errand, by, reason: str, unclaimed_only: bool = False) -> Errand:
    """`unclaimed_only`: the household calls off its own request only while no one has taken it
    (someone may be buying the pills already)."""
    reason = unicodedata.normalize("NFC", str(reason or "")).strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why it is cancelled.")]})
    if len(reason) > MAX_REASON:
        raise ValidationError({"reason": [_("At most %(n)s characters.") % {"n": MAX_REASON}]})
    with transaction.atomic():
        errand = Errand.objects.select_for_update().get(pk=errand.pk)
        if errand.state not in Errand.LIVE:
            raise not_live(errand)
        if unclaimed_only and errand.state != S.OPEN:
            raise ValidationError(_("Someone has taken it already: call the community office to call it off."))
        errand.state, errand.cancel_reason = S.CANCELLED, reason
        errand.closed_by, errand.closed_at = by, timezone.now()
        errand.save(update_fields=["state", "cancel_reason", "closed_by", "closed_at"])
    return errand


# Lists: what a deliverer or a community sees, overdue first.


def overdue_condition(now: datetime.datetime | None = None) -> Q:
    return Q(state__in=Errand.LIVE, needed_by__lt=now or timezone.now())


def in_view(user) -> QuerySet:
    return visible(user, Can.SERVE, Errand.objects.all())


def listing(user, show: str = "open") -> QuerySet:
    """open / claimed / overdue / mine (claimed by the user, not yet delivered) / done;
    overdue ones first, then the soonest needed."""
    now = timezone.now()
    # No joins here: a list of thousands is sorted and cut to its page first; shown() fetches
    # the page's households and people afterwards (joined before the sort, PostgreSQL joined
    # every open errand of a community to cut 100 of them).
    rows = in_view(user).annotate(
        is_overdue=Case(
            When(overdue_condition(now), then=Value(True)), default=Value(False), output_field=BooleanField()
        )
    )
    if show == "open":
        rows = rows.filter(state=S.OPEN)
    elif show == "claimed":
        rows = rows.filter(state=S.CLAIMED)
    elif show == "overdue":
        rows = rows.filter(overdue_condition(now))
    elif show == "mine":
        rows = rows.filter(claimed_by=user, state=S.CLAIMED)
    elif show == "done":
        # The latest first; a cancelled errand was never delivered: it stands by when it was cancelled.
        done = rows.filter(state__in=[S.DELIVERED, S.CLOSED, S.CANCELLED])
        return done.order_by(Coalesce("delivered_at", "closed_at").desc(nulls_last=True), "-id")
    return rows.order_by("-is_overdue", "needed_by", "id")


def count_fields(now: datetime.datetime | None = None) -> dict:
    now = now or timezone.now()
    return {
        "open": Count("id", filter=Q(state=S.OPEN)),
        "claimed": Count("id", filter=Q(state=S.CLAIMED)),
        "overdue": Count("id", filter=overdue_condition(now)),
    }


def counts(user) -> dict:
    """Open, claimed and overdue errands in the user's view, and how many the user holds."""
    now = timezone.now()
    found = in_view(user).aggregate(
        **count_fields(now), mine=Count("id", filter=Q(state=S.CLAIMED, claimed_by=user.pk))
    )
    return {k: v or 0 for k, v in found.items()}


def totals(errands: QuerySet) -> dict:
    return {k: v or 0 for k, v in errands.aggregate(**count_fields()).items()}


def rollup(errands: QuerySet, level: str) -> list[dict]:
    """Open and overdue errands by community, street or district: counted per community in the
    database, summed upwards in Python over a few thousand rows."""
    per_community = {r["community_id"]: r for r in errands.values("community_id").annotate(**count_fields()).order_by()}
    return roll_up(per_community, ("open", "claimed", "overdue"), level)


# What a deliverer is shown: the address in full, the name and phone masked (张*, 138****5678);
# staff who see the registry see the name. The code only to those who take errands.


def contacts(errands: list[Errand]) -> dict[int, Resident]:
    """Each errand's person to ask for at the door: the one it is for, or the household's first
    current resident with a phone (one query for the whole page)."""
    found: dict[int, Resident] = {}
    for resident in (
        Resident.objects.current()
        .filter(dwelling_id__in={e.dwelling_id for e in errands})
        .order_by("dwelling_id", "id")
    ):
        if resident.dwelling_id not in found or (resident.phone and not found[resident.dwelling_id].phone):
            found[resident.dwelling_id] = resident
    return found


def shown(errands: list[Errand], user) -> list[dict]:
    names = can(user, Can.VIEW_RESIDENTS)
    # The code proves the household had the errand in its hands, so whoever carries it never
    # sees it: only the one who took the call (to read it to the household) and the community's
    # office, until they claim it themselves.
    keeps = {c: holds_community(user, Can.RUN_SERVICES, c) for c in {e.community_id for e in errands}}
    codes = {
        e.pk
        for e in errands
        if user.pk not in (e.claimed_by_id, e.delivered_by_id) and (e.taken_by_id == user.pk or keeps[e.community_id])
    }
    prefetch_related_objects(errands, "dwelling__building", "resident", "claimed_by", "delivered_by")
    people = contacts(errands)
    now = timezone.now()
    # Labels once per list, not once per row: a phone's list of 500 spent half its time in gettext.
    kinds = {value: str(label) for value, label in Errand.Kind.choices}
    states = {value: str(label) for value, label in Errand.State.choices}
    addresses: dict[int, str] = {}
    rows = []
    for e in errands:
        if e.dwelling_id not in addresses:
            addresses[e.dwelling_id] = str(e.dwelling.label)
        person = e.resident or people.get(e.dwelling_id)
        name = person.name if person else ""
        rows.append(
            {
                "id": e.pk,
                "community_id": e.community_id,
                "dwelling_id": e.dwelling_id,
                "address": addresses[e.dwelling_id],
                "resident_id": e.resident_id,
                "name": name if names else mask_name(name),
                "phone": mask_phone(person.phone) if person else "",
                "kind": e.kind,
                "kind_label": kinds.get(e.kind, e.kind),
                "what": e.what,
                "urgency": e.urgency,
                "needed_by": e.needed_by,
                "via": e.via,
                "state": e.state,
                "state_label": states.get(e.state, e.state),
                "overdue": e.state in Errand.LIVE and e.needed_by < now,
                "door_only": e.door_only,
                "claimed_by": who(e.claimed_by) if e.claimed_by_id else None,
                "mine": e.claimed_by_id == getattr(user, "pk", None) and e.state == S.CLAIMED,
                "claimed_at": e.claimed_at,
                "handover": e.handover,
                "delivered_by": who(e.delivered_by) if e.delivered_by_id else None,
                "delivered_at": e.delivered_at,
                "advanced": e.advanced,
                "repaid": e.repaid,
                "cancel_reason": e.cancel_reason,
                "code": e.code if e.pk in codes else None,
            }
        )
    return rows


def issue_supplies(errand: Errand, item: Item, store: Store, amount: str, by) -> Movement:
    """Supplies handed to the household with the errand (masks with the medicine), drawn from a
    store of the ledger and named there as this errand's, so the public ledger counts them."""
    if errand.state == Errand.State.CANCELLED:
        raise ValidationError(_("The errand was cancelled: nothing goes with it."))
    if item.community_id != errand.community_id or store.community_id != errand.community_id:
        raise ValidationError(_("The supplies belong to another community."))
    quantity = supplies_forms.amount(item.units, item.unit, amount, "")
    return ledger.issue(item, store, quantity, by=by, source=f"errand:{errand.pk}", to_dwelling=errand.dwelling)


def supplies_of(errand: Errand) -> QuerySet:
    """What went with the errand; `reversed_by_pk` names the reversal of one taken back."""
    return (
        Movement.objects.filter(source=f"errand:{errand.pk}", kind=Movement.Kind.ISSUE)
        .select_related("item", "from_store")
        .annotate(reversed_by_pk=F("reversed_by__id"))
    )
