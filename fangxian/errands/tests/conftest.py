import datetime

import pytest
from django.utils import timezone

from fangxian.errands import requests


def make_errand(world, room: str = "101", building: str = "1", community=None, hours: float = 4, **extra):
    dwelling = world.dwelling(community or world.xiangchang, building, 1, room)
    return requests.ask(
        dwelling,
        None,
        extra.pop("kind", "medicine"),
        extra.pop("what", "降压药 两盒"),
        extra.pop("urgency", "normal"),
        timezone.now() + datetime.timedelta(hours=hours),
        extra.pop("via", "phone"),
        extra.pop("by", world.users["community_worker"]),
        **extra,
    )


@pytest.fixture
def errand(world):
    return make_errand(world)
