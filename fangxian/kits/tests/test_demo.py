import random

from fangxian.kits import demo
from fangxian.kits.models import Distribution
from fangxian.people.models import Tag
from fangxian.supplies.models import Item, Store

from .conftest import tag


def test_the_seed_makes_what_it_lacks_and_hands_some_kits_over(world):
    for room in ("101", "102", "201", "202", "301"):
        tag(world.dwelling(world.xiangchang, "1", 1, room).residents.get(), Tag.ELDERLY_ALONE)
    Item.objects.create(community=world.xiangchang, name="酒精", unit="瓶")  # the ledger's seed made it first
    demo.seed(world.xiangchang, random.Random(1))
    distribution = Distribution.objects.get()
    assert distribution.store == Store.objects.get(community=world.xiangchang, name="社区办公室")
    assert [str(c) for c in distribution.contents.all()] == ["体温计 1 支", "口罩 10 个", "酒精 1 瓶"]
    states = sorted(distribution.recipients.values_list("state", flat=True))
    assert states == ["handed_over", "handed_over", "left_out", "pending", "pending"]


def test_the_seed_takes_the_ledgers_alcohol_by_the_end_of_its_name(world):
    tag(world.dwelling(world.xiangchang, "1", 1, "101").residents.get(), Tag.ELDERLY_ALONE)
    Item.objects.create(community=world.xiangchang, name="75% 酒精", unit="斤")
    demo.seed(world.xiangchang, random.Random(1))
    assert "75% 酒精 1 斤" in [str(c) for c in Distribution.objects.get().contents.all()]
    assert not Item.objects.filter(community=world.xiangchang, name="酒精").exists()
