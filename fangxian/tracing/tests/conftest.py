"""Records of every kind tracing reads, made as their apps store them, around one case:
Xiangchang Road building 1, entrance 1, room 101, onset three days ago."""

from __future__ import annotations

import datetime
import uuid

from django.utils import timezone

from conftest import add_resident
from fangxian.duty.models import Assignment as DutyAssignment
from fangxian.duty.models import Person, Post, Roster, Shift
from fangxian.errands.models import Errand
from fangxian.gate.models import Gate, Pass
from fangxian.gate.permits import issue
from fangxian.testing.models import Campaign, Sample, Tube
from fangxian.tracing import finding
from fangxian.watch.models import Assignment, Visit
from fangxian.watch.models import Campaign as Census


def onset() -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=3)


def noon(days_after_onset: int = 0) -> datetime.datetime:
    day = onset() + datetime.timedelta(days=days_after_onset)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


def the_case(world):
    return world.resident(world.xiangchang)


def make_gate(world, name: str = "东门") -> Gate:
    return Gate.objects.create(community=world.xiangchang, name=name, direction="both")


def scan(gate: Gate, at: datetime.datetime, resident=None, **visitor) -> Pass:
    permit = issue(resident, None) if resident is not None and not resident.permits.exists() else None
    permit = permit or (resident.permits.first() if resident is not None else None)
    return Pass.objects.create(
        gate=gate,
        kind=Pass.Kind.PERMIT if permit else visitor.pop("kind", Pass.Kind.VISITOR),
        verdict="admitted",
        direction="in",
        permit=permit,
        scanned_at=at,
        client_id=uuid.uuid4(),
        no_temperature=Pass.NoTemperature.GOING_OUT,
        **visitor,
    )


def swab(world, residents: list, at: datetime.datetime, barcode: str = "T0001") -> Tube:
    campaign = Campaign.objects.create(
        community=world.xiangchang, name="全员核酸", starts_at=at - datetime.timedelta(hours=1), ends_at=at
    )
    tube = Tube.objects.create(campaign=campaign, barcode=barcode, capacity=10, size=len(residents))
    for position, resident in enumerate(residents, 1):
        Sample.objects.create(
            campaign=campaign, tube=tube, resident=resident, position=position, sampled_at=at, client_id=uuid.uuid4()
        )
    return tube


def knock(world, dwelling, user, at: datetime.datetime) -> Visit:
    census = Census.objects.create(
        community=world.xiangchang, name="敲门", starts_on=at.date(), ends_on=at.date() + datetime.timedelta(days=3)
    )
    assignment = Assignment.objects.create(campaign=census, dwelling=dwelling, community_id=dwelling.community_id)
    return Visit.objects.create(
        assignment=assignment, outcome="confirmed", visited_at=at, recorded_by=user, client_id=uuid.uuid4()
    )


def errand(world, dwelling, user, at: datetime.datetime) -> Errand:
    return Errand.objects.create(
        community=world.xiangchang,
        dwelling=dwelling,
        kind=Errand.Kind.MEDICINE,
        what="降压药",
        needed_by=at,
        code="1234",
        state=Errand.State.DELIVERED,
        delivered_by=user,
        delivered_at=at,
    )


def shift(world, day: datetime.date, people: list[Person], start: int = 8) -> Shift:
    roster = Roster.objects.create(
        community=world.xiangchang, starts_on=day, ends_on=day, status=Roster.Status.PUBLISHED
    )
    post = Post.objects.create(community=world.xiangchang, name="东门岗", starts_on=day)
    made = Shift.objects.create(roster=roster, post=post, day=day, start=start, hours=4, headcount=len(people))
    for person in people:
        DutyAssignment.objects.create(shift=made, person=person)
    return made


def housemate(world, case, name: str = "同住人"):
    return add_resident(case.dwelling, name, phone="13900000001")


def trace(case, user=None, **settings):
    settings.setdefault("onset_on", onset())
    return finding.open_trace(case, user, **settings)[0]


def contact_of(trace_, key: str):
    return trace_.contacts.get(key=key)
