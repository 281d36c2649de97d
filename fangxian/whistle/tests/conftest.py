import datetime

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from conftest import PASSWORD
from fangxian.accounts.models import Role
from fangxian.whistle import calling
from fangxian.whistle.models import Department


def liaison_of(street, username: str):
    user = get_user_model().objects.create_user(username=username, password=PASSWORD)
    Role.objects.create(user=user, kind=Role.Kind.LIAISON, street=street)
    return user


def make_departments(world) -> dict:
    """Tianqiao's city management (the world's liaison works for it) and housing (another
    liaison of Tianqiao), and Chunshu's city management (a liaison of Chunshu)."""
    city = Department.objects.create(
        street=world.tianqiao, kind="city_management", name="天桥城管执法队", contact="010-63030000"
    )
    housing = Department.objects.create(street=world.tianqiao, kind="housing", name="天桥房管所")
    chunshu = Department.objects.create(street=world.chunshu, kind="city_management", name="椿树城管执法队")
    calling.add_member(city, world.users["liaison"])
    calling.add_member(housing, liaison_of(world.tianqiao, "housing_liaison"))
    calling.add_member(chunshu, liaison_of(world.chunshu, "chunshu_liaison"))
    return {"city": city, "housing": housing, "chunshu_city": chunshu}


def make_call(world, department, hours: float = 24, community=None, by=None, **extra):
    return calling.whistle(
        community=community or world.xiangchang,
        department=department,
        what=extra.pop("what", "小区无围挡，需封闭两个出入口"),
        address=extra.pop("address", "香厂路社区 东口、北口"),
        needed_by=timezone.now() + datetime.timedelta(hours=hours),
        by=by or world.users["secretary"],
        **extra,
    )


@pytest.fixture
def departments(world) -> dict:
    return make_departments(world)


@pytest.fixture
def call(world, departments):
    return make_call(world, departments["city"])
