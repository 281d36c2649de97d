"""The demo's whistle: Tianqiao Street's departments, the demo-department account working for
its city-management team, and Xiangchang Road's call for fencing to close a compound's
entrances (the seeds' case of a community that cannot do it alone), acknowledged and waiting
for the team on site; and a call to the housing office nobody answered, escalated to the
street."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone

from fangxian.places.models import Community, Street

from . import calling
from .models import Call, CallStep, Department

DEPARTMENTS = [
    ("city_management", "天桥街道城管执法队", "010-63035210"),
    ("housing", "天桥街道房管所", "010-63035288"),
    ("police", "天桥派出所", "010-63034110"),
    ("market", "西城区市场监管局天桥所", "010-63036315"),
    ("health", "天桥社区卫生服务中心", "010-63032120"),
    ("utilities", "西城供电公司天桥供电所", "95598"),
]


def seed(street: Street, community: Community) -> list[Call]:
    secretary = get_user_model().objects.get(username="demo-secretary")
    made = {kind: calling.keep_department(street, kind, name, contact) for kind, name, contact in DEPARTMENTS}
    team = get_user_model().objects.get(username="demo-department")
    calling.add_member(made["city_management"], team)
    tomorrow = timezone.localtime().replace(hour=18, minute=0, second=0, microsecond=0) + datetime.timedelta(days=1)
    fencing = calling.whistle(
        community=community,
        department=made["city_management"],
        what="香厂路8号院没有围挡，东口、北口无法封闭，只能留南门一个出入口值守。需要铁马围挡约20组，协助封闭东口和北口。",
        address="香厂路8号院 东口、北口",
        needed_by=tomorrow,
        by=secretary,
    )
    calling.acknowledge(fencing, team, "今天下午派两名队员带围挡过去。")
    stairs = calling.whistle(
        community=community,
        department=made["housing"],
        what="老旧楼楼道堆物多，封闭管理后消防通道不畅，需要房管所协调清理。",
        address="香厂路社区2号楼",
        needed_by=timezone.now() + datetime.timedelta(hours=20),
        by=secretary,
    )
    # Called five hours ago and nobody acknowledged it: escalated to the street.
    shift = datetime.timedelta(hours=5)
    Call.objects.filter(pk=stairs.pk).update(
        called_at=stairs.called_at - shift, acknowledge_by=stairs.acknowledge_by - shift
    )
    CallStep.objects.filter(call=stairs).update(at=stairs.called_at - shift)
    calling.escalate()
    return [fencing, stairs]


def delete(streets) -> None:
    Call.objects.filter(street__in=streets).delete()
    Department.objects.filter(street__in=streets).delete()
