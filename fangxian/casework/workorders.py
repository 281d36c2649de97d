"""12345 work orders in and out: the hotline's Excel export read row by row, each order routed
to the community that owns its address (or kept by the street when none does, never lost),
imported all-or-nothing after a preview; the same order again (same 工单编号 in the street)
updates its case. The answer goes back as an export in the hotline's columns.

Routing reads the address as the hotline typed it, against what the registry knows of the
street: its communities' names (with and without 社区/居委会), its buildings' names and
numbers ("3号楼"), its businesses' names and addresses. The longest name found wins; two
communities found with names as long as each other leave the order with the street.

The import writes in bulk (10,000 orders in a few seconds): the rules are handling.py's
(deadlines on the street's calendar, the same text limits, which states take an update), only
applied to many cases in one transaction instead of one case at a time."""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangxian.lib import phone, workdays
from fangxian.lib.ids import FIRST_DAY, LAST_DAY
from fangxian.lib.tabular import MAX_COLUMNS, Table, TableError, write_xlsx
from fangxian.lib.text import has_invisible
from fangxian.people.fields import quoted
from fangxian.people.importing import (
    ERRORS_HEADER,
    TABLE_MESSAGES,
    insert_rows,
    invisible_in_cell,
    normalise_header,
    read_upload,
)
from fangxian.places.models import Building, Business, Community, Street

from . import handling, proactive
from .models import Case, Category, Step

S = Case.State
A = Step.Action


@dataclass(frozen=True)
class Column:
    key: str
    zh: str  # the header as the hotline's export writes it
    en: str
    required: bool = False
    other_names: tuple[str, ...] = ()  # what other exports of the same system call it
    help: object = ""


# The columns of a Beijing 12345 work order as the platform exports it to a street.
COLUMNS = [
    Column("number", "工单编号", "work order number", True, ("工单号", "编号", "工单编码")),
    Column("received_at", "受理时间", "received", True, ("来电时间", "派单时间", "登记时间")),
    Column("reporter_name", "来电人", "caller", False, ("来电人姓名", "诉求人", "反映人")),
    Column("reporter_phone", "联系电话", "phone", False, ("来电号码", "联系方式", "回访电话")),
    Column("category", "问题分类", "category", False, ("诉求分类", "问题类别", "问题类型")),
    Column("address", "诉求地址", "address", False, ("事发地址", "地址", "问题地址")),
    Column("what", "诉求内容", "complaint", True, ("问题描述", "来电内容", "诉求描述")),
    Column("unit", "承办单位", "handled by", False, ("主办单位", "派发单位")),
    Column("deadline", "办理时限", "deadline", False, ("处理时限", "截止时间", "办结时限")),
]
COLUMN_HELP = {
    "number": gettext_lazy("the hotline's number; the same number again updates the order"),
    "received_at": gettext_lazy("e.g. 2020-03-01 09:15"),
    "reporter_phone": gettext_lazy("a masked number (138****5678) is not kept"),
    "category": gettext_lazy("a category's name or code; anything else is filed as Other"),
    "address": gettext_lazy("routes the order to the community that owns it"),
    "unit": gettext_lazy("a community's name here routes the order to it"),
    "deadline": gettext_lazy("a date and time, or a span such as 5 working days or 24 hours; empty: the category's"),
}
REQUIRED = [c.key for c in COLUMNS if c.required]
KEY_BY_HEADER = {normalise_header(name): c.key for c in COLUMNS for name in (c.zh, c.en, c.key, *c.other_names)}

# What the answer to the hotline carries: the order's own columns, then what was done.
EXPORT_COLUMNS = [
    ("工单编号", "work order number"),
    ("受理时间", "received"),
    ("问题分类", "category"),
    ("诉求地址", "address"),
    ("承办单位", "handled by"),
    ("办理状态", "state"),
    ("是否属实", "founded"),
    ("办理结果", "outcome"),
    ("承办部门", "department"),
    ("响应时间", "responded"),
    ("办结时间", "handled"),
    ("回访结果", "callback"),
    ("回访时间", "called back"),
    ("结案时间", "closed"),
]
CALLBACK_WORDS = {"satisfied": "满意", "basically": "基本满意", "unsatisfied": "不满意", "unreachable": "联系不上"}
FOUNDED_WORDS = {S.RESOLVED: "属实", S.PASSED: "属实", S.UNFOUNDED: "不属实"}

MAX_NUMBER = 40
NUMBER_SHAPE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z_\-/.]*$")
PREVIEW_ROWS = 50
MAX_ERRORS_SHOWN = 1000
LOOKUP_CHUNK = 5000  # work order numbers per query: within every database's limit of parameters


def column_label(key: str) -> str:
    from django.utils.translation import get_language

    col = next(c for c in COLUMNS if c.key == key)
    return col.en if get_language() == "en" else col.zh


# --- reading what people typed -------------------------------------------------------------


def plain(text: str) -> str:
    """Full-width digits and letters as ASCII, no spaces, lower case: how names are compared."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or "")).lower()


MOMENT = re.compile(
    r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?"
    r"(?:[ T]*(\d{1,2})[:：时点](\d{1,2})(?:[:：分](\d{1,2})(?:\.\d+)?秒?)?分?)?$"
)
EXCEL_EPOCH = datetime.date(1899, 12, 30)


def parse_moment(raw: str, zone: datetime.tzinfo | None = None) -> datetime.datetime:
    """A time as the hotline's export or a spreadsheet writes it, in the street's clock when
    it names no zone. A date alone is its midnight; "43891.5" is Excel's serial day."""
    text = unicodedata.normalize("NFKC", raw or "").strip()
    if not text:
        raise ValidationError(_("Required."))
    zone = zone or timezone.get_current_timezone()
    moment = None
    found = MOMENT.match(text)
    if found:
        y, mo, d, h, mi, s = (int(g) if g else 0 for g in found.groups())
        try:
            moment = datetime.datetime(y, mo, d, h, mi, s, tzinfo=zone)
        except ValueError:
            raise ValidationError(_("Not a real date: %(value)s.") % {"value": quoted(text)}) from None
    elif re.fullmatch(r"\d{5}(?:\.\d+)?", text):
        midnight = datetime.datetime.combine(EXCEL_EPOCH, datetime.time(), zone)
        moment = midnight + datetime.timedelta(seconds=round(float(text) * 86400))
    else:
        try:
            moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ValidationError(
                _("Not a time: %(value)s (write it like 2020-03-01 09:15).") % {"value": quoted(text)}
            ) from None
    if not FIRST_DAY <= moment.date() <= LAST_DAY:
        raise ValidationError(_("A date between %(first)s and %(last)s.") % {"first": FIRST_DAY, "last": LAST_DAY})
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment


SPAN = re.compile(r"^(\d{1,3})\s*(个)?\s*(工作日|天|日|小时|h|hours?|days?|working days?)?$", re.IGNORECASE)


def parse_deadline(raw: str, received_at: datetime.datetime, calendar: workdays.Calendar) -> datetime.datetime | None:
    """The resolve-by moment the hotline set: a time, a day (its end), or a span from the
    order's time ("5个工作日", "24小时", "3" working days). None: the category's own."""
    text = unicodedata.normalize("NFKC", raw or "").strip()
    if not text:
        return None
    span = SPAN.match(text)
    if span:
        amount, unit = int(span.group(1)), (span.group(3) or "").lower()
        unit = Category.Unit.HOURS if unit in ("小时", "h", "hour", "hours") else Category.Unit.DAYS
        local = timezone.localtime(received_at).replace(tzinfo=None)
        moment = timezone.make_aware(workdays.deadline(local, amount, unit, calendar))
    else:
        moment = parse_moment(text)
        if MOMENT.match(text) and MOMENT.match(text).group(4) is None:
            moment = moment + datetime.timedelta(days=1, seconds=-1)  # by the end of that day
    if moment < received_at:
        raise ValidationError(_("The deadline is before the order was received."))
    return moment


def parse_number(raw: str) -> str:
    text = unicodedata.normalize("NFKC", raw or "").strip().upper()
    if not text:
        raise ValidationError(_("Required."))
    if len(text) > MAX_NUMBER:
        raise ValidationError(_("At most %(n)s characters.") % {"n": MAX_NUMBER})
    if not NUMBER_SHAPE.match(text):
        raise ValidationError(_("A work order number: letters, digits and - _ / . only."))
    return text


def parse_phone(raw: str) -> str:
    """The callback number, or nothing when the export masked it (138****5678)."""
    text = (raw or "").strip()
    if not text or "*" in text:
        return ""
    try:
        return phone.parse(text)
    except phone.PhoneError:
        raise ValidationError(_("Not a phone number: 11 digits for a mobile, or 010-12345678.")) from None


def bounded(raw: str, most: int, required: bool = False) -> str:
    text = (raw or "").strip()
    if required and not text:
        raise ValidationError(_("Required."))
    if len(text) > most:
        raise ValidationError(_("At most %(n)s characters.") % {"n": most})
    return text


# --- where an order belongs ----------------------------------------------------------------

COMMUNITY_SUFFIXES = ("社区居委会", "社区居民委员会", "居委会", "社区", "村委会", "村")
NUMBERED_BUILDING = re.compile(r"(\d+)(?:号楼|栋|幢|座|号院)")
BUILDING_WORDS = re.compile(r"(?:号楼|栋|幢|座|号院|号|楼)$")


@dataclass(frozen=True)
class Place:
    community_id: int | None
    building_id: int | None = None
    business_id: int | None = None


STREET = Place(None)


class Places:
    """The street's names, indexed by their first two characters: each address is read once,
    position by position, whatever the size of the registry."""

    def __init__(self, street: Street):
        self.street = street
        self.communities = {c.id: c for c in Community.objects.filter(street=street)}
        self.index: dict[str, list[tuple[str, Place]]] = {}
        self.names: dict[str, int] = {}  # a community's alias: its id, for the 承办单位 column
        for community in self.communities.values():
            for alias in community_aliases(community):
                self.add(alias, Place(community.id))
                self.names[alias] = community.id
        self.numbered: dict[tuple[int, str], int | None] = {}  # (community, "3"): building, None when two
        buildings = Building.objects.filter(community__street=street).values_list(
            "id", "community_id", "number", "name"
        )
        for pk, community_id, number, name in buildings:
            key = (community_id, building_number(number))
            self.numbered[key] = None if key in self.numbered else pk
            if len(plain(name)) >= 3:
                self.add(plain(name), Place(community_id, pk))
        businesses = Business.objects.filter(community__street=street).values_list(
            "id", "community_id", "building_id", "name", "address"
        )
        for pk, community_id, building_id, name, address in businesses:
            for alias in (plain(name), plain(address)):
                if len(alias) >= 4:
                    self.add(alias, Place(community_id, building_id, pk))
        self.cache: dict[tuple[str, str], Place] = {}

    def add(self, alias: str, place: Place) -> None:
        if len(alias) < 2:
            return
        entries = self.index.setdefault(alias[:2], [])
        known = next((p for a, p in entries if a == alias), None)
        if known is None:
            entries.append((alias, place))
        elif known != place:
            # Two places named alike (one name, two firms): the name says which community only if both agree.
            same = Place(known.community_id) if known.community_id == place.community_id else Place(None)
            entries[:] = [(a, same if a == alias else p) for a, p in entries]

    def find(self, text: str) -> list[tuple[str, Place]]:
        found = []
        for i in range(len(text) - 1):
            for alias, place in self.index.get(text[i : i + 2], ()):
                if text.startswith(alias, i):
                    found.append((alias, place))
        return found

    def locate(self, address: str, unit: str = "") -> Place:
        key = (address, unit)
        if key not in self.cache:
            self.cache[key] = self.read(plain(address), plain(unit))
        return self.cache[key]

    def read(self, address: str, unit: str) -> Place:
        # The hotline dispatched the order to a community by name: that is where it goes.
        for alias in sorted(self.names, key=len, reverse=True):
            if alias and alias in unit:
                return self.with_building(Place(self.names[alias]), address)
        found = self.find(address)
        if not found:
            return STREET
        longest = max(len(alias) for alias, _ in found)
        best = {place for alias, place in found if len(alias) == longest}
        communities = {p.community_id for p in best}
        if len(communities) != 1 or None in communities:
            return STREET
        place = next(iter(best)) if len(best) == 1 else Place(communities.pop())
        return self.with_building(place, address)

    def with_building(self, place: Place, address: str) -> Place:
        if place.building_id is not None or place.community_id is None:
            return place
        numbers = {m.group(1).lstrip("0") or "0" for m in NUMBERED_BUILDING.finditer(address)}
        buildings = {self.numbered.get((place.community_id, n)) for n in numbers} - {None}
        return Place(place.community_id, buildings.pop()) if len(buildings) == 1 else place


def community_aliases(community: Community) -> set[str]:
    names = {plain(community.name_zh), plain(community.name_en)}
    for name in list(names):
        for suffix in COMMUNITY_SUFFIXES:
            if name.endswith(suffix) and len(name) - len(suffix) >= 2:
                names.add(name[: -len(suffix)])
    return {n for n in names if len(n) >= 2}


def building_number(number: str) -> str:
    text = BUILDING_WORDS.sub("", plain(number))
    return text.lstrip("0") or text


class Categories:
    """问题分类 as the hotline writes it, often as a path (城市管理-环境卫生-垃圾清运): its
    most specific part that names one of ours, by name or code; anything else is Other."""

    SEPARATORS = re.compile(r"[-—/>＞|、,，;；\\]+")

    def __init__(self):
        self.by_word: dict[str, Category] = {}
        for category in Category.objects.filter(active=True):
            for word in (category.code, category.name_zh, category.name_en):
                if word:
                    self.by_word[plain(word)] = category
        self.other = self.by_word.get("other") or Category.objects.filter(code="other").first()
        self.cache: dict[str, Category | None] = {}

    def match(self, raw: str) -> Category | None:
        """The category, or None for one we do not know (then Other)."""
        if raw not in self.cache:
            text = plain(raw)
            found = self.by_word.get(text)
            if found is None:
                for part in reversed([p for p in self.SEPARATORS.split(text) if p]):
                    found = self.by_word.get(part)
                    if found is not None:
                        break
            self.cache[raw] = found
        return self.cache[raw]


# --- the check -----------------------------------------------------------------------------


@dataclass
class RowError:
    line: int
    key: str
    column: str
    message: str


@dataclass
class Plan:
    line: int
    number: str
    values: dict  # what the case will hold (new) or the fields to change (update)
    current: dict | None = None
    changes: dict = field(default_factory=dict)
    routed: bool = False  # a street-held order that now goes to a community
    kept: list[str] = field(default_factory=list)  # the file's changes not applied: handling started
    closed: bool = False  # a closed case: nothing of the row is applied


@dataclass
class Report:
    header: list[str] = field(default_factory=list)
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    file_error: str = ""
    ignored: list[str] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)
    plan: dict = field(default_factory=dict)
    routed: dict = field(default_factory=dict)  # community name: new or newly routed orders
    held: list[dict] = field(default_factory=list)  # orders the street keeps: the first ones
    held_count: int = 0
    unknown_categories: dict = field(default_factory=dict)
    masked_phones: int = 0
    kept: list[dict] = field(default_factory=list)
    preview: list[dict] = field(default_factory=list)
    digest: str = ""
    summary: dict = field(default_factory=dict)
    error_report: bytes = b""

    @property
    def ok(self) -> bool:
        return not self.file_error and not self.errors

    def as_json(self) -> dict:
        return {
            "header": [quoted(h, 40) for h in self.header[:50]],
            "file_error": self.file_error,
            "errors": [[e.line, e.column, e.message] for e in self.errors[:MAX_ERRORS_SHOWN]],
            "error_lines": len({e.line for e in self.errors}),
            "ignored": self.ignored,
            "absent": self.absent,
            "plan": self.plan,
            "routed": self.routed,
            "held": self.held,
            "held_count": self.held_count,
            "unknown_categories": self.unknown_categories,
            "masked_phones": self.masked_phones,
            "kept": self.kept,
            "preview": self.preview,
        }


def map_header(header: list[str]) -> tuple[list[str | None], list[str], str]:
    """Column keys by position, the headers ignored (the hotline's exports carry more columns
    than a street needs), and a file-level error when a required column is missing."""
    keys: list[str | None] = []
    ignored = []
    skip = {normalise_header(h) for h in ERRORS_HEADER}
    for text in header:
        key = KEY_BY_HEADER.get(normalise_header(text))
        if key is not None and key in keys:
            key = None  # the first column of a name is read; a second copy is not
        keys.append(key)
        if key is None and normalise_header(text) not in skip and text.strip():
            ignored.append(quoted(text))
    missing = [column_label(k) for k in REQUIRED if k not in keys]
    problem = ""
    if missing:
        problem = " ".join(
            [
                _("Missing required columns: %(names)s.") % {"names": "、".join(missing)},
                _("Download the template to see the expected headers."),
            ]
        )
    return keys, ignored, problem


class Checker:
    """Turns rows (dicts of the columns' raw text) into plans, and writes them."""

    def __init__(self, street: Street, present: set[str], lock: bool = False):
        self.street = street
        self.present = present
        self.lock = lock
        self.places = Places(street)
        self.categories = Categories()
        self.calendar = handling.calendar_for(street)
        self.seen: dict[str, int] = {}
        self.existing: dict[str, dict] = {}
        self.now = timezone.now()
        self.zone = timezone.get_current_timezone()
        self.by_day: dict[tuple[datetime.date, int], datetime.datetime] = {}
        self.unknown_category: str | None = None  # of the row just checked, for the report
        self.masked = False

    def load(self, numbers: Iterable[str]) -> None:
        numbers = sorted(set(numbers))
        fields = (
            "id",
            "hotline_number",
            "state",
            "community_id",
            "building_id",
            "business_id",
            "category_id",
            "what",
            "address",
            "reporter_name",
            "reporter_phone",
            "received_at",
            "respond_by",
            "resolve_by",
        )
        for start in range(0, len(numbers), LOOKUP_CHUNK):
            rows = Case.objects.filter(street=self.street, hotline_number__in=numbers[start : start + LOOKUP_CHUNK])
            if self.lock:
                rows = rows.select_for_update()
            self.existing.update((r["hotline_number"], r) for r in rows.values(*fields))

    def check(self, line: int, cells: dict[str, str], errors: list[RowError]) -> Plan | None:
        count = len(errors)

        def take(key: str, clean: Callable[[str], object]):
            try:
                return clean(cells.get(key, ""))
            except ValidationError as exc:
                errors.append(RowError(line, key, column_label(key), " ".join(exc.messages)))
                return None

        if has_invisible("".join(cells.values())):  # one search a row; the columns only then
            for key in [k for k, v in cells.items() if has_invisible(v)]:
                errors.append(RowError(line, key, column_label(key), invisible_in_cell()))
        number = take("number", parse_number)
        received_at = take("received_at", lambda v: parse_moment(v, self.zone))
        if received_at is not None and received_at > self.now + datetime.timedelta(minutes=5):
            errors.append(RowError(line, "received_at", column_label("received_at"), _("This is in the future.")))
        what = take("what", lambda v: bounded(v, handling.MAX_WHAT, required=True))
        address = take("address", lambda v: bounded(v, 300))
        name = take("reporter_name", lambda v: bounded(v, 50))
        raw_phone = cells.get("reporter_phone", "")
        number_called = take("reporter_phone", parse_phone)
        unit = take("unit", lambda v: bounded(v, 100))
        deadline = (
            take("deadline", lambda v: parse_deadline(v, received_at, self.calendar))
            if received_at is not None
            else None
        )
        if number is not None:
            if number in self.seen:
                errors.append(
                    RowError(
                        line,
                        "number",
                        column_label("number"),
                        _("The same as line %(line)s: each appears once in a file.") % {"line": self.seen[number]},
                    )
                )
            else:
                self.seen[number] = line
        if len(errors) > count:
            return None
        raw_category = cells.get("category", "").strip()
        category = self.categories.match(raw_category)
        if category is None:
            category = self.categories.other
            self.unknown_category = raw_category or "—"
        else:
            self.unknown_category = None
        self.masked = "*" in raw_phone
        place = self.places.locate(address or "", unit or "")
        respond_by, resolve_by = self.deadlines(category, received_at)
        values = {
            "community_id": place.community_id,
            "building_id": place.building_id,
            "business_id": place.business_id,
            "category_id": category.id,
            "what": what,
            "address": address,
            "reporter_name": name,
            "reporter_phone": number_called,
            "received_at": received_at,
            "respond_by": respond_by,
            "resolve_by": deadline or resolve_by,
        }
        return self.plan(line, number, values, explicit_deadline=deadline is not None)

    def deadlines(self, category: Category, received_at: datetime.datetime) -> tuple[datetime.datetime, ...]:
        """handling.deadlines, with the street's zone read once for the whole file: the
        street's clock has no summer time, so a local moment takes its zone as it is."""
        local = received_at.astimezone(self.zone).replace(tzinfo=None)
        return (
            self.deadline(local, category.respond_within, category.respond_unit),
            self.deadline(local, category.resolve_within, category.resolve_unit),
        )

    def deadline(self, local: datetime.datetime, amount: int, unit: str) -> datetime.datetime:
        # Working days end at the end of a day whatever the hour: one count per day and amount.
        key = (local.date(), amount) if unit == Category.Unit.DAYS else None
        if key is not None and key in self.by_day:
            return self.by_day[key]
        moment = workdays.deadline(local, amount, unit, self.calendar).replace(tzinfo=self.zone)
        if key is not None:
            self.by_day[key] = moment
        return moment

    def plan(self, line: int, number: str, values: dict, explicit_deadline: bool) -> Plan:
        current = self.existing.get(number)
        if current is None:
            return Plan(line, number, values)
        plan = Plan(line, number, values, current)
        if A.UPDATE not in handling.NEXT[current["state"]]:
            plan.closed = True
            return plan
        started = current["state"] != S.RECEIVED
        # What the hotline owns: the caller's words and contact, and a deadline it extended.
        # An empty cell of a re-export keeps what is known (exports mask and drop contacts).
        hotline = {"what": values["what"]}
        for name in ("reporter_name", "reporter_phone"):
            if values[name]:
                hotline[name] = values[name]
        if explicit_deadline:
            hotline["resolve_by"] = values["resolve_by"]
        # What the street decides once it has started: where, and under which category.
        placed = {"address": values["address"], "category_id": values["category_id"]}
        if not explicit_deadline and values["category_id"] != current["category_id"]:
            placed.update(respond_by=values["respond_by"], resolve_by=values["resolve_by"])
        if current["community_id"] is None and values["community_id"] is not None:
            # Held by the street until now: the new address tells whose it is. A case
            # already with a community is never moved by a file; the street routes it by hand.
            placed.update(
                community_id=values["community_id"],
                building_id=values["building_id"],
                business_id=values["business_id"],
            )
            plan.routed = not started
        wanted = hotline | ({} if started else placed)
        plan.changes = {k: (current[k], v) for k, v in wanted.items() if current[k] != v}
        if started:
            plan.kept = [k for k, v in placed.items() if current[k] != v and k in ("address", "category_id")]
        return plan


def digest(plans: list[Plan]) -> str:
    """What confirming will write, as one hash: two checks of one file give the same digest
    exactly when they would write the same."""
    h = hashlib.sha256()
    for p in plans:
        written = p.values.values() if p.current is None else (f"{k}={v}" for k, (_, v) in sorted(p.changes.items()))
        h.update("\x1f".join([p.number, *map(str, written)]).encode() + b"\x1e")
    return h.hexdigest()


def check_rows(
    street: Street,
    rows: list[tuple[int, dict[str, str]]],
    present: set[str],
    lock: bool = False,
    progress: Callable[[str], None] | None = None,
) -> tuple[Report, Checker, list[Plan]]:
    """Rows already split into columns (from a file or the API): each checked, then planned."""
    report = Report()
    checker = Checker(street, present, lock)
    numbers = []
    for _line, cells in rows:
        with contextlib.suppress(ValidationError):
            numbers.append(parse_number(cells.get("number", "")))
    checker.load(numbers)
    plans = []
    unknown: Counter = Counter()
    routed: Counter = Counter()
    names = {c.id: c.name for c in checker.places.communities.values()}
    for i, (line, cells) in enumerate(rows, start=1):
        plan = checker.check(line, cells, report.errors)
        report.rows += 1
        if progress and i % 10_000 == 0:
            progress(_("Checking row %(n)s…") % {"n": f"{i:,}"})
        if plan is None:
            continue
        plans.append(plan)
        if checker.unknown_category is not None:
            unknown[checker.unknown_category] += 1
        report.masked_phones += checker.masked
        fresh = plan.current is None or plan.routed
        community_id = plan.values["community_id"] if fresh else plan.current["community_id"]
        if community_id is None and not plan.closed:
            report.held_count += 1
            if len(report.held) < PREVIEW_ROWS:
                address = quoted(plan.values["address"], 60)
                report.held.append({"line": line, "number": plan.number, "address": address})
        elif fresh:
            routed[names[community_id]] += 1
        if plan.kept and len(report.kept) < PREVIEW_ROWS:
            report.kept.append({"line": line, "number": plan.number, "fields": [field_label(k) for k in plan.kept]})
        if len(report.preview) < PREVIEW_ROWS:
            report.preview.append(
                {
                    "line": line,
                    "number": plan.number,
                    "address": quoted(plan.values["address"], 40),
                    "community": names.get(community_id, "") if community_id else "",
                    "result": result_of(plan),
                }
            )
    report.unknown_categories = dict(unknown.most_common(20))
    report.routed = dict(sorted(routed.items()))
    created = sum(1 for p in plans if p.current is None)
    updated = sum(1 for p in plans if p.changes)
    closed = sum(1 for p in plans if p.closed)
    report.plan = {
        "created": created,
        "updated": updated,
        "unchanged": len(plans) - created - updated - closed,
        "closed": closed,
    }
    report.digest = digest(plans)
    return report, checker, plans


def result_of(plan: Plan) -> str:
    if plan.current is None:
        return "created"
    if plan.closed:
        return "closed"
    return "updated" if plan.changes else "unchanged"


def field_label(key: str) -> str:
    return {"address": column_label("address"), "category_id": column_label("category")}.get(key, key)


def check_file(
    street: Street, data: bytes, lock: bool = False, progress: Callable[[str], None] | None = None
) -> tuple[Report, Checker | None, list[Plan], Table | None]:
    (progress or (lambda line: None))(_("Reading the file…"))
    try:
        table = read_upload(data)
    except TableError as exc:
        return Report(file_error=TABLE_MESSAGES[exc.code](exc.params)), None, [], None
    keys, ignored, problem = map_header(table.header)
    if problem:
        return Report(header=table.header, file_error=problem, ignored=ignored), None, [], table
    positions = [(i, k) for i, k in enumerate(keys) if k is not None]
    rows = [(line, {k: cells[i] for i, k in positions if i < len(cells)}) for line, cells in table.rows]
    present = {k for k in keys if k is not None}
    report, checker, plans = check_rows(street, rows, present, lock, progress)
    report.header, report.ignored = table.header, ignored
    report.absent = [column_label(c.key) for c in COLUMNS if c.key not in present]
    if report.rows == 0:
        report.file_error = TABLE_MESSAGES["empty"]({})
    if report.errors:
        report.error_report = error_report(table, report.errors)
    return report, checker, plans, table


def error_report(table: Table, errors: list[RowError]) -> bytes:
    """The rows as uploaded with one more column saying what is wrong with each; the import
    ignores that column, so the fixed file goes back as it is."""
    problems: dict[int, list[str]] = {}
    for e in errors:
        problems.setdefault(e.line, []).append(f"{e.column}: {e.message}")
    width = min(max([len(table.header), *(len(cells) for _, cells in table.rows)]), MAX_COLUMNS - 1)
    header = table.header[:width] + [""] * (width - len(table.header)) + [ERRORS_HEADER[0]]
    rows = (
        cells[:width] + [""] * (width - len(cells)) + ["；".join(problems.get(line, ()))] for line, cells in table.rows
    )
    return write_xlsx(header, rows, sheet_title="errors")


# --- writing -------------------------------------------------------------------------------


def write(checker: Checker, plans: list[Plan], by) -> dict:
    """The plans in bulk, in the caller's transaction: new cases with their received step,
    changed ones with an update step (and a route step when the street's order found its
    community). Deadlines were counted at the check on the street's calendar."""
    street = checker.street
    now = timezone.now()
    by_id = by.pk if by is not None else None
    fresh = [p for p in plans if p.current is None]
    last = Case.objects.order_by("-id").values_list("id", flat=True).first() or 0
    insert_rows(
        Case,
        [
            {"street_id": street.id, "source": Case.Source.HOTLINE, "hotline_number": p.number, **p.values}
            for p in fresh
        ],
    )
    # The new cases are the street's cases after the last id before the insert (the street's
    # orders are locked by the check): read back without a list of 10,000 numbers.
    numbers = {p.number for p in fresh}
    added = Case.objects.filter(street=street, id__gt=last).values_list("hotline_number", "id")
    ids = {number: pk for number, pk in added if number in numbers}
    steps = [
        {"case_id": ids[p.number], "action": A.RECEIVE, "by_id": by_id, "at": p.values["received_at"], "note": ""}
        for p in fresh
    ]
    changed = [p for p in plans if p.changes]
    names = {c.id: c.name for c in checker.places.communities.values()}
    fields = sorted({k for p in changed for k in p.changes} | {"updated_at"})
    updates = []
    for p in changed:
        case = Case(id=p.current["id"], updated_at=now, **{k: v for k, (_, v) in p.changes.items()})
        for name in fields:
            if name not in p.changes and name != "updated_at":
                setattr(case, name, p.current[name])
        updates.append(case)
        labels = [change_label(k) for k in p.changes if k not in ("community_id", "building_id", "business_id")]
        if labels:
            steps.append(
                {"case_id": p.current["id"], "action": A.UPDATE, "by_id": by_id, "at": now, "note": "、".join(labels)}
            )
        if p.routed:
            note = names[p.changes["community_id"][1]]
            steps.append({"case_id": p.current["id"], "action": A.ROUTE, "by_id": by_id, "at": now, "note": note})
    if updates:
        Case.objects.bulk_update(updates, fields, batch_size=500)
    insert_rows(Step, steps)
    # Orders repeating at one place open a case to handle before the next (as handling.receive does).
    proactive.open_for(
        Case.objects.filter(street=street, id__gt=last, source=Case.Source.HOTLINE).select_related(*proactive.NAMES)
    )
    closed = sum(1 for p in plans if p.closed)
    return {
        "created": len(fresh),
        "updated": len(changed),
        "unchanged": len(plans) - len(fresh) - len(changed) - closed,
        "closed": closed,
    }


def change_label(key: str) -> str:
    labels = {
        "what": column_label("what"),
        "address": column_label("address"),
        "reporter_name": column_label("reporter_name"),
        "reporter_phone": column_label("reporter_phone"),
        "category_id": column_label("category"),
        "resolve_by": column_label("deadline"),
        "respond_by": _("respond by"),
    }
    return labels.get(key, key)


def clear(imports) -> int:
    """Uploads lose their file and rows (callers' names and phones); their counts stay."""
    return imports.filter(cleared_at=None).update(data=b"", report={}, error_report=b"", cleared_at=timezone.now())


def run_import(street: Street, data: bytes, by, seen: str | None = None) -> Report:
    """Checks the file again with the street's orders locked and, when every row is good and
    the plan is the one the person saw (`seen`), writes it; otherwise writes nothing."""
    with transaction.atomic():
        report, checker, plans, _table = check_file(street, data, lock=True)
        if report.ok and (seen is None or seen == report.digest):
            report.summary = write(checker, plans, by)
    return report


def import_orders(street: Street, orders: list[dict[str, str]], by) -> tuple[Report, list[Plan]]:
    """Orders sent through the API, as {column key: text}: the file's rules, all or nothing."""
    rows = [(i, {k: v for k, v in order.items() if v is not None}) for i, order in enumerate(orders)]
    with transaction.atomic():
        present = {k for _, cells in rows for k in cells}
        report, checker, plans = check_rows(street, rows, present | set(REQUIRED), lock=True)
        if report.ok:
            report.summary = write(checker, plans, by)
    return report, plans


# --- the answer ----------------------------------------------------------------------------


def handled_orders(street: Street, since: datetime.date | None = None, until: datetime.date | None = None):
    """The street's work orders handled (resolved, unfounded, passed, called back, closed)."""
    cases = Case.objects.filter(street=street, source=Case.Source.HOTLINE, handled_at__isnull=False).exclude(
        hotline_number=""
    )
    zone = timezone.get_current_timezone()
    if since:
        cases = cases.filter(handled_at__gte=datetime.datetime.combine(since, datetime.time(), zone))
    if until:
        cases = cases.filter(
            handled_at__lt=datetime.datetime.combine(until + datetime.timedelta(days=1), datetime.time(), zone)
        )
    return cases.select_related("category", "community").order_by("received_at", "id")


def export_headers() -> list[str]:
    from django.utils.translation import get_language

    return [en if get_language() == "en" else zh for zh, en in EXPORT_COLUMNS]


def when(moment: datetime.datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def export_row(case: Case, street: Street) -> list[str]:
    from django.utils.translation import get_language

    chinese = get_language() != "en"
    founded = FOUNDED_WORDS.get(case.state, "") if chinese else case.state
    if case.state in (S.CALLED_BACK, S.CLOSED):
        founded = ("不属实" if chinese else "unfounded") if case.steps_unfounded else ("属实" if chinese else "founded")
    callback = CALLBACK_WORDS.get(case.callback, "") if chinese else case.callback
    return [
        case.hotline_number,
        when(case.received_at),
        case.category.name,
        case.address,
        case.community.name if case.community else street.name,
        case.get_state_display(),
        founded,
        case.outcome,
        case.agency,
        when(case.responded_at),
        when(case.handled_at),
        callback,
        when(case.called_back_at),
        when(case.closed_at),
    ]


def export_rows(street: Street, since=None, until=None) -> tuple[list[str], list[list[str]], dict]:
    """Headers, rows and the rows per community (None: the street's own) of the answer."""
    cases = list(handled_orders(street, since, until))
    # Called back or closed, a case no longer says how it was handled: its last handling step does.
    unfounded = set(
        Step.objects.filter(case__in=[c.id for c in cases if c.state in (S.CALLED_BACK, S.CLOSED)])
        .filter(action__in=[A.RESOLVE, A.UNFOUNDED, A.PASS])
        .order_by("case_id", "at", "id")
        .values_list("case_id", "action")
    )
    last: dict[int, str] = {}
    for case_id, action in sorted(unfounded):
        last[case_id] = action
    for case in cases:
        case.steps_unfounded = last.get(case.id) == A.UNFOUNDED
    counts = Counter(c.community_id for c in cases)
    return export_headers(), [export_row(c, street) for c in cases], dict(counts)


def template() -> bytes:
    headers = [c.zh for c in COLUMNS]
    example = [
        "2020030112345001",
        "2020-03-01 09:15",
        "张女士",
        "13812345678",
        "小区出入口管理",
        "西城区天桥街道香厂路社区1号楼",
        "小区门口秩序混乱，无人测温",
        "天桥街道",
        "1个工作日",
    ]
    return write_xlsx(headers, [example], sheet_title="12345")


def sample_export(street: Street, rows: int, start: int = 1, seed: int = 12345) -> bytes:
    """An N-row 12345 export for the street, as the hotline would send it: most addresses name
    one of its communities (some a building), some name nothing known (they stay with the
    street). For benchmarks and tests."""
    import random

    rng = random.Random(seed)
    communities = list(Community.objects.filter(street=street).order_by("code"))
    categories = list(Category.objects.filter(active=True).values_list("name_zh", flat=True)) or ["其他"]
    base = timezone.localtime() - datetime.timedelta(days=20)
    table = []
    for i in range(start, start + rows):
        pick = rng.random()
        if communities and pick < 0.85:
            community = communities[i % len(communities)]
            address = f"西城区{street.name_zh}{community.name_zh}{rng.randint(1, 9)}号楼{rng.randint(1, 4)}单元"
        else:
            address = f"西城区某某胡同{rng.randint(1, 200)}号"
        table.append(
            [
                f"2020{i:010d}",
                (base + datetime.timedelta(minutes=i % 28_000)).strftime("%Y-%m-%d %H:%M:%S"),
                rng.choice(["张女士", "李先生", "王先生", "赵女士", "匿名"]),
                f"13{rng.randint(100000000, 999999999)}",
                rng.choice(categories),
                address,
                rng.choice(["小区门口秩序混乱", "楼道堆放杂物", "夜间施工噪音", "垃圾未及时清运", "购药困难"]),
                street.name_zh,
                "",
            ]
        )
    return write_xlsx([c.zh for c in COLUMNS], table, sheet_title="12345")
