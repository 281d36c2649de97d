"""A campaign of Xiangchang Road under way: a site with two slots and a home team, for the
campaign, booking, coverage and matrix tests."""

from __future__ import annotations

import datetime
import uuid

from django.utils import timezone

from fangxian.testing import campaigns
from fangxian.testing.models import Campaign, Sample, Tube


def make_campaign(world, **extra) -> Campaign:
    now = timezone.now()
    fields = {
        "name": "第一轮全员核酸",
        "starts_at": now - datetime.timedelta(hours=1),
        "ends_at": now + datetime.timedelta(days=2),
        "pool_size": 10,
    } | extra
    campaign = campaigns.create(world.xiangchang, **fields)
    site = campaigns.add_site(campaign, "2号楼前广场", "2号楼南侧")
    campaigns.add_slots(site, now + datetime.timedelta(hours=1), now + datetime.timedelta(hours=2), 30, 3)
    home = campaigns.add_site(campaign, "上门采样队", home_team=True)
    campaigns.add_slots(home, now + datetime.timedelta(hours=1), now + datetime.timedelta(hours=3), 120, 5)
    return campaign


def swab(campaign: Campaign, resident, barcode: str | None = None, retest: bool = False) -> Sample:
    """A swab as the sampling table stores it (one tube of one, enough for coverage)."""
    tube = Tube.objects.create(
        campaign=campaign, barcode=barcode or uuid.uuid4().hex[:12], capacity=1, size=1, retest=retest
    )
    return Sample.objects.create(
        campaign=campaign, tube=tube, resident=resident, position=1, sampled_at=timezone.now(), client_id=uuid.uuid4()
    )
