"""The demo's testing campaign: Xiangchang Road's whole-community round under way, with a
sampling site and its slots, some households booked, six 10-in-1 tubes sampled and closed, and
the lab's file applied: one pool positive (its ten members on the recall list, held at the gate
and marked on the map, one of them already cleared by a negative single retest), the others
negative; and a tube still filling at the table."""

from __future__ import annotations

import datetime
import random
import uuid

from django.contrib.auth import get_user_model
from django.utils import timezone

from fangxian.people.models import Resident
from fangxian.places.models import Community

from . import results
from .models import Booking, Campaign, Recall, ResultImport, Sample, Site, Slot, Tube

POOLS = 6  # as many full tubes as the community's residents allow, up to this
POSITIVE_POOL = 2  # the third tube, or the last when there are fewer
SKIP = 20  # the first residents by id are the watch demo's returnees: kept out of the tubes


def delete(communities) -> None:
    ResultImport.objects.filter(community__in=communities).delete()
    Campaign.objects.filter(community__in=communities).delete()


def seed(community: Community, rng: random.Random) -> Campaign:
    User = get_user_model()
    health = User.objects.get(username="demo-health")
    secretary = User.objects.get(username="demo-secretary")
    now = timezone.localtime()
    morning = now.replace(hour=7, minute=0, second=0, microsecond=0)
    campaign = Campaign.objects.create(
        community=community,
        name="第三轮全员核酸检测",
        starts_at=morning - datetime.timedelta(days=1),
        ends_at=morning + datetime.timedelta(days=1, hours=12),
        pool_size=10,
        created_by=secretary,
    )
    site = Site.objects.create(campaign=campaign, name="香厂路社区广场采样点", address="香厂路社区居委会门前广场")
    Site.objects.create(campaign=campaign, name="上门采样小组", home_team=True)
    slots = [
        Slot.objects.create(
            site=site,
            starts_at=campaign.starts_at + datetime.timedelta(hours=h),
            ends_at=campaign.starts_at + datetime.timedelta(hours=h + 1),
            capacity=150,
        )
        for day in (0, 24)
        for h in range(day, day + 10)
    ]
    residents = list(Resident.objects.current().filter(community=community).order_by("id")[SKIP:])
    pools = min(POOLS, len(residents) // 10)
    if pools == 0:
        return campaign  # too few residents for a tube of ten
    positive_pool = min(POSITIVE_POOL, pools - 1)
    sampled_at = campaign.starts_at + datetime.timedelta(hours=2)
    tubes = []
    for n in range(pools):
        members = residents[n * 10 : n * 10 + 10]
        tube = Tube.objects.create(
            campaign=campaign,
            site=site,
            barcode=f"XC3{n + 1:05d}",
            capacity=10,
            size=len(members),
            status=Tube.Status.CLOSED,
            opened_at=sampled_at,
            closed_at=sampled_at + datetime.timedelta(minutes=6),
        )
        Sample.objects.bulk_create(
            [
                Sample(
                    campaign=campaign,
                    tube=tube,
                    resident=r,
                    position=i,
                    site=site,
                    sampled_at=sampled_at + datetime.timedelta(seconds=30 * i),
                    sampler=health,
                    client_id=uuid.UUID(int=rng.getrandbits(128)),
                )
                for i, r in enumerate(members, start=1)
            ]
        )
        tubes.append(tube)
    # Households who booked a slot through their link before coming; more booked for today.
    booked = residents[: pools * 10 : 3] + residents[pools * 10 + 5 : pools * 10 + 25]
    Booking.objects.bulk_create(
        [
            Booking(
                campaign=campaign,
                slot=slots[i % 3 if i < pools * 10 // 3 else 10 + i % 6],
                resident=r,
                via=Booking.Via.LINK,
            )
            for i, r in enumerate(booked)
        ]
    )
    for slot in slots:
        Slot.objects.filter(pk=slot.pk).update(booked=slot.bookings.count())
    # This morning's table: a tube half full.
    filling = Tube.objects.create(campaign=campaign, site=site, barcode="XC3000099", capacity=10, size=4)
    Sample.objects.bulk_create(
        [
            Sample(
                campaign=campaign,
                tube=filling,
                resident=r,
                position=i,
                site=site,
                sampled_at=now - datetime.timedelta(minutes=10 - i),
                sampler=health,
                client_id=uuid.UUID(int=rng.getrandbits(128)),
            )
            for i, r in enumerate(residents[pools * 10 : pools * 10 + 4], start=1)
        ]
    )
    reported = sampled_at + datetime.timedelta(hours=8)
    lab_file(
        community,
        health,
        "检测中心结果_第三轮.csv",
        [(t.barcode, "阳性" if i == positive_pool else "阴性", reported) for i, t in enumerate(tubes)],
    )
    # The lab's answer came yesterday evening: the recall dates from then.
    Recall.objects.filter(campaign=campaign).update(recalled_at=reported)
    ResultImport.objects.filter(community=community).update(created_at=reported, applied_at=reported)
    # The first recalled member came back for a single tube this morning: negative, released.
    first = residents[positive_pool * 10]
    retest = Tube.objects.create(
        campaign=campaign,
        site=site,
        barcode="XC3R00001",
        capacity=1,
        size=1,
        retest=True,
        status=Tube.Status.CLOSED,
        closed_at=now - datetime.timedelta(hours=2),
    )
    Sample.objects.create(
        campaign=campaign,
        tube=retest,
        resident=first,
        position=1,
        site=site,
        sampled_at=now - datetime.timedelta(hours=2),
        sampler=health,
        client_id=uuid.UUID(int=rng.getrandbits(128)),
    )
    lab_file(community, health, "单管复检结果.csv", [(retest.barcode, "阴性", now - datetime.timedelta(minutes=30))])
    return campaign


def lab_file(community: Community, user, name: str, rows: list[tuple[str, str, datetime.datetime]]) -> None:
    """As the health worker does it: upload the lab's CSV, look, apply."""
    lines = ["管号,结果,检测时间"] + [f"{b},{r},{timezone.localtime(t):%Y-%m-%d %H:%M}" for b, r, t in rows]
    imp = results.upload(community, user, name, ("\n".join(lines) + "\n").encode())
    results.apply(imp, user)
