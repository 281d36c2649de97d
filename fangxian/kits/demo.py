"""The demo's kit distribution: thermometer, masks and alcohol for Xiangchang Road's elderly
living alone, drawn from the community office's store, part of it handed over.

The supplies ledger's own seed may have made the store and the items already: they are
looked up by name, and made (and the store stocked by a donation) only where missing."""

from __future__ import annotations

import base64
import datetime
import io
import random

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone
from PIL import Image, ImageDraw

from fangxian.people.models import Tag
from fangxian.places.models import Community
from fangxian.supplies import ledger
from fangxian.supplies.models import Item, Movement, Store

from . import distributing
from .models import Distribution

# name, unit, pack name, pack size; then what one kit holds, in a unit the item may not have.
KIT = [
    (("体温计", "支", "", 0), ("1", "支")),
    (("口罩", "个", "箱", 20), ("10", "个")),
    (("酒精", "斤", "", 0), ("1", "斤")),
]


def item_named(community: Community, name: str, unit: str, pack_name: str, pack_size: int) -> Item:
    """The ledger's item of that name, or one whose name ends with it (75% 酒精), or a new one."""
    items = Item.objects.filter(community=community)
    item = items.filter(name=name).first() or items.filter(name__endswith=name).order_by("name").first()
    return item or Item.objects.create(
        community=community, name=name, unit=unit, pack_name=pack_name, pack_size=pack_size
    )


def per_kit(item: Item, amount: str, unit: str) -> distributing.ContentIn:
    """What one kit holds, in the unit meant if the item (made by another seed) takes it, else one of its own."""
    try:
        ledger.quanta(item, amount, unit)
    except ValidationError:
        return distributing.ContentIn(item, "1", item.unit)
    return distributing.ContentIn(item, amount, unit)


def signature(rng: random.Random) -> str:
    """A few strokes, as a finger signs on a phone's pad."""
    image = Image.new("RGBA", (360, 200), (0, 0, 0, 0))
    points = [(30 + 300 * i / 7, rng.randint(40, 160)) for i in range(8)]
    ImageDraw.Draw(image).line(points, fill=(17, 17, 17, 255), width=3, joint="curve")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def seed(community: Community, rng: random.Random, fake=None) -> None:
    User = get_user_model()
    secretary = User.objects.filter(username="demo-secretary").first()
    grid_worker = User.objects.filter(username="demo-grid").first()
    store = Store.objects.filter(community=community, name="社区办公室").first() or Store.objects.create(
        community=community, name="社区办公室"
    )
    contents = [per_kit(item_named(community, *made), *amount) for made, amount in KIT]
    households = distributing.recipients_from(community, [Tag.ELDERLY_ALONE])
    if not households:
        return
    held = ledger.stock(Movement.objects.filter(community=community))
    week_ago = timezone.now() - datetime.timedelta(days=7)
    for content in contents:
        needed = ledger.quanta(content.item, content.amount, content.unit) * len(households)
        short = needed - held.get((content.item.pk, store.pk), 0)
        if short > 0:
            ledger.record(
                Movement.Kind.DONATION,
                content.item,
                short,
                to_store=store,
                donor="天桥街道慈善协会",
                by=secretary,
                happened_at=week_ago,
            )
    distribution = distributing.create(community, "独居老人应急包", store, contents, [Tag.ELDERLY_ALONE], [], secretary)
    recipients = list(distribution.recipients.select_related("dwelling__building").order_by("id"))
    grid_id = grid_worker.roles.get().grid_id if grid_worker else None
    for recipient in recipients[: len(recipients) * 2 // 5]:
        by = grid_worker if grid_id and recipient.dwelling.building.grid_id == grid_id else secretary
        distributing.hand_over(recipient, by, signature=signature(rng))
    if len(recipients) > 3:
        distributing.leave_out(recipients[-1], "去子女家住了", secretary)


def delete(communities) -> None:
    """Before the demo's communities are deleted: the ledger's movements keep what they name
    (PROTECT), so the kits' issues and donations go first, and the kits with them."""
    Distribution.objects.filter(community__in=communities).delete()
    Movement.objects.filter(community__in=communities).delete()  # the queryset's delete: no model check
