import pytest

from fangxian.gate.models import Gate
from fangxian.supplies.models import Item, Store


@pytest.fixture
def office(world):
    return Store.objects.create(community=world.xiangchang, name="社区办公室")


@pytest.fixture
def masks(world):
    return Item.objects.create(community=world.xiangchang, name="口罩", unit="个", pack_name="箱", pack_size=20)


@pytest.fixture
def alcohol(world):
    return Item.objects.create(community=world.xiangchang, name="酒精", unit="斤")


@pytest.fixture
def market_gate(world):
    return Gate.objects.create(community=world.xiangchang, name="菜市场门")
