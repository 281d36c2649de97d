"""The rules of emergency kits, in one place for the pages and the API: who is on a
distribution's list, what a hand-over checks and draws from the ledger, and when a
distribution may close.

One kit per household: a dwelling with current residents is one recipient, however many of
its people carry a chosen tag (the first of them is named on the list). A household of two
elderly people living alone gets one kit, as a household of one does; a kit for each person
is a second distribution."""

from __future__ import annotations

import base64
import binascii
import io
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from PIL import Image, ImageOps, UnidentifiedImageError

from fangxian.accounts import audit
from fangxian.accounts.models import AuditEvent
from fangxian.people.models import Resident, Tag
from fangxian.people.photos import normalise_photo, whole_images_only
from fangxian.places.models import Building, Community
from fangxian.places.rollups import roll_up
from fangxian.supplies import ledger
from fangxian.supplies.models import Item, Movement, Store

from .models import Content, Distribution, Recipient

# The tags a kit is given by (the glossary's vulnerable residents).
TAGS = [Tag.ELDERLY_ALONE, Tag.DISABLED, Tag.PREGNANT, Tag.DIALYSIS]
MAX_CONTENTS = 20
# A signature drawn on a phone's canvas is a few tens of kilobytes of PNG; a quarter of a
# megabyte, or a side beyond 2,000 px, is not a signature.
MAX_SIGNATURE_BYTES = 256 * 1024
MAX_SIGNATURE_SIDE = 2000
SIGNATURE_URL = re.compile(r"data:image/png;base64,(?P<data>[A-Za-z0-9+/=\s]*)", re.ASCII)
PHOTO_URL = re.compile(r"data:image/(?:jpeg|jpg|png|webp);base64,(?P<data>[A-Za-z0-9+/=\s]*)", re.ASCII)
WALKING_ORDER = ["dwelling__building__number", "dwelling__entrance", "dwelling__floor", "dwelling__room", "id"]
R = Recipient.State


class AlreadyHandedOver(Exception):
    """A second hand-over of the same kit: who did the first, and when (409 in the API)."""

    def __init__(self, recipient: Recipient):
        self.recipient = recipient
        # Looked up by id: a row read under a lock that waited for the winner (PostgreSQL) has
        # the winner's id, but its join to the account was read before the winner committed.
        by = get_user_model().objects.filter(pk=recipient.handed_over_by_id).first()
        who = by.get_username() if by else _("someone")
        when = timezone.localtime(recipient.handed_over_at).strftime("%m-%d %H:%M") if recipient.handed_over_at else ""
        super().__init__(_("This kit was already handed over by %(who)s at %(when)s.") % {"who": who, "when": when})


def tag_choices() -> list[tuple[str, str]]:
    return [(t.value, str(t.label)) for t in TAGS]


def buildings_of(community: Community, building_ids: Iterable[int]) -> list[Building]:
    """The buildings chosen by id; one of another community is refused."""
    wanted = set(building_ids)
    chosen = list(Building.objects.filter(community=community, pk__in=wanted).order_by("number"))
    if {b.pk for b in chosen} != wanted:
        raise ValidationError({"buildings": [_("Every building must be in this community.")]})
    return chosen


def recipients_from(
    community: Community, tags: Iterable[str] = (), building_ids: Iterable[int] = ()
) -> list[tuple[int, int | None]]:
    """(dwelling id, resident id or None) for each household the kits go to, in walking order.

    Tags only: every household of the community with a current resident carrying one of them.
    Buildings only: every household (a dwelling with a current resident) in them. Both: the
    tagged households of those buildings. Residents who moved out count for nothing."""
    tags = list(dict.fromkeys(tags))
    building_ids = list(dict.fromkeys(building_ids))
    allowed = {t.value for t in TAGS}
    if any(t not in allowed for t in tags):
        raise ValidationError({"tags": [_("Not one of the allowed values.")]})
    if not tags and not building_ids:
        raise ValidationError({"tags": [_("Choose the tags or the buildings the kits go to.")]})
    residents = Resident.objects.current().filter(community=community)
    if building_ids:
        residents = residents.filter(dwelling__building__in=buildings_of(community, building_ids))
    if tags:
        tagged = Q()
        for tag in tags:
            tagged |= Resident.tagged(tag)
        residents = residents.filter(tagged)
    # One query in walking order; a household's first resident (by id) is the one named.
    walk = [
        "dwelling__building__number",
        "dwelling__entrance",
        "dwelling__floor",
        "dwelling__room",
        "dwelling_id",
        "id",
    ]
    found: dict[int, int | None] = {}
    for dwelling_id, resident_id in residents.order_by(*walk).values_list("dwelling_id", "id"):
        found.setdefault(dwelling_id, resident_id if tags else None)
    return list(found.items())


@dataclass
class ContentIn:
    item: Item
    amount: str  # as typed: "2", "1/2", "0.5"
    unit: str  # one of the item's units: 个, 箱, 斤 …


def clean_contents(community: Community, contents: list[ContentIn]) -> list[tuple[Item, int]]:
    """Each item and its quantity per kit in quanta, or every problem at once."""
    if not contents:
        raise ValidationError({"contents": [_("Say what a kit holds: at least one item.")]})
    if len(contents) > MAX_CONTENTS:
        raise ValidationError({"contents": [_("At most %(n)s items in a kit.") % {"n": MAX_CONTENTS}]})
    problems, cleaned, seen = [], [], set()
    for content in contents:
        if content.item.community_id != community.pk:
            problems.append(_("%(item)s is an item of another community.") % {"item": content.item.name})
            continue
        if content.item.pk in seen:
            problems.append(_("%(item)s is listed twice.") % {"item": content.item.name})
            continue
        seen.add(content.item.pk)
        try:
            cleaned.append((content.item, ledger.quanta(content.item, str(content.amount), content.unit or None)))
        except ValidationError as exc:
            problems.extend(f"{content.item.name}: {m}" for m in exc.messages)
    if problems:
        raise ValidationError({"contents": problems})
    return cleaned


@transaction.atomic
def create(
    community: Community,
    name: str,
    store: Store,
    contents: list[ContentIn],
    tags: Iterable[str] = (),
    buildings: Iterable[Building] = (),
    by=None,
) -> Distribution:
    """A distribution with its contents and its list of households, pending."""
    errors: dict[str, list[str]] = {}
    tags, buildings = list(tags), list(buildings)
    if not name.strip():
        errors["name"] = [_("Give the distribution a name, like “Kits for the elderly living alone”.")]
    if store.community_id != community.pk:
        errors["store"] = [_("The store belongs to another community.")]
    if any(b.community_id != community.pk for b in buildings):
        errors["buildings"] = [_("Every building must be in this community.")]
    cleaned: list[tuple[Item, int]] = []
    try:
        cleaned = clean_contents(community, contents)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    households: list[tuple[int, int | None]] = []
    if "buildings" not in errors:
        try:
            households = recipients_from(community, tags, [b.pk for b in buildings])
        except ValidationError as exc:
            errors.update(exc.message_dict)
        else:
            if not households:
                errors["tags"] = [_("No household of the community matches: choose other tags or buildings.")]
    if errors:
        raise ValidationError(errors)
    distribution = Distribution.objects.create(
        community=community,
        name=name.strip()[:100],
        store=store,
        tags=tags,
        building_ids=[b.pk for b in buildings],
        created_by=by,
    )
    Content.objects.bulk_create([Content(distribution=distribution, item=i, quantity=q) for i, q in cleaned])
    Recipient.objects.bulk_create(
        [
            Recipient(distribution=distribution, dwelling_id=d, resident_id=r, community_id=community.pk)
            for d, r in households
        ],
        batch_size=2000,
    )
    return distribution


def decoded(data_url: str, pattern: re.Pattern, most: int, too_large: str) -> bytes:
    """The bytes of a base64 data URL, refused before decoding when they would exceed `most`."""
    match = pattern.fullmatch(data_url.strip()) if isinstance(data_url, str) else None
    if match is None:
        raise ValidationError(
            _("Not an image this takes: a data URL of a PNG (signature) or a JPEG, PNG or WebP (photo).")
        )
    data = re.sub(r"\s", "", match.group("data"))
    if len(data) > (most + 2) // 3 * 4:
        raise ValidationError(too_large)
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError(_("The image's base64 is broken.")) from None


def clean_signature(data_url: str) -> ContentFile:
    """A signature drawn on a canvas, as a PNG data URL: checked to be a PNG of a sane size
    with something drawn on it, and stored again as a grey PNG without metadata."""
    raw = decoded(
        data_url,
        SIGNATURE_URL,
        MAX_SIGNATURE_BYTES,
        _("The signature is larger than %(kb)s KB.") % {"kb": MAX_SIGNATURE_BYTES // 1024},
    )
    try:
        with whole_images_only():
            image = Image.open(io.BytesIO(raw))
            if image.format != "PNG":
                raise ValueError
            if max(image.size) > MAX_SIGNATURE_SIDE:
                raise ValidationError(_("The signature is larger than %(px)s px.") % {"px": MAX_SIGNATURE_SIDE})
            image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(_("The signature is not a readable PNG.")) from None
    paper = Image.new("RGBA", image.size, (255, 255, 255, 255))
    paper.alpha_composite(image.convert("RGBA"))
    grey = paper.convert("L")
    if ImageOps.invert(grey).getbbox() is None:
        raise ValidationError(_("The signature is empty: sign on the pad first."))
    out = io.BytesIO()
    grey.save(out, format="PNG", optimize=True)
    return ContentFile(out.getvalue(), name="signature.png")


def clean_photo(upload=None, data_url: str | None = None) -> ContentFile:
    """A photo at the door, uploaded or as a data URL: cleaned like a resident's photo."""
    if data_url is not None:
        most = settings.PHOTO_MAX_BYTES
        raw = decoded(data_url, PHOTO_URL, most, _("The photo is larger than %(mb)s MB.") % {"mb": most // 1048576})
        upload = ContentFile(raw, name="photo")
    return normalise_photo(upload)


def proof_of(signature: str | None, photo) -> tuple[str, ContentFile]:
    """The hand-over's proof, checked before anything is written: a signature or a photo."""
    if signature and photo:
        raise ValidationError(_("Give a signature or a photo, not both."))
    if signature:
        return Recipient.How.SIGNATURE, clean_signature(signature)
    if photo:
        return Recipient.How.PHOTO, clean_photo(data_url=photo) if isinstance(photo, str) else clean_photo(photo)
    raise ValidationError(_("A kit is handed over with the recipient's signature or a photo at the door."))


def hand_over(
    recipient: Recipient, by, signature: str | None = None, photo=None, client_id: uuid.UUID | None = None
) -> Recipient:
    """Records the kit as handed over and issues its contents from the distribution's store to
    the household, in one transaction: a store short of one item refuses the whole kit with
    the ledger's reason, and nothing is recorded. `photo` is an upload or a data URL.

    Exactly once: the same client_id again answers the recipient as stored; a kit already
    handed over by anyone else raises AlreadyHandedOver, saying who and when."""
    if client_id is not None:
        stored = Recipient.objects.filter(client_id=client_id).select_related("handed_over_by").first()
        if stored is not None:
            if stored.pk != recipient.pk or stored.handed_over_by_id != getattr(by, "pk", None):
                raise ValidationError({"client_id": [_("This client_id belongs to another record.")]})
            return stored
    current = Recipient.objects.select_related("handed_over_by").get(pk=recipient.pk)
    if current.state == R.HANDED_OVER:  # said before the proof is read: whoever came second learns it first
        raise AlreadyHandedOver(current)
    how, proof = proof_of(signature, photo)
    try:
        with transaction.atomic():
            locked = Recipient.objects.select_for_update(of=("self",)).select_related("dwelling").get(pk=recipient.pk)
            # Read after the lock, in a statement of its own: a close that committed while this
            # waited is seen (close locks the pending rows first, so it waits for this one too).
            distribution = Distribution.objects.select_related("store").get(pk=locked.distribution_id)
            if not distribution.is_open:
                raise ValidationError(_("The distribution is closed; reopen it to hand kits over."))
            if locked.state == R.HANDED_OVER:
                raise AlreadyHandedOver(locked)
            for content in distribution.contents.select_related("item"):
                ledger.issue(
                    content.item,
                    distribution.store,
                    content.quantity,
                    by=by,
                    source=f"kit:{distribution.pk}",
                    to_dwelling=locked.dwelling,
                )
            locked.state, locked.how, locked.client_id = R.HANDED_OVER, how, client_id
            locked.handed_over_by, locked.handed_over_at = by, timezone.now()
            locked.reason, locked.left_out_by = "", None
            locked.proof.save(
                f"{locked.pk}-{uuid.uuid4().hex[:8]}.{'png' if how == 'signature' else 'jpg'}", proof, save=False
            )
            locked.save()
    except IntegrityError:  # the same client_id from a second request at the same moment
        stored = Recipient.objects.filter(client_id=client_id).first() if client_id else None
        if stored is None:
            raise
        if stored.pk != recipient.pk or stored.handed_over_by_id != getattr(by, "pk", None):
            raise ValidationError({"client_id": [_("This client_id belongs to another record.")]}) from None
        return stored
    return locked


@transaction.atomic
def leave_out(recipient: Recipient, reason: str, by) -> Recipient:
    """No kit for this household, and why (moved to their children's, refused it …)."""
    if not reason.strip():
        raise ValidationError({"reason": [_("Say why this household is left out.")]})
    locked = Recipient.objects.select_for_update(of=("self",)).get(pk=recipient.pk)
    if not Distribution.objects.get(pk=locked.distribution_id).is_open:
        raise ValidationError(_("The distribution is closed; reopen it to change its list."))
    if locked.state == R.HANDED_OVER:
        raise AlreadyHandedOver(locked)
    locked.state, locked.reason, locked.left_out_by = R.LEFT_OUT, reason.strip()[:200], by
    locked.save(update_fields=["state", "reason", "left_out_by"])
    return locked


@transaction.atomic
def close(distribution: Distribution, by, reasons: dict[int, str] | None = None, request=None) -> Distribution:
    """The census rule: a distribution closes only when every household has had its kit or is
    left out with a reason. Reasons given here (recipient id → reason) leave the pending ones
    out as it closes; one pending household without a reason refuses the close, and nothing
    changes."""
    reasons = {int(k): str(v).strip()[:200] for k, v in (reasons or {}).items()}
    distribution = Distribution.objects.select_for_update().get(pk=distribution.pk)
    if not distribution.is_open:
        raise ValidationError(_("The distribution is already closed."))
    # Locked: a hand-over under way finishes first, and its household is then no longer pending.
    pending = list(distribution.recipients.select_for_update().filter(state=R.PENDING).order_by("id"))
    missing = sum(1 for r in pending if not reasons.get(r.pk))
    if missing:
        raise ValidationError(
            ngettext(
                "%(n)s household is still waiting for its kit: hand it over, or say why it is left out.",
                "%(n)s households are still waiting for their kits: hand them over, or say why each is left out.",
                missing,
            )
            % {"n": missing}
        )
    for recipient in pending:
        recipient.state, recipient.reason, recipient.left_out_by = R.LEFT_OUT, reasons[recipient.pk], by
    Recipient.objects.bulk_update(pending, ["state", "reason", "left_out_by"], batch_size=1000)
    distribution.closed_at, distribution.closed_by = timezone.now(), by
    distribution.save(update_fields=["closed_at", "closed_by"])
    audit.record(request, AuditEvent.Action.KIT_CLOSED, distribution, user=by, left_out=len(pending))
    return distribution


@transaction.atomic
def reopen(distribution: Distribution, by, reason: str, request=None) -> Distribution:
    """Opens a closed distribution again (a household back from hospital): the reason is kept."""
    distribution = Distribution.objects.select_for_update().get(pk=distribution.pk)
    if distribution.is_open:
        raise ValidationError(_("The distribution is open."))
    if not reason.strip():
        raise ValidationError({"reason": [_("Reopening needs a reason.")]})
    distribution.closed_at = distribution.closed_by = None
    distribution.reopened_at, distribution.reopened_by, distribution.reopen_reason = (
        timezone.now(),
        by,
        reason.strip()[:200],
    )
    distribution.save(update_fields=["closed_at", "closed_by", "reopened_at", "reopened_by", "reopen_reason"])
    audit.record(request, AuditEvent.Action.KIT_REOPENED, distribution, user=by, reason=distribution.reopen_reason)
    return distribution


def kits_in_store(distribution: Distribution) -> int:
    """How many whole kits the distribution's store holds now: the fewest of any content, so a
    store short of one item is seen on the page before the hand-overs start failing."""
    held = ledger.stock(
        Movement.objects.filter(from_store=distribution.store) | Movement.objects.filter(to_store=distribution.store)
    )
    return min(
        (held.get((c.item_id, distribution.store_id), 0) // c.quantity for c in distribution.contents.all()),
        default=0,
    )


def state_counts() -> dict:
    return {
        "total": Count("id"),
        "handed_over": Count("id", filter=Q(state=R.HANDED_OVER)),
        "pending": Count("id", filter=Q(state=R.PENDING)),
        "left_out": Count("id", filter=Q(state=R.LEFT_OUT)),
    }


def progress(recipients: QuerySet) -> dict:
    """Totals by state, and by building (the recipients given are already scoped)."""
    return {
        "total": recipients.aggregate(**state_counts()),
        "buildings": list(
            recipients.values("dwelling__building_id", "dwelling__building__number")
            .annotate(**state_counts())
            .order_by("dwelling__building__number")
        ),
    }


def pending_list(recipients: QuerySet) -> QuerySet:
    """The households still waiting, in the order a stairwell is climbed: building, entrance,
    floor, room."""
    return recipients.filter(state=R.PENDING).select_related("dwelling__building", "resident").order_by(*WALKING_ORDER)


def rollup(recipients: QuerySet, level: str) -> list[dict]:
    """Counts of households by state, and of distributions, by community, street or district:
    grouped by community in the database, summed upwards in Python."""
    per_community = {
        r["community_id"]: r
        for r in recipients.values("community_id").annotate(
            distributions=Count("distribution_id", distinct=True), **state_counts()
        )
    }
    return roll_up(per_community, ("distributions", "total", "handed_over", "pending", "left_out"), level)
