"""The one path by which a resident is validated and saved, from a form or the API."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangxian.accounts import audit
from fangxian.accounts.models import AuditEvent
from fangxian.accounts.scoping import Can, can
from fangxian.lib.pinyin import initials
from fangxian.places.models import Dwelling

from . import fields
from .models import Emergency, Move, Resident, Tag

# Read once: a choices class builds its list of values anew on every access, and an import
# validates 100,000 residents.
ID_TYPES = frozenset(Resident.IdType.values)
SEXES = frozenset(Resident.Sex.values)
TAGS = frozenset(Tag.values)
BIRTH_DATE = gettext_lazy("The birth date")  # translated only for an error message
CHOICES = (
    ("relation", frozenset(Resident.Relation.values), Resident.Relation.OTHER),
    ("residence", frozenset(Resident.Residence.values), Resident.Residence.HERE),
)


def clean_resident(data: dict, instance: Resident | None = None, today: datetime.date | None = None) -> dict:
    """`data` holds raw values as typed; returns model values or raises a ValidationError
    keyed by field name, every field's problem at once. The form, the API and the
    spreadsheet import all validate a resident here."""
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    values: dict = {}

    def attempt(key: str, func, *args):
        try:
            values[key] = func(*args)
        except ValidationError as exc:
            errors.setdefault(key, []).extend(exc.messages)

    name = str(data.get("name", "")).strip()
    if not name:
        errors["name"] = [_("The name is required.")]
    elif len(name) > 50:
        errors["name"] = [_("A name has at most 50 characters.")]
    values["name"] = name
    id_type = data.get("id_type") or Resident.IdType.MAINLAND
    if id_type not in ID_TYPES:
        errors["id_type"] = [_("Unknown ID document type.")]
    sex = data.get("sex") or None
    if sex is not None and sex not in SEXES:
        errors["sex"] = [_("Sex is M or F.")]
        sex = None
    if "id_type" not in errors:
        attempt("id", fields.clean_id, id_type, str(data.get("id_number", "")), sex, today)
    number, id_birth, id_sex = values.pop("id", (None, None, None))
    values.update(id_type=id_type, id_number=number, sex=sex or id_sex)
    if values["sex"] is None and "id_number" not in errors and "id" not in errors:
        errors["sex"] = [_("The sex is required.")]
    birth = data.get("birth_date")
    attempt("birth_date", fields.clean_date, "" if birth is None else str(birth), BIRTH_DATE, today)
    given = values.get("birth_date")
    # A mainland ID number carries the birth date: another one typed beside it is refused, not
    # dropped unseen. The one on record is let be (a form shows it while the number is corrected).
    if id_birth and given and given not in (id_birth, getattr(instance, "birth_date", None)):
        errors["birth_date"] = [
            _("The birth date comes from the ID number (%(date)s): leave it empty, or correct the ID number.")
            % {"date": id_birth}
        ]
    values["birth_date"] = id_birth or given
    attempt("phone", fields.clean_phone, str(data.get("phone") or ""))
    for key, choices, default in CHOICES:
        value = data.get(key) or getattr(instance, key, None) or default
        if value not in choices:
            errors[key] = [_("Not one of the allowed values.")]
        values[key] = value
    tags = data.get("tags") or []
    unknown = [t for t in tags if t not in TAGS]
    if unknown:
        errors["tags"] = [_("Unknown tag: %(tag)s.") % {"tag": ", ".join(unknown)}]
    values["tags"] = Resident.encode_tags(tags)
    if "id" in errors:
        errors["id_number"] = errors.pop("id")
    if errors:
        raise ValidationError(errors)
    return values


def check_unique_document(community_id: int, values: dict, instance: Resident | None) -> None:
    clash = Resident.objects.filter(community_id=community_id, id_type=values["id_type"], id_number=values["id_number"])
    if instance is not None:
        clash = clash.exclude(pk=instance.pk)
    if clash.exists():
        raise ValidationError(
            {"id_number": [_("A resident with this ID number is already registered in this community.")]}
        )


@transaction.atomic
def save_resident(values: dict, dwelling: Dwelling, user, instance: Resident | None = None) -> Resident:
    check_unique_document(dwelling.community_id, values, instance)
    resident = instance or Resident(community_id=dwelling.community_id)
    if instance is not None and instance.dwelling_id != dwelling.id:
        if dwelling.community_id != instance.community_id:
            raise ValidationError(
                {"dwelling": [_("A resident moves to another community by moving out here and registering there.")]}
            )
        Move.objects.create(
            resident=instance, from_dwelling_id=instance.dwelling_id, to_dwelling=dwelling, recorded_by=user
        )
    for key, value in values.items():
        setattr(resident, key, value)
    resident.dwelling = dwelling
    resident.name_initials = initials(resident.name)
    if resident.pk is None:
        resident.emergency = Emergency.open_for(dwelling.community)
    resident.save()
    return resident


@transaction.atomic
def move_out(resident: Resident, user, on=None, reason: str = "") -> None:
    on = on or timezone.localdate()
    Move.objects.create(
        resident=resident,
        from_dwelling_id=resident.dwelling_id,
        to_dwelling=None,
        moved_on=on,
        reason=reason,
        recorded_by=user,
    )
    resident.moved_out_on = on
    resident.save(update_fields=["moved_out_on", "updated_at"])


REVEALS = {
    "id_number": (Can.REVEAL_ID, AuditEvent.Action.REVEAL_ID),
    "phone": (Can.REVEAL_PHONE, AuditEvent.Action.REVEAL_PHONE),
}


def reveal(request, resident: Resident, field: str, **detail) -> str:
    """One field of one resident in full, written to the audit log. KeyError for a field that
    is never revealed; PermissionDenied for a role that may not see it."""
    capability, action = REVEALS[field]
    if not can(request.user, capability, resident):
        raise PermissionDenied
    audit.record(request, action, resident, **detail)
    return getattr(resident, field)
