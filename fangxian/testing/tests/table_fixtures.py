"""What the table's tests share: a campaign under way at Xiangchang Road, and registrations."""

from __future__ import annotations

import datetime
import uuid

from django.utils import timezone

from fangxian.testing import sampling
from fangxian.testing.models import Campaign, Site


def make_campaign(world, community=None, **fields) -> Campaign:
    now = timezone.now()
    campaign = Campaign.objects.create(
        community=community or world.xiangchang,
        name=fields.pop("name", "第一轮核酸"),
        starts_at=now - datetime.timedelta(hours=2),
        ends_at=now + datetime.timedelta(hours=10),
        **fields,
    )
    Site.objects.create(campaign=campaign, name="广场采样点")
    return campaign


def registration(tube: str, id_number: str = "", permit_code: str = "", **fields) -> sampling.Registration:
    return sampling.Registration(
        client_id=fields.pop("client_id", None) or uuid.uuid4(),
        tube=tube,
        sampled_at=fields.pop("sampled_at", None) or timezone.now() - datetime.timedelta(minutes=1),
        id_number=id_number,
        permit_code=permit_code,
        **fields,
    )


def item(campaign: Campaign, tube: str, id_number: str = "", **fields) -> dict:
    """A registration as the phone sends it."""
    return {
        "campaign_id": campaign.pk,
        "client_id": str(fields.pop("client_id", None) or uuid.uuid4()),
        "tube": tube,
        "id_number": id_number,
        "sampled_at": (timezone.now() - datetime.timedelta(minutes=1)).isoformat(),
        **fields,
    }
