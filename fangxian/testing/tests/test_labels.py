"""Tube label sheets: numbers never repeat, the sheet is printed as a job, its barcodes scan."""

from __future__ import annotations

import subprocess

import pytest

from fangxian.jobs.models import Job
from fangxian.testing import labels
from fangxian.testing.models import LabelSheet

pytestmark = pytest.mark.django_db


def test_sheets_continue_the_communitys_sequence_and_never_repeat(world):
    a = labels.allocate(world.xiangchang, 1, None)
    b = labels.allocate(world.xiangchang, 2, None)
    other = labels.allocate(world.yongan, 1, None)
    assert (a.first, a.count, b.first, b.count) == (1, 30, 31, 60)
    assert other.first == 1
    numbers = [labels.number(world.xiangchang, n) for s in (a, b) for n in range(s.first, s.first + s.count)]
    numbers.append(labels.number(world.yongan, other.first))
    assert len(set(numbers)) == len(numbers) == 91
    assert numbers[0] == "110102015001000001"


@pytest.mark.needs("pango", "fonts", "pdftoppm", "zbarimg")
def test_the_page_prints_a_sheet_whose_barcodes_zbar_reads(world, client_for, tmp_path):
    client = client_for("health_worker")
    assert client.get("/testing/labels/").status_code == 200
    answer = client.post("/testing/labels/", {"community": world.xiangchang.pk, "pages": "1"})
    assert answer.status_code == 302
    job = Job.objects.get()
    assert job.state == Job.State.DONE, job.error
    pdf = client.get(f"/jobs/{job.pk}/file/")
    data = b"".join(pdf.streaming_content) if pdf.streaming else pdf.content
    assert pdf.status_code == 200 and data[:4] == b"%PDF"
    path = tmp_path / "labels.pdf"
    path.write_bytes(data)
    subprocess.run(["pdftoppm", "-png", "-r", "300", "-f", "1", "-l", "1", path, tmp_path / "page"], check=True)
    [png] = tmp_path.glob("page*.png")
    read = subprocess.run(["zbarimg", "--quiet", "--raw", "-Scode128.enable", png], capture_output=True, text=True)
    found = set(read.stdout.split())
    expected = {labels.number(world.xiangchang, n) for n in range(1, 31)}
    assert found == expected


def test_a_page_count_out_of_range_is_refused_and_takes_no_numbers(world, client_for, api_for):
    page = client_for("health_worker").post("/testing/labels/", {"community": world.xiangchang.pk, "pages": "99"})
    assert page.status_code == 200 and "20" in page.content.decode()
    for pages in (0, 21, True):
        answer = api_for("health_worker").post(
            "/api/v1/testing/label-sheets",
            {"community_id": world.xiangchang.pk, "pages": pages},
            content_type="application/json",
        )
        assert answer.status_code == 422
    assert not LabelSheet.objects.exists()


def test_the_api_orders_a_sheet_for_a_community_the_user_runs_testing_in(world, api_for):
    body = {"community_id": world.xiangchang.pk, "pages": 2}
    answer = api_for("health_worker").post("/api/v1/testing/label-sheets", body, content_type="application/json")
    assert answer.status_code == 202
    assert answer.json()["count"] == 60 and answer.json()["last"] == "110102015001000060"
    for actor in ("outsider", "volunteer"):
        assert (
            api_for(actor).post("/api/v1/testing/label-sheets", body, content_type="application/json").status_code
            == 404
        )
