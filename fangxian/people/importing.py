"""Importing buildings, dwellings and residents from the spreadsheets communities keep.

All-or-nothing: every row is checked first; if any row has an error nothing is written and
the report names each row, column and reason. Rows are matched on natural keys (building
number; building + entrance + room; ID document), so importing the same file twice updates.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangxian.lib.pinyin import initials
from fangxian.lib.tabular import Limits, Table, TableError, read_table
from fangxian.places.models import Building, Community, Dwelling, Grid

from . import fields
from .models import Emergency, ImportBatch, Move, Resident

MAX_ERRORS_SHOWN = 1000
ERRORS_HEADER = ("错误说明", "errors")

TABLE_MESSAGES = {
    "empty": lambda p: _("The file is empty."),
    "old_xls": lambda p: _("This is an old .xls file: open it and save it as .xlsx (Excel 2007 or later) or .csv."),
    "not_spreadsheet": lambda p: _("This file is not a spreadsheet (.xlsx or .csv)."),
    "encoding": lambda p: _("The text of this .csv file is neither UTF-8 nor GB18030: save it again as CSV UTF-8."),
    "too_many_rows": lambda p: _("The file has more than %(limit)s rows (empty rows that keep a format count too): split it.") % p,
    "too_many_cells": lambda p: _("The sheet spans more than %(limit)s cells (empty cells between used ones count too): delete the unused rows and columns, or split it.") % p,
    "cell_too_long": lambda p: _("A cell holds more than %(limit)s characters: this is not a list of people or places.") % p,
    "too_large": lambda p: _("The file unpacks to more than %(limit_mb)s MB: split it.") % p,
}


def table_limits() -> Limits:
    return Limits(rows=settings.IMPORT_MAX_ROWS, cells=settings.IMPORT_MAX_CELLS,
                  cell_chars=settings.IMPORT_MAX_CELL_CHARS, unpacked_bytes=settings.IMPORT_MAX_UNPACKED_BYTES)


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
class Report:
    header: list[str] = field(default_factory=list)
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    file_error: str = ""
    preview: list[dict] = field(default_factory=list)
    summary: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.file_error and not self.errors

    def as_json(self) -> dict:
        return {
            "header": self.header,
            "file_error": self.file_error,
            "errors": [[e.line, e.column, e.message] for e in self.errors],
            "preview": self.preview,
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
        problems.append(_("Unknown columns: %(names)s.") % {"names": "、".join(unknown)})
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


def required_text(raw: str, label: str, max_length: int) -> str:
    text = raw.strip()
    if not text:
        raise ValidationError(_("%(field)s is required.") % {"field": label})
    if len(text) > max_length:
        raise ValidationError(_("%(field)s is longer than %(max)s characters.") % {"field": label, "max": max_length})
    return text


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

    def fail(self, key: str, message: str) -> None:
        self.errors.append(RowError(self.line, self.labels.get(key, key), message))


class Importer:
    columns: list[Column]

    def __init__(self, community: Community):
        self.community = community
        self.labels = {c.key: column_label(c) for c in self.columns}
        self.seen: dict = {}

    def check(self, row: RowChecker):
        """Returns the row's cleaned values, or None when it has errors."""
        raise NotImplementedError

    def write(self, items: list) -> dict:
        raise NotImplementedError

    def check_unique(self, row: RowChecker, key, column: str) -> None:
        if key in self.seen:
            row.fail(column, _("The same as line %(line)s: each appears once in a file.") % {"line": self.seen[key]})
        else:
            self.seen[key] = row.line


def column_label(col: Column) -> str:
    from django.utils.translation import get_language

    return col.en if get_language() == "en" else col.zh


class BuildingImporter(Importer):
    columns = BUILDING_COLUMNS

    def __init__(self, community):
        super().__init__(community)
        self.kinds = fields.choice_lookup(Building.Kind)
        self.grids = {g.code.lower(): g.id for g in Grid.objects.filter(community=community)}

    def check(self, row):
        number = row.get("number", lambda v, l: required_text(v, l, 30))
        kind = row.get("kind", lambda v, l: fields.clean_choice(self.kinds, v, l, Building.Kind.RESIDENTIAL))
        floors = row.get("floors", lambda v, l: positive_int(v, l, 1, 200))
        entrances = row.get("entrances", lambda v, l: positive_int(v, l, 1, 50))
        name = row.get("name", lambda v, l: v.strip()[:100])
        grid_code = row.values.get("grid", "").strip().lower()
        if grid_code and grid_code not in self.grids:
            row.fail("grid", _("Grid %(code)s does not exist in this community.") % {"code": grid_code})
        if number is not None:
            self.check_unique(row, number, "number")
        if row.errors:
            return None
        return dict(number=number, name=name, kind=kind, floors=floors, entrances=entrances,
                    grid_id=self.grids.get(grid_code))

    def write(self, items):
        existing = {b.number: b for b in Building.objects.filter(community=self.community)}
        fields_ = ["name", "kind", "floors", "entrances", "grid_id"]
        return upsert(Building, existing, items, "number", fields_, {"community": self.community})


class DwellingImporter(Importer):
    columns = DWELLING_COLUMNS

    def __init__(self, community):
        super().__init__(community)
        self.buildings = {b.number: b for b in Building.objects.filter(community=community)}

    def check(self, row):
        building = row.get("building", lambda v, l: self.building(v, l))
        entrance = row.get("entrance", lambda v, l: positive_int(v, l, 1, 50))
        floor = row.get("floor", lambda v, l: positive_int(v, l, -5, 200))
        room = row.get("room", lambda v, l: required_text(v, l, 20))
        if building is not None and entrance is not None and entrance > building.entrances:
            row.fail("entrance", _("%(building)s has %(n)s entrances.") % {"building": building.label, "n": building.entrances})
        if building is not None and floor is not None and floor > building.floors:
            row.fail("floor", _("%(building)s has %(n)s floors.") % {"building": building.label, "n": building.floors})
        if row.errors:
            return None
        self.check_unique(row, (building.id, entrance, room), "room")
        if row.errors:
            return None
        return dict(key=(building.id, entrance, room), building_id=building.id, entrance=entrance, floor=floor, room=room)

    def building(self, raw: str, label: str) -> Building:
        number = required_text(raw, label, 30)
        if number not in self.buildings:
            raise ValidationError(_("Building %(number)s does not exist in this community: import it first.") % {"number": number})
        return self.buildings[number]

    def write(self, items):
        existing = {(d.building_id, d.entrance, d.room): d for d in Dwelling.objects.filter(community=self.community)}
        return upsert(Dwelling, existing, items, "key", ["floor"], {"community_id": self.community.id})


class ResidentImporter(Importer):
    columns = RESIDENT_COLUMNS

    def __init__(self, community):
        super().__init__(community)
        self.id_types = fields.choice_lookup(Resident.IdType)
        self.sexes = fields.choice_lookup(Resident.Sex) | fields.EXTRA_SEX_WORDS
        self.relations = fields.choice_lookup(Resident.Relation)
        self.residences = fields.choice_lookup(Resident.Residence)
        self.tags = fields.tag_table()
        self.buildings = dict(Building.objects.filter(community=community).values_list("number", "id"))
        self.dwellings = {
            (b, e, r): i
            for i, b, e, r in Dwelling.objects.filter(community=community).values_list("id", "building_id", "entrance", "room")
        }

    def check(self, row):
        v = row.values
        dwelling_id = None
        building_id = self.buildings.get(v.get("building", "").strip())
        entrance = row.get("entrance", lambda x, l: positive_int(x, l, 1, 50))
        room = v.get("room", "").strip()
        if building_id is None:
            row.fail("building", _("Building %(number)s does not exist in this community.") % {"number": v.get("building", "")})
        elif entrance is not None:
            dwelling_id = self.dwellings.get((building_id, entrance, room))
            if dwelling_id is None:
                row.fail("room", _("Dwelling %(building)s-%(entrance)s-%(room)s does not exist: import the dwellings first.")
                         % {"building": v.get("building", ""), "entrance": entrance, "room": room or "?"})
        name = row.get("name", lambda x, l: required_text(x, l, 50))
        sex = row.get("sex", lambda x, l: fields.clean_choice(self.sexes, x, l, default=""))
        id_type = row.get("id_type", lambda x, l: fields.clean_choice(self.id_types, x, l, Resident.IdType.MAINLAND))
        number = birth = None
        if id_type is not None:
            parsed = row.get("id_number", lambda x, l: fields.clean_id(id_type, x, sex or None))
            if parsed is not None:
                number, birth, id_sex = parsed
                sex = sex or id_sex
                self.check_unique(row, (id_type, number), "id_number")
        given_birth = row.get("birth_date", fields.clean_date)
        birth = birth or given_birth
        if sex == "" and id_type is not None and id_type != Resident.IdType.MAINLAND:
            row.fail("sex", _("%(field)s is required.") % {"field": row.labels["sex"]})
        phone = row.get("phone", lambda x, l: fields.clean_phone(x))
        relation = row.get("relation", lambda x, l: fields.clean_choice(self.relations, x, l, Resident.Relation.OTHER))
        residence = row.get("residence", lambda x, l: fields.clean_choice(self.residences, x, l, Resident.Residence.HERE))
        tags = row.get("tags", lambda x, l: fields.clean_tags(x, self.tags))
        if row.errors:
            return None
        return dict(
            key=(id_type, number), dwelling_id=dwelling_id, name=name, name_initials=initials(name), sex=sex,
            id_type=id_type, id_number=number, birth_date=birth, phone=phone, relation=relation,
            residence=residence, tags="," + "".join(f"{t}," for t in sorted(set(tags))),
        )

    def write(self, items):
        existing = {
            (r.id_type, r.id_number): r
            for r in Resident.objects.filter(community=self.community).exclude(id_number="").only(
                "id", "id_type", "id_number", "dwelling_id", "name", "name_initials", "sex", "birth_date",
                "phone", "relation", "residence", "tags", "moved_out_on",
            )
        }
        moves = [
            Move(resident_id=existing[i["key"]].id, from_dwelling_id=existing[i["key"]].dwelling_id,
                 to_dwelling_id=i["dwelling_id"], reason=_("spreadsheet import"))
            for i in items
            if i["key"] in existing and existing[i["key"]].dwelling_id != i["dwelling_id"]
        ]
        for item in items:
            item["moved_out_on"] = None  # someone listed in the community's sheet lives here now
        emergency = Emergency.open_for(self.community)
        summary = upsert(
            Resident, existing, items, "key",
            ["dwelling_id", "name", "name_initials", "sex", "birth_date", "phone", "relation", "residence",
             "tags", "moved_out_on"],
            {"community_id": self.community.id, "emergency": emergency},
        )
        Move.objects.bulk_create(moves, batch_size=2000)
        return summary


IMPORTERS = {
    ImportBatch.Kind.BUILDINGS: BuildingImporter,
    ImportBatch.Kind.DWELLINGS: DwellingImporter,
    ImportBatch.Kind.RESIDENTS: ResidentImporter,
}


def upsert(model, existing: dict, items: list[dict], key: str, update_fields: list[str], extra: dict) -> dict:
    """Creates rows whose key is new and updates those whose values changed, in bulk."""
    create, update = [], []
    unchanged = 0
    for item in items:
        values = {k: v for k, v in item.items() if k != "key"}
        if key != "key":
            values[key] = item[key]
        current = existing.get(item[key])
        if current is None:
            create.append(model(**values, **extra))
            continue
        changed = False
        for name in update_fields:
            if getattr(current, name) != values[name]:
                setattr(current, name, values[name])
                changed = True
        if changed:
            update.append(current)
        else:
            unchanged += 1
    model.objects.bulk_create(create, batch_size=2000)
    if update:
        model.objects.bulk_update(update, update_fields, batch_size=1000)
    return {"created": len(create), "updated": len(update), "unchanged": unchanged}


def check_file(kind: str, community: Community, data: bytes) -> tuple[Report, Importer | None, list]:
    report = Report()
    try:
        table = read_upload(data)
    except TableError as exc:
        report.file_error = TABLE_MESSAGES[exc.code](exc.params)
        return report, None, []
    importer = IMPORTERS[kind](community)
    report.header = table.header
    keys, problem = map_header(table.header, importer.columns)
    if problem:
        report.file_error = problem
        return report, None, []
    items = []
    for index, cells in table.rows:
        values = {k: cells[i] for i, k in enumerate(keys) if k is not None and i < len(cells)}
        row = RowChecker(index, values, importer.labels)
        item = importer.check(row)
        report.rows += 1
        if row.errors:
            report.errors.extend(row.errors)
        else:
            items.append(item)
        if len(report.preview) < 50:
            report.preview.append({"line": index, "cells": cells, "errors": [e.message for e in row.errors]})
    if report.rows == 0:
        report.file_error = TABLE_MESSAGES["empty"]({})
    return report, importer, items


def run_import(kind: str, community: Community, data: bytes, apply: bool) -> Report:
    """Checks the file and, when asked and every row is good, writes it in one transaction."""
    report, importer, items = check_file(kind, community, data)
    if apply and report.ok:
        with transaction.atomic():
            report.summary = importer.write(items)
    return report


def template_rows(kind: str) -> tuple[list[str], list[list[str]]]:
    """Chinese headers and one example row, for the downloadable template."""
    examples = {
        ImportBatch.Kind.BUILDINGS: [["1", "", "住宅", "6", "3", ""]],
        ImportBatch.Kind.DWELLINGS: [["1", "2", "5", "501"]],
        ImportBatch.Kind.RESIDENTS: [
            ["1", "2", "501", "张三明", "男", "居民身份证", "110102198001010017", "", "13812345678", "户主", "人户一致", "党员"]
        ],
    }
    return [c.zh for c in COLUMNS[kind]], examples[kind]
