"""The demo's business inspections: the demo's businesses get their kinds, Xiangchang Road gets
an office tower with its firms and a construction site, and a round "every firm twice" that
is under way: visits with findings fixed on the spot, a rectification waiting for its date,
one checked again on a revisit and passed, one overdue that became a case, and a shop whose
staff list holds someone under home observation."""

from __future__ import annotations

import datetime
import io
import random
import uuid

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import QuerySet
from django.utils import timezone
from PIL import Image, ImageDraw

from fangxian.people.models import Resident
from fangxian.places.models import Building, Business, Community

from . import rules
from .models import Finding, Inspection, Round, Template

K = Business.Kind
# The demo command's business names, as the kinds they are.
KINDS = {
    "香厂路便民菜站": (K.SHOP, ""),
    "天桥便利店": (K.SMALL_SHOP, Business.SmallKind.GROCERY),
    "福长街理发店": (K.SMALL_SHOP, Business.SmallKind.BARBER),
    "永安药房": (K.SHOP, ""),
    "留学路快递驿站": (K.COURIER, ""),
    "先农坛小吃店": (K.SMALL_SHOP, Business.SmallKind.RESTAURANT),
}
TOWER = "天桥艺术大厦"
FIRMS = ["北京华韵文化传媒有限公司", "天桥律师事务所", "京南科技有限公司"]


def photo(colour: str) -> SimpleUploadedFile:
    """A stand-in for the phone's photo of what was found (no camera in a demo)."""
    image = Image.new("RGB", (480, 360), colour)
    ImageDraw.Draw(image).rectangle((60, 60, 420, 300), outline="white", width=8)
    out = io.BytesIO()
    image.save(out, format="JPEG")
    return SimpleUploadedFile("photo.jpg", out.getvalue())


def checks(business: Business, failing: dict[str, dict]) -> list[rules.Check]:
    made = []
    for item in Template.current(business.kind).items.all():
        made.append(rules.Check(**({"target": item.pk, "result": "pass"} | failing.get(item.code, {}))))
    return made


def seed(community: Community, rng: random.Random) -> Round:
    User = get_user_model()
    secretary = User.objects.get(username="demo-secretary")
    grid_worker = User.objects.get(username="demo-grid")
    for name, (kind, small) in KINDS.items():
        Business.objects.filter(community__street__district__city__code="110000", name=name).update(
            kind=kind, small_kind=small
        )
    first = Building.objects.get(community=community, number="1")
    tower = Business.objects.create(
        community=community,
        building=first,
        name=TOWER,
        address="1号楼",
        kind=K.OFFICE_TOWER,
        contact_name="物业 刘经理",
        contact_phone="010-63031234",
        staff_count=40,
    )
    firms = [
        Business.objects.create(
            community=community,
            building=first,
            name=name,
            address=f"1号楼{3 + i}层",
            kind=K.FIRM,
            tower=tower,
            staff_count=rng.randint(8, 60),
        )
        for i, name in enumerate(FIRMS)
    ]
    site = Business.objects.create(
        community=community, name="香厂路市政管线改造工地", address="香厂路南口", kind=K.CONSTRUCTION, staff_count=35
    )
    shops = list(Business.objects.filter(community=community, kind__in=[K.SHOP, K.SMALL_SHOP, K.COURIER]))
    today = timezone.localdate()
    row = rules.new_round(
        secretary,
        street=community.street,
        community=community,
        name="复工复产检查（每家两次）",
        team="香厂路社区巡查组",
        visits=2,
        starts_on=today - datetime.timedelta(days=6),
        ends_on=today + datetime.timedelta(days=8),
        businesses=Business.objects.filter(community=community),
    )

    def visit(business, by, days_ago, failing=None):
        inspection, _new = rules.inspect(row, business, by, checks(business, failing or {}), uuid.uuid4())
        Inspection.objects.filter(pk=inspection.pk).update(
            visited_at=timezone.now() - datetime.timedelta(days=days_ago, hours=rng.randint(0, 5))
        )
        return inspection

    later = today + datetime.timedelta(days=3)
    # The tower twice; its firms once, one with a log to catch up by a date.
    visit(tower, grid_worker, 5)
    visit(
        tower, grid_worker, 1, {"supplies": {"result": "fail", "fixed_on_spot": True, "note": "消毒液不足，已当场补充"}}
    )
    visit(
        firms[0],
        grid_worker,
        2,
        {"disinfection-log": {"result": "fail", "deadline": later, "note": "近三天未记录", "photo": photo("#c0392b")}},
    )
    revisited = visit(
        firms[1],
        grid_worker,
        4,
        {"staff-temperature": {"result": "fail", "deadline": today, "note": "无测温登记表", "photo": photo("#d35400")}},
    )
    [failed] = revisited.findings.filter(result="fail")
    rules.revisit(
        firms[1],
        grid_worker,
        [rules.Check(target=failed.pk, result="pass", note="已建立测温登记表", photo=photo("#27ae60"))],
        uuid.uuid4(),
    )
    overdue = visit(
        site, secretary, 6, {"returnees-isolated": {"result": "fail", "deadline": today, "note": "两名返京工人未隔离"}}
    )
    # Its date has passed: the nightly command has made it a case of the street.
    Finding.objects.filter(inspection=overdue, result="fail").update(deadline=today - datetime.timedelta(days=2))
    rules.raise_overdue(today)
    if shops:
        shop = shops[0]
        observed = Resident.objects.current().filter(community=community, under_observation=True).first()
        rules.add_staff(shop, secretary, "赵店长", "13911112222", "")
        if observed is not None:
            rules.add_staff(shop, secretary, observed.name, observed.phone, observed.id_number)
        visit(shop, secretary, 3)
    return row


def delete(communities: QuerySet) -> None:
    Round.objects.filter(street__communities__in=communities).delete()
