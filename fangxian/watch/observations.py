"""Starting and releasing observations; the resident's `under_observation` flag moves with them."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangxian.people.models import Resident

from .models import Observation, Policy


@transaction.atomic
def start(resident: Resident, kind: str, begins: datetime.date, user, policy: Policy | None = None,
          facility: str = "", room: str = "") -> Observation:
    if begins > timezone.localdate():
        raise ValidationError({"start": [_("An observation starts today or earlier, on the day of arrival.")]})
    if resident.moved_out_on is not None:
        raise ValidationError({"resident_id": [_("This resident has moved out.")]})
    if kind not in Observation.Kind.values:
        raise ValidationError({"kind": [_("Kind is home or central.")]})
    if Observation.objects.select_for_update().filter(resident=resident, released_at=None).exists():
        raise ValidationError({"resident_id": [_("This resident is already under observation.")]})
    policy = policy or Policy.default_for(resident.community.street.district.city_id)
    observation = Observation.objects.create(
        resident=resident, kind=kind, facility=facility, room=room, policy=policy, start=begins,
        ends_on=Observation.end_for(begins, policy), created_by=user,
    )
    Resident.objects.filter(pk=resident.pk).update(under_observation=True)
    return observation


@transaction.atomic
def release(observation: Observation, user, reason: str = "") -> Observation:
    """At the end of the period, or early with a reason: the gate admits the holder again."""
    if observation.released_at is not None:
        raise ValidationError(_("This observation has already ended."))
    if not observation.due and not reason.strip():
        raise ValidationError({"reason": [_("Ending an observation early needs a reason.")]})
    observation.released_at = timezone.now()
    observation.released_by = user
    observation.release_reason = reason.strip()
    observation.save(update_fields=["released_at", "released_by", "release_reason"])
    Resident.objects.filter(pk=observation.resident_id).update(under_observation=False)
    return observation
