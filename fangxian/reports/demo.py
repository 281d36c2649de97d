"""The demo's daily reports: Tianqiao Street's yesterday, reported by all its communities but
Taiping Street (missing), Fuchang Street's a zero report, Yong'an Road's corrected after it was
sent, Liuxue Road's late; and today, reported by the communities whose secretaries are early,
with Xiangchang Road's left for demo-secretary to submit.

Each community's secretary is an account of its own (demo-secretary-<code>), because only a
community's secretary may submit its report; Xiangchang Road's is demo-secretary."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone

from fangxian.accounts.models import Role
from fangxian.places.models import Community

from . import reporting
from .counting import prefill
from .models import DailyReport, ReportVersion

MISSING = "太平街社区"
ZERO = "福长街社区"
CORRECTED = "永安路社区"
LATE = "留学路社区"
LEFT_FOR_THE_DEMO = "香厂路社区"


def secretary_of(community: Community, password: str):
    User = get_user_model()
    if community.name_zh == LEFT_FOR_THE_DEMO:
        return User.objects.get(username="demo-secretary")
    user, made = User.objects.get_or_create(username=f"demo-secretary-{community.code[-3:]}")
    if made:
        user.set_password(password)
        user.save()
        Role.objects.create(user=user, kind=Role.Kind.SECRETARY, community=community)
    return user


def at(day: datetime.date, hour: int, minute: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def sent_at(version: ReportVersion, moment: datetime.datetime, first: bool) -> None:
    """The demo is loaded at any hour: the times are set as the street's day had them."""
    moment = min(moment, timezone.now())
    ReportVersion.objects.filter(pk=version.pk).update(submitted_at=moment)
    if first:
        DailyReport.objects.filter(pk=version.report_id).update(first_submitted_at=moment)


def seed(communities: list[Community], password: str) -> list[ReportVersion]:
    today = timezone.localdate()
    yesterday = today - datetime.timedelta(days=1)
    made = []
    for n, community in enumerate(communities):
        secretary = secretary_of(community, password)
        for day in (yesterday, today):
            if community.name_zh == MISSING or (day == today and community.name_zh == LEFT_FOR_THE_DEMO):
                continue
            figures = prefill([community.pk], day)[community.pk]
            zero = community.name_zh == ZERO
            version = reporting.submit(
                community,
                day,
                secretary,
                figures=None if zero else figures,
                zero_report=zero,
                notes="辖区平稳，无新增情况。" if zero else "",
            )
            late = community.name_zh == LATE and day == yesterday
            sent_at(version, at(day, 17 if late else 14, 10 + 5 * n), first=True)
            made.append(version)
            if community.name_zh == CORRECTED and day == yesterday:
                fixed = reporting.submit(
                    community,
                    day,
                    secretary,
                    figures={**figures, "gate_fevers": figures["gate_fevers"] + 1},
                    reason="南门晚班补录一名发热人员（37.8℃，已送发热门诊）。",
                )
                sent_at(fixed, at(day, 18, 40), first=False)
                made.append(fixed)
    return made
