"""Cases as the tests need them: in Xiangchang Road, building 1 (grid G1), reported by someone
who left a number to call back."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from fangxian.casework import handling
from fangxian.casework.models import Case, Category


def jpeg(size=(640, 480), colour="green") -> bytes:
    raw = io.BytesIO()
    Image.new("RGB", size, colour).save(raw, format="JPEG")
    return raw.getvalue()


def upload(name: str = "site.jpg", content: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg() if content is None else content, content_type="image/jpeg")


def make_case(world, what: str = "石佛营东里小区门口秩序混乱", **extra) -> Case:
    fields = {
        "street": world.tianqiao,
        "category": Category.objects.get(code="entrance-order"),
        "what": what,
        "source": "hotline",
        "building": world.building(world.xiangchang, "1"),
        "reporter_name": "王女士",
        "reporter_phone": "13911112222",
    }
    return handling.receive(**(fields | extra))


def unfounded_case(world, what: str = "小区门口堆放杂物") -> Case:
    """Verified on site with a photo and found unfounded: the callback is next."""
    case = make_case(world, what)
    grid_worker = world.users["grid_worker"]
    handling.assign(case, grid_worker, world.users["secretary"])
    handling.visit(case, grid_worker, "现场观察20分钟，秩序良好", photos=[upload()])
    handling.handle(case, "unfounded", grid_worker, "现场秩序良好，反映情况不属实")
    case.refresh_from_db()
    return case
