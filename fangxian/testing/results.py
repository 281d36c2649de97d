"""Lab results: a lab's file read as rows (tube number, result, time), checked against the
community's tubes, previewed, then applied whole or not at all.

Two kinds of file: a table (CSV or Excel, read by `lib.tabular` with Chinese or English
headers) and HL7 v2 ORU^R01 messages (python-hl7), where the tube number is the specimen's
(SPM-2, else the order's filler or placer number, OBR-3 / OBR-2), the result OBX-5 of a
SARS-CoV-2 RNA observation (LOINC 94533-7 or 95608-6) and its time OBX-14, else OBR-7.

Idempotent twice over: a file whose digest was applied already changes nothing, and a tube
that already carries the result a row gives is left as it is, so a second file repeating
the first's rows changes nothing either. What the rows do is written in a handful of bulk
statements (`recalls.apply`), never one save per tube: 100,000 tubes take seconds.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from dataclasses import dataclass, field

import hl7
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangxian.lib.tabular import TableError
from fangxian.lib.text import has_invisible
from fangxian.people import importing
from fangxian.places.models import Community

from . import recalls
from .models import Campaign, Result, ResultImport, Tube

COLUMNS = [
    importing.Column("tube", "管号", "tube barcode", True),
    importing.Column("tube", "试管条码", "tube"),
    importing.Column("tube", "样本编号", "sample id"),
    importing.Column("tube", "条码", "barcode"),
    importing.Column("result", "结果", "result", True),
    importing.Column("result", "检测结果", "test result"),
    importing.Column("time", "时间", "time", True),
    importing.Column("time", "检测时间", "result time"),
    importing.Column("time", "报告时间", "reported at"),
]
LABELS = {"tube": "管号", "result": "结果", "time": "时间"}
# The words labs write, lower-cased, with SNOMED CT's codes for "not detected" and "detected".
WORDS = {
    "阴性": Result.NEGATIVE,
    "阴": Result.NEGATIVE,
    "未检出": Result.NEGATIVE,
    "negative": Result.NEGATIVE,
    "neg": Result.NEGATIVE,
    "not detected": Result.NEGATIVE,
    "260415000": Result.NEGATIVE,
    "阳性": Result.POSITIVE,
    "阳": Result.POSITIVE,
    "检出": Result.POSITIVE,
    "positive": Result.POSITIVE,
    "pos": Result.POSITIVE,
    "detected": Result.POSITIVE,
    "10828004": Result.POSITIVE,
    "无效": Result.INVALID,
    "invalid": Result.INVALID,
    "455371000124106": Result.INVALID,  # SNOMED CT: invalid result
}
LOINC_SARS_COV_2_RNA = {"94533-7", "95608-6"}
FINAL_STATUSES = {"", "F", "C"}  # OBX-11: final or corrected; a preliminary result is not acted on
MAX_TUBE_CHARS = Tube._meta.get_field("barcode").max_length
PREVIEW_ROWS = 50
MAX_ERRORS_KEPT = 1000
LOOKUP_CHUNK = 5_000  # barcodes per query: far below SQLite's and PostgreSQL's parameter limits
FUTURE_SLACK = datetime.timedelta(minutes=10)  # a lab's clock a little ahead is not an error
EARLIEST = datetime.datetime(2019, 12, 1, tzinfo=datetime.UTC)
SPACES = re.compile(r"\s+")
# HL7's TS to the minute at least (20261201103000+0800): python-hl7 alone reads "2026xx" as New Year.
TIME_DIGITS = re.compile(r"^\d{12}(\d{2}(\.\d{1,4})?)?([+-]\d{4})?$")


@dataclass
class Row:
    line: int  # the spreadsheet's line, or the HL7 segment's
    tube: str
    result: str
    time: str


@dataclass
class Checked:
    """What one good row will do to its tube."""

    line: int
    tube_id: int
    barcode: str
    size: int  # swabs in the tube: one is a single test, more a pool
    result: str
    at: datetime.datetime
    members: int
    unchanged: bool


@dataclass
class Report:
    kind: str = ""
    rows: int = 0
    file_error: str = ""
    errors: list[list] = field(default_factory=list)  # [line, column, message]
    preview: list[dict] = field(default_factory=list)
    plan: dict = field(
        default_factory=dict
    )  # {"negative": n, "positive": n, "invalid": n, "unchanged": n, "members": n}
    digest: str = ""  # of the plan: what applying will write
    already: str = ""  # when this very file was applied before: when

    @property
    def ok(self) -> bool:
        return not self.file_error and not self.errors

    def as_json(self) -> dict:
        return {
            "file_error": self.file_error,
            "errors": self.errors[:MAX_ERRORS_KEPT],
            "error_count": len(self.errors),
            "preview": self.preview,
            "plan": self.plan,
            "digest": self.digest,
            "already": self.already,
        }


# --- reading ----------------------------------------------------------------------------------


def is_hl7(data: bytes) -> bool:
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:8]
    return head.startswith((b"MSH|", b"FHS|", b"BHS|"))


def kind_of(data: bytes) -> str:
    return ResultImport.Kind.HL7 if is_hl7(data) else ResultImport.Kind.TABLE


def table_rows(data: bytes) -> list[Row]:
    """Rows of a CSV or Excel file. `ValidationError` for a file that cannot be read or lacks a column."""
    try:
        table = importing.read_upload(data)
    except TableError as exc:
        raise ValidationError(importing.TABLE_MESSAGES[exc.code](exc.params)) from None
    keys, _problem = importing.map_header(table.header, COLUMNS)
    # Labs add columns of their own (the person's name, the lab's batch): only missing ones matter.
    missing = [LABELS[k] for k in LABELS if k not in keys]
    if missing:
        raise ValidationError(
            _("Missing required columns: %(names)s.") % {"names": "、".join(missing)}
            + " "
            + _("The file needs a tube number, a result and a time on every row.")
        )
    position = {k: keys.index(k) for k in LABELS}

    def cell(cells: list[str], key: str) -> str:
        i = position[key]
        return cells[i] if i < len(cells) else ""

    return [Row(line, cell(cells, "tube"), cell(cells, "result"), cell(cells, "time")) for line, cells in table.rows]


def hl7_text(data: bytes) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise ValidationError(
                _("This HL7 file is neither UTF-8 nor GB18030: ask the lab to send it again.")
            ) from None
    if "\x00" in text:
        raise ValidationError(_("This HL7 file holds NUL characters: it is damaged. Ask the lab to send it again."))
    # Segments end with CR; files that went through Windows or mail carry CRLF or LF.
    return text.replace("\r\n", "\r").replace("\n", "\r")


def component(value, at: int = 0) -> str:
    """The first repetition's `at`-th component of a field, as text ("" when absent)."""
    text = str(value)
    first = text.split("~", 1)[0]
    parts = first.split("^")
    return parts[at].strip() if at < len(parts) else ""


def field_of(segment, number: int) -> str:
    return str(segment[number]) if len(segment) > number else ""


def hl7_time(raw: str) -> str:
    """HL7's TS written as ISO, which `parse_time` reads; anything else passed on to be refused."""
    text = component(raw)
    if not TIME_DIGITS.match(text):
        return text
    try:
        return hl7.parse_datetime(text).isoformat()
    except (ValueError, TypeError, IndexError):
        return text


def hl7_rows(data: bytes) -> list[Row]:
    text = hl7_text(data)
    rows: list[Row] = []
    line = 0
    try:
        messages = hl7.split_file(text) if text.lstrip().startswith(("FHS", "BHS")) else split_messages(text)
        for message_text in messages:
            message = hl7.parse(message_text)
            kind = field_of(message.segment("MSH"), 9)
            if component(kind) != "ORU" or component(kind, 1) != "R01":
                raise ValidationError(
                    _("This HL7 file holds a %(kind)s message, not lab results (ORU^R01).") % {"kind": kind[:20]}
                )
            order = specimen = order_time = ""
            for segment in message:
                line += 1
                name = str(segment[0])
                if name == "OBR":
                    order = component(field_of(segment, 3)) or component(field_of(segment, 2))
                    order_time, specimen = field_of(segment, 7), ""
                elif name == "SPM":
                    specimen = component(field_of(segment, 2)) or component(field_of(segment, 2), 1)
                elif name == "OBX" and component(field_of(segment, 3)) in LOINC_SARS_COV_2_RNA:
                    status = field_of(segment, 11).strip()
                    result = field_of(segment, 5)
                    word = component(result) or component(result, 1)
                    if status not in FINAL_STATUSES:
                        word = f"status:{status}"
                    when = field_of(segment, 14) or order_time
                    rows.append(Row(line, specimen or order, word, hl7_time(when)))
    except (hl7.ParseException, hl7.HL7Exception, IndexError, KeyError, ValueError) as exc:
        if isinstance(exc, ValidationError):
            raise
        raise ValidationError(
            _("This HL7 file cannot be read (a segment is damaged or cut short): ask the lab to send it again.")
        ) from None
    if not rows:
        raise ValidationError(_("This HL7 file holds no SARS-CoV-2 RNA results (LOINC 94533-7 or 95608-6)."))
    return rows


def split_messages(text: str) -> list[str]:
    """Several ORU^R01 messages one after another, each from its MSH."""
    messages = [m for m in re.split(r"\r(?=MSH\|)", text.strip("\r")) if m.strip()]
    if not messages or not messages[0].startswith("MSH|"):
        raise ValidationError(_("This HL7 file does not start with a message header (MSH)."))
    return messages


def read_rows(data: bytes) -> list[Row]:
    if not data.strip():
        raise ValidationError(importing.TABLE_MESSAGES["empty"]({}))
    return hl7_rows(data) if is_hl7(data) else table_rows(data)


# --- checking one row -------------------------------------------------------------------------


def parse_result(raw: str) -> str:
    word = SPACES.sub(" ", raw.strip().lower())
    if word.startswith("status:"):
        raise ValidationError(
            _("This result is not final (HL7 status %(status)s): wait for the final one.")
            % {"status": word[7:].upper()}
        )
    found = WORDS.get(word)
    if found is None:
        raise ValidationError(
            _("“%(word)s” is not a result: write 阴性 or 阳性 (negative, positive).") % {"word": raw.strip()[:20]}
        )
    return str(found)


def parse_time(raw: str, now: datetime.datetime | None = None) -> datetime.datetime:
    """A result's time: ISO (2026-12-01 10:30, with T or seconds or an offset), slashes
    (2026/12/1 10:30) or HL7's digits (202612011030); without an offset, the local time."""
    text = raw.strip()
    if not text:
        raise ValidationError(_("The time is missing."))
    moment = None
    digits = TIME_DIGITS.match(text)
    try:
        if digits:
            moment = hl7.parse_datetime(text)
        else:
            text = text.replace("/", "-").replace("T", " ")
            date, _sep, clock = text.partition(" ")
            year, month, day = (int(p) for p in date.split("-"))
            moment = datetime.datetime.fromisoformat(f"{year:04d}-{month:02d}-{day:02d} {clock or '00:00'}".strip())
    except (ValueError, TypeError, IndexError, OverflowError):
        moment = None
    if moment is None:
        raise ValidationError(_("“%(time)s” is not a time: write it as 2026-12-01 10:30.") % {"time": raw.strip()[:30]})
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    now = now or timezone.now()
    if moment > now + FUTURE_SLACK:
        raise ValidationError(_("This time is in the future."))
    if moment < EARLIEST:
        raise ValidationError(_("This time is before the first tests were made."))
    return moment


def unknown_tube() -> str:
    # The same words for a tube of another community: the file learns nothing of theirs.
    return _("No tube with this number in this community's campaigns.")


def tubes_named(community: Community, barcodes: list[str], lock: bool) -> dict[str, dict]:
    """The community's tubes by barcode. Plain SQL: the ORM spent more time preparing 100,000
    barcodes as parameters than the database spent finding them."""
    tubes = connection.ops.quote_name(Tube._meta.db_table)
    campaigns = connection.ops.quote_name(Campaign._meta.db_table)
    lock_clause = " FOR UPDATE OF t" if lock and connection.features.has_select_for_update_of else ""
    found: dict[str, dict] = {}
    with connection.cursor() as cursor:
        for start in range(0, len(barcodes), LOOKUP_CHUNK):
            chunk = barcodes[start : start + LOOKUP_CHUNK]
            cursor.execute(
                f"SELECT t.id, t.barcode, t.status, t.size, t.result FROM {tubes} t "
                f"JOIN {campaigns} c ON c.id = t.campaign_id "
                f"WHERE c.community_id = %s AND t.barcode IN ({', '.join(['%s'] * len(chunk))}){lock_clause}",
                [community.pk, *chunk],
            )
            for tube_id, barcode, status, size, result in cursor.fetchall():
                found[barcode] = {"id": tube_id, "barcode": barcode, "status": status, "size": size, "result": result}
    return found


class Times:
    """Times as read, by their text: a lab's file repeats one time for a whole plate."""

    def __init__(self):
        self.now = timezone.now()
        self.seen: dict[str, datetime.datetime | str] = {}

    def read(self, text: str) -> datetime.datetime | str:
        """The time, or why it is not one."""
        found = self.seen.get(text)
        if found is None:
            try:
                found = parse_time(text, self.now)
            except ValidationError as exc:
                found = " ".join(exc.messages)
            self.seen[text] = found
        return found


def check_row(
    row: Row, barcode: str, tube: dict | None, times: Times
) -> tuple[list[list], str | None, datetime.datetime | None]:
    """The row's own errors (its tube as found, its result word, its time), each column's."""
    errors: list[list] = []

    def fail(column: str, message: str) -> None:
        errors.append([row.line, LABELS[column], message])

    if has_invisible(row.tube + row.result + row.time):
        fail("tube", importing.invisible_in_cell())
    if not barcode:
        fail("tube", _("The tube number is missing."))
    elif len(barcode) > MAX_TUBE_CHARS or tube is None:
        fail("tube", unknown_tube())
    elif tube["size"] == 0:
        fail("tube", _("This tube holds no swab: it was never used."))
    elif tube["status"] == Tube.Status.OPEN:
        fail("tube", _("This tube is still open at the sampling table: close it before its result is recorded."))
    result = at = None
    try:
        result = parse_result(row.result)
    except ValidationError as exc:
        fail("result", " ".join(exc.messages))
    at = times.read(row.time)
    if isinstance(at, str):
        fail("time", at)
        at = None
    return errors, result, at


def check(community: Community, data: bytes, lock: bool = False) -> tuple[Report, list[Checked]]:
    """Every row checked against the community's tubes; nothing written."""
    report = Report(kind=kind_of(data))
    try:
        rows = read_rows(data)
    except ValidationError as exc:
        report.file_error = " ".join(exc.messages)
        return report, []
    report.rows = len(rows)
    if not rows:
        report.file_error = importing.TABLE_MESSAGES["empty"]({})
        return report, []
    tubes = tubes_named(community, sorted({r.tube.strip() for r in rows if r.tube.strip()}), lock)
    times = Times()
    good: list[Checked] = []
    seen: dict[str, Checked] = {}
    for row in rows:
        barcode = row.tube.strip()
        tube = tubes.get(barcode)
        errors, result, at = check_row(row, barcode, tube, times)
        if tube is not None and result is not None and not errors:
            stored = tube["result"]
            earlier = seen.get(barcode)
            if stored != Result.PENDING and stored != result:
                message = _("This tube's result is already %(stored)s: a different second result is refused.") % {
                    "stored": Result(stored).label
                }
                errors.append([row.line, LABELS["result"], message])
            elif earlier is not None and earlier.result != result:
                message = _("Line %(line)s gives this tube another result.") % {"line": earlier.line}
                errors.append([row.line, LABELS["result"], message])
            elif earlier is None:
                checked = Checked(
                    row.line,
                    tube["id"],
                    barcode,
                    tube["size"],
                    result,
                    at,
                    tube["size"],
                    stored == result,
                )
                seen[barcode] = checked
                good.append(checked)
        report.errors.extend(errors)
        if len(report.preview) < PREVIEW_ROWS:
            report.preview.append(
                {
                    "line": row.line,
                    "tube": barcode[:MAX_TUBE_CHARS],
                    "found": tube is not None and len(barcode) <= MAX_TUBE_CHARS,
                    "result": result or "",
                    "time": timezone.localtime(at).strftime("%Y-%m-%d %H:%M") if at else "",
                    "members": tube["size"] if tube else 0,
                    "errors": [e[2] for e in errors],
                }
            )
    changing = [c for c in good if not c.unchanged]
    report.plan = {
        "negative": sum(1 for c in changing if c.result == Result.NEGATIVE),
        "positive": sum(1 for c in changing if c.result == Result.POSITIVE),
        "invalid": sum(1 for c in changing if c.result == Result.INVALID),
        "unchanged": len(good) - len(changing),
        "members": sum(c.members for c in changing),
        "recalled": sum(c.members for c in changing if c.result == Result.POSITIVE and c.size > 1),
    }
    digest = hashlib.sha256()
    for c in changing:
        digest.update(f"{c.tube_id}:{c.result}:{c.at.isoformat()};".encode())
    report.digest = digest.hexdigest()
    return report, changing


def file_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def applied_before(community: Community, digest: str) -> ResultImport | None:
    return (
        ResultImport.objects.filter(community=community, digest=digest, status=ResultImport.Status.APPLIED)
        .order_by("applied_at")
        .first()
    )


# --- the two steps a person takes -------------------------------------------------------------


def upload(community: Community, user, filename: str, data: bytes) -> ResultImport:
    """Stores the file with its preview: previewed when every row is good, refused otherwise."""
    digest = file_digest(data)
    report, _plans = check(community, data)
    earlier = applied_before(community, digest)
    if earlier is not None:
        report.already = timezone.localtime(earlier.applied_at).strftime("%Y-%m-%d %H:%M")
    return ResultImport.objects.create(
        community=community,
        kind=report.kind,
        filename=filename[: ResultImport._meta.get_field("filename").max_length],
        digest=digest,
        data=data if report.ok else b"",  # a refused file is never applied: its rows need not stay
        status=ResultImport.Status.PREVIEWED if report.ok else ResultImport.Status.REFUSED,
        row_count=report.rows,
        report=report.as_json(),
        uploaded_by=user,
    )


class NotApplied(Exception):
    """Why nothing was written: `code` is done, refused or changed (the preview is fresh)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def apply(result_import: ResultImport, user) -> dict:
    """Checks the file again with the tubes locked and, if it would write what the preview
    showed, writes it in one transaction. A file already applied (this upload or another
    of the same bytes) writes nothing and answers its summary."""
    refusal = None
    with transaction.atomic():
        imp = ResultImport.objects.select_for_update().select_related("community").get(pk=result_import.pk)
        if imp.status == ResultImport.Status.APPLIED:
            return imp.summary
        if imp.status != ResultImport.Status.PREVIEWED:
            raise NotApplied(
                "refused", _("This file has errors: nothing can be applied. Fix the rows and upload it again.")
            )
        earlier = applied_before(imp.community, imp.digest)
        report, plans = check(imp.community, bytes(imp.data), lock=True)
        # A refusal keeps the fresh check (committed), so the page shows what stands now.
        if not report.ok:
            imp.status, imp.report = ResultImport.Status.REFUSED, report.as_json()
            imp.save(update_fields=["status", "report"])
            refusal = NotApplied("refused", _("Nothing was applied: the file has errors now."))
        elif report.digest != imp.report.get("digest"):
            imp.report = report.as_json()
            imp.save(update_fields=["report"])
            refusal = NotApplied(
                "changed",
                _(
                    "Results arrived for some of these tubes since the preview, so nothing was applied: look again and apply."
                ),
            )
        else:
            summary = recalls.apply(imp, plans)  # nothing when every tube has its result already
            summary = {**report.plan, **summary, "applied_before": earlier is not None}
            imp.status, imp.summary, imp.applied_at = ResultImport.Status.APPLIED, summary, timezone.now()
            imp.data = b""  # applied: the results are in the tubes; the file need not stay
            imp.save(update_fields=["status", "summary", "applied_at", "data"])
    if refusal is not None:
        raise refusal
    return summary


def error_rows(result_import: ResultImport) -> tuple[list[str], list[list]]:
    """The error report: one row per error, in the user's words."""
    header = [_("line"), _("column"), _("error")]
    return header, [list(e) for e in result_import.report.get("errors", [])]
