import io
import subprocess

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from fangxian.accounts.models import AuditEvent
from fangxian.casework.models import Case
from fangxian.inspections.models import Round
from fangxian.places.models import Business

from .conftest import make_business, make_round, visit


@pytest.fixture
def shop(world):
    return make_business(world)


@pytest.fixture
def round_(world, shop):
    return make_round(world, [shop])


def test_the_inspection_record_prints_on_a4_with_its_photo(world, client_for, shop, round_, tmp_path):
    inspection = visit(world, round_, shop, failing={"disinfection-log"}, photo=True)
    answer = client_for("grid_worker").get(f"/inspections/{inspection.pk}/pdf/")
    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    pdf = tmp_path / "record.pdf"
    pdf.write_bytes(answer.content)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "好邻居超市" in text and "有消毒记录" in text and "检查记录" in text
    size = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "595.276 x 841.89" in size or "595.28 x 841.89" in size  # A4
    assert subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True).stdout.count("jpeg") == 1
    assert AuditEvent.objects.filter(detail__list="inspection_record", community=world.xiangchang).exists()


def test_the_round_as_excel_a_line_per_finding(world, client_for, shop, round_):
    visit(world, round_, shop, failing={"supplies"})
    make_business(world, "未检查的店")
    round_.businesses.add(Business.objects.get(name="未检查的店"))
    answer = client_for("street_admin").get(f"/inspections/rounds/{round_.pk}/?format=xlsx")
    assert answer.status_code == 200
    rows = list(load_workbook(io.BytesIO(answer.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "企业商户"
    mine = [r for r in rows[1:] if r[0] == "好邻居超市"]
    assert len(mine) == 7 and [r[9] for r in mine].count("不合格") == 1
    assert [r for r in rows if r[0] == "未检查的店"][0][4] == "0/2"
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT, detail__list="inspection_round").exists()
    # A grid worker inspects but does not take the street's data away.
    assert client_for("grid_worker").get(f"/inspections/rounds/{round_.pk}/?format=xlsx").status_code == 403


def test_a_round_set_up_on_the_page(world, client_for, shop):
    make_business(world, "理发店", Business.Kind.SMALL_SHOP, small_kind="barber")
    answer = client_for("secretary").post(
        "/inspections/rounds/new/",
        {
            "where": f"c{world.xiangchang.pk}",
            "name": "六小门店检查",
            "visits": "2",
            "starts_on": "2026-12-01",
            "ends_on": "2026-12-14",
            "kinds": ["small_shop"],
        },
    )
    row = Round.objects.get()
    assert answer.status_code == 302 and [b.name for b in row.businesses.all()] == ["理发店"]


def test_the_staff_page_shows_who_is_under_observation_masked(world, client_for, shop):
    resident = world.xiangchang.residents.first()
    type(resident).objects.filter(pk=resident.pk).update(under_observation=True)
    client = client_for("community_worker")
    client.post(
        f"/inspections/businesses/{shop.pk}/staff/",
        {"name": "王店员", "phone": "13912345678", "id_number": resident.id_number},
    )
    page = client.get(f"/inspections/businesses/{shop.pk}/staff/").content.decode()
    assert "居家观察" in page or "观察" in page
    assert resident.id_number not in page and "139****5678" in page


def test_the_overdue_command_opens_each_case_once(world, shop, round_):
    inspection = visit(world, round_, shop, failing={"emergency-plan"})
    inspection.findings.filter(result="fail").update(deadline="2020-02-01")
    out = io.StringIO()
    call_command("rectifications_overdue", stdout=out)
    call_command("rectifications_overdue", stdout=out)
    assert Case.objects.filter(source="inspection").count() == 1
    assert "1" in out.getvalue().splitlines()[0] and "0" in out.getvalue().splitlines()[1]


def test_a_staff_list_uploaded_is_shown_first_and_kept_all_or_nothing(world, client_for, shop):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for("secretary")
    url = f"/inspections/businesses/{shop.pk}/staff/"
    bad = "姓名,电话,证件号码\n王一,13900000001,110102199001011234\n李二,,110102199001011234\n,13900000003,\n"
    client.post(url + "import/", {"action": "check", "file": SimpleUploadedFile("staff.csv", bad.encode("utf-8"))})
    page = client.get(url).content.decode()
    assert "第 3 行" in page and "已在名单上" in page and 'value="confirm"' not in page
    answer = client.post(url + "import/", {"action": "confirm"})
    assert shop.staff.count() == 0 and answer.status_code == 302
    good = "name,phone,ID number\n王一,13900000001,110102199001011234\n李二,13900000002,\n"
    client.post(url + "import/", {"action": "check", "file": SimpleUploadedFile("staff.csv", good.encode("gb18030"))})
    page = client.get(url).content.decode()
    assert "110102********1234" in page and "110102199001011234" not in page and 'value="confirm"' in page
    client.post(url + "import/", {"action": "confirm"})
    assert sorted(shop.staff.values_list("name", flat=True)) == ["李二", "王一"]
    assert 'value="confirm"' not in client.get(url).content.decode()


def test_a_staff_list_that_is_not_a_spreadsheet_is_refused_in_words(world, client_for, shop):
    from django.contrib.messages import get_messages
    from django.core.files.uploadedfile import SimpleUploadedFile

    answer = client_for("secretary").post(
        f"/inspections/businesses/{shop.pk}/staff/import/",
        {"action": "check", "file": SimpleUploadedFile("staff.xlsx", b"%PDF-1.4 not a list")},
    )
    [said] = [str(m) for m in get_messages(answer.wsgi_request)]
    assert "PDF" in said and not shop.staff.exists()
