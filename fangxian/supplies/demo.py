"""The demo's supplies ledger for Xiangchang Road: the office and the market gate's post as
stores, the donations of the field notes (18,000 masks, 2,306 斤 of alcohol, 4,338 斤 of
disinfectant, 8,375 副 of gloves, the gloves from an anonymous donor), a purchase of
thermometers, issues to the gates, to households and to a volunteer, one issue entered
twice and reversed, and thermometers below their minimum level."""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from fangxian.gate.models import Gate
from fangxian.places.models import Community, Dwelling

from . import ledger
from .models import Item, Movement, RecipientRole, Store

K = Movement.Kind


def seed(community: Community, rng: random.Random, fake=None) -> None:
    now = timezone.now()

    def days_ago(days: float) -> datetime.datetime:
        return now - datetime.timedelta(days=days)

    gates = list(Gate.objects.filter(community=community).order_by("id"))
    market = next((g for g in gates if "菜市场" in g.name), gates[0] if gates else None)
    office = Store.objects.create(community=community, name="社区办公室")
    post = Store.objects.create(community=community, name=f"{market.name}岗", gate=market) if market else office
    masks = Item.objects.create(community=community, name="口罩", unit="个", pack_name="箱", pack_size=20, minimum=2000)
    alcohol = Item.objects.create(community=community, name="75% 酒精", unit="斤", minimum=100 * 500)
    disinfectant = Item.objects.create(community=community, name="84 消毒液", unit="斤", minimum=200 * 500)
    gloves = Item.objects.create(community=community, name="一次性手套", unit="副", pack_name="盒", pack_size=50)
    thermometers = Item.objects.create(community=community, name="额温枪", unit="支", minimum=30)

    ledger.receive(K.DONATION, office, [(masks, 18000)], donor="北京同仁堂药店", happened_at=days_ago(20))
    ledger.receive(
        K.DONATION,
        office,
        [(alcohol, 2306 * 500), (disinfectant, 4338 * 500)],
        donor="天桥商会",
        happened_at=days_ago(18),
    )
    ledger.receive(K.DONATION, office, [(gloves, 8375)], anonymous=True, happened_at=days_ago(15))
    ledger.receive(K.PURCHASE, office, [(thermometers, 40)], donor="天桥医疗器械商店", happened_at=days_ago(14))

    ledger.record(K.TRANSFER, masks, 2000, from_store=office, to_store=post, happened_at=days_ago(12))
    if market:
        ledger.issue(masks, post, 600, to_gate=market, happened_at=days_ago(11))
        ledger.issue(thermometers, office, 4, to_gate=market, happened_at=days_ago(11))
    for gate in gates:
        if gate != market:
            ledger.issue(masks, office, 400, to_gate=gate, happened_at=days_ago(10))
            ledger.issue(thermometers, office, 2, to_gate=gate, happened_at=days_ago(10))
    dwellings = list(Dwelling.objects.filter(community=community).order_by("id")[:400])
    for dwelling in rng.sample(dwellings, min(24, len(dwellings))):
        ledger.issue(masks, office, 20, to_dwelling=dwelling, happened_at=days_ago(8))
        ledger.issue(alcohol, office, 500, to_dwelling=dwelling, happened_at=days_ago(8))
        ledger.issue(thermometers, office, 1, to_dwelling=dwelling, happened_at=days_ago(8))
    ledger.issue(gloves, office, 500, to_person="党员志愿队", to_role=RecipientRole.VOLUNTEER, happened_at=days_ago(7))
    ledger.issue(
        disinfectant, office, 300 * 500, to_person="保洁班组", to_role=RecipientRole.STAFF, happened_at=days_ago(6)
    )
    twice = ledger.issue(
        gloves, office, 500, to_person="党员志愿队", to_role=RecipientRole.VOLUNTEER, happened_at=days_ago(7)
    )
    ledger.reverse(twice, "重复录入")
    ledger.record(
        K.ADJUSTMENT, alcohol, 2 * 500, from_store=office, reason="盘点时发现两斤洒漏", happened_at=days_ago(3)
    )


def delete(communities) -> None:
    """The demo's ledger, before its communities and gates go (its movements protect them):
    reversals first, as each protects the movement it reverses."""
    movements = Movement.objects.filter(community__in=communities)
    movements.filter(reverses__isnull=False).delete()
    movements.delete()
