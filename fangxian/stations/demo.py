"""The demo's vegetable round: Xiangchang Road's third round under way, three packages from
the Xinfadi supplier, orders taken by phone and through links, some delivered and paid, one
cancelled; and last week's round, closed and delivered."""

from __future__ import annotations

import datetime
import random

from django.contrib.auth import get_user_model
from django.utils import timezone

from fangxian.places.models import Community

from . import ordering
from .models import Round

PACKAGES = [
    {
        "name": "蔬菜包 A",
        "contents": "白菜 2 斤、土豆 2 斤、西红柿 1 斤、黄瓜 1 斤、鸡蛋 10 个",
        "price": 3000,
        "stock": 300,
        "cap": 2,
    },
    {
        "name": "蔬菜包 B",
        "contents": "青菜 2 斤、胡萝卜 1 斤、洋葱 1 斤、豆腐 1 块",
        "price": 2500,
        "stock": 200,
        "cap": 2,
    },
    {"name": "水果包", "contents": "苹果 3 斤、香蕉 2 斤", "price": 3500, "stock": 60, "cap": 1},
]


def seed(community: Community, rng: random.Random, fake=None) -> None:
    User = get_user_model()
    secretary = User.objects.get(username="demo-secretary")
    grid = User.objects.get(username="demo-grid")
    now = timezone.now()
    today = timezone.localdate()
    dwellings = list(community.dwellings.select_related("building").order_by("id"))
    last = ordering.create_round(
        community,
        {
            "name": "第2期蔬菜包",
            "supplier_name": "新发地农产品配送中心",
            "supplier_phone": "010-67651234",
            "opens_at": now - datetime.timedelta(days=8),
            "closes_at": now - datetime.timedelta(days=6),
            "delivery_day": today - datetime.timedelta(days=5),
            "packages": PACKAGES[:2],
        },
        secretary,
    )
    current = ordering.create_round(
        community,
        {
            "name": "第3期蔬菜包",
            "supplier_name": "新发地农产品配送中心",
            "supplier_phone": "010-67651234",
            "opens_at": now - datetime.timedelta(days=1),
            "closes_at": now + datetime.timedelta(days=1),
            "delivery_day": today + datetime.timedelta(days=2),
            "packages": PACKAGES,
        },
        secretary,
    )
    # Last week's round: ordered inside its window, delivered and paid, then closed.
    Round.objects.filter(pk=last.pk).update(
        opens_at=now - datetime.timedelta(days=8), closes_at=now + datetime.timedelta(hours=1)
    )
    last.refresh_from_db()
    a, b = last.packages.order_by("id")
    for dwelling in rng.sample(dwellings, min(40, len(dwellings))):
        order = ordering.place(last, dwelling, {a.id: rng.randint(1, 2), b.id: rng.randint(0, 1)}, "phone", secretary)
        ordering.deliver(order, grid, at=now - datetime.timedelta(days=5))
        ordering.mark_paid(order, grid, at=now - datetime.timedelta(days=5))
    ordering.close(last, secretary)
    Round.objects.filter(pk=last.pk).update(closes_at=now - datetime.timedelta(days=6))
    # This round: placed by phone and by link, a few delivered, some paid, one cancelled.
    packages = list(current.packages.order_by("id"))
    for i, dwelling in enumerate(rng.sample(dwellings, min(30, len(dwellings)))):
        quantities = {packages[0].id: rng.randint(0, 2), packages[1].id: rng.randint(0, 1), packages[2].id: i % 3 == 0}
        if not any(quantities.values()):
            quantities[packages[0].id] = 1
        via, by = ("link", None) if i % 4 == 0 else ("phone", secretary)
        order = ordering.place(current, dwelling, {k: int(v) for k, v in quantities.items()}, via, by)
        if i % 5 == 1:
            ordering.deliver(order, grid)
        if i % 5 in (1, 2):
            ordering.mark_paid(order, grid)
        if i == 3:
            ordering.cancel(order, secretary)
