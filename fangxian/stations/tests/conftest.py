import datetime

import pytest
from django.utils import timezone

from fangxian.stations import ordering


def make_round(world, community=None, **overrides):
    now = timezone.now()
    values = {
        "name": "第3期蔬菜包",
        "supplier_name": "新发地蔬菜配送",
        "supplier_phone": "010-67651234",
        "opens_at": now - datetime.timedelta(hours=1),
        "closes_at": now + datetime.timedelta(hours=6),
        "delivery_day": timezone.localdate() + datetime.timedelta(days=1),
        "packages": [
            {"name": "蔬菜包 A", "contents": "白菜、土豆、西红柿", "price": 3000, "stock": 10, "cap": 2},
            {"name": "蔬菜包 B", "contents": "青菜、黄瓜", "price": 2550, "stock": 1, "cap": 1},
        ],
    } | overrides
    return ordering.create_round(community or world.xiangchang, values, world.users["secretary"])


@pytest.fixture
def vegetable_round(world):
    return make_round(world)


@pytest.fixture
def packages(vegetable_round):
    return list(vegetable_round.packages.order_by("id"))
