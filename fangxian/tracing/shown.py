"""A trace's contacts as people read them, on the page, in the API and in the export: who
(masked where the registry is another community's), why, and the record that says so."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from fangxian.accounts.scoping import Can, visible
from fangxian.lib.masking import mask_id_number, mask_name, mask_phone
from fangxian.people.models import Resident

from .finding import REASONS
from .models import Contact, Trace


@dataclass
class Shown:
    contact: Contact
    name: str
    community: str
    address: str
    phone: str  # masked unless revealed
    id_number: str  # masked unless revealed; residents only
    reasons: list[str]
    dwelling_id: int | None


RECORDS = {
    "dwelling": gettext_lazy("dwelling"),
    "pass": gettext_lazy("gate pass"),
    "sample": gettext_lazy("swab"),
    "visit": gettext_lazy("census visit"),
    "errand": gettext_lazy("errand"),
    "order": gettext_lazy("vegetable order"),
    "kit": gettext_lazy("kit hand-over"),
    "shift": gettext_lazy("shift"),
}


def record_text(record: str) -> str:
    """ "pass:12" as people read it: the kind of record and its number, to look it up."""
    kind, _sep, number = record.partition(":")
    return f"{RECORDS.get(kind, kind)} #{number}"


def evidence(reason: dict) -> str:
    parts = [str(REASONS.get(reason["reason"], reason["reason"]))]
    if reason.get("where"):
        parts.append(reason["where"])
    if reason.get("at"):
        parts.append(timezone.localtime(datetime.datetime.fromisoformat(reason["at"])).strftime("%m-%d %H:%M"))
    parts.append(record_text(reason["record"]))
    return " · ".join(parts)


def contacts(trace: Trace, user, reveal: bool = False) -> list[Shown]:
    """With reveal (the export), phones and ID numbers in full where the user's role may
    reveal them; masked otherwise, and always for another community's residents."""
    rows = list(
        trace.contacts.select_related("resident__dwelling__building", "resident__community", "observation").order_by(
            "kind", "id"
        )
    )
    ids = [c.resident_id for c in rows if c.resident_id]
    phones = set(visible(user, Can.REVEAL_PHONE, Resident.objects.filter(pk__in=ids)).values_list("id", flat=True))
    numbers = set(visible(user, Can.REVEAL_ID, Resident.objects.filter(pk__in=ids)).values_list("id", flat=True))
    outside_phones = reveal and bool(
        visible(user, Can.REVEAL_PHONE, type(trace.community).objects.filter(pk=trace.community_id)).exists()
    )
    shown = []
    for contact in rows:
        resident = contact.resident
        reasons = [evidence(r) for r in contact.reasons]
        if resident is None:
            phone = contact.phone if outside_phones else mask_phone(contact.phone)
            name = contact.name or _("unnamed")
            where = pgettext("contact", "staff") if contact.user_id else _("outside the registry")
            shown.append(Shown(contact, name, where, "", phone, "", reasons, None))
            continue
        ours = resident.community_id == trace.community_id
        shown.append(
            Shown(
                contact,
                resident.name if ours else mask_name(resident.name),
                str(resident.community),
                str(resident.dwelling.label) if ours else "",
                resident.phone if reveal and resident.pk in phones else mask_phone(resident.phone),
                resident.id_number if reveal and resident.pk in numbers else mask_id_number(resident.id_number),
                reasons,
                resident.dwelling_id if ours else None,
            )
        )
    return shown


def revealed(user, resident: Resident) -> tuple[str, str]:
    """The phone and ID number of one resident, each in full where the user may reveal it."""
    row = Resident.objects.filter(pk=resident.pk)
    phone = resident.phone if visible(user, Can.REVEAL_PHONE, row).exists() else mask_phone(resident.phone)
    number = resident.id_number if visible(user, Can.REVEAL_ID, row).exists() else mask_id_number(resident.id_number)
    return phone, number
