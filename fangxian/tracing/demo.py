"""The demo's trace: a confirmed case in Xiangchang Road with its household, people met at the
market gate yesterday and this morning (neighbours, a shopper from another community, a
courier), and an errand delivered to its door; traced by the health worker, nobody put
under observation yet, so the one step is there to take."""

from __future__ import annotations

import datetime
import uuid

from django.contrib.auth import get_user_model
from django.db.models import Count
from django.utils import timezone

from fangxian.errands import requests
from fangxian.errands.models import Errand
from fangxian.gate.models import Gate, Pass, Permit, Verdict
from fangxian.people.models import Resident
from fangxian.places.models import Community

from . import finding
from .models import Trace

# Minutes after the case's pass: within the default 15 minutes, and one that is not.
MET = [-12, -3, 4, 9, 14]
NOT_MET = 25


def seed(community: Community) -> Trace:
    User = get_user_model()
    health, grid_worker = User.objects.get(username="demo-health"), User.objects.get(username="demo-grid")
    gate = Gate.objects.get(community=community, name="香厂路菜市场入口")
    households = (
        Resident.objects.current()
        .filter(community=community, under_observation=False)
        .values("dwelling_id")
        .annotate(n=Count("id"))
        .filter(n__gte=2)
        .order_by("dwelling_id")
    )
    case = Resident.objects.current().filter(dwelling_id=households[0]["dwelling_id"]).order_by("id").first()
    neighbours = list(
        Resident.objects.current()
        .filter(community=community)
        .exclude(dwelling_id=case.dwelling_id)
        .order_by("id")[20 : 20 + len(MET)]
    )
    shopper = Resident.objects.current().exclude(community=community).filter(permits__isnull=False).first()
    today = timezone.localdate()
    passes = []
    for day, hour in ((today - datetime.timedelta(days=1), 9), (today, 8)):
        at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 30)))
        if at > timezone.now():
            at = timezone.now() - datetime.timedelta(minutes=30)
        passes.append(permit_pass(gate, case, at))
        for minutes, resident in zip(MET, neighbours, strict=True):
            passes.append(permit_pass(gate, resident, at + datetime.timedelta(minutes=minutes)))
        passes.append(permit_pass(gate, shopper, at + datetime.timedelta(minutes=6)))
        passes.append(permit_pass(gate, neighbours[0], at + datetime.timedelta(minutes=NOT_MET)))
        passes.append(
            Pass(
                gate=gate,
                kind=Pass.Kind.COURIER,
                verdict=Verdict.ADMIT,
                direction="in",
                temperature="36.5",
                holder="快递员李师傅",
                phone="13911112222",
                reason="送快递",
                scanned_at=at + datetime.timedelta(minutes=2),
                client_id=uuid.uuid4(),
            )
        )
    Pass.objects.bulk_create(passes)
    errand = requests.ask(
        case.dwelling,
        case,
        Errand.Kind.MEDICINE,
        "布洛芬 一盒，体温计 一支",
        Errand.Urgency.URGENT,
        timezone.now() + datetime.timedelta(hours=2),
        Errand.Via.PHONE,
        grid_worker,
    )
    requests.deliver(errand, grid_worker, code=errand.code)
    trace, _added = finding.open_trace(case, health, onset_on=today - datetime.timedelta(days=1))
    return trace


def permit_pass(gate: Gate, resident: Resident, at: datetime.datetime) -> Pass:
    return Pass(
        gate=gate,
        kind=Pass.Kind.PERMIT,
        verdict=Verdict.ADMIT,
        direction="in",
        temperature="36.4",
        permit=Permit.objects.filter(resident=resident).order_by("-issued_at").first(),
        holder=resident.name[0] + "*",
        scanned_at=at,
        client_id=uuid.uuid4(),
    )
