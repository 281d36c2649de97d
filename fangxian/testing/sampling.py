"""Registering a swab at the table: the one path that writes a Sample (the API and the phone's
sync both come here).

A registration names a campaign, the resident (by the permit's code, or a typed ID number),
the tube's barcode, when the swab was taken and the phone's client_id. Rules:

- The resident must be a current resident of the campaign's community and among its targets
  (its buildings or its list). Someone outside the targets is refused with that reason, not
  taken as a walk-in: a list campaign (everyone with market exposure) is read by its coverage
  and its recalls, and a swab of someone else in its pools would blur both. Walk-ins *of the
  targets* (no booking) are taken.
- A permit of another community is refused; so is a forged or revoked one (a lost card must
  not register someone's swab). An expired permit still says who its holder is.
- The first swab opens a tube with the campaign's pool size; the tube fills by a conditional
  UPDATE (two phones cannot overfill it) and closes when full. A tube number already used by
  another campaign, or a closed tube, is refused: a tube number used twice. With one tube per
  household, a tube holds one dwelling's members.
- A person is sampled once per campaign, unless recalled from a positive pool: the retest
  goes into a single tube of its own (capacity 1, `retest`) and is linked to the Recall.
- Exactly once by client_id: a registration sent again is answered as it was stored.
"""

from __future__ import annotations

import contextlib
import datetime
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangxian.gate import checking
from fangxian.gate.models import Permit
from fangxian.lib import idnumber
from fangxian.lib import permit as codec
from fangxian.lib.masking import mask_name
from fangxian.people.models import Resident

from .models import Campaign, Recall, Result, Sample, Tube

MAX_BATCH = 500
MAX_BARCODE = 32


class Refusal(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Registration:
    client_id: uuid.UUID
    tube: str
    sampled_at: datetime.datetime
    permit_code: str = ""
    id_number: str = ""
    site_id: int | None = None


def tube_out(tube: Tube) -> dict:
    return {
        "barcode": tube.barcode,
        "size": tube.size,
        "capacity": tube.capacity,
        "status": tube.status,
        "retest": tube.retest,
    }


def accepted(sample: Sample, tube: Tube, resident_name: str, replay: bool = False) -> dict:
    return {
        "client_id": str(sample.client_id),
        "accepted": True,
        "reason": "",
        "sample_id": sample.pk,
        "position": sample.position,
        "retest": tube.retest,
        "resident": mask_name(resident_name),
        "tube": tube_out(tube),
        "replay": replay,
    }


def refused(client_id, reason: str) -> dict:
    return {"client_id": str(client_id) if client_id else None, "accepted": False, "reason": reason}


def clean_barcode(raw: str) -> str:
    # What a scanner types ends with Enter or a tab; a typed number may carry spaces.
    text = "".join(raw.split()).upper()
    if not text:
        raise Refusal(_("Scan or type the tube number."))
    if len(text) > MAX_BARCODE or not all(ch.isascii() and (ch.isalnum() or ch == "-") for ch in text):
        raise Refusal(_("A tube number is letters, digits and dashes, at most %(n)s.") % {"n": MAX_BARCODE})
    return text


def check_time(campaign: Campaign, at: datetime.datetime) -> None:
    now = timezone.now()
    if at > now + datetime.timedelta(seconds=settings.SCAN_FUTURE_TOLERANCE_SECONDS):
        raise Refusal(_("The sampling time is in the future: check the phone's clock."))
    if at < campaign.starts_at or at > campaign.ends_at:
        raise Refusal(_("The sampling time is outside the campaign's window."))


class CampaignRules:
    """What a batch needs, read once for all its items rather than once for each (a phone's
    sync on a mass-testing morning): the campaign's targets and sites, the residents the items
    name, their earlier swabs and pending recalls, and the tubes they name. Kept up to date
    as the batch writes; tubes filled by others meanwhile are caught by the conditional UPDATE."""

    def __init__(self, campaign: Campaign, items: list[Registration] = ()):
        self.campaign = campaign
        self.buildings: set[int] | None = None
        if campaign.target == Campaign.Target.BUILDINGS:
            self.buildings = set(campaign.buildings.values_list("id", flat=True))
        self.sites = set(campaign.sites.values_list("id", flat=True))
        self.by_number: dict[str, dict] = {}
        self.by_permit: dict[int, dict] = {}
        self.earlier: dict[int, tuple] = {}
        self.recalls: dict[int, Recall] = {}
        self.tubes: dict[str, Tube] = {}
        self.listed: set[int] = set()
        self.read(items)

    def read(self, items: list[Registration]) -> None:
        numbers, permit_ids, barcodes = set(), set(), set()
        today = timezone.localdate()
        for item in items:
            if item.id_number:
                with contextlib.suppress(idnumber.IdNumberError):  # refused with its reason later
                    numbers.add(idnumber.parse(item.id_number, today).number)
            elif item.permit_code:
                parsed = checking.parse(item.permit_code)
                if not isinstance(parsed, codec.PermitError):
                    permit_ids.add(parsed.permit.permit_id)
            barcodes.add("".join(item.tube.split()).upper())
        community_id = self.campaign.community_id
        for row in Resident.objects.filter(
            community_id=community_id, id_type=Resident.IdType.MAINLAND, id_number__in=numbers, moved_out_on=None
        ).values("id_number", *RESIDENT_FIELDS):
            self.by_number.setdefault(row.pop("id_number"), row)
        for row in Permit.objects.filter(pk__in=permit_ids, community_id=community_id).values(
            "id", "revoked_at", *(f"resident__{f}" for f in RESIDENT_FIELDS)
        ):
            self.by_permit[row["id"]] = row
        ids = {r["id"] for r in self.by_number.values()} | {r["resident__id"] for r in self.by_permit.values()}
        if not ids:
            return
        # One registration of a person at a time (two phones at two tables): the people's rows
        # are the lock on PostgreSQL, taken in one order; SQLite takes its write lock with the
        # transaction.
        if connection.features.has_select_for_update:
            list(Resident.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("id"))
        for resident_id, at, barcode in (
            Sample.objects.filter(campaign=self.campaign, resident_id__in=ids)
            .order_by("sampled_at")
            .values_list("resident_id", "sampled_at", "tube__barcode")
        ):
            self.earlier[resident_id] = (at, barcode)
        for recall in Recall.objects.filter(
            campaign=self.campaign, resident_id__in=ids, retest=None, outcome=Result.PENDING
        ).order_by("-recalled_at"):
            self.recalls[recall.resident_id] = recall
        self.tubes = {t.barcode: t for t in Tube.objects.filter(barcode__in=barcodes).order_by()}
        if self.campaign.target == Campaign.Target.LIST:
            self.listed = set(self.campaign.listed.filter(pk__in=ids).values_list("id", flat=True))

    def reread_tubes(self) -> None:
        self.tubes = {t.barcode: t for t in Tube.objects.filter(barcode__in=list(self.tubes)).order_by()}

    def is_target(self, resident: dict) -> bool:
        target = self.campaign.target
        if target == Campaign.Target.COMMUNITY:
            return True
        if target == Campaign.Target.BUILDINGS:
            return resident["dwelling__building_id"] in (self.buildings or set())
        return resident["id"] in self.listed


RESIDENT_FIELDS = ("id", "name", "dwelling_id", "dwelling__building_id", "moved_out_on")


def resident_by_permit(rules: CampaignRules, code: str) -> dict:
    campaign = rules.campaign
    parsed = checking.parse(code)
    if isinstance(parsed, codec.PermitError):
        raise Refusal(_("This is not a permit's code: scan again or type the ID number."))
    key = checking.KEYS.get(parsed.kid)
    if key is None:
        raise Refusal(_("This permit was not issued by a community we know."))
    community_id, community_code, public = key
    if community_id != campaign.community_id:
        raise Refusal(_("This permit is of another community: this campaign samples its own residents."))
    if parsed.permit.issuer != community_code or not parsed.verify(public):
        raise Refusal(_("This permit's signature is wrong: it may be forged. Type the ID number."))
    row = rules.by_permit.get(parsed.permit.permit_id)
    if row is None:
        raise Refusal(_("This permit's signature is wrong: it may be forged. Type the ID number."))
    if row["revoked_at"] is not None:
        raise Refusal(_("This permit was revoked: type the ID number instead."))
    return {f: row[f"resident__{f}"] for f in RESIDENT_FIELDS}


def resident_by_id_number(rules: CampaignRules, raw: str) -> dict:
    try:
        number = idnumber.parse(raw, timezone.localdate()).number
    except idnumber.IdNumberError:
        raise Refusal(_("This ID number is not valid: check it digit by digit.")) from None
    row = rules.by_number.get(number)
    if row is None:
        raise Refusal(_("No current resident of this community has this ID number."))
    return row


def resolve(rules: CampaignRules, item: Registration) -> dict:
    if bool(item.permit_code) == bool(item.id_number):
        raise Refusal(_("Scan the permit or type the ID number: one of the two."))
    row = (
        resident_by_permit(rules, item.permit_code)
        if item.permit_code
        else resident_by_id_number(rules, item.id_number)
    )
    if row["moved_out_on"] is not None:
        raise Refusal(_("This resident has moved out of the community."))
    return row


FILL_SQL: dict[str, str] = {}


def fill_query() -> str:
    """One statement takes a place in an open tube that has one, closes it when that place was
    the last, and says which place it took: concurrent registrations cannot overfill a tube."""
    if connection.vendor not in FILL_SQL:
        q = connection.ops.quote_name
        FILL_SQL[connection.vendor] = (
            f"UPDATE {q(Tube._meta.db_table)} SET {q('size')} = {q('size')} + 1, "
            f"{q('status')} = CASE WHEN {q('size')} + 1 >= {q('capacity')} THEN %s ELSE {q('status')} END, "
            f"{q('closed_at')} = CASE WHEN {q('size')} + 1 >= {q('capacity')} THEN %s ELSE {q('closed_at')} END "
            f"WHERE {q('id')} = %s AND {q('status')} = %s AND {q('size')} < {q('capacity')} "
            f"RETURNING {q('size')}, {q('status')}"
        )
    return FILL_SQL[connection.vendor]


def take_place(tube: Tube, at: datetime.datetime) -> int | None:
    with connection.cursor() as cursor:
        cursor.execute(
            fill_query(),
            [Tube.Status.CLOSED, connection.ops.adapt_datetimefield_value(at), tube.pk, Tube.Status.OPEN],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    tube.size, tube.status = row
    if tube.status == Tube.Status.CLOSED:
        tube.closed_at = at
    return tube.size


def open_or_find_tube(rules: CampaignRules, barcode: str, site_id: int | None, retest: bool, dwelling_id: int) -> Tube:
    campaign = rules.campaign
    tube = rules.tubes.get(barcode)
    if tube is None:
        try:
            with transaction.atomic():
                tube = Tube.objects.create(
                    campaign=campaign,
                    site_id=site_id,
                    barcode=barcode,
                    capacity=1 if retest else campaign.pool_size,
                    household_id=dwelling_id if campaign.households_together and not retest else None,
                    retest=retest,
                )
                rules.tubes[barcode] = tube
                return tube
        except IntegrityError:  # another phone opened it a moment ago
            tube = rules.tubes[barcode] = Tube.objects.get(barcode=barcode)
    if tube.campaign_id != campaign.pk:
        raise Refusal(_("Tube number used twice: this tube belongs to another campaign. Take a new tube."))
    if tube.status == Tube.Status.CLOSED:
        raise Refusal(_("Tube number used twice: this tube is closed. Take a new tube."))
    if retest and not tube.retest:
        raise Refusal(_("A retest goes into a single tube of its own: take a new tube."))
    if tube.retest and not retest:
        raise Refusal(_("This tube is a single retest tube: take another tube for this person."))
    if tube.household_id is not None and tube.household_id != dwelling_id:
        raise Refusal(_("This tube holds another household's members: this household needs its own tube."))
    return tube


def register_one(campaign: CampaignRules, item: Registration, user) -> dict:
    c = campaign.campaign
    if c.status != Campaign.Status.OPEN:
        raise Refusal(_("This campaign is complete: no more swabs are registered in it."))
    if item.site_id is not None and item.site_id not in campaign.sites:
        raise Refusal(_("This sampling site is not one of the campaign's."))
    check_time(c, item.sampled_at)
    barcode = clean_barcode(item.tube)
    resident = resolve(campaign, item)
    if not campaign.is_target(resident):
        raise Refusal(_("This resident is not among those this campaign tests."))
    recall = None
    earlier = campaign.earlier.get(resident["id"])
    if earlier:
        recall = campaign.recalls.get(resident["id"])
        if recall is None:
            at = timezone.localtime(earlier[0])
            raise Refusal(
                _("Already sampled in this campaign, at %(time)s in tube %(tube)s.")
                % {"time": at.strftime("%m-%d %H:%M"), "tube": earlier[1]}
            )
    tube = open_or_find_tube(campaign, barcode, item.site_id, recall is not None, resident["dwelling_id"])
    position = take_place(tube, item.sampled_at)
    if position is None:
        raise Refusal(_("Tube number used twice: this tube is full and closed. Take a new tube."))
    sample = Sample.objects.create(
        campaign=c,
        tube=tube,
        resident_id=resident["id"],
        position=position,
        site_id=item.site_id,
        sampled_at=item.sampled_at,
        sampler=user,
        client_id=item.client_id,
    )
    if recall is not None:
        Recall.objects.filter(pk=recall.pk).update(retest=sample)
        del campaign.recalls[resident["id"]]
    campaign.earlier[resident["id"]] = (item.sampled_at, tube.barcode)
    return accepted(sample, tube, resident["name"])


def stored(client_ids: list[uuid.UUID]) -> dict[uuid.UUID, dict]:
    rows = Sample.objects.filter(client_id__in=client_ids).select_related("tube", "resident", "campaign")
    return {
        s.client_id: accepted(s, s.tube, s.resident.name, replay=True) | {"campaign_id": s.campaign_id} for s in rows
    }


def register(campaign: Campaign, items: list[Registration], user) -> list[dict]:
    """Registrations of one campaign, in order, each accepted or refused with its reason; a
    client_id already stored is answered as stored (in its own campaign only)."""
    with transaction.atomic():  # one commit for the batch; each item its own savepoint
        return register_in(campaign, items, user)


def register_in(campaign: Campaign, items: list[Registration], user) -> list[dict]:
    known = stored([i.client_id for i in items])
    context = CampaignRules(campaign, [i for i in items if i.client_id not in known])
    answers: list[dict] = []
    for item in items:
        if item.client_id in known:
            answer = dict(known[item.client_id])
            if answer.pop("campaign_id") != campaign.pk:
                answer = refused(item.client_id, _("This registration was stored in another campaign."))
            answers.append(answer)
            continue
        try:
            with transaction.atomic():
                answer = register_one(context, item, user)
        except Refusal as exc:
            answer = refused(item.client_id, exc.reason)
        except IntegrityError:  # the same client_id stored meanwhile by a parallel request
            context.reread_tubes()  # what the rolled-back item wrote to its tube is gone
            again = stored([item.client_id]).get(item.client_id)
            if again is not None and again.pop("campaign_id") == campaign.pk:
                answer = again
            else:
                answer = refused(item.client_id, _("This registration was stored in another campaign."))
        if answer["accepted"]:
            known[item.client_id] = {**answer, "replay": True, "campaign_id": campaign.pk}
        answers.append(answer)
    return answers


def close_tube(tube: Tube) -> Tube:
    """A partial tube closed by hand (the last of a household, the end of the morning)."""
    if Tube.objects.filter(pk=tube.pk, status=Tube.Status.OPEN).update(
        status=Tube.Status.CLOSED, closed_at=timezone.now()
    ):
        tube.refresh_from_db()
        return tube
    raise Refusal(_("This tube is already closed."))
