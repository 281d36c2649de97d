"""The demo's cases: complaints and the communities' own findings at every stage of the
workflow, across Tianqiao Street's communities, with one the street still keeps. First of all
the seed's own: "the entrance is disorderly" (石佛营东里小区门口秩序混乱), watched for 20
minutes by the grid worker, photographed, found orderly, called back and closed. The demo has
no Shifoying Dongli: the complaint is placed at Xiangchang Road's gate.

Every case goes through handling.py, its steps dated in the last days; the same seed gives
the same cases."""

from __future__ import annotations

import datetime
import io
import random

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import QuerySet
from django.utils import timezone
from PIL import Image, ImageDraw

from fangxian.places.models import Building, Community, Street

from . import handling
from .models import Case, Category

HOUR = datetime.timedelta(hours=1)


def gate_photo(rng: random.Random, name: str) -> SimpleUploadedFile:
    """A small JPEG of a compound's gate: sky, the road, the gate posts and a few people
    queueing one metre apart."""
    image = Image.new("RGB", (480, 360), (150 + rng.randint(0, 40), 190, 230))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 230, 480, 360), fill=(120, 120, 118))
    draw.rectangle((60, 90, 100, 260), fill=(170, 40, 35))
    draw.rectangle((380, 90, 420, 260), fill=(170, 40, 35))
    draw.rectangle((60, 80, 420, 110), fill=(190, 50, 40))
    for i in range(rng.randint(2, 4)):
        x = 150 + i * 60
        draw.ellipse((x, 180, x + 24, 204), fill=(240, 210, 180))
        draw.rectangle((x - 4, 204, x + 28, 262), fill=(30 + 40 * i, 60, 120))
    raw = io.BytesIO()
    image.save(raw, format="JPEG", quality=80)
    return SimpleUploadedFile(name, raw.getvalue(), content_type="image/jpeg")


def seed(street: Street, communities: list[Community], rng: random.Random) -> list[Case]:
    """communities[0] is Xiangchang Road (the demo's secretary and grid worker are there)."""
    User = get_user_model()
    secretary = User.objects.get(username="demo-secretary")
    grid = User.objects.get(username="demo-grid")
    office = User.objects.get(username="demo-street")
    now = timezone.now().replace(second=0, microsecond=0)
    xiangchang = communities[0]
    others = communities[1:] or communities
    category = {c.code: c for c in Category.objects.all()}

    def building(community: Community, number: str) -> Building | None:
        return Building.objects.filter(community=community, number=number).first()

    def phone() -> str:
        return f"13{rng.randint(0, 9)}{rng.randint(0, 99_999_999):08d}"

    def received(code: str, what: str, source: str, hours_ago: float, **where) -> Case:
        return handling.receive(
            street=street,
            category=category[code],
            what=what,
            source=source,
            by=secretary if where.get("building") and where["building"].community_id == xiangchang.pk else office,
            received_at=now - HOUR * hours_ago,
            reporter_name=rng.choice(["王女士", "李先生", "张女士", "刘先生", "陈女士"]) if source != "patrol" else "",
            reporter_phone=phone() if source in ("hotline", "phone", "walk_in") else "",
            hotline_number=f"GD{(now - HOUR * hours_ago):%Y%m%d}{rng.randint(1000, 9999)}"
            if source == "hotline"
            else "",
            **where,
        )

    made = []

    # The seed's unfounded complaint, closed with its evidence.
    gate = received(
        "entrance-order",
        "石佛营东里小区门口秩序混乱",
        "hotline",
        50,
        building=building(xiangchang, "1"),
        address="香厂路社区 小区东门",
    )
    handling.assign(gate, grid, secretary, at=now - HOUR * 49.5)
    handling.visit(
        gate,
        grid,
        "在小区东门观察20分钟：进出人员排队间隔一米，门岗逐一测温登记，未见聚集和混乱。拍照存证。",
        photos=[gate_photo(rng, "gate-1.jpg"), gate_photo(rng, "gate-2.jpg")],
        at=now - HOUR * 48,
    )
    handling.handle(gate, "unfounded", grid, "现场秩序良好，反映情况不属实。已将照片存档。", at=now - HOUR * 47.5)
    handling.call_back(gate, secretary, "satisfied", "反映人表示理解，对答复满意。", at=now - HOUR * 30)
    handling.close(gate, secretary, at=now - HOUR * 29.5)
    made.append(gate)

    # Just in from the hotline, nobody on it yet.
    made.append(
        received("environment", "楼道内堆放杂物，影响通行和消防", "hotline", 1, building=building(others[0], "2"))
    )
    # In for days and still unanswered: overdue, first in the list in red.
    made.append(
        received("supplies", "独居老人家中缺米缺油，子女在外地回不来", "phone", 40, community=others[1 % len(others)])
    )
    # Given to the grid worker, not yet on site.
    door = received(
        "property", "3号楼2单元门禁损坏，外来人员随意进出", "hotline", 5, building=building(xiangchang, "3")
    )
    handling.assign(door, grid, secretary, at=now - HOUR * 4)
    made.append(door)
    # On site: what was seen, with a photo; the outcome still to come.
    lockers = received("entrance-order", "快递柜前人员聚集，没人管", "walk_in", 6, building=building(xiangchang, "2"))
    handling.assign(lockers, grid, secretary, at=now - HOUR * 5.5)
    handling.visit(
        lockers,
        grid,
        "到场时有8人排队取件，已提醒保持距离，并联系快递员分时段投放。",
        [gate_photo(rng, "lockers.jpg")],
        at=now - HOUR * 5,
    )
    made.append(lockers)
    # Resolved, waiting for the callback.
    lamp = received(
        "utilities", "小区内路灯不亮，晚上出入不便", "hotline", 30, building=building(others[2 % len(others)], "1")
    )
    handling.handle(lamp, "resolve", office, "已联系物业更换灯泡，当晚恢复照明。", at=now - HOUR * 20)
    made.append(lamp)
    # Beyond the community: passed to the department (the whistle takes it from there).
    fence = received(
        "entrance-order", "小区多个出入口无法封闭，缺少围挡", "patrol", 26, community=others[3 % len(others)]
    )
    handling.handle(
        fence,
        "pass",
        office,
        "社区无围挡材料，需城市管理部门支持封闭出入口。",
        agency="天桥街道城市管理办公室",
        at=now - HOUR * 24,
    )
    made.append(fence)
    # Unsatisfied at the callback: reopened, back with whoever handled it.
    couriers = received(
        "street-vending", "小区门口外卖员聚集，占道停车", "hotline", 70, building=building(xiangchang, "1")
    )
    handling.assign(couriers, grid, secretary, at=now - HOUR * 69)
    handling.handle(couriers, "resolve", grid, "已劝离，设置外卖取餐点。", at=now - HOUR * 60)
    handling.call_back(couriers, secretary, "unsatisfied", "反映人说晚上还是很多人聚集。", at=now - HOUR * 40)
    made.append(couriers)
    # The community's own finding, handled and closed without anyone to call back.
    stall = received("street-vending", "5号楼底商门前占道摆摊", "patrol", 80, building=building(xiangchang, "5"))
    handling.handle(stall, "resolve", grid, "已劝导商户收回摊位。", at=now - HOUR * 78)
    handling.close(stall, secretary, "巡查发现，无反映人可回访", at=now - HOUR * 77)
    made.append(stall)
    # Handled before anyone complained (未诉先办).
    heat = received("heating", "独居老人家中暖气不热，主动上门查看", "proactive", 8, building=building(xiangchang, "2"))
    handling.visit(heat, grid, "室温16度，已联系供暖公司上门排气。", at=now - HOUR * 7)
    made.append(heat)
    # A work order whose address matches no community: the street keeps it.
    made.append(received("noise", "天桥附近夜间施工噪音扰民", "hotline", 3, address="天桥南大街附近"))
    return made


def delete(communities: QuerySet) -> None:
    """The demo's cases, the street's own ones too (a community's deletion leaves those)."""
    Case.objects.filter(street__in=communities.values("street_id")).delete()
