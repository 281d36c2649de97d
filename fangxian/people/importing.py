"""Importing buildings, dwellings and residents from the spreadsheets communities keep.

All-or-nothing: every row is checked first; if any row has an error nothing is written and
the report names each row, column and reason. Rows are matched on natural keys (building
number; building + entrance + room; ID document), so importing the same file twice updates.
"""

from __future__ import annotations

import hashlib
import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangxian.lib.masking import mask_phone
from fangxian.lib.pinyin import initials
from fangxian.lib.tabular import MAX_COLUMNS, Limits, Table, TableError, read_table, write_xlsx
from fangxian.lib.text import as_label, has_invisible
from fangxian.places.labels import form_label
from fangxian.places.models import Building, Community, Dwelling, Grid

from . import fields
from .models import Emergency, ImportBatch, Move, Resident, Tag
from .registry import clean_resident

MAX_ERRORS_SHOWN = 1000  # kept for the page; the rows with their errors name every one
ERRORS_HEADER = ("错误说明", "errors")

# What a file is instead of a spreadsheet (`TableError("not_spreadsheet", what=...)`), and what to do.
NOT_SPREADSHEET_MESSAGES = {
    "pdf": lambda: _(
        "This is a PDF document, not a spreadsheet: upload the spreadsheet the list was made in, saved as .xlsx or .csv."
    ),
    "web_page": lambda: _(
        "This is a web page (HTML or XML), not a spreadsheet, even when it is named .xls or .xlsx (some systems export tables so): open it in Excel or WPS and save it as .xlsx or .csv."
    ),
    "picture": lambda: _(
        "This is a picture, not a spreadsheet: the import reads lists typed into Excel or WPS and saved as .xlsx or .csv."
    ),
    "document": lambda: _(
        "This is a text document (such as Word), not a spreadsheet: put the list into Excel or WPS and save it as .xlsx or .csv."
    ),
    None: lambda: _("This file is not a spreadsheet: save the list as .xlsx or .csv in Excel, WPS or LibreOffice."),
}

TABLE_MESSAGES = {
    "empty": lambda p: _("The file is empty."),
    "old_xls": lambda p: _("This is an old .xls file: open it and save it as .xlsx (Excel 2007 or later) or .csv."),
    "not_spreadsheet": lambda p: NOT_SPREADSHEET_MESSAGES[p.get("what")](),
    "damaged": lambda p: _(
        "The file is damaged or incomplete (perhaps cut short while it was copied or uploaded): upload it again; if that fails, open it in Excel or WPS and save it again."
    ),
    "encoding": lambda p: (
        _(
            "Line %(line)s of this .csv file has characters that are neither UTF-8 nor GB18030 (the file is damaged, or saved in another encoding): save it again as CSV UTF-8."
        )
        % p
    ),
    "too_many_rows": lambda p: (
        _("The file has more than %(limit)s rows (empty rows that keep a format count too): split it.") % p
    ),
    "too_many_cells": lambda p: (
        _(
            "The sheet spans more than %(limit)s cells (empty cells between used ones count too): delete the unused rows and columns, or split it."
        )
        % p
    ),
    "cell_too_long": lambda p: (
        _("A cell holds more than %(limit)s characters: this is not a list of people or places.") % p
    ),
    "too_large": lambda p: _("The file unpacks to more than %(limit_mb)s MB: split it.") % p,
}


def table_limits() -> Limits:
    return Limits(
        rows=settings.IMPORT_MAX_ROWS,
        cells=settings.IMPORT_MAX_CELLS,
        cell_chars=settings.IMPORT_MAX_CELL_CHARS,
        unpacked_bytes=settings.IMPORT_MAX_UNPACKED_BYTES,
    )


def read_upload(data: bytes) -> Table:
    return read_table(data, table_limits())


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str
    required: bool = False
    help: str = ""


BUILDING_COLUMNS = [
    Column("number", "楼号", "building", True, gettext_lazy("as written on the building, e.g. 3")),
    Column("name", "名称", "name"),
    Column("kind", "类型", "kind", help=gettext_lazy("residential, office, shop or mixed")),
    Column("floors", "层数", "floors", True),
    Column("entrances", "单元数", "entrances", True),
    Column("grid", "网格编号", "grid", help=gettext_lazy("the grid's code, if the grid exists")),
]
DWELLING_COLUMNS = [
    Column("building", "楼号", "building", True),
    Column("entrance", "单元", "entrance", True),
    Column("floor", "楼层", "floor", True),
    Column("room", "房号", "room", True),
]
RESIDENT_COLUMNS = [
    Column("building", "楼号", "building", True),
    Column("entrance", "单元", "entrance", True),
    Column("room", "房号", "room", True),
    Column("name", "姓名", "name", True),
    Column("sex", "性别", "sex", help=gettext_lazy("may be left empty for resident ID cards")),
    Column("id_type", "证件类型", "id type", help=gettext_lazy("empty means a resident ID card")),
    Column("id_number", "证件号码", "id number", True),
    Column("birth_date", "出生日期", "birth date"),
    Column("phone", "手机号码", "phone"),
    Column("relation", "与户主关系", "relation"),
    Column("residence", "人户状态", "residence"),
    Column("tags", "标签", "tags", help=gettext_lazy("separated by 、 e.g. 独居老人、党员")),
]
COLUMNS = {
    ImportBatch.Kind.BUILDINGS: BUILDING_COLUMNS,
    ImportBatch.Kind.DWELLINGS: DWELLING_COLUMNS,
    ImportBatch.Kind.RESIDENTS: RESIDENT_COLUMNS,
}


@dataclass
class RowError:
    line: int  # as the spreadsheet numbers it: the header is line 1
    column: str
    message: str


@dataclass
class Plan:
    """What one good row will do: create a record, or change some fields of one."""

    line: int
    key: object
    values: dict  # every field the import writes, those of absent columns as they are now
    current: dict | None  # the record as it is, as a dict of its fields and "id"
    changes: dict = field(default_factory=dict)  # field: (now, after)


PREVIEW_ROWS = 50
PROGRESS_EVERY = 10_000  # rows between two progress lines: a line is a write, 100,000 rows take seconds
PREVIEW_COLUMNS = 50  # a sheet may be 16,384 columns wide; the import reads at most 12
PREVIEW_CELL_CHARS = 40  # the preview is for recognising rows, not for keeping them
NAMES_SHOWN = 10  # unknown headers named in the message; the rest are counted


@dataclass
class Report:
    header: list[str] = field(default_factory=list)
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    file_error: str = ""
    preview: list[dict] = field(default_factory=list)
    changes: list[dict] = field(default_factory=list)  # the first changed records, field by field
    absent: list[str] = field(default_factory=list)  # optional columns not in the file: left as they are
    plan: dict = field(default_factory=dict)  # {"created": n, "updated": n, "unchanged": n}, before writing
    digest: str = ""  # the plan itself, as `plan_digest`
    summary: dict = field(default_factory=dict)  # the same, once written
    error_report: bytes = b""  # the rows as uploaded with their errors (.xlsx), when there are any

    @property
    def ok(self) -> bool:
        return not self.file_error and not self.errors

    def as_json(self) -> dict:
        return {
            "header": [fields.quoted(h, PREVIEW_CELL_CHARS) for h in self.header[:PREVIEW_COLUMNS]],
            "file_error": self.file_error,
            "errors": [[e.line, e.column, e.message] for e in self.errors[:MAX_ERRORS_SHOWN]],
            "error_lines": len({e.line for e in self.errors}),
            "preview": self.preview,
            "changes": self.changes,
            "absent": self.absent,
            "plan": self.plan,
        }


def normalise_header(text: str) -> str:
    return text.replace("\ufeff", "").replace(" ", "").replace("_", "").lower().strip("*")


def map_header(header: list[str], columns: list[Column]) -> tuple[list[str | None], str]:
    """Column keys by position, or a file-level error naming unknown and missing headers."""
    known = {}
    for col in columns:
        for name in (col.zh, col.en, col.key):
            known[normalise_header(name)] = col.key
    ignored = {normalise_header(h) for h in ERRORS_HEADER}
    keys: list[str | None] = []
    unknown = []
    for text in header:
        norm = normalise_header(text)
        if norm in ignored or not norm:
            keys.append(None)
        elif norm in known:
            keys.append(known[norm])
        else:
            keys.append(None)
            unknown.append(text)
    missing = [c.zh for c in columns if c.required and c.key not in keys]
    problems = []
    if unknown:
        names = "、".join(fields.quoted(text) for text in unknown[:NAMES_SHOWN])
        more = len(unknown) - NAMES_SHOWN
        problems.append(
            _("Unknown columns: %(names)s and %(more)s more.") % {"names": names, "more": more}
            if more > 0
            else _("Unknown columns: %(names)s.") % {"names": names}
        )
    if missing:
        problems.append(_("Missing required columns: %(names)s.") % {"names": "、".join(missing)})
    if problems:
        problems.append(_("Download the template to see the expected headers."))
    return keys, " ".join(problems)


def positive_int(raw: str, label: str, minimum: int = 1, maximum: int = 999) -> int:
    try:
        value = int(raw.strip())
    except ValueError:
        raise ValidationError(_("%(field)s must be a whole number.") % {"field": label}) from None
    if not minimum <= value <= maximum:
        raise ValidationError(
            _("%(field)s must be between %(min)s and %(max)s.") % {"field": label, "min": minimum, "max": maximum}
        )
    return value


def plain_label(raw: str) -> str:
    """A building or room a resident's row names, to look up; a bad one simply matches nothing."""
    try:
        return as_label(raw)
    except ValueError:
        return raw.strip()


def required_label(raw: str, label: str, max_length: int) -> str:
    """A building number or room, compared as the registry stores it (places.labels)."""
    return required_text(form_label(raw), label, max_length)


def required_text(raw: str, label: str, max_length: int) -> str:
    text = raw.strip()
    if not text:
        raise ValidationError(_("%(field)s is required.") % {"field": label})
    if len(text) > max_length:
        raise ValidationError(_("%(field)s is longer than %(max)s characters.") % {"field": label, "max": max_length})
    return text


def invisible_in_cell() -> str:
    return _("This cell holds an invisible character (a zero-width space or a text-direction control): type it again.")


class RowChecker:
    """Collects a row's errors column by column, so one row can report several at once."""

    def __init__(self, line: int, values: dict[str, str], labels: dict[str, str]):
        self.line = line
        self.values = values
        self.labels = labels
        self.errors: list[RowError] = []

    def get(self, key: str, clean):
        try:
            return clean(self.values.get(key, ""), self.labels[key])
        except ValidationError as exc:
            self.errors.append(RowError(self.line, self.labels[key], " ".join(exc.messages)))
            return None

    def choice(self, key: str, table: dict[str, str], default: str | None = None) -> str | None:
        """A column of labels: any of a choice's values, English or Chinese labels. Looked up
        directly, as most cells are a known word: `clean_choice` only for the rest."""
        found = table.get(self.values.get(key, "").strip().lower())
        return (
            found
            if found is not None
            else self.get(key, lambda raw, label: fields.clean_choice(table, raw, label, default))
        )

    def fail(self, key: str, message: str) -> None:
        self.errors.append(RowError(self.line, self.labels.get(key, key), message))


class Importer:
    """Checks rows into plans and writes them. A column absent from the file leaves its field
    as it is; a present, empty cell clears it (to the field's default)."""

    model: type[models.Model]
    columns: ClassVar[list[Column]]
    fields: ClassVar[list[str]]  # what the import writes, besides the key
    shown: ClassVar[dict[str, str]] = {}  # field: column key whose label names it in the preview
    choice_fields: tuple[str, ...] = ()  # shown by their label
    unique_column: str  # where a key given twice is reported

    def __init__(self, community: Community, present: set[str], lock: bool = False):
        self.community = community
        self.present = present
        self.lock = lock  # the records read are locked until the transaction ends: what is checked is written
        self.labels = {c.key: column_label(c) for c in self.columns}
        self.seen: dict = {}
        self.existing: dict = self.load_existing()

    def load_existing(self) -> dict:
        raise NotImplementedError

    def check(self, row: RowChecker) -> Plan | None:
        """The row's plan, or None when it has errors."""
        raise NotImplementedError

    def describe(self, name: str, value) -> str:
        """A value as the preview shows it."""
        if value is None:
            return ""
        choices = self.model._meta.get_field(name).choices if name in self.choice_fields else None
        return str(dict(choices).get(value, value)) if choices else str(value)

    def record_label(self, plan: Plan) -> str:
        raise NotImplementedError

    def plan(self, row: RowChecker, key, values: dict) -> Plan | None:
        self.check_unique(row, key)
        if row.errors:
            return None
        current = self.existing.get(key)
        plan = Plan(row.line, key, values, current)
        if current is not None:
            for name in self.fields:
                before = current[name]
                if before != values[name]:
                    plan.changes[name] = (before, values[name])
        return plan

    def kept(self, current: dict | None, name: str, default):
        """An absent column's value: the record's own, or the default for a new one."""
        return current[name] if current is not None else default

    def records(self, queryset, *key: str) -> dict:
        """The community's records by key, as dicts: a fifth of the cost of model instances."""
        rows = (queryset.select_for_update() if self.lock else queryset).values("id", *key, *self.fields)
        return {tuple(r[k] for k in key) if len(key) > 1 else r[key[0]]: r for r in rows}

    def check_unique(self, row: RowChecker, key) -> None:
        if key in self.seen:
            row.fail(
                self.unique_column,
                _("The same as line %(line)s: each appears once in a file.") % {"line": self.seen[key]},
            )
        else:
            self.seen[key] = row.line

    def write(self, plans: list[Plan]) -> dict:
        return upsert(self.model, plans, self.fields, self.extra())

    def extra(self) -> dict:
        return {"community_id": self.community.id}

    def preview_changes(self, plan: Plan) -> dict:
        return {
            "line": plan.line,
            "record": self.record_label(plan),
            "fields": [
                [
                    self.labels.get(self.shown.get(name, name), name),
                    self.describe(name, before),
                    self.describe(name, after),
                ]
                for name, (before, after) in plan.changes.items()
                if name in self.shown
            ],
        }


def column_label(col: Column) -> str:
    from django.utils.translation import get_language

    return col.en if get_language() == "en" else col.zh


class BuildingImporter(Importer):
    model = Building
    columns: ClassVar = BUILDING_COLUMNS
    fields: ClassVar = ["name", "kind", "floors", "entrances", "grid_id"]
    shown: ClassVar = {"name": "name", "kind": "kind", "floors": "floors", "entrances": "entrances", "grid_id": "grid"}
    choice_fields = ("kind",)
    unique_column = "number"

    def __init__(self, community, present, lock=False):
        super().__init__(community, present, lock)
        self.kinds = fields.choice_lookup(Building.Kind)
        grids = Grid.objects.filter(community=community)
        self.grids = {g.code.lower(): g.id for g in grids}
        self.grid_codes = {g.id: g.code for g in grids}

    def load_existing(self):
        return self.records(Building.objects.filter(community=self.community), "number")

    def check(self, row):
        number = row.get("number", lambda v, line: required_label(v, line, 30))
        current = self.existing.get(number)
        present = self.present
        values = {
            "floors": row.get("floors", lambda v, line: positive_int(v, line, 1, 200)),
            "entrances": row.get("entrances", lambda v, line: positive_int(v, line, 1, 50)),
            "name": row.get("name", lambda v, line: v.strip()[:100])
            if "name" in present
            else self.kept(current, "name", ""),
            "kind": row.choice("kind", self.kinds, Building.Kind.RESIDENTIAL)
            if "kind" in present
            else self.kept(current, "kind", Building.Kind.RESIDENTIAL),
            "grid_id": self.kept(current, "grid_id", None),
        }
        if "grid" in present:
            code = row.values.get("grid", "").strip().lower()
            if code and code not in self.grids:
                row.fail("grid", _("Grid %(code)s does not exist in this community.") % {"code": fields.quoted(code)})
            values["grid_id"] = self.grids.get(code)
        if row.errors:
            return None
        values["number"] = number
        return self.plan(row, number, values)

    def describe(self, name, value):
        return self.grid_codes.get(value, "") if name == "grid_id" else super().describe(name, value)

    def record_label(self, plan):
        return str(Building(number=plan.key).label)


class DwellingImporter(Importer):
    model = Dwelling
    columns: ClassVar = DWELLING_COLUMNS
    fields: ClassVar = ["floor"]
    shown: ClassVar = {"floor": "floor"}
    unique_column = "room"

    def __init__(self, community, present, lock=False):
        self.buildings = {b.number: b for b in Building.objects.filter(community=community)}
        super().__init__(community, present, lock)

    def load_existing(self):
        return self.records(Dwelling.objects.filter(community=self.community), "building_id", "entrance", "room")

    def check(self, row):
        building = row.get("building", lambda v, line: self.building(v, line))
        entrance = row.get("entrance", lambda v, line: positive_int(v, line, 1, 50))
        floor = row.get("floor", lambda v, line: positive_int(v, line, -5, 200))
        room = row.get("room", lambda v, line: required_label(v, line, 20))
        if building is not None and entrance is not None and entrance > building.entrances:
            row.fail(
                "entrance",
                _("%(building)s has %(n)s entrances.") % {"building": building.label, "n": building.entrances},
            )
        if building is not None and floor is not None and floor > building.floors:
            row.fail("floor", _("%(building)s has %(n)s floors.") % {"building": building.label, "n": building.floors})
        if row.errors:
            return None
        values = {"building_id": building.id, "entrance": entrance, "floor": floor, "room": room}
        return self.plan(row, (building.id, entrance, room), values)

    def building(self, raw: str, label: str) -> Building:
        number = required_label(raw, label, 30)
        if number not in self.buildings:
            raise ValidationError(
                _("Building %(number)s does not exist in this community: import it first.")
                % {"number": fields.quoted(number)}
            )
        return self.buildings[number]

    def record_label(self, plan):
        building_id, entrance, room = plan.key
        number = next(b.number for b in self.buildings.values() if b.id == building_id)
        return f"{number}-{entrance}-{room}"


# Which column each of `clean_resident`'s fields comes from, for its errors.
RESIDENT_FIELD_COLUMNS = {
    "name": "name",
    "sex": "sex",
    "id_type": "id_type",
    "id_number": "id_number",
    "birth_date": "birth_date",
    "phone": "phone",
    "relation": "relation",
    "residence": "residence",
    "tags": "tags",
}


class ResidentImporter(Importer):
    """Each row goes through `registry.clean_resident`, the validator of forms and the API;
    only turning the spreadsheet's words into values (男, 户主, 独居老人) happens here."""

    model = Resident
    columns: ClassVar = RESIDENT_COLUMNS
    fields: ClassVar = [
        "dwelling_id",
        "name",
        "name_initials",
        "sex",
        "birth_date",
        "phone",
        "relation",
        "residence",
        "tags",
        "moved_out_on",
    ]
    shown: ClassVar = {
        "dwelling_id": "room",
        "name": "name",
        "sex": "sex",
        "birth_date": "birth_date",
        "phone": "phone",
        "relation": "relation",
        "residence": "residence",
        "tags": "tags",
        "moved_out_on": "moved_out_on",
    }
    choice_fields = ("sex", "relation", "residence")
    unique_column = "id_number"

    def __init__(self, community, present, lock=False):
        super().__init__(community, present, lock)
        self.labels["moved_out_on"] = str(_("moved out on"))
        self.id_types = fields.choice_lookup(Resident.IdType)
        self.sexes = fields.choice_lookup(Resident.Sex) | fields.EXTRA_SEX_WORDS
        self.relations = fields.choice_lookup(Resident.Relation)
        self.residences = fields.choice_lookup(Resident.Residence)
        self.tags = fields.tag_table()
        self.today = timezone.localdate()
        self.known_initials: dict[str, str] = {}
        self.buildings = dict(Building.objects.filter(community=community).values_list("number", "id"))
        dwellings = Dwelling.objects.filter(community=community).values_list(
            "id", "building_id", "building__number", "entrance", "room"
        )
        self.dwellings = {(b, e, r): i for i, b, _, e, r in dwellings}
        self.addresses = {i: f"{n}-{e}-{r}" for i, _, n, e, r in dwellings}

    def load_existing(self):
        return self.records(
            Resident.objects.filter(community=self.community).exclude(id_number=""), "id_type", "id_number"
        )

    def check(self, row):
        dwelling_id = self.dwelling(row)
        id_type = row.choice("id_type", self.id_types, Resident.IdType.MAINLAND)
        if id_type is None:
            return None
        key = (id_type, row.values.get("id_number", "").strip().upper())
        while True:
            raw = self.raw_values(row, self.existing.get(key)) | {"id_type": key[0], "id_number": key[1]}
            try:
                values = clean_resident(raw, today=self.today)
            except ValidationError as exc:
                for name, messages in exc.message_dict.items():
                    row.fail(RESIDENT_FIELD_COLUMNS.get(name, "id_number"), " ".join(messages))
                return None
            cleaned = (values["id_type"], values["id_number"])
            if row.errors or dwelling_id is None:
                return None
            if cleaned == key or cleaned not in self.existing:
                break
            # Written differently (spaces, a small x) from the number on record: checked again
            # with that record's values standing in for the absent columns.
            key = cleaned
        current = self.existing.get(cleaned)
        values.update(dwelling_id=dwelling_id, moved_out_on=None)  # listed in the sheet: living here now
        same_name = current is not None and current["name"] == values["name"]
        values["name_initials"] = current["name_initials"] if same_name else self.initials(values["name"])
        return self.plan(row, cleaned, values)

    def initials(self, name: str) -> str:
        # Pinyin is the slowest step of a new resident's check, and names repeat.
        if name not in self.known_initials:
            self.known_initials[name] = initials(name)
        return self.known_initials[name]

    def raw_values(self, row: RowChecker, current: dict | None) -> dict:
        """What `clean_resident` takes, from the row's cells where the column is present and
        from the record (or nothing: the defaults) where it is absent."""
        raw: dict = {}
        if current is not None:
            raw.update((k, current[k]) for k in ("sex", "birth_date", "phone", "relation", "residence"))
            raw["tags"] = Resident.decode_tags(current["tags"])
        v, present = row.values, self.present
        raw["name"] = v.get("name", "")
        for key in ("birth_date", "phone"):
            if key in present:
                raw[key] = v.get(key, "")
        if "sex" in present:
            raw["sex"] = row.choice("sex", self.sexes, default="")
        if "relation" in present:
            raw["relation"] = row.choice("relation", self.relations, Resident.Relation.OTHER)
        if "residence" in present:
            raw["residence"] = row.choice("residence", self.residences, Resident.Residence.HERE)
        if "tags" in present:
            raw["tags"] = row.get("tags", lambda x, line: fields.clean_tags(x, self.tags)) or []
        return raw

    def dwelling(self, row: RowChecker) -> int | None:
        v = row.values
        building = plain_label(v.get("building", ""))
        building_id = self.buildings.get(building)
        entrance = row.get("entrance", lambda x, line: positive_int(x, line, 1, 50))
        room = plain_label(v.get("room", ""))
        if building_id is None:
            row.fail(
                "building",
                _("Building %(number)s does not exist in this community.") % {"number": fields.quoted(building)},
            )
            return None
        if entrance is None:
            return None
        dwelling_id = self.dwellings.get((building_id, entrance, room))
        if dwelling_id is None:
            row.fail(
                "room",
                _("Dwelling %(building)s-%(entrance)s-%(room)s does not exist: import the dwellings first.")
                % {"building": fields.quoted(building), "entrance": entrance, "room": fields.quoted(room) or "?"},
            )
        return dwelling_id

    def describe(self, name, value):
        if name == "dwelling_id":
            return self.addresses.get(value, "")
        if name == "tags":
            return "、".join(str(Tag(t).label) for t in Resident.decode_tags(value) if t in Tag.values)
        if name == "phone":
            return mask_phone(value)  # the number on record is shown only through an audited reveal
        return super().describe(name, value)

    def record_label(self, plan):
        return plan.current["name"]

    def write(self, plans):
        moves = [
            Move(
                resident_id=p.current["id"],
                from_dwelling_id=p.current["dwelling_id"],
                to_dwelling_id=p.values["dwelling_id"],
                reason=_("spreadsheet import"),
            )
            for p in plans
            if "dwelling_id" in p.changes
        ]
        summary = super().write(plans)
        Move.objects.bulk_create(moves, batch_size=2000)
        return summary

    def extra(self):
        emergency = Emergency.open_for(self.community)
        return {"community_id": self.community.id, "emergency_id": emergency.id if emergency else None}


IMPORTERS = {
    ImportBatch.Kind.BUILDINGS: BuildingImporter,
    ImportBatch.Kind.DWELLINGS: DwellingImporter,
    ImportBatch.Kind.RESIDENTS: ResidentImporter,
}


def upsert(model, plans: list[Plan], update_fields: list[str], extra: dict) -> dict:
    """Creates the new rows and updates, in bulk, only the fields that changed."""
    insert_rows(model, [plan.values | extra for plan in plans if plan.current is None])
    update = [plan for plan in plans if plan.changes]
    changed = [name for name in update_fields if any(name in plan.changes for plan in update)]
    if update:
        model.objects.bulk_update(
            [model(id=plan.current["id"], **{name: plan.values[name] for name in changed}) for plan in update],
            changed,
            batch_size=1000,
        )
    created = sum(1 for plan in plans if plan.current is None)
    return {"created": created, "updated": len(update), "unchanged": len(plans) - created - len(update)}


INSERT_BATCH = 1000


def insert_rows(model, rows: list[dict]) -> None:
    """`bulk_create` without a model instance per row: Django spends most of a large import
    preparing each field of each instance, while these values are clean already. Fields the
    rows do not name (by attname: `community_id`) get their default, computed once; dates are
    adapted for the database per value."""
    if not rows:
        return
    now = timezone.now()
    named, dated, constant = [], [], []
    adapters = {
        "DateField": connection.ops.adapt_datefield_value,
        "DateTimeField": connection.ops.adapt_datetimefield_value,
    }
    for f in model._meta.concrete_fields:
        if f.primary_key:
            continue
        if f.attname not in rows[0]:
            value = now if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) else f.get_default()
            constant.append((f, f.get_db_prep_save(value, connection)))
        elif f.get_internal_type() in adapters:
            dated.append((f, adapters[f.get_internal_type()]))
        else:
            named.append(f)
    columns = [*named, *(f for f, _ in dated), *(f for f, _ in constant)]
    take = operator.itemgetter(*[f.attname for f in named])  # one C call per row for the plain values
    constants = [value for _, value in constant]
    quote = connection.ops.quote_name
    head = f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in columns)}) "

    dated_names = [(f.attname, adapt) for f, adapt in dated]

    def values(row: dict) -> list:
        plain = take(row)
        out = list(plain) if len(named) > 1 else [plain]
        for name, adapt in dated_names:
            out.append(None if row[name] is None else adapt(row[name]))
        return out + constants

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY, formatted by psycopg in C: a statement of 20,000 placeholders costs psycopg
            # seconds to split in Python, and arrays of text are quoted value by value.
            with cursor.cursor.copy(head.replace("INSERT INTO", "COPY", 1) + "FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(values(row))
            return
        one = "(" + ", ".join(["%s"] * len(columns)) + ")"
        for start in range(0, len(rows), INSERT_BATCH):
            batch = rows[start : start + INSERT_BATCH]
            cursor.execute(head + "VALUES " + ", ".join([one] * len(batch)), [v for row in batch for v in values(row)])


def plan_digest(plans: list[Plan]) -> str:
    """What confirming will write, in one hash: each record's key, whether it is new (then what
    it will hold), and each change from what is on record to what the file says. Two checks of
    one file give the same digest exactly when they would write the same."""
    digest = hashlib.sha256()
    for plan in plans:
        digest.update(repr((plan.key, plan.values if plan.current is None else plan.changes)).encode())
    return digest.hexdigest()


def check_file(
    kind: str, community: Community, data: bytes, lock: bool = False, progress: Callable[[str], None] | None = None
) -> tuple[Report, Importer | None, list[Plan]]:
    """`progress` hears how far the check is, in the user's words (a job's `report`)."""
    progress = progress or (lambda line: None)
    report = Report()
    progress(_("Reading the file…"))
    try:
        table = read_upload(data)
    except TableError as exc:
        report.file_error = TABLE_MESSAGES[exc.code](exc.params)
        return report, None, []
    columns: ClassVar = COLUMNS[kind]
    report.header = table.header
    keys, problem = map_header(table.header, columns)
    if problem:
        report.file_error = problem
        return report, None, []
    present = {k for k in keys if k is not None}
    importer = IMPORTERS[kind](community, present, lock)
    report.absent = [importer.labels[c.key] for c in columns if c.key not in present]
    positions = [(i, k) for i, k in enumerate(keys) if k is not None]
    plans = []
    for line, cells in table.rows:
        values = {k: cells[i] for i, k in positions if i < len(cells)}
        row = RowChecker(line, values, importer.labels)
        if has_invisible("".join(values.values())):  # one search a row; the columns only then
            for key in [k for k, v in values.items() if has_invisible(v)]:
                row.fail(key, invisible_in_cell())
        plan = importer.check(row)
        report.rows += 1
        if report.rows % PROGRESS_EVERY == 0:
            progress(_("Checking row %(n)s…") % {"n": f"{report.rows:,}"})
        if row.errors:
            report.errors.extend(row.errors)
        elif plan is not None:
            plans.append(plan)
            if plan.changes and len(report.changes) < PREVIEW_ROWS:
                report.changes.append(importer.preview_changes(plan))
        if len(report.preview) < PREVIEW_ROWS:
            report.preview.append(
                {
                    "line": line,
                    "cells": [fields.quoted(c, PREVIEW_CELL_CHARS) for c in cells[:PREVIEW_COLUMNS]],
                    "errors": [e.message for e in row.errors],
                }
            )
    if report.rows == 0:
        report.file_error = TABLE_MESSAGES["empty"]({})
    if report.errors:
        progress(_("Writing the rows with their errors…"))
        report.error_report = error_report(table, report.errors)
    created = sum(1 for p in plans if p.current is None)
    updated = sum(1 for p in plans if p.changes)
    report.plan = {"created": created, "updated": updated, "unchanged": len(plans) - created - updated}
    report.digest = plan_digest(plans)
    return report, importer, plans


def error_report(table: Table, errors: list[RowError]) -> bytes:
    """The rows as uploaded with one more column saying what is wrong with each. Written by
    the check, which holds the rows already: a download only sends it. The import ignores
    that column, so the fixed file can be uploaded as it is."""
    problems: dict[int, list[str]] = {}
    for e in errors:
        problems.setdefault(e.line, []).append(f"{e.column}: {e.message}")
    # After the widest row, so that it is one column for every row; within Excel's columns.
    width = min(max([len(table.header), *(len(cells) for _, cells in table.rows)]), MAX_COLUMNS - 1)
    header = table.header[:width] + [""] * (width - len(table.header)) + [ERRORS_HEADER[0]]
    rows = (
        cells[:width] + [""] * (width - len(cells)) + ["；".join(problems.get(line, ()))] for line, cells in table.rows
    )
    return write_xlsx(header, rows, sheet_title="errors")


def run_import(kind: str, community: Community, data: bytes, apply: bool, seen: str | None = None) -> Report:
    """Checks the file and, when asked and every row is good, writes it in one transaction.

    `seen`: the digest of the plan the person confirmed. When the records the file touches
    have changed since, so that the plan differs, nothing is written (`summary` stays empty)
    and the report is the fresh preview."""
    if not apply:
        return check_file(kind, community, data)[0]
    with transaction.atomic():
        # Checked inside the transaction with the records locked (on PostgreSQL; SQLite's
        # transactions take the whole database): nobody changes them between check and write.
        # A record someone else creates meanwhile fails the unique constraints: IntegrityError.
        report, importer, plans = check_file(kind, community, data, lock=True)
        if report.ok and (seen is None or seen == report.digest):
            report.summary = importer.write(plans)
    return report


def template_rows(kind: str) -> tuple[list[str], list[list[str]]]:
    """Chinese headers and one example row, for the downloadable template."""
    examples = {
        ImportBatch.Kind.BUILDINGS: [["1", "", "住宅", "6", "3", ""]],
        ImportBatch.Kind.DWELLINGS: [["1", "2", "5", "501"]],
        ImportBatch.Kind.RESIDENTS: [
            [
                "1",
                "2",
                "501",
                "张三明",
                "男",
                "居民身份证",
                "110102198001010017",
                "",
                "13812345678",
                "户主",
                "人户一致",
                "党员",
            ]
        ],
    }
    return [c.zh for c in COLUMNS[kind]], examples[kind]
