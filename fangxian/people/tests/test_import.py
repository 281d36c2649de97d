import datetime
import io
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from fangxian.accounts.models import AuditEvent
from fangxian.people.importing import run_import
from fangxian.people.models import ImportBatch, Move, Resident
from fangxian.places.models import Building, Dwelling

BUILDINGS = "楼号,名称,类型,层数,单元数,网格编号\n9,,住宅,6,2,G1\n"
DWELLINGS = "楼号,单元,楼层,房号\n9,1,1,101\n9,1,1,102\n9,2,6,601\n"
RESIDENTS = (
    "楼号,单元,房号,姓名,性别,证件类型,证件号码,出生日期,手机号码,与户主关系,人户状态,标签\n"
    "9,1,101,张三明,男,居民身份证,110102198001010017,,13812345678,户主,人户一致,党员、独居老人\n"
    "9,1,102,李四,,,110102194912310020,,,,,\n"
    "9,2,601,John Smith,M,护照,E12345678,1985-05-05,010-87654321,租户,,\n"
)


def load_territory(community):
    for kind, text in (("buildings", BUILDINGS), ("dwellings", DWELLINGS)):
        report = run_import(kind, community, text.encode(), apply=True)
        assert report.ok, report.as_json()


def test_buildings_dwellings_and_residents_import_in_order(world):
    load_territory(world.xiangchang)
    report = run_import("residents", world.xiangchang, RESIDENTS.encode(), apply=True)
    assert report.ok, report.as_json()
    assert report.summary == {"created": 3, "updated": 0, "unchanged": 0}
    zhang = Resident.objects.get(name="张三明")
    assert zhang.dwelling.building.grid == world.grid1
    assert zhang.tag_list == ["elderly_alone", "party_member"]
    assert zhang.name_initials == "zsm"
    li = Resident.objects.get(name="李四")
    assert (li.sex, str(li.birth_date)) == ("F", "1949-12-31")  # both read from the ID number
    assert Resident.objects.get(name="John Smith").id_type == "passport"


def test_importing_the_same_file_again_updates_and_never_duplicates(world):
    load_territory(world.xiangchang)
    run_import("residents", world.xiangchang, RESIDENTS.encode(), apply=True)
    changed = RESIDENTS.replace("13812345678", "13900000000").replace("9,1,102,李四", "9,1,101,李四")
    report = run_import("residents", world.xiangchang, changed.encode(), apply=True)
    assert report.summary == {"created": 0, "updated": 2, "unchanged": 1}
    assert Resident.objects.filter(name="张三明").count() == 1
    assert Resident.objects.get(name="张三明").phone == "13900000000"
    assert Move.objects.filter(resident__name="李四").count() == 1  # the move keeps its history
    again = run_import("dwellings", world.xiangchang, DWELLINGS.encode(), apply=True)
    assert again.summary == {"created": 0, "updated": 0, "unchanged": 3}


def test_one_bad_row_means_nothing_is_written_and_every_error_is_named(world):
    load_territory(world.xiangchang)
    bad = RESIDENTS + (
        "9,1,101,王五,男,,110102198001010018,,,,,\n"  # wrong check digit
        "9,1,999,赵六,女,,110102198001010025,,,,,\n"  # no such dwelling
        "9,1,101,钱七,男,,110102198001010033,,1381234567,,,\n"  # 10-digit phone
        "9,1,101,,男,护照,X1,2999-01-01,,,,\n"  # empty name, birth in the future
        "9,1,102,孙八,男,,110102198001010017,,,,,\n"  # same ID as line 2
    )
    before = Resident.objects.count()
    report = run_import("residents", world.xiangchang, bad.encode(), apply=True)
    assert not report.ok
    assert Resident.objects.count() == before
    errors = {(e.line, e.column) for e in report.errors}
    assert errors == {(5, "证件号码"), (6, "房号"), (7, "手机号码"), (8, "姓名"), (8, "出生日期"), (9, "证件号码")}
    messages = {e.line: e.message for e in report.errors}
    assert "校验码" in messages[5]
    assert "不存在" in messages[6]
    assert "11" in messages[7]
    assert "第 2 行" in messages[9]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_encodings_are_detected(world, encoding):
    load_territory(world.xiangchang)
    report = run_import("residents", world.xiangchang, RESIDENTS.encode(encoding), apply=True)
    assert report.ok and Resident.objects.filter(name="张三明").exists()


def test_english_headers_are_accepted(world):
    text = "building,name,kind,floors,entrances,grid\n9,,residential,6,2,g1\n"
    assert run_import("buildings", world.xiangchang, text.encode(), apply=True).ok


@pytest.mark.parametrize(
    "data, words",
    [
        ("楼号,姓名,颜色\n1,张三,红\n".encode(), "未知列"),
        ("楼号,姓名\n1,张三\n".encode(), "缺少必填列"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "这是图片"),
        (b"\xd0\xcf\x11\xe0\x00", ".xlsx"),
        (b"", "空"),
        ("楼号,单元,房号,姓名,证件号码\n".encode(), "空"),
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "这是 PDF 文档"),
        (b"<!DOCTYPE html><html><table><tr><td>1</td></tr></table>", "网页"),
        (b"\x00\x01\x02\x03", "另存为 .xlsx 或 .csv"),
        (b"PK\x03\x04\x14\x00\x00\x00\x08\x00", "损坏或不完整"),
        ("楼号,单元\n1,张".encode() + b"\xff\n", "第 2 行"),
        ("楼号,单元\n1,张".encode() + b"\xff\n", "CSV UTF-8"),
    ],
)
def test_files_that_cannot_be_read_say_why(world, data, words):
    report = run_import("residents", world.xiangchang, data, apply=True)
    assert words in report.file_error
    assert "未知列" not in report.file_error or data.startswith("楼号,姓名,颜色".encode())


def test_a_utf16_csv_as_excel_saves_unicode_text_imports(world):
    load_territory(world.xiangchang)
    report = run_import("residents", world.xiangchang, RESIDENTS.replace(",", "\t").encode("utf-16"), apply=True)
    assert report.ok, report.as_json()
    assert Resident.objects.filter(name="张三明").exists()


def test_a_header_of_many_unknown_columns_names_the_first_few_and_counts_the_rest(world, client_for):
    header = "楼号,单元,房号,姓名,证件号码," + ",".join(f"列{n}" for n in range(200_000))
    client = client_for("secretary")
    batch = upload(client, world, header + "\n1,1,101,张三,110102198001010017\n")
    assert "列0" in batch.report["file_error"] and "另有 199990 列" in batch.report["file_error"]
    assert "列199999" not in batch.report["file_error"]
    assert len(str(batch.report)) < 5_000
    assert len(client.get(f"/people/import/{batch.id}/").content) < 30_000


def test_a_wide_file_keeps_only_the_first_columns_in_its_preview(world, client_for):
    batch = upload(client_for("secretary"), world, "楼号,单元,房号,姓名,证件号码\n" + "1,1,101,张三,1," * 10_000 + "\n")
    assert len(batch.report["preview"][0]["cells"]) == 50
    assert len(str(batch.report)) < 10_000


def test_a_file_with_a_long_name_is_taken_with_the_name_cut_short(world, client_for):
    batch = upload(client_for("secretary"), world, RESIDENTS, name="居民名单" * 60 + ".csv")
    assert batch.row_count == 3 and len(batch.filename) == 200 and batch.filename.endswith("居民名单.csv")


def test_a_name_too_long_to_upload_is_refused_saying_so(world, client_for):
    """As a browser sends a 5,000-character name: whole, in a part header longer than
    Django's multipart parser reads (1 KB). The test client would cut it to 255 first."""
    name = "居民名单" * 1250 + ".xlsx"
    body = (
        f'--B\r\nContent-Disposition: form-data; name="kind"\r\n\r\nresidents\r\n'
        f'--B\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        f"Content-Type: application/octet-stream\r\n\r\nx\r\n--B--\r\n"
    ).encode()
    response = client_for("secretary").generic(
        "POST", "/people/import/", body, content_type="multipart/form-data; boundary=B"
    )
    assert response.status_code == 400 and "文件名太长" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_upload_preview_confirm_and_audit_through_the_pages(world, client_for):
    load_territory(world.xiangchang)
    client = client_for("secretary")
    upload = SimpleUploadedFile("residents.csv", RESIDENTS.encode("gb18030"))
    response = client.post("/people/import/", {"community": world.xiangchang.id, "kind": "residents", "file": upload})
    batch = ImportBatch.objects.get()
    assert response["Location"] == f"/people/import/{batch.id}/"
    assert batch.status == "previewed" and batch.row_count == 3
    assert not Resident.objects.filter(name="张三明").exists()  # nothing before confirmation
    assert "张三明" in client.get(response["Location"]).content.decode()
    client.post(f"/people/import/{batch.id}/confirm/")
    batch.refresh_from_db()
    assert batch.status == "applied" and batch.summary["created"] == 3
    event = AuditEvent.objects.get(action="import")
    assert (event.username, event.community, event.detail["created"]) == ("secretary", world.xiangchang, 3)
    # Confirming twice does not import twice.
    client.post(f"/people/import/{batch.id}/confirm/")
    assert Resident.objects.filter(name="张三明").count() == 1


def test_rows_with_errors_download_with_an_errors_column(world, client_for):
    client = client_for("secretary")
    bad = "楼号,单元,房号,姓名,证件号码\n1,1,101,张三,110102198001010018\n1,1,101,李四,110102194912310020\n"
    client.post(
        "/people/import/",
        {"community": world.xiangchang.id, "kind": "residents", "file": SimpleUploadedFile("r.csv", bad.encode())},
    )
    batch = ImportBatch.objects.get()
    assert batch.status == "invalid"
    sheet = load_workbook(io.BytesIO(client.get(f"/people/import/{batch.id}/errors.xlsx").content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][-1] == "错误说明"
    assert "校验码" in rows[1][-1] and not rows[2][-1]
    # The downloaded file, fixed, imports: the errors column is ignored.
    assert run_import(
        "residents", world.xiangchang, client.get(f"/people/import/{batch.id}/errors.xlsx").content, apply=False
    ).errors


def test_an_upload_over_the_limit_is_refused_before_reading(world, client_for, settings):
    settings.IMPORT_MAX_BYTES = 1024 * 1024
    big = SimpleUploadedFile("big.csv", b"a," * (1024 * 1024))
    response = client_for("secretary").post(
        "/people/import/", {"community": world.xiangchang.id, "kind": "residents", "file": big}
    )
    assert response.status_code == 200
    assert "MB" in response.content.decode() and not ImportBatch.objects.exists()


@pytest.mark.parametrize("kind", ["buildings", "dwellings", "residents"])
def test_each_template_has_chinese_headers_that_the_import_reads(world, client_for, kind):
    content = client_for("secretary").get(f"/people/import/template/{kind}.xlsx").content
    header = next(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    assert header[0] == "楼号"
    assert not run_import(kind, world.xiangchang, content, apply=False).file_error


def test_an_export_imports_back_unchanged(world, client_for):
    client = client_for("secretary")
    exported = client.get(f"/people/residents/?format=xlsx&community={world.xiangchang.id}").content
    report = run_import("residents", world.xiangchang, exported, apply=True)
    assert report.ok, report.as_json()["errors"][:3]
    assert report.summary["created"] == 0 and report.summary["updated"] == 0
    assert AuditEvent.objects.filter(action="export", username="secretary").exists()


def test_a_street_administrators_export_is_masked(world, client_for):
    exported = client_for("street_admin").get("/people/residents/?format=xlsx").content
    rows = list(load_workbook(io.BytesIO(exported)).active.iter_rows(values_only=True))
    assert len(rows) == 1 + Resident.objects.filter(community__street=world.tianqiao).count()
    assert all("*" in row[6] and "*" in row[8] for row in rows[1:])
    # Beside a masked number, the birth date would give the hidden digits back.
    assert all(len(str(row[7])) == 4 for row in rows[1:])


@pytest.mark.needs("soffice")
def test_a_workbook_made_by_libreoffice_round_trips(world, tmp_path):
    load_territory(world.xiangchang)
    (tmp_path / "residents.csv").write_text(RESIDENTS, encoding="utf-8")
    subprocess.run(
        [
            "soffice",
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            # ID numbers kept as text (column 7), as workers format that column; phones stay numbers.
            "--infilter=CSV:44,34,76,1,7/2",
            "--outdir",
            str(tmp_path),
            str(tmp_path / "residents.csv"),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    report = run_import("residents", world.xiangchang, (tmp_path / "residents.xlsx").read_bytes(), apply=True)
    assert report.ok, report.as_json()
    assert report.summary["created"] == 3
    assert Resident.objects.get(name="John Smith").phone == "010-87654321"
    assert Dwelling.objects.filter(building__number="9").count() == 3


cells = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=25)


@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(cells, min_size=12, max_size=12), min_size=1, max_size=5))
def test_any_cells_get_a_report_and_never_an_exception(world, rows):
    text = "\n".join(
        ",".join('"' + c.replace('"', '""') + '"' for c in row) for row in [RESIDENTS.splitlines()[0].split(",")] + rows
    )
    report = run_import("residents", world.xiangchang, text.encode(), apply=False)
    assert report.file_error or report.rows > 0


# --- a re-import never erases what it does not mention ---------------------------------------

REQUIRED_ONLY = "楼号,单元,房号,姓名,证件号码\n9,1,101,张三明,110102198001010017\n"


def imported(world) -> Resident:
    load_territory(world.xiangchang)
    assert run_import("residents", world.xiangchang, RESIDENTS.encode(), apply=True).ok
    return Resident.objects.get(name="张三明")


def test_a_reimport_with_only_the_required_columns_leaves_the_other_fields_as_they_are(world):
    before = imported(world)
    report = run_import("residents", world.xiangchang, REQUIRED_ONLY.encode(), apply=True)
    assert report.ok, report.as_json()
    after = Resident.objects.get(pk=before.pk)
    assert (after.phone, after.relation, after.residence, after.tag_list) == (
        "13812345678",
        "head",
        "here",
        ["elderly_alone", "party_member"],
    )
    assert report.summary == {"created": 0, "updated": 0, "unchanged": 1}
    assert report.absent == ["性别", "证件类型", "出生日期", "手机号码", "与户主关系", "人户状态", "标签"]


def test_an_empty_cell_clears_its_field_and_the_preview_says_so_field_by_field(world):
    before = imported(world)
    emptied = "楼号,单元,房号,姓名,证件号码,手机号码,与户主关系,标签\n9,1,102,张三明,110102198001010017,,,\n"
    checked = run_import("residents", world.xiangchang, emptied.encode(), apply=False)
    assert checked.plan == {"created": 0, "updated": 1, "unchanged": 0}
    [change] = checked.changes
    assert (change["line"], change["record"]) == (2, "张三明")
    assert change["fields"] == [
        ["房号", "9-1-101", "9-1-102"],
        ["手机号码", "138****5678", ""],
        ["与户主关系", "户主", "其他"],
        ["标签", "独居老人、党员", ""],
    ]
    assert Resident.objects.get(pk=before.pk).phone == "13812345678"  # a preview writes nothing
    run_import("residents", world.xiangchang, emptied.encode(), apply=True)
    after = Resident.objects.get(pk=before.pk)
    assert (after.phone, after.relation, after.tag_list, after.residence) == ("", "other", [], "here")


def test_the_preview_page_counts_new_changed_and_unchanged_and_lists_the_changes(world, client_for):
    imported(world)
    client = client_for("secretary")
    changed = RESIDENTS.replace("13812345678", "13900000000")
    client.post(
        "/people/import/",
        {
            "community": world.xiangchang.id,
            "kind": "residents",
            "file": SimpleUploadedFile("r.csv", (changed + "9,2,601,王五,男,,110102198001010033,,,,,\n").encode()),
        },
    )
    page = client.get(f"/people/import/{ImportBatch.objects.get().id}/").content.decode()
    assert "新增 1" in page and "修改 1" in page and "不变 2" in page
    assert "139****0000" in page and "138****5678" in page


def test_buildings_and_dwellings_keep_what_their_file_leaves_out(world):
    load_territory(world.xiangchang)
    building = Building.objects.get(community=world.xiangchang, number="9")
    assert building.grid == world.grid1
    report = run_import("buildings", world.xiangchang, "楼号,层数,单元数\n9,6,2\n".encode(), apply=True)
    assert report.summary == {"created": 0, "updated": 0, "unchanged": 1}
    building.refresh_from_db()
    assert building.grid == world.grid1 and building.kind == "residential"
    cleared = run_import("buildings", world.xiangchang, "楼号,层数,单元数,网格编号\n9,7,2,\n".encode(), apply=True)
    assert cleared.summary["updated"] == 1 and cleared.changes[0]["fields"] == [
        ["层数", "6", "7"],
        ["网格编号", "G1", ""],
    ]
    building.refresh_from_db()
    assert building.grid is None and building.floors == 7
    moved = run_import("dwellings", world.xiangchang, "楼号,单元,楼层,房号\n9,1,2,101\n".encode(), apply=True)
    assert moved.changes == [{"line": 2, "record": "9-1-101", "fields": [["楼层", "1", "2"]]}]


def test_the_import_validates_a_resident_with_the_registry_that_forms_and_the_api_use(world, monkeypatch):
    from fangxian.people import importing, registry

    load_territory(world.xiangchang)
    calls = []
    monkeypatch.setattr(
        importing, "clean_resident", lambda raw, today: calls.append(raw) or registry.clean_resident(raw, today=today)
    )
    too_long = RESIDENTS + "9,1,101," + "名" * 51 + ",男,,110102198001010033,,,,,\n"
    report = run_import("residents", world.xiangchang, too_long.encode(), apply=False)
    assert len(calls) == 4
    assert [(e.line, e.column, e.message) for e in report.errors] == [(5, "姓名", "姓名最多 50 个字。")]


# --- retention: an import keeps only its counts -----------------------------------------------


def upload(client, world, text: str, name: str = "r.csv") -> ImportBatch:
    client.post(
        "/people/import/",
        {"community": world.xiangchang.id, "kind": "residents", "file": SimpleUploadedFile(name, text.encode())},
    )
    return ImportBatch.objects.order_by("-id").first()


def test_a_confirmed_import_keeps_its_counts_and_drops_the_file_and_rows(world, client_for):
    load_territory(world.xiangchang)
    client = client_for("secretary")
    batch = upload(client, world, RESIDENTS)
    assert bytes(batch.data) and "110102198001010017" in str(batch.report)
    client.post(f"/people/import/{batch.id}/confirm/")
    batch.refresh_from_db()
    assert (bytes(batch.data), batch.report, batch.status) == (b"", {}, "applied")
    assert batch.cleared_at is not None and batch.summary["created"] == 3 and batch.row_count == 3
    assert batch.filename == "r.csv" and batch.uploaded_by.username == "secretary"
    page = client.get(f"/people/import/{batch.id}/").content.decode()
    assert "新增 3 条" in page and "删除" in page and "张三明" not in page
    assert client.get(f"/people/import/{batch.id}/errors.xlsx").status_code == 404


def test_the_preview_keeps_cells_short(world, client_for):
    batch = upload(client_for("secretary"), world, "楼号,单元,房号,姓名,证件号码\n1,1,101," + "名" * 900 + ",1\n")
    [row] = batch.report["preview"]
    assert max(len(c) for c in row["cells"]) <= 40


# --- spreadsheets out: text is never a formula -------------------------------------------------


def test_a_name_written_as_a_formula_exports_as_text_and_imports_back_unchanged(world, client_for):
    import zipfile

    resident = world.resident(world.xiangchang)
    resident.name = '=HYPERLINK("http://x","y")'
    resident.save()
    client = client_for("secretary")
    exported = client.get(f"/people/residents/?format=xlsx&community={world.xiangchang.id}").content
    with zipfile.ZipFile(io.BytesIO(exported)) as book:
        sheet = book.read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet and b"HYPERLINK" in sheet
    assert load_workbook(io.BytesIO(exported)).active["D2"].quotePrefix
    report = run_import("residents", world.xiangchang, exported, apply=True)
    assert report.ok and report.summary["updated"] == 0
    assert Resident.objects.get(pk=resident.pk).name == '=HYPERLINK("http://x","y")'


def test_the_rows_with_their_errors_come_back_with_formulas_as_text(world, client_for):
    client = client_for("secretary")
    batch = upload(client, world, '楼号,单元,房号,姓名,证件号码\n1,1,101,"=HYPERLINK(""http://x"",""y"")",1\n')
    sheet = load_workbook(io.BytesIO(client.get(f"/people/import/{batch.id}/errors.xlsx").content)).active
    assert (
        sheet["D2"].value == '=HYPERLINK("http://x","y")' and sheet["D2"].data_type == "s" and sheet["D2"].quotePrefix
    )


# --- hostile workbooks through the upload page --------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    "name", ["a 400 MB string", "1,048,576 rows", "two cells at the far corners", "a zip that lies about its sizes"]
)
def test_a_hostile_workbook_uploaded_is_refused_in_under_2_seconds_and_200_mb(
    world, client_for, name, tmp_path_factory
):
    import time
    import tracemalloc

    from fangxian.lib.tests import hostile

    data = hostile.build(name, tmp_path_factory.mktemp("hostile")).read_bytes()
    client = client_for("secretary")
    tracemalloc.start()
    started = time.perf_counter()
    response = client.post(
        "/people/import/",
        {"community": world.xiangchang.id, "kind": "residents", "file": SimpleUploadedFile("h.xlsx", data)},
    )
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and batch.status == "invalid" and batch.report["file_error"]
    assert seconds < 2 and peak < 200 * 1024 * 1024, (seconds, peak)
    assert len(str(batch.report)) < 2000


def test_a_number_written_with_spaces_matches_its_record_and_keeps_what_the_file_leaves_out(world):
    before = imported(world)
    spaced = REQUIRED_ONLY.replace("110102198001010017", "110102 19800101 0017")
    report = run_import("residents", world.xiangchang, spaced.encode(), apply=True)
    assert report.ok and report.summary == {"created": 0, "updated": 0, "unchanged": 1}
    assert Resident.objects.get(pk=before.pk).phone == "13812345678"


# --- confirming writes what the preview showed -------------------------------------------------


def row_of(resident: Resident, name: str | None = None) -> str:
    d = resident.dwelling
    return f"{d.building.number},{d.entrance},{d.room},{name or resident.name},{resident.id_number}\n"


def confirm(client, batch: ImportBatch) -> str:
    page = client.post(f"/people/import/{batch.id}/confirm/", follow=True).content.decode()
    batch.refresh_from_db()
    return page


def test_a_resident_changed_after_the_preview_is_not_overwritten_and_the_fresh_preview_is_shown(
    world, client_for, api_for
):
    listed, renamed = world.resident(world.xiangchang, "1"), world.resident(world.xiangchang, "2")
    client = client_for("secretary")
    batch = upload(client, world, "楼号,单元,房号,姓名,证件号码\n" + row_of(listed) + row_of(renamed, "王䶮"))
    assert batch.report["plan"] == {"created": 0, "updated": 1, "unchanged": 1}
    response = api_for("secretary").patch(
        f"/api/v1/residents/{listed.id}", {"name": "王䶮二"}, content_type="application/json"
    )
    assert response.status_code == 200
    page = confirm(client, batch)
    assert Resident.objects.get(pk=listed.pk).name == "王䶮二"
    assert Resident.objects.get(pk=renamed.pk).name == renamed.name  # nothing at all was written
    assert batch.status == "previewed" and not batch.summary
    assert "登记信息有了变化" in page and "修改 2" in page and "王䶮二" in page
    assert not AuditEvent.objects.filter(action="import").exists()
    # Seen now: confirming writes what the fresh preview showed.
    confirm(client, batch)
    assert batch.status == "applied" and batch.summary == {"created": 0, "updated": 2, "unchanged": 0}
    assert Resident.objects.get(pk=listed.pk).name == listed.name


NEW_RESIDENT = "楼号,单元,房号,姓名,证件号码\n1,1,101,王䶮,110102198001010033\n"


def test_a_resident_registered_after_the_preview_said_new_is_not_overwritten(world, client_for, api_for):
    dwelling = world.dwelling(world.xiangchang)
    client = client_for("secretary")
    batch = upload(client, world, NEW_RESIDENT)
    assert batch.report["plan"] == {"created": 1, "updated": 0, "unchanged": 0}
    response = api_for("secretary").post(
        "/api/v1/residents",
        {"dwelling_id": dwelling.id, "name": "王䶮三", "id_number": "110102198001010033"},
        content_type="application/json",
    )
    assert response.status_code == 201
    page = confirm(client, batch)
    assert list(Resident.objects.filter(id_number="110102198001010033").values_list("name", flat=True)) == ["王䶮三"]
    assert batch.status == "previewed" and "登记信息有了变化" in page and "修改 1" in page


def test_the_same_file_confirmed_twice_from_two_uploads_creates_each_resident_once(world, client_for):
    client = client_for("secretary")
    first, second = upload(client, world, NEW_RESIDENT), upload(client, world, NEW_RESIDENT)
    confirm(client, first)
    page = confirm(client, second)
    assert first.status == "applied" and second.status == "previewed" and "不变 1" in page
    assert Resident.objects.filter(id_number="110102198001010033").count() == 1


# --- the rows with their errors: written once, by the check ---------------------------------------

BAD_ROWS = "楼号,单元,房号,姓名,证件号码\n" + "".join(f"1,1,101,张{n},11010219800101001{n}\n" for n in range(5))


def error_column(content: bytes) -> list:
    return [row[-1] for row in load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True)]


def test_the_rows_with_their_errors_are_written_by_the_check_and_never_rebuilt_for_a_download(
    world, client_for, monkeypatch
):
    from fangxian.people import importing

    client = client_for("secretary")
    batch = upload(client, world, BAD_ROWS)
    assert bytes(batch.error_report)

    def rebuilt(*args, **kwargs):
        raise AssertionError("the report was rebuilt for a download")

    monkeypatch.setattr(importing, "read_upload", rebuilt)
    monkeypatch.setattr(importing, "write_xlsx", rebuilt)
    first, second = (client.get(f"/people/import/{batch.id}/errors.xlsx") for _ in range(2))
    assert first.status_code == second.status_code == 200 and first.content == bytes(batch.error_report)
    assert AuditEvent.objects.filter(action="export", detail__list="import_errors").count() == 2


def test_the_page_keeps_the_first_errors_and_the_download_flags_every_row(world, client_for, monkeypatch):
    from fangxian.people import importing

    monkeypatch.setattr(importing, "MAX_ERRORS_SHOWN", 2)
    client = client_for("secretary")
    batch = upload(client, world, BAD_ROWS)
    assert batch.error_count == 5 and len(batch.report["errors"]) == 2
    page = client.get(f"/people/import/{batch.id}/").content.decode()
    assert "5 行中有 5 行出错" in page and "另有 3 条" in page
    flagged = error_column(client.get(f"/people/import/{batch.id}/errors.xlsx").content)
    assert flagged[0] == "错误说明" and len(flagged) == 6 and all(flagged[1:])


def test_a_file_that_has_errors_only_when_confirmed_gets_its_rows_with_their_errors(world, client_for):
    load_territory(world.xiangchang)
    client = client_for("secretary")
    batch = upload(client, world, "楼号,单元,房号,姓名,证件号码\n9,1,102,王䶮,110102198001010033\n")
    assert batch.status == "previewed" and not bytes(batch.error_report)
    Dwelling.objects.filter(building__number="9", room="102").delete()
    confirm(client, batch)
    assert batch.status == "invalid" and "不存在" in error_column(bytes(batch.error_report))[1]


def test_the_rows_with_their_errors_are_deleted_with_the_upload(world, client_for):
    load_territory(world.xiangchang)
    client = client_for("secretary")
    batch = upload(client, world, RESIDENTS.replace("110102198001010017", "110102198001010018"))
    assert bytes(batch.error_report)
    ImportBatch.objects.filter(pk=batch.pk).update(created_at=batch.created_at - datetime.timedelta(days=30))
    call_command("purge_personal_data")
    batch.refresh_from_db()
    assert (bytes(batch.data), bytes(batch.error_report), batch.report) == (b"", b"", {})
    assert client.get(f"/people/import/{batch.id}/errors.xlsx").status_code == 404


@pytest.mark.parametrize(
    "kind, text, column",
    [
        ("dwellings", "楼号,单元,楼层,房号\n9,1,1,101\u200b\n", "房号"),
        ("dwellings", "楼号,单元,楼层,房号\n9,1,1,1\u00ad01\n", "房号"),
        ("residents", RESIDENTS.replace("张三明", "张\u200b三明"), "姓名"),
        ("residents", RESIDENTS.replace("李四", "\u202e李四"), "姓名"),
        ("residents", RESIDENTS.replace("E12345678", "E1234\u20605678"), "证件号码"),
    ],
)
def test_a_cell_with_an_invisible_character_is_an_error_of_its_row_as_in_the_api(world, kind, text, column):
    load_territory(world.xiangchang)
    report = run_import(kind, world.xiangchang, text.encode(), apply=True)
    assert not report.ok and [e.column for e in report.errors] == [column]
    assert "看不见" in report.errors[0].message
