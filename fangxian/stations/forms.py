"""What a station runner sends about rounds and packages, and how a phone-in order names its
household: checked once for the pages and the API.

The pages turn their forms into the shape the API receives (`round_data`, `package_data`);
`clean_round` and `clean_package` check it and return model values, or raise a
ValidationError keyed by field with every problem at once, in the user's language. The API
answers those as 422; the pages show them."""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from fangxian.accounts.fields import Errors
from fangxian.lib.ids import FIRST_DAY, LAST_DAY, as_day, as_id
from fangxian.places.models import Community, Dwelling

TEXTS = {"name": 100, "supplier_name": 100, "supplier_phone": 20, "contents": 1000}
PHONE = re.compile(r"^[0-9+\-# 转]*$")
MAX_PRICE = 1_000_000  # fen: 10,000 yuan for one package is a typing slip
MAX_STOCK = 1_000_000
MAX_CAP = 99


def text(data: Mapping[str, Any], key: str, errors: Errors, required: str = "") -> str:
    value = str(data.get(key) or "").strip()
    if len(value) > TEXTS[key]:
        errors.add(key, _("At most %(n)s characters.") % {"n": TEXTS[key]})
    if required and not value:
        errors.add(key, required)
    return value


def whole(data: Mapping[str, Any], key: str, low: int, high: int, errors: Errors, default: int | None = None) -> int:
    value = data.get(key)
    if value in (None, "") and default is not None:
        return default
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit() and len(value.strip()) < 10:
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        errors.add(key, _("A whole number from %(low)s to %(high)s.") % {"low": low, "high": high})
        return low
    return value


def money(data: Mapping[str, Any], key: str, errors: Errors) -> int:
    """A price in fen: from the API as fen (a whole number), from a page as yuan ("30", "29.5")."""
    value = data.get(key)
    if isinstance(value, str):
        match = re.fullmatch(r"\s*(\d{1,5})(?:\.(\d{1,2}))?\s*", value)
        if not match:
            errors.add(key, _("A price in yuan, like 30 or 29.50."))
            return 0
        return int(match[1]) * 100 + int((match[2] or "0").ljust(2, "0"))
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_PRICE:
        errors.add(key, _("A price in fen, a whole number from 0 to %(high)s.") % {"high": MAX_PRICE})
        return 0
    return value


def moment(data: Mapping[str, Any], key: str, errors: Errors) -> datetime.datetime | None:
    value = data.get(key)
    if isinstance(value, str) and value.strip():
        try:
            value = datetime.datetime.fromisoformat(value.strip())
        except ValueError:
            value = None
    if not isinstance(value, datetime.datetime) or not FIRST_DAY <= value.date() <= LAST_DAY:
        errors.add(key, _("A date and time, like 2020-02-10 08:00."))
        return None
    return value if timezone.is_aware(value) else timezone.make_aware(value)


def day(data: Mapping[str, Any], key: str, errors: Errors) -> datetime.date | None:
    value = data.get(key)
    if isinstance(value, str):
        value = as_day(value.strip())
    if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
        errors.add(key, _("A date, like 2020-02-01."))
        return None
    return value


def clean_round(data: Mapping[str, Any], partial: bool = False) -> dict:
    """name, supplier_name, supplier_phone, opens_at, closes_at, delivery_day (and packages)."""
    errors = Errors()
    values: dict[str, Any] = {}
    present = (lambda key: key in data) if partial else (lambda key: True)
    if present("name"):
        values["name"] = text(data, "name", errors, _("A round needs a name, like 第3期蔬菜包."))
    if present("supplier_name"):
        values["supplier_name"] = text(data, "supplier_name", errors, _("Who supplies the packages?"))
    if present("supplier_phone"):
        values["supplier_phone"] = text(data, "supplier_phone", errors)
        if not PHONE.match(values["supplier_phone"]):
            errors.add("supplier_phone", _("A phone number: digits, with + - # if need be."))
    for key in ("opens_at", "closes_at"):
        if present(key):
            values[key] = moment(data, key, errors)
    if present("delivery_day"):
        values["delivery_day"] = day(data, "delivery_day", errors)
    opens, closes = values.get("opens_at"), values.get("closes_at")
    if opens and closes and closes <= opens:
        errors.add("closes_at", _("The window closes after it opens."))
    delivery = values.get("delivery_day")
    if closes and delivery and delivery < timezone.localtime(closes).date():
        errors.add("delivery_day", _("Delivery comes on or after the day the window closes."))
    packages = []
    for index, raw in enumerate(data.get("packages") or [], start=1):
        try:
            packages.append(clean_package(raw if isinstance(raw, Mapping) else {}))
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                for message in messages:
                    errors.add(f"packages.{index}.{key}", message)
    if packages:
        values["packages"] = packages
    names = [p["name"] for p in packages]
    if len(names) != len(set(names)):
        errors.add("packages", _("Two packages have the same name."))
    errors.raise_any()
    return values


def clean_package(data: Mapping[str, Any], partial: bool = False) -> dict:
    """name, contents, price (fen; yuan from a page), stock, cap."""
    errors = Errors()
    values: dict[str, Any] = {}
    present = (lambda key: key in data) if partial else (lambda key: True)
    if present("name"):
        values["name"] = text(data, "name", errors, _("A package needs a name, like 蔬菜包 A."))
    if present("contents"):
        values["contents"] = text(data, "contents", errors)
    if present("price"):
        values["price"] = money(data, "price", errors)
    if present("stock"):
        values["stock"] = whole(data, "stock", 0, MAX_STOCK, errors)
    if present("cap"):
        values["cap"] = whole(data, "cap", 1, MAX_CAP, errors, default=1)
    errors.raise_any()
    return values


def local_input(moment_value: datetime.datetime | None) -> str:
    """A moment as a datetime-local field shows it."""
    return timezone.localtime(moment_value).strftime("%Y-%m-%dT%H:%M") if moment_value else ""


def round_data(post: QueryDict) -> dict:
    keys = ("name", "supplier_name", "supplier_phone", "opens_at", "closes_at", "delivery_day")
    data: dict[str, Any] = {k: post.get(k, "") for k in keys}
    if post.get("package_name"):
        data["packages"] = [package_data(post, prefix="package_")]
    return data


def package_data(post: QueryDict, prefix: str = "") -> dict:
    return {k: post.get(prefix + k, "") for k in ("name", "contents", "price", "stock", "cap")}


def quantities_data(post: QueryDict) -> dict[int, str]:
    """{package id: quantity} from fields named qty-<package id>."""
    found = {}
    for key, value in post.items():
        if key.startswith("qty-") and as_id(key[4:]):
            found[int(key[4:])] = value.strip() or "0"
    return found


def find_dwelling(community: Community, building_id: Any, entrance: Any, room: Any) -> Dwelling:
    """The household a caller names by building, entrance and room."""
    errors = Errors()
    building = as_id(str(building_id or ""))
    number = str(entrance or "").strip()
    room = str(room or "").strip()
    if not building:
        errors.add("building", _("Choose the building."))
    if not (number.isascii() and number.isdigit() and 0 < int(number) < 100):
        errors.add("entrance", _("The entrance number, like 1."))
    if not room or len(room) > 20:
        errors.add("room", _("The room, like 301."))
    errors.raise_any()
    dwelling = (
        Dwelling.objects.filter(community=community, building_id=building, entrance=int(number), room=room)
        .select_related("building")
        .first()
    )
    if dwelling is None:
        raise ValidationError({"room": [_("No such dwelling in this building and entrance.")]})
    return dwelling
