"""A store stocked with a kit's contents, and elderly people living alone in Xiangchang Road."""

from __future__ import annotations

import base64
import datetime
import io

import pytest
from PIL import Image, ImageDraw

from fangxian.kits import distributing
from fangxian.people.models import Resident, Tag
from fangxian.supplies import ledger
from fangxian.supplies.models import Item, Movement, Store


def signature_url(size=(300, 150), drawn: bool = True) -> str:
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    if drawn:
        ImageDraw.Draw(image).line([(20, 100), (80, 30), (150, 110), (260, 40)], fill=(0, 0, 0, 255), width=3)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def tag(resident: Resident, *tags: str) -> Resident:
    resident.tag_list = [*resident.tag_list, *tags]
    resident.save()
    return resident


@pytest.fixture
def kit(world):
    """Office store with 10 thermometers, 5 boxes of 20 masks, 10 斤 of alcohol; three elderly
    people living alone (building 1 twice, building 2 once) and one who moved out."""
    x = world.xiangchang
    office = Store.objects.create(community=x, name="社区办公室")
    thermometer = Item.objects.create(community=x, name="体温计", unit="支")
    masks = Item.objects.create(community=x, name="口罩", unit="个", pack_name="箱", pack_size=20)
    alcohol = Item.objects.create(community=x, name="酒精", unit="斤")
    for item, amount, unit in ((thermometer, "10", "支"), (masks, "5", "箱"), (alcohol, "10", "斤")):
        ledger.record(
            Movement.Kind.DONATION, item, ledger.quanta(item, amount, unit), to_store=office, donor="天桥商会"
        )
    alone = [
        tag(world.dwelling(x, "1", 1, "101").residents.get(), Tag.ELDERLY_ALONE),
        tag(world.dwelling(x, "1", 2, "302").residents.get(), Tag.ELDERLY_ALONE),
        tag(world.dwelling(x, "2", 1, "201").residents.get(), Tag.ELDERLY_ALONE),
    ]
    gone = tag(world.dwelling(x, "2", 2, "102").residents.get(), Tag.ELDERLY_ALONE)
    gone.moved_out_on = datetime.date(2020, 2, 1)
    gone.save()
    contents = [
        distributing.ContentIn(thermometer, "1", "支"),
        distributing.ContentIn(masks, "1/2", "箱"),
        distributing.ContentIn(alcohol, "1", "斤"),
    ]
    return {
        "office": office,
        "thermometer": thermometer,
        "masks": masks,
        "alcohol": alcohol,
        "alone": alone,
        "gone": gone,
        "contents": contents,
    }


@pytest.fixture
def distribution(world, kit):
    return distributing.create(
        world.xiangchang,
        "独居老人应急包",
        kit["office"],
        kit["contents"],
        [Tag.ELDERLY_ALONE],
        [],
        world.users["secretary"],
    )
