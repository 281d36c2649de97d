"""The demo's errands: Xiangchang Road's open errands at every stage, one of them overdue and
one for a household under observation (door delivery only)."""

from __future__ import annotations

import datetime
import random

from django.contrib.auth import get_user_model
from django.utils import timezone

from fangxian.people.models import Resident, Tag
from fangxian.places.models import Community

from . import requests
from .models import Errand

ASKED = [
    ("medicine", "硝苯地平控释片 30mg 两盒（社区医院开过的）", "urgent", 3),
    ("groceries", "大米 10斤、鸡蛋 2斤、青菜 一把", "normal", 6),
    ("bill", "交电费 200 元（国网北京 户号在门口）", "normal", 24),
    ("hospital_ride", "周四上午透析，友谊医院，需要有人陪同", "urgent", 40),
    ("other", "帮忙取快递（菜鸟驿站 取件码 3-2-1108）", "normal", 8),
    ("medicine", "布洛芬 一盒，体温计 一支", "urgent", 2),
]


def seed(community: Community, rng: random.Random) -> list[Errand]:
    """Errands open, claimed, delivered (money advanced, part repaid), closed and cancelled;
    the first one is overdue, and one household has someone under observation."""
    User = get_user_model()
    secretary = User.objects.get(username="demo-secretary")
    grid_worker = User.objects.get(username="demo-grid")
    residents = list(Resident.objects.current().filter(community=community).order_by("id")[:400])
    elderly = [r for r in residents if Tag.ELDERLY_ALONE in r.tag_list] or residents
    observed = next(
        (r for r in Resident.objects.current().filter(community=community, under_observation=True).order_by("id")),
        None,
    )
    chosen = rng.sample(elderly, min(len(elderly), len(ASKED) - 1)) + [observed or residents[-1]]
    made = []
    for (kind, what, urgency, hours), resident in zip(ASKED, chosen, strict=False):
        made.append(
            requests.ask(
                resident.dwelling,
                resident,
                kind,
                what,
                urgency,
                timezone.now() + datetime.timedelta(hours=hours),
                Errand.Via.PHONE,
                secretary,
            )
        )
    # The first was needed an hour ago and nobody has taken it: it stands out as overdue.
    Errand.objects.filter(pk=made[0].pk).update(needed_by=timezone.now() - datetime.timedelta(hours=1))
    requests.claim(made[1], grid_worker)
    requests.deliver(made[2], grid_worker, code=made[2].code, advanced=20000)
    requests.repaid(made[2], 10000, secretary)
    requests.deliver(made[3], grid_worker, code=made[3].code)
    requests.close(made[3], secretary)
    requests.cancel(made[4], secretary, "家属已经取了")
    # made[5] stays open: for a household under observation, door delivery only.
    return made
