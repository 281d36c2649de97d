"""What leaves the ledger on paper: a donor's receipt and thank-you letter, and the public
ledger (公示), which names no resident and no anonymous donor."""

import io
import subprocess
import threading
import zipfile

import pytest
from django.db import connection
from django.utils import timezone

from fangxian.accounts.models import AuditEvent
from fangxian.supplies import disclosure, ledger
from fangxian.supplies.models import Item, Movement, Store

K = Movement.Kind


def pdf_text(response) -> str:
    assert response["Content-Type"] == "application/pdf"
    data = b"".join(response.streaming_content) if response.streaming else response.content
    return subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()


@pytest.fixture
def ledger_of_xiangchang(world, office, masks, alcohol, market_gate):
    """Two donations (one anonymous, its donor's name kept inside), issues to a gate, two
    households and a volunteer, and one issue reversed."""
    named = ledger.receive(K.DONATION, office, [(masks, 18000), (alcohol, 2306 * 500)], donor="天桥商会")
    anonymous = ledger.receive(K.DONATION, office, [(masks, 200)], donor="张大爷", anonymous=True)
    ledger.issue(masks, office, 1000, to_gate=market_gate)
    for room in ("101", "102"):
        ledger.issue(masks, office, 20, to_dwelling=world.dwelling(world.xiangchang, "1", 1, room))
    ledger.issue(alcohol, office, 5000, to_person="志愿者小王", to_role="volunteer")
    wrong = ledger.issue(masks, office, 300, to_person="李四", to_role="resident")
    ledger.reverse(wrong, "发错了")
    return {"named": named, "anonymous": anonymous}


@pytest.mark.needs("pango", "fonts", "pdftotext")
def test_the_receipt_and_thank_you_letter_say_who_gave_what_in_its_units(world, client_for, ledger_of_xiangchang):
    first = ledger_of_xiangchang["named"][0]
    text = pdf_text(client_for("secretary").get(f"/supplies/donations/{first.id}/receipt.pdf")).replace("\n", " ")
    for words in (
        "捐赠物资收据",
        "感谢信",
        "香厂路社区",
        "天桥商会",
        "口罩",
        "900 箱（18000 个）",
        "2306 斤",
        first.receipt,
    ):
        assert words in text, words
    assert timezone.localdate().isoformat() in text
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT, community_id=world.xiangchang.id).exists()


def test_the_public_ledger_shows_anonymous_donors_as_such_and_counts_households(world, ledger_of_xiangchang):
    today = timezone.localdate()
    report = disclosure.build(world.xiangchang, today, today)
    donors = [row["donor"] for row in report["came_in"]]
    assert donors == ["天桥商会", "天桥商会", "匿名"]
    assert [(r["kind"], r["to"], r["item"], r["quantity"]) for r in report["went_out"]] == [
        ("卡口", "菜市场门", "口罩", "50 箱（1000 个）"),
        ("居民户", "2 户", "口罩", "2 箱（40 个）"),
        ("人员", "志愿者", "酒精", "10 斤"),
    ]
    totals = {r["item"]: r["held"] for r in report["totals"]}
    assert totals == {"口罩": "17160 个", "酒精": "2296 斤"}


@pytest.mark.needs("pango", "fonts", "pdftotext")
def test_the_public_ledger_pdf_and_excel_name_no_resident_and_no_anonymous_donor(
    world, client_for, ledger_of_xiangchang
):
    client = client_for("secretary")
    query = f"?community={world.xiangchang.id}"
    text = pdf_text(client.get(f"/supplies/public/{query}&format=pdf"))
    xlsx = client.get(f"/supplies/public/{query}&format=xlsx")
    with zipfile.ZipFile(io.BytesIO(xlsx.content)) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
    page = client.get(f"/supplies/public/{query}").content.decode()
    dwelling = world.dwelling(world.xiangchang, "1", 1, "101")
    residents = [r.name for r in dwelling.residents.all()] + [
        r.name for r in world.dwelling(world.xiangchang, "1", 1, "102").residents.all()
    ]
    for shown in (text, sheet, page):
        assert "匿名" in shown and "天桥商会" in shown and "菜市场门" in shown and "志愿者" in shown
        for secret in ("张大爷", "小王", "李四", dwelling.label, *residents):
            assert secret not in shown, secret
    assert "香厂路社区捐赠物资公示" in text
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).count() == 2


def test_the_public_ledger_as_json_says_the_same(world, api_for, ledger_of_xiangchang):
    answer = api_for("volunteer").get(f"/api/v1/supplies/public-ledger?community_id={world.xiangchang.id}").json()
    assert [r["donor"] for r in answer["came_in"]] == ["天桥商会", "天桥商会", "匿名"]
    assert "张大爷" not in str(answer) and "小王" not in str(answer)


@pytest.mark.django_db(transaction=True)
def test_two_donations_recorded_at_once_get_two_receipt_numbers(world):
    office = Store.objects.create(community=world.xiangchang, name="社区办公室")
    items = [Item.objects.create(community=world.xiangchang, name=name, unit="个") for name in ("口罩", "手套")]
    start = threading.Barrier(2)
    errors = []

    def donate(item):
        try:
            start.wait()
            ledger.receive(K.DONATION, office, [(item, 10)], donor="天桥商会")
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=donate, args=(item,)) for item in items]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    year = timezone.localdate().year
    assert sorted(Movement.objects.values_list("receipt", flat=True)) == [f"香厂路-{year}-0001", f"香厂路-{year}-0002"]


@pytest.mark.needs("pango", "fonts", "pdftotext")
def test_a_long_public_ledger_is_printed_by_the_worker(world, client_for, ledger_of_xiangchang, monkeypatch):
    from fangxian.jobs.models import Job
    from fangxian.supplies import views

    monkeypatch.setattr(views, "INLINE_LINES", 2)
    client = client_for("secretary")
    answer = client.get(f"/supplies/public/?community={world.xiangchang.id}&format=pdf")
    job = Job.objects.get()
    assert answer["Location"] == f"/jobs/{job.id}/" and job.state == Job.State.DONE, job.error
    text = pdf_text(client.get(f"/jobs/{job.id}/file/"))
    assert "香厂路社区捐赠物资公示" in text and "张大爷" not in text
