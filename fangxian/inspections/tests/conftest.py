import datetime
import importlib
import io
import uuid

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from fangxian.inspections import rules
from fangxian.inspections.models import Template
from fangxian.places.models import Business


def ensure_checklists() -> None:
    """The first versions as the migration seeds them: a transactional test (a browser's)
    flushes what migrations put in the database."""
    if not Template.objects.exists():
        importlib.import_module("fangxian.inspections.migrations.0002_checklists").seed(apps, None)


@pytest.fixture(autouse=True)
def checklists(db):
    ensure_checklists()


def make_business(world, name="好邻居超市", kind=Business.Kind.SHOP, building="1", community=None, **extra):
    community = community or world.xiangchang
    return Business.objects.create(
        community=community,
        building=world.building(community, building),
        name=name,
        address=f"{building}号楼底商",
        kind=kind,
        **extra,
    )


def make_round(world, businesses, by="community_worker", visits=2, community=None):
    community = community or world.xiangchang
    return rules.new_round(
        world.users[by],
        street=community.street,
        community=community,
        name="复工复产检查 第一轮",
        team="巡查一组",
        visits=visits,
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + datetime.timedelta(days=14),
        businesses=Business.objects.filter(pk__in=[b.pk for b in businesses]),
    )


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(out, format="JPEG")
    return out.getvalue()


def checks_for(business, failing=(), deadline_days=3, photo=False):
    """A finding for every item of the kind's checklist: pass, except the codes in `failing`."""
    template = Template.current(business.kind)
    made = []
    for item in template.items.all():
        check = rules.Check(target=item.pk, result="pass")
        if item.code in failing:
            check.result = "fail"
            check.note = "消毒记录缺三天"
            check.deadline = timezone.localdate() + datetime.timedelta(days=deadline_days)
            if photo:
                check.photo = SimpleUploadedFile("p.jpg", jpeg())
        made.append(check)
    return made


def visit(world, row, business, by="community_worker", **kw):
    inspection, _new = rules.inspect(row, business, world.users[by], checks_for(business, **kw), uuid.uuid4())
    return inspection
