"""Arrivals, observations, health reports, alerts and release; the resident's
`under_observation` flag moves with the observation."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from fangxian.people.models import Resident
from fangxian.people.temperature import clean_temperature, is_fever
from fangxian.places.models import Community

from .models import Arrival, Extension, HealthReport, Observation, Policy, Symptom

# A morning report is due by noon, an afternoon report by eight in the evening.
HALF_ENDS = {HealthReport.Half.MORNING: datetime.time(12), HealthReport.Half.AFTERNOON: datetime.time(20)}


def arrive(
    resident: Resident,
    came_from: str,
    arrived_on: datetime.date,
    user,
    transport: str = Arrival.Transport.OTHER,
    transport_number: str = "",
    reason: str = "",
) -> Arrival:
    errors = {}
    if not came_from.strip():
        errors["came_from"] = [_("Where did they come from? A city or a province is enough.")]
    if arrived_on > timezone.localdate():
        errors["arrived_on"] = [_("The arrival date cannot be in the future.")]
    if transport not in Arrival.Transport.values:
        errors["transport"] = [_("Not one of the allowed values.")]
    if resident.moved_out_on is not None:
        errors["resident_id"] = [_("This resident has moved out.")]
    if errors:
        raise ValidationError(errors)
    return Arrival.objects.create(
        resident=resident,
        came_from=came_from.strip()[:100],
        arrived_on=arrived_on,
        transport=transport,
        transport_number=transport_number.strip()[:30],
        reason=reason.strip()[:200],
        recorded_by=user,
    )


# A period that ended lately may still be registered, to be released with its notice.
LATE_REGISTRATION = datetime.timedelta(days=30)


@transaction.atomic
def start(
    resident: Resident,
    kind: str,
    begins: datetime.date,
    user,
    policy: Policy | None = None,
    facility: str = "",
    room: str = "",
    arrival: Arrival | None = None,
) -> Observation:
    if begins > timezone.localdate():
        raise ValidationError({"start": [_("An observation starts today or earlier, on the day of arrival.")]})
    if resident.moved_out_on is not None:
        raise ValidationError({"resident_id": [_("This resident has moved out.")]})
    if kind not in Observation.Kind.values:
        raise ValidationError({"kind": [_("Kind is home or central.")]})
    if kind == Observation.Kind.CENTRAL and not facility.strip():
        raise ValidationError({"facility": [_("Central quarantine needs the facility.")]})
    if Observation.objects.select_for_update().filter(resident=resident, released_at=None).exists():
        raise ValidationError({"resident_id": [_("This resident is already under observation.")]})
    policy = policy or Policy.default_for(resident.community.street.district.city_id)
    ends_on = Observation.end_for(begins, policy)
    if ends_on < timezone.localdate() - LATE_REGISTRATION:
        # A running observation stops its resident at the gate until the release notice: one
        # typed with a start long past (1999) would do so for good.
        raise ValidationError(
            {
                "start": [
                    _("An observation from this day would have ended on %(day)s: give the day it really began.")
                    % {"day": ends_on}
                ]
            }
        )
    if arrival is not None and begins < arrival.arrived_on:
        raise ValidationError({"start": [_("An observation begins on the day of arrival or later.")]})
    observation = Observation.objects.create(
        resident=resident,
        kind=kind,
        facility=facility.strip(),
        room=room.strip(),
        policy=policy,
        start=begins,
        ends_on=ends_on,
        created_by=user,
        arrival=arrival,
    )
    Resident.objects.filter(pk=resident.pk).update(under_observation=True)
    return observation


@transaction.atomic
def extend(observation: Observation, days: int, reason: str, approved_by: str, user) -> Observation:
    """A longer period (14 + 7, or a test still pending): the approver is on record."""
    errors = {}
    if not observation.running:
        errors["days"] = [_("This observation has already ended.")]
    elif not 1 <= days <= 60:
        errors["days"] = [_("An extension is 1 to 60 days.")]
    if not reason.strip():
        errors["reason"] = [_("An extension needs a reason.")]
    if not approved_by.strip():
        errors["approved_by"] = [_("Who approved it?")]
    if errors:
        raise ValidationError(errors)
    Extension.objects.create(
        observation=observation,
        days=days,
        reason=reason.strip()[:200],
        approved_by=approved_by.strip()[:50],
        recorded_by=user,
    )
    observation.ends_on += datetime.timedelta(days=days)
    observation.save(update_fields=["ends_on"])
    return observation


def half_of(moment: datetime.datetime) -> tuple[datetime.date, str]:
    local = timezone.localtime(moment)
    return local.date(), HealthReport.Half.MORNING if local.time() < HALF_ENDS[
        HealthReport.Half.MORNING
    ] else HealthReport.Half.AFTERNOON


def report(
    observation: Observation, temperature, symptoms: list[str], user=None, by_self: bool = False
) -> HealthReport:
    """A health report for the current half day; a second one in the same half is kept too."""
    errors = {}
    if not observation.running:
        errors["observation"] = [_("This person has been released: reports are closed.")]
    try:
        value = clean_temperature(temperature)
        if value is None:
            errors["temperature"] = [_("The temperature is required.")]
    except ValueError as exc:
        errors["temperature"] = [str(exc)]
    unknown = [s for s in symptoms if s not in Symptom.values]
    if unknown:
        errors["symptoms"] = [_("Unknown symptom: %(s)s.") % {"s": ", ".join(map(str, unknown))}]
    if errors:
        raise ValidationError(errors)
    day, half = half_of(timezone.now())
    return HealthReport.objects.create(
        observation=observation,
        day=day,
        half=half,
        temperature=value,
        symptoms=sorted(set(symptoms)),
        by_self=by_self,
        recorded_by=user,
    )


def last_ended_half(now: datetime.datetime | None = None) -> tuple[datetime.date, str]:
    """The most recent half day whose report is now overdue."""
    local = timezone.localtime(now or timezone.now())
    if local.time() < HALF_ENDS[HealthReport.Half.MORNING]:
        return local.date() - datetime.timedelta(days=1), HealthReport.Half.AFTERNOON
    if local.time() < HALF_ENDS[HealthReport.Half.AFTERNOON]:
        return local.date(), HealthReport.Half.MORNING
    return local.date(), HealthReport.Half.AFTERNOON


def missing_report(running: QuerySet) -> QuerySet:
    """Running observations without a report for the last half day that ended."""
    day, half = last_ended_half()
    reported = HealthReport.objects.filter(day=day, half=half).values("observation_id")
    return running.filter(start__lte=day).exclude(pk__in=reported)


@dataclass(frozen=True)
class Alert:
    kind: str  # fever, symptoms, missed
    observation: Observation
    report: HealthReport | None = None
    missed: tuple[datetime.date, str] | None = None  # the half day whose report is missing

    @property
    def half_day(self) -> tuple[datetime.date, str]:
        """Which half day it is about: two alerts for one person read alike otherwise."""
        if self.report is not None:
            return self.report.day, self.report.half
        return self.missed or last_ended_half()

    @property
    def when(self) -> str:
        day, half = self.half_day
        return f"{day:%m-%d} {HealthReport.Half(half).label}"


def alerts(running: QuerySet) -> list[Alert]:
    """For the grid worker's and the health worker's home pages: fevers and symptoms in the
    last 24 hours, and missed reports, worst first."""
    since = timezone.now() - datetime.timedelta(hours=24)
    running = running.filter(released_at=None).select_related("resident__dwelling__building")
    found: list[Alert] = []
    recent = HealthReport.objects.filter(observation__in=running, reported_at__gte=since).select_related(
        "observation__resident__dwelling__building"
    )
    seen = set()
    for row in recent:  # newest first: one alert per person and kind
        kind = "fever" if is_fever(row.temperature) else "symptoms" if row.symptoms else None
        if kind and (row.observation_id, kind) not in seen:
            seen.add((row.observation_id, kind))
            found.append(Alert(kind, row.observation, row))
    found.sort(key=lambda a: a.kind != "fever")
    overdue = last_ended_half()
    found.extend(Alert("missed", o, missed=overdue) for o in missing_report(running))
    return found


@transaction.atomic
def release(observation: Observation, user, reason: str = "") -> Observation:
    """At the end of the period, or early with a reason: the gate admits the holder again,
    and the release notice gets the community's next number for the year."""
    observation = Observation.objects.select_for_update().select_related("resident__community").get(pk=observation.pk)
    if observation.released_at is not None:
        raise ValidationError(_("This observation has already ended."))
    if not observation.due and not reason.strip():
        raise ValidationError({"reason": [_("Ending an observation early needs a reason.")]})
    community = Community.objects.select_for_update().get(pk=observation.resident.community_id)  # numbers one at a time
    year = timezone.localdate().year
    prefix = f"{community.code}-{year}-"
    issued = Observation.objects.filter(notice_number__startswith=prefix).count()
    observation.notice_number = f"{prefix}{issued + 1:04d}"
    observation.released_at = timezone.now()
    observation.released_by = user
    observation.release_reason = reason.strip()
    observation.save(update_fields=["released_at", "released_by", "release_reason", "notice_number"])
    Resident.objects.filter(pk=observation.resident_id).update(under_observation=False)
    return observation
