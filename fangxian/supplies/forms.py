"""The one set of rules for what a community sends about its supplies: items, stores and movements.

The pages turn their forms into the shape the API receives (`item_data`, `store_data`,
`movement_data`); `clean_item`, `clean_store` and `clean_movement` check it and return model
values, or raise a ValidationError keyed by field with every problem at once, in the user's
language (a line of a movement is named `lines.0.quantity`). Ids that are not the
community's are not found (404), as anywhere else. `write` records a cleaned movement."""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from fangxian.accounts.fields import Errors, flag, required, text
from fangxian.gate.models import Gate
from fangxian.lib import units
from fangxian.lib.ids import FIRST_DAY, LAST_DAY, as_id
from fangxian.places.models import Community, Dwelling

from . import ledger
from .models import Item, Movement, RecipientRole, Store

K = Movement.Kind
MAX_LINES = 20
MAX_PACK = 1_000_000
# What people type in one field: "3箱", "1/2 箱", "2.5kg", "１８０００".
AMOUNT_AND_UNIT = re.compile(r"\s*([0-9０-９.．/,，]*)\s*(\S*?)\s*")
KINDS = [
    K.DONATION,
    K.PURCHASE,
    K.ISSUE,
    K.TRANSFER,
    K.ADJUSTMENT,
]  # what a person records; reversals have their own action


def whole(value: Any, low: int, high: int) -> int | None:
    """A whole number within bounds, from a form's text or JSON; None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip()
        if not value.isascii() or not value.isdigit() or len(value) > 9:
            return None
        value = int(value)
    return value if isinstance(value, int) and low <= value <= high else None


def own(model, community: Community, raw: Any, **more):
    """The community's row with this id, or 404 (another community's id is never found)."""
    pk = raw if isinstance(raw, int) and not isinstance(raw, bool) else as_id(str(raw or ""))
    row = model.objects.filter(pk=pk or 0, community=community, **more).first() if pk else None
    if row is None:
        raise Http404
    return row


def split_amount(raw: Any, unit: Any) -> tuple[Any, str]:
    """An amount and its unit, the unit typed after the number or chosen beside it."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw, str(unit or "").strip()
    match = AMOUNT_AND_UNIT.fullmatch(str(raw or ""))
    if match and match.group(2):
        return match.group(1), match.group(2)
    return str(raw or ""), str(unit or "").strip()


def amount(item_units: dict[str, int], default_unit: str, raw: Any, unit: Any, *, zero_ok: bool = False) -> int:
    """Quanta of an amount typed in any unit of the item, or ValidationError saying why not."""
    value, chosen = split_amount(raw, unit)
    if isinstance(value, bool) or value in ("", None):
        raise ValidationError(ledger.UNIT_WORDS["amount"]())
    try:
        if zero_ok and units.parse_amount(str(value)) == 0:
            return 0
        return units.to_quanta(value if isinstance(value, int) else str(value), chosen or default_unit, item_units)
    except units.UnitError as e:
        raise ValidationError(ledger.UNIT_WORDS[e.code]()) from None


def clean_item(data: Mapping[str, Any], community: Community, item: Item | None = None) -> dict[str, Any]:
    """An item: its name (once in the community), unit, pack, and minimum level typed in any of
    its units (stored in quanta). Once it has movements, an item counted in pieces stays
    counted and a weighed one stays weighed: the quanta already recorded mean one or the other."""
    errors = Errors()
    name = required(data, "name", 100, _("An item needs a name."), errors)
    unit = required(data, "unit", 10, _("Say what the item is counted in: 个, 副, 瓶, 斤 …"), errors)
    pack_name = text(data, "pack_name", 10, errors)
    raw_size = data.get("pack_size")
    pack_size = 0 if raw_size in (None, "") else whole(raw_size, 0, MAX_PACK)
    if pack_size is None:
        errors.add("pack_size", _("Pieces in a pack: a whole number from 0 to %(n)s.") % {"n": MAX_PACK})
        pack_size = 0
    if pack_name and pack_size < 2 and unit not in units.WEIGHTS:
        errors.add("pack_size", _("Say how many pieces a %(pack)s holds.") % {"pack": pack_name})
    if pack_name and pack_name == unit:
        errors.add("pack_name", _("The pack needs a name of its own."))
    if unit in units.WEIGHTS:
        pack_name, pack_size = "", 0  # a weighed item is kept in grams and takes every weight
    if name and Item.objects.filter(community=community, name=name).exclude(pk=item.pk if item else None).exists():
        errors.add("name", _("The community already has an item called %(name)s.") % {"name": name})
    if item is not None and unit and (unit in units.WEIGHTS) != item.weighed and item.movements.exists():
        errors.add(
            "unit",
            _("This item's movements are counted by weight or by piece: its unit cannot change between the two."),
        )
    minimum = 0
    if unit and data.get("minimum") not in (None, ""):
        try:
            minimum = amount(
                units.units_for(unit, pack_name, pack_size),
                unit,
                data["minimum"],
                data.get("minimum_unit"),
                zero_ok=True,
            )
        except ValidationError as exc:
            errors.add("minimum", exc.messages[0])
    errors.raise_any()
    return {"name": name, "unit": unit, "pack_name": pack_name, "pack_size": pack_size, "minimum": minimum}


def item_data(post: QueryDict) -> dict[str, Any]:
    return {key: post.get(key, "") for key in ("name", "unit", "pack_name", "pack_size", "minimum", "minimum_unit")}


def clean_store(data: Mapping[str, Any], community: Community) -> dict[str, Any]:
    """A store: its name, once in the community, and the gate whose post it is, if any."""
    errors = Errors()
    name = required(data, "name", 100, _("A store needs a name."), errors)
    gate = None
    if data.get("gate_id") not in (None, ""):
        gate = own(Gate, community, data["gate_id"])
        if Store.objects.filter(gate=gate).exists():
            errors.add("gate_id", _("%(gate)s already has its store.") % {"gate": gate.name})
    if name and Store.objects.filter(community=community, name=name).exists():
        errors.add("name", _("The community already has a store called %(name)s.") % {"name": name})
    errors.raise_any()
    return {"name": name, "gate": gate}


def store_data(post: QueryDict) -> dict[str, Any]:
    return {"name": post.get("name", ""), "gate_id": post.get("gate", "")}


def clean_moment(raw: Any, errors: Errors) -> datetime.datetime | None:
    """When it happened: an aware time (the API's Moment), a page's 2026-02-01T09:30, or now."""
    if raw in (None, ""):
        return None
    if isinstance(raw, datetime.datetime):
        return raw
    try:
        moment = datetime.datetime.fromisoformat(str(raw))
    except ValueError:
        errors.add("happened_at", _("A date and time, like 2020-02-01 09:30."))
        return None
    if not FIRST_DAY <= moment.date() <= LAST_DAY:
        errors.add("happened_at", _("A date and time, like 2020-02-01 09:30."))
        return None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def household(data: Mapping[str, Any], community: Community, errors: Errors) -> Dwelling | None:
    """The household an issue goes to: by its id, or by building, entrance and room."""
    if data.get("to_dwelling_id") not in (None, ""):
        return own(Dwelling, community, data["to_dwelling_id"])
    building = str(data.get("building") or "").strip()
    room = str(data.get("room") or "").strip()
    entrance = whole(data.get("entrance") or 1, 1, 50)
    if not building and not room:
        return None
    found = (
        Dwelling.objects.filter(community=community, building__number=building, entrance=entrance, room=room).first()
        if entrance is not None and len(building) <= 30 and len(room) <= 20
        else None
    )
    if found is None:
        errors.add("room", _("No such household in this community: check building, entrance and room."))
    return found


def clean_movement(data: Mapping[str, Any], community: Community) -> dict[str, Any]:
    """A movement of one or more lines (item, amount, unit) between the community's stores,
    or to a recipient. What only the ledger can judge (the stock at that moment, who gave it)
    `write` leaves to `ledger.record`."""
    errors = Errors()
    kind = data.get("kind") or ""
    if kind not in KINDS:
        errors.add("kind", _("One of: %(values)s.") % {"values": ", ".join(KINDS)})
    stores = {
        key.removesuffix("_id"): own(Store, community, data[key]) if data.get(key) not in (None, "") else None
        for key in ("from_store_id", "to_store_id")
    }
    raw_lines = data.get("lines")
    if not isinstance(raw_lines, list) or not raw_lines:
        errors.add("lines", _("Name at least one item and its quantity."))
        raw_lines = []
    elif len(raw_lines) > MAX_LINES:
        errors.add("lines", _("At most %(n)s items in one movement.") % {"n": MAX_LINES})
        raw_lines = []
    lines = []
    for i, line in enumerate(raw_lines):
        line = line if isinstance(line, Mapping) else {}
        item = own(Item, community, line.get("item_id"))
        try:
            lines.append((item, amount(item.units, item.unit, line.get("quantity"), line.get("unit"))))
        except ValidationError as exc:
            errors.add(
                f"lines.{i}.quantity", _("%(item)s: %(problem)s") % {"item": item.name, "problem": exc.messages[0]}
            )
    details: dict[str, Any] = {
        "donor": text(data, "donor", 200, errors),
        "anonymous": flag(data.get("anonymous", False)),
        "reason": text(data, "reason", 200, errors),
    }
    if kind == K.ISSUE:
        if data.get("to_gate_id") not in (None, ""):
            details["to_gate"] = own(Gate, community, data["to_gate_id"])
        dwelling = household(data, community, errors)
        if dwelling is not None:
            details["to_dwelling"] = dwelling
        details["to_person"] = text(data, "to_person", 100, errors)
        role = data.get("to_role") or ""
        if role not in ("", *RecipientRole.values):
            errors.add("to_role", _("One of: %(values)s.") % {"values": ", ".join(RecipientRole.values)})
        details["to_role"] = (role or RecipientRole.OTHER) if details["to_person"] else ""
    if kind == K.ADJUSTMENT and not details["reason"]:
        errors.add("reason", _("An adjustment or a reversal needs its reason."))
    happened_at = clean_moment(data.get("happened_at"), errors)
    errors.raise_any()
    return {"kind": kind, "lines": lines, **stores, "details": details, "happened_at": happened_at}


def movement_data(post: QueryDict) -> dict[str, Any]:
    """The page's form, as the API would send it: one store chosen, and the other stores and
    recipients the kind asks for; up to five lines of item, amount and unit."""
    kind, store = post.get("kind", ""), post.get("store", "")
    data: dict[str, Any] = {
        "kind": kind,
        "lines": [
            {
                "item_id": post.get(f"item{i}"),
                "quantity": post.get(f"quantity{i}", ""),
                "unit": post.get(f"unit{i}", ""),
            }
            for i in range(5)
            if post.get(f"item{i}") and (i == 0 or post.get(f"quantity{i}", "").strip())
        ],
        "donor": post.get("donor", ""),
        "anonymous": post.get("anonymous") == "on",
        "reason": post.get("reason", ""),
        "happened_at": post.get("happened_at", ""),
    }
    if kind in (K.DONATION, K.PURCHASE) or (kind == K.ADJUSTMENT and post.get("direction") != "out"):
        data["to_store_id"] = store
    else:
        data["from_store_id"] = store
    if kind == K.TRANSFER:
        data["to_store_id"] = post.get("to_store", "")
    if kind == K.ISSUE:
        recipient = post.get("recipient", "")
        if recipient == "gate":
            data["to_gate_id"] = post.get("to_gate", "")
        elif recipient == "household":
            data |= {key: post.get(key, "") for key in ("building", "entrance", "room")}
        else:
            data |= {"to_person": post.get("to_person", ""), "to_role": post.get("to_role", "")}
    return data


def write(values: dict[str, Any], by) -> list[Movement]:
    """The cleaned movement recorded, each line under the ledger's rules, all lines or none;
    a line the ledger refuses is named (`lines.0.quantity`)."""
    kind, lines, details = values["kind"], values["lines"], values["details"]
    if kind in (K.DONATION, K.PURCHASE):
        if values["to_store"] is None:
            raise ValidationError({"to_store_id": _("Choose the store it goes into.")})
        return ledger.receive(
            kind,
            values["to_store"],
            lines,
            donor=details["donor"],
            anonymous=details["anonymous"] and kind == K.DONATION,
            by=by,
            happened_at=values["happened_at"],
        )
    recorded = []
    with transaction.atomic():
        for i, (item, quantity) in enumerate(lines):
            try:
                recorded.append(
                    ledger.record(
                        kind,
                        item,
                        quantity,
                        from_store=values["from_store"],
                        to_store=values["to_store"],
                        by=by,
                        happened_at=values["happened_at"],
                        **{k: v for k, v in details.items() if k not in ("donor", "anonymous")},
                    )
                )
            except ValidationError as exc:
                if len(lines) > 1 and hasattr(exc, "error_dict") and "quantity" in exc.error_dict:
                    raise ValidationError({f"lines.{i}.quantity": exc.error_dict["quantity"]}) from None
                raise
    return recorded


def reason_of(data: Mapping[str, Any]) -> str:
    errors = Errors()
    reason = required(data, "reason", 200, _("An adjustment or a reversal needs its reason."), errors)
    errors.raise_any()
    return reason
