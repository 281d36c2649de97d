"""12345 work orders in: the export's parser, the address matcher, the all-or-nothing import
with its preview and per-row errors, re-imports that update, and the answer going back."""

from __future__ import annotations

import datetime
import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from fangxian.casework import handling, workorders
from fangxian.casework.models import Case, Category, Step
from fangxian.lib.tabular import write_xlsx
from fangxian.places.models import Building, Business

pytestmark = pytest.mark.django_db
HEADER = "工单编号,受理时间,来电人,联系电话,问题分类,诉求地址,诉求内容,承办单位,办理时限"


def csv(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def row(number="A1", at="2020-03-01 09:15", name="张女士", phone="13812345678", category="小区出入口管理",
        address="香厂路社区1号楼", what="门口秩序混乱", unit="天桥街道", deadline="") -> str:  # fmt: skip
    return ",".join([number, at, name, phone, category, address, what, unit, deadline])


def check(world, data: bytes):
    return workorders.check_file(world.tianqiao, data)[0]


def imported(world, data: bytes, by=None):
    report = workorders.run_import(world.tianqiao, data, by)
    assert report.ok, (report.file_error, report.errors)
    return report


# --- the parser ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("2020-03-01 09:15", (2020, 3, 1, 9, 15)),
        ("2020/3/1 9:15:30", (2020, 3, 1, 9, 15)),
        ("2020年3月1日 9时15分", (2020, 3, 1, 9, 15)),
        ("２０２０－０３－０１ ０９：１５", (2020, 3, 1, 9, 15)),
        ("2020-03-01", (2020, 3, 1, 0, 0)),
        ("2020-03-01T09:15:00+08:00", (2020, 3, 1, 9, 15)),
        ("43891.385416", (2020, 3, 1, 9, 15)),  # Excel's serial day, as a CSV may keep it
    ],
)
def test_times_as_exports_write_them(raw, expected):
    moment = timezone.localtime(workorders.parse_moment(raw))
    assert (moment.year, moment.month, moment.day, moment.hour, moment.minute) == expected


@pytest.mark.parametrize("raw", ["", "yesterday", "2020-02-30 10:00", "1800-01-01", "2020-13-01", "=NOW()"])
def test_a_time_that_is_none_is_refused_in_words(raw):
    with pytest.raises(ValidationError):
        workorders.parse_moment(raw)


@given(st.text(max_size=40))
@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_text_is_a_time_or_a_refusal(text):
    try:
        moment = workorders.parse_moment(text)
    except ValidationError as exc:
        assert exc.messages
    else:
        assert moment.tzinfo is not None


def test_deadlines_as_the_hotline_sets_them(world):
    calendar = handling.calendar_for(world.tianqiao)
    monday = workorders.parse_moment("2020-03-02 09:00")  # a Monday
    friday = timezone.localtime(workorders.parse_deadline("5个工作日", monday, calendar))
    # Five working days on: by the end of the next Monday, as the hotline counts.
    assert friday == datetime.datetime(2020, 3, 10, tzinfo=friday.tzinfo)
    assert workorders.parse_deadline("5 working days", monday, calendar) == friday
    assert timezone.localtime(workorders.parse_deadline("24小时", monday, calendar)).date() == datetime.date(2020, 3, 3)
    assert workorders.parse_deadline("", monday, calendar) is None
    end_of_day = timezone.localtime(workorders.parse_deadline("2020-03-04", monday, calendar))
    assert (end_of_day.date(), end_of_day.hour) == (datetime.date(2020, 3, 4), 23)
    with pytest.raises(ValidationError):
        workorders.parse_deadline("2020-03-01 08:00", monday, calendar)


# --- where an order goes -------------------------------------------------------------------


def test_an_address_goes_to_the_community_that_owns_it(world):
    places = workorders.Places(world.tianqiao)
    assert places.locate("北京市西城区天桥街道香厂路社区2号楼3单元").community_id == world.xiangchang.id
    assert (
        places.locate("北京市西城区天桥街道香厂路社区2号楼3单元").building_id
        == world.building(world.xiangchang, "2").id
    )
    assert places.locate("永安路小区门口").community_id == world.yongan.id
    assert places.locate("ＸＩＡＮＧＣＨＡＮＧ ＲＯＡＤ 1号楼").community_id == world.xiangchang.id
    assert places.locate("某某胡同12号") == workorders.STREET
    # Liulichang is Chunshu's: in Tianqiao's import its name is no one's.
    assert places.locate("琉璃厂社区1号楼") == workorders.STREET
    assert places.locate("", "香厂路社区").community_id == world.xiangchang.id  # dispatched by name


def test_a_business_address_is_more_precise_than_a_road(world):
    shop = Business.objects.create(
        community=world.yongan, name="便民超市", address="香厂路12号", building=world.building(world.yongan, "1")
    )
    place = workorders.Places(world.tianqiao).locate("西城区香厂路12号门口")
    assert place == workorders.Place(world.yongan.id, shop.building_id, shop.id)


def test_two_communities_named_as_long_as_each_other_leave_it_with_the_street(world):
    assert workorders.Places(world.tianqiao).locate("香厂路和永安路交叉口") == workorders.STREET


def test_a_building_named_in_the_registry_routes_by_its_name(world):
    Building.objects.filter(pk=world.building(world.yongan, "2").pk).update(name="万明园小区")
    place = workorders.Places(world.tianqiao).locate("万明园小区南门")
    assert place.community_id == world.yongan.id and place.building_id == world.building(world.yongan, "2").id


@given(
    noise=st.text(alphabet="东西南北胡同号院门口路街0123456789 -", max_size=20),
    which=st.sampled_from(["香厂路", "永安路社区"]),
)
@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_a_community_named_amid_noise_is_found(world, noise, which):
    places = workorders.Places(world.tianqiao)
    expected = world.xiangchang.id if which.startswith("香厂") else world.yongan.id
    assert places.locate(f"{noise}{which}{noise}").community_id == expected


@given(st.text(max_size=80))
@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_address_is_a_community_of_the_street_or_the_street(world, text):
    place = workorders.Places(world.tianqiao).locate(text)
    assert place.community_id in (None, world.xiangchang.id, world.yongan.id)


def test_categories_by_name_code_or_path():
    categories = workorders.Categories()
    assert categories.match("小区出入口管理").code == "entrance-order"
    assert categories.match("NOISE").code == "noise"
    assert categories.match("城市管理-环境卫生").code == "environment"
    assert categories.match("城市管理>>噪音扰民>>夜间施工").code == "noise"
    assert categories.match("外星人来访") is None


# --- the import ----------------------------------------------------------------------------


def test_the_preview_says_what_goes_where_and_writes_nothing(world):
    report = check(
        world,
        csv(
            row("A1"),
            row("A2", address="永安路社区2号楼"),
            row("A3", address="某某胡同12号", category="外星人来访"),
            row("A4", phone="138****5678"),
        ),
    )
    assert report.ok and report.plan == {"created": 4, "updated": 0, "unchanged": 0, "closed": 0}
    assert report.routed == {"香厂路社区": 2, "永安路社区": 1}
    assert report.held_count == 1 and report.held[0]["number"] == "A3"
    assert report.unknown_categories == {"外星人来访": 1}
    assert report.masked_phones == 1
    assert not Case.objects.exists()


def test_confirming_writes_each_order_where_it_belongs(world):
    admin = world.users["street_admin"]
    summary = imported(world, csv(row("A1"), row("A2", address="某某胡同12号", category="外星人来访")), admin).summary
    assert summary["created"] == 2
    a1, a2 = Case.objects.get(hotline_number="A1"), Case.objects.get(hotline_number="A2")
    assert a1.community == world.xiangchang and a1.building == world.building(world.xiangchang, "1")
    assert a1.source == "hotline" and a1.category.code == "entrance-order" and a1.reporter_phone == "13812345678"
    assert a1.respond_by > a1.received_at and a1.resolve_by > a1.respond_by
    assert a2.community is None and a2.street == world.tianqiao and a2.category.code == "other"
    assert list(a1.steps.values_list("action", "by")) == [("receive", admin.id)]


def test_one_bad_row_means_nothing_is_written_and_each_error_is_named(world):
    report = workorders.run_import(
        world.tianqiao,
        csv(row("A1"), row("A2", at="明天"), row("A1"), row("A4", what="", phone="12345"), row("", at="2020-03-01")),
        None,
    )
    assert not report.ok and not Case.objects.exists()
    errors = {(e.line, e.column) for e in report.errors}
    assert errors == {(3, "受理时间"), (4, "工单编号"), (5, "诉求内容"), (5, "联系电话"), (6, "工单编号")}
    assert all(e.message for e in report.errors)
    back = CalamineWorkbook.from_filelike(io.BytesIO(report.error_report)).get_sheet_by_index(0).to_python()
    assert back[0][-1] == "错误说明" and "受理时间" in back[2][-1]


def test_errors_are_in_the_users_language(world):
    from django.utils import translation

    with translation.override("en"):
        report = check(world, csv(row("A1", at="tomorrow")))
    assert report.errors[0].column == "received" and "Not a time" in report.errors[0].message


def test_a_future_order_is_refused(world):
    later = (timezone.localtime() + datetime.timedelta(days=2)).strftime("%Y-%m-%d %H:%M")
    assert check(world, csv(row("A1", at=later))).errors[0].column == "受理时间"


def test_a_missing_required_column_is_a_file_error_and_extra_columns_are_ignored(world):
    report = check(world, csv("A1,2020-03-01 09:15", header="工单编号,受理时间"))
    assert "诉求内容" in report.file_error
    report = check(world, csv("1,A1,2020-03-01 09:15,门口混乱,3", header="序号,工单号,来电时间,问题描述,来电次数"))
    assert report.ok and report.ignored == ["序号", "来电次数"] and report.held_count == 1


def test_reimporting_updates_never_duplicates(world):
    imported(world, csv(row("A1", what="门口混乱"), row("A2", address="某某胡同12号")))
    report = check(
        world, csv(row("A1", what="门口混乱，补充：晚上更乱"), row("A2", address="永安路社区1号楼"), row("A3"))
    )
    assert report.plan == {"created": 1, "updated": 2, "unchanged": 0, "closed": 0}
    assert report.routed == {"永安路社区": 1, "香厂路社区": 1}
    imported(world, csv(row("A1", what="门口混乱，补充：晚上更乱"), row("A2", address="永安路社区1号楼"), row("A3")))
    assert Case.objects.filter(street=world.tianqiao).count() == 3
    a1, a2 = Case.objects.get(hotline_number="A1"), Case.objects.get(hotline_number="A2")
    assert a1.what.endswith("晚上更乱") and a2.community == world.yongan
    assert [s.action for s in a2.steps.all()] == ["receive", "update", "route"]
    again = imported(
        world, csv(row("A1", what="门口混乱，补充：晚上更乱"), row("A2", address="永安路社区1号楼"), row("A3"))
    )
    assert again.summary == {"created": 0, "updated": 0, "unchanged": 3, "closed": 0}


def test_once_handling_started_the_street_keeps_where_and_what_kind(world):
    imported(world, csv(row("A1", category="噪音扰民")))
    case = Case.objects.get(hotline_number="A1")
    handling.visit(case, None, "到现场看了")
    report = imported(world, csv(row("A1", category="环境卫生", address="永安路社区1号楼", phone="13900000000")))
    assert report.summary["updated"] == 1 and report.kept[0]["fields"] == ["诉求地址", "问题分类"]
    case.refresh_from_db()
    assert case.community == world.xiangchang and case.category.code == "noise" and case.state == "on_site"
    assert case.reporter_phone == "13900000000"
    assert [s.action for s in case.steps.all()] == ["receive", "visit", "update"]


def test_a_closed_order_is_left_as_it_is(world):
    imported(world, csv(row("A1")))
    case = Case.objects.get(hotline_number="A1")
    handling.handle(case, "resolve", None, "已整改")
    handling.close(case, None, "来电人未留电话")
    report = imported(world, csv(row("A1", what="又乱了")))
    assert report.summary["closed"] == 1
    case.refresh_from_db()
    assert case.what == "门口秩序混乱" and case.state == "closed"


def test_an_order_of_another_street_is_not_updated(world):
    imported(world, csv(row("A1")))
    workorders.run_import(world.chunshu, csv(row("A1", what="椿树的同号工单", address="琉璃厂社区")), None)
    assert Case.objects.get(street=world.tianqiao, hotline_number="A1").what == "门口秩序混乱"
    assert Case.objects.get(street=world.chunshu, hotline_number="A1").community == world.liulichang


def test_a_plan_changed_since_the_preview_writes_nothing(world):
    data = csv(row("A1"))
    seen = check(world, data).digest
    handling.receive(
        street=world.tianqiao,
        category=Category.objects.get(code="other"),
        what="x",
        source="hotline",
        hotline_number="A1",
    )
    report = workorders.run_import(world.tianqiao, data, None, seen=seen)
    assert report.ok and not report.summary


# --- hostile files -------------------------------------------------------------------------


def test_formulas_are_read_as_text_and_never_run(world):
    report = imported(world, csv(row("A1", what='=HYPERLINK("http://x")', name="@SUM(1)")))
    case = Case.objects.get(hotline_number="A1")
    assert case.what.startswith("=HYPERLINK") and report.summary["created"] == 1


def test_a_truncated_workbook_is_refused_in_words(world):
    data = workorders.template()
    report = check(world, data[: len(data) // 2])
    assert "damaged" in report.file_error or "损坏" in report.file_error


def test_a_zip_bomb_is_refused_before_it_is_unpacked(world, settings):
    settings.IMPORT_MAX_UNPACKED_BYTES = 1024 * 1024
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("xl/worksheets/sheet1.xml", b"<sheetData>" + b" " * 5_000_000)
    assert check(world, buffer.getvalue()).file_error


def test_a_picture_is_not_a_spreadsheet(world):
    assert check(world, b"\x89PNG\r\n\x1a\n" + b"\x00" * 100).file_error


def test_wrong_types_in_a_workbook_are_row_errors(world):
    data = write_xlsx(
        HEADER.split(","),
        [["A1", "下周", "", "", "", "", "x", "", ""], ["A2", "2020-03-01", "", "abc", "", "", "y", "", "-3"]],
    )
    report = check(world, data)
    assert {(e.line, e.column) for e in report.errors} == {(2, "受理时间"), (3, "联系电话"), (3, "办理时限")}


def test_invisible_characters_are_refused(world):
    assert check(world, csv(row("A1", what="门口\u200b混乱"))).errors[0].column == "诉求内容"


# --- large imports -------------------------------------------------------------------------


def test_ten_thousand_orders_import_in_bulk_without_a_query_a_row(world, settings):
    # The time (< 5 s) is bench/hotline_rows.py's to measure; here, that no query runs per row.
    # The sample repeats a few places thousands of times: the proactive cases it would open
    # (a few queries each, per place, not per row) are test_rates.py's.
    settings.CASEWORK_REPEAT_COMPLAINTS = 100_000
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    data = workorders.sample_export(world.tianqiao, 10_000)
    with CaptureQueriesContext(connection) as queries:
        report = workorders.run_import(world.tianqiao, data, None)
    assert report.ok and report.summary["created"] == 10_000, report.errors[:3]
    assert len(queries) < 60, len(queries)
    assert Step.objects.filter(case__street=world.tianqiao, action="receive").count() == 10_000
    assert Case.objects.filter(street=world.tianqiao, community__isnull=True).exists()
    with CaptureQueriesContext(connection) as queries:
        again = workorders.run_import(world.tianqiao, data, None)
    assert again.summary["unchanged"] == 10_000 and len(queries) < 30, len(queries)


# --- the answer ----------------------------------------------------------------------------


def test_the_answer_has_the_hotlines_columns(world):
    imported(world, csv(row("A1"), row("A2"), row("A3", address="某某胡同")))
    a1, a2 = Case.objects.get(hotline_number="A1"), Case.objects.get(hotline_number="A2")
    handling.handle(a1, "unfounded", None, "现场秩序良好")
    handling.call_back(a1, None, "satisfied")
    handling.close(a1, None)
    handling.handle(a2, "resolve", None, "已安排保安")
    headers, rows, counts = workorders.export_rows(world.tianqiao)
    assert headers[:2] == ["工单编号", "受理时间"] and "回访结果" in headers
    by_number = {r[0]: dict(zip(headers, r, strict=True)) for r in rows}
    assert set(by_number) == {"A1", "A2"}  # A3 is not handled yet
    assert by_number["A1"]["是否属实"] == "不属实" and by_number["A1"]["回访结果"] == "满意"
    assert by_number["A2"]["是否属实"] == "属实" and by_number["A2"]["办理结果"] == "已安排保安"
    assert by_number["A1"]["承办单位"] == "香厂路社区"
    assert counts == {world.xiangchang.id: 2}


# --- the pages -----------------------------------------------------------------------------


def upload(client, world, data: bytes, name="12345.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post("/casework/hotline/", {"street": world.tianqiao.id, "file": SimpleUploadedFile(name, data)})


def test_the_street_uploads_previews_and_confirms(world, client_for):
    from fangxian.accounts.models import AuditEvent
    from fangxian.casework.models import WorkOrderImport

    client = client_for("street_admin")
    response = upload(client, world, csv(row("A1"), row("A2", address="某某胡同12号")))
    batch = WorkOrderImport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/casework/hotline/{batch.id}/"
    page = client.get(f"/casework/hotline/{batch.id}/").content.decode()
    assert "香厂路社区: 1" in page and "留在街道：1 件" in page and "某某胡同12号" in page
    assert not Case.objects.exists()
    assert client.post(f"/casework/hotline/{batch.id}/confirm/").status_code == 302
    batch.refresh_from_db()
    assert batch.status == "applied" and batch.data == b"" and batch.summary["created"] == 2
    assert Case.objects.filter(street=world.tianqiao).count() == 2
    assert AuditEvent.objects.filter(action="import", detail__kind="work_orders").exists()
    # Confirming twice imports nothing twice.
    client.post(f"/casework/hotline/{batch.id}/confirm/")
    assert Case.objects.count() == 2


def test_a_file_with_errors_gives_its_rows_back_and_cannot_be_confirmed(world, client_for):
    from fangxian.casework.models import WorkOrderImport

    client = client_for("street_admin")
    upload(client, world, csv(row("A1"), row("A2", at="明天")))
    batch = WorkOrderImport.objects.get()
    page = client.get(f"/casework/hotline/{batch.id}/").content.decode()
    assert batch.status == "invalid" and "受理时间" in page and "import-now" not in page
    errors = client.get(f"/casework/hotline/{batch.id}/errors.xlsx")
    assert errors.status_code == 200 and errors.content.startswith(b"PK")
    client.post(f"/casework/hotline/{batch.id}/confirm/")
    assert not Case.objects.exists()


def test_the_answer_downloads_audited(world, client_for):
    from fangxian.accounts.models import AuditEvent

    imported(world, csv(row("A1"), row("A2", address="某某胡同12号")))
    for case in Case.objects.all():
        handling.handle(case, "resolve", None, "已处理")
    response = client_for("street_admin").get("/casework/hotline/export.xlsx")
    assert response.status_code == 200
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0).to_python()
    assert sheet[0][0] == "工单编号" and {r[0] for r in sheet[1:]} == {"A1", "A2"}
    events = AuditEvent.objects.filter(action="export", detail__list="work_orders")
    assert {(e.community_id, e.detail["rows"]) for e in events} == {(world.xiangchang.id, 1), (None, 1)}


def test_the_api_takes_a_batch_all_or_nothing_and_idempotently(world, api_for):
    client = api_for("street_admin")
    order = {
        "number": "API-1",
        "received_at": "2020-03-01T09:15:00+08:00",
        "what": "楼道堆物",
        "address": "永安路社区1号楼",
    }

    def send(*orders):
        body = {"street_id": world.tianqiao.id, "orders": list(orders)}
        return client.post("/api/v1/work-orders", data=body, content_type="application/json")

    first = send(order)
    assert first.status_code == 200, first.content
    [answer] = first.json()["orders"]
    assert answer["result"] == "created" and answer["community_id"] == world.yongan.id
    assert send(order).json()["orders"][0]["result"] == "unchanged"
    refused = send(order | {"number": "API-2"}, {"number": "API-3", "received_at": "soon", "what": "x"})
    assert refused.status_code == 422 and "orders.1.received_at" in refused.json()["detail"]
    assert not Case.objects.filter(hotline_number="API-2").exists()
    assert Case.objects.filter(hotline_number="API-1").count() == 1


def test_an_upload_never_confirmed_loses_its_file_after_the_days_kept(world, client_for, settings):
    from fangxian.casework.models import WorkOrderImport

    client = client_for("street_admin")
    upload(client, world, csv(row("A1")))
    batch = WorkOrderImport.objects.get()
    WorkOrderImport.objects.filter(pk=batch.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=settings.IMPORT_KEEP_DAYS + 1)
    )
    client.get("/casework/hotline/")
    batch.refresh_from_db()
    assert batch.cleared_at and batch.data == b"" and batch.report == {} and batch.row_count == 1
    assert "张女士" not in client.get(f"/casework/hotline/{batch.id}/").content.decode()
    client.post(f"/casework/hotline/{batch.id}/confirm/")
    assert not Case.objects.exists()


cells = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)


@given(st.lists(st.fixed_dictionaries({c.key: cells for c in workorders.COLUMNS}), min_size=1, max_size=5))
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_row_is_a_plan_or_named_errors_never_a_crash(world, rows):
    present = {c.key for c in workorders.COLUMNS}
    report, _checker, plans = workorders.check_rows(world.tianqiao, list(enumerate(rows, start=2)), present)
    assert report.rows == len(rows)
    lines_with_errors = {e.line for e in report.errors}
    assert len(plans) + len(lines_with_errors) == len(rows)
    assert all(e.message and e.column for e in report.errors)
    for plan in plans:
        assert plan.values["community_id"] in (None, world.xiangchang.id, world.yongan.id)
