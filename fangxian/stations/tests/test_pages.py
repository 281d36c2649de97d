"""The station's pages: a round opened with its first package, a phone-in order for a
household named by building, entrance and room, the totals, closing, pick lists."""

import pytest
from django.utils import timezone

from fangxian.accounts.models import AuditEvent
from fangxian.jobs.models import Job
from fangxian.stations import ordering
from fangxian.stations.models import Order, Round

from .conftest import make_round


def said(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


def test_a_secretary_opens_a_round_with_its_first_package(world, client_for):
    client = client_for("secretary")
    now = timezone.localtime()
    response = client.post(
        "/stations/new/",
        {
            "community": world.xiangchang.id,
            "name": "第3期蔬菜包",
            "supplier_name": "新发地",
            "supplier_phone": "010-67651234",
            "opens_at": now.strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (now + timezone.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
            "delivery_day": (now + timezone.timedelta(days=2)).date().isoformat(),
            "package_name": "蔬菜包 A",
            "package_contents": "白菜、土豆",
            "package_price": "29.5",
            "package_stock": "100",
            "package_cap": "2",
        },
    )
    row = Round.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/stations/{row.id}/"
    package = row.packages.get()
    assert (package.price, package.stock, package.cap) == (2950, 100, 2)
    page = client.get(f"/stations/{row.id}/").content.decode()
    assert "蔬菜包 A" in page and "29.50" in page and "电话订购" in page


def test_a_bad_round_form_says_why_and_keeps_what_was_typed(world, client_for):
    client = client_for("secretary")
    response = client.post(
        "/stations/new/",
        {"community": world.xiangchang.id, "name": "第3期", "supplier_name": "", "opens_at": "x", "closes_at": ""},
        follow=True,
    )
    page = response.content.decode()
    assert Round.objects.count() == 0 and "请填写供应商" in page and 'value="第3期"' in page


def test_a_phone_in_order_names_its_household_by_building_entrance_and_room(world, client_for):
    row = make_round(world)
    a = row.packages.get(name="蔬菜包 A")
    client = client_for("grid_worker")
    building = world.building(world.xiangchang, "1")
    response = client.post(
        f"/stations/{row.id}/order/", {"building": building.id, "entrance": "2", "room": "301", f"qty-{a.id}": "2"}
    )
    order = Order.objects.get()
    assert order.dwelling == world.dwelling(world.xiangchang, "1", 2, "301") and order.via == "phone"
    assert "60.00" in said(response)[0]
    # No such room; a building of the other grid; beyond the cap.
    for body in (
        {"building": building.id, "entrance": "2", "room": "999", f"qty-{a.id}": "1"},
        {"building": world.building(world.xiangchang, "2").id, "entrance": "1", "room": "101", f"qty-{a.id}": "1"},
        {"building": building.id, "entrance": "2", "room": "301", f"qty-{a.id}": "1"},
    ):
        refused = client.post(f"/stations/{row.id}/order/", body)
        assert refused.status_code == 302 and said(refused)
    assert Order.objects.count() == 1


def test_closing_the_window_freezes_the_page(world, client_for):
    row = make_round(world)
    order = ordering.place(row, world.dwelling(world.xiangchang), {row.packages.first().id: 1}, "phone")
    client = client_for("secretary")
    client.post(f"/stations/{row.id}/close/")
    page = client.get(f"/stations/{row.id}/").content.decode()
    assert "订单已冻结" in page and "电话订购" not in page and "取消订单" not in page
    refused = client.post(f"/stations/orders/{order.id}/cancel/")
    assert "冻结" in said(refused)[0] and Order.objects.get().state == "placed"


def test_pick_lists_as_pdf_job_and_spreadsheet_are_audited(world, client_for):
    row = make_round(world)
    a, b = row.packages.order_by("id")
    ordering.place(row, world.dwelling(world.xiangchang), {a.id: 2, b.id: 1}, "phone")
    ordering.place(row, world.dwelling(world.xiangchang, "2"), {a.id: 1}, "phone")
    client = client_for("secretary")
    started = client.post(f"/stations/{row.id}/pick-list.pdf")
    job = Job.objects.get()
    assert started["Location"] == f"/jobs/{job.id}/" and job.state == "done", job.error
    pdf = client.get(f"/jobs/{job.id}/file/")
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content if pdf.streaming else [pdf.content])[:4] == b"%PDF"
    sheet = client.get(f"/stations/{row.id}/pick-list.xlsx")
    assert sheet.status_code == 200 and sheet.content[:2] == b"PK"
    assert AuditEvent.objects.filter(action="export", detail__list="pick_list").count() == 2


@pytest.mark.needs("pdftotext")
def test_the_pick_list_pdf_reads_by_building_and_entrance(world):
    import subprocess

    from fangxian.accounts.exports import pdf_bytes
    from fangxian.stations.views import pick_list_html

    row = make_round(world)
    a = row.packages.get(name="蔬菜包 A")
    ordering.place(row, world.dwelling(world.xiangchang, "1", 2, "301"), {a.id: 2}, "phone")
    html, count = pick_list_html(row, world.users["secretary"])
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf_bytes(html), capture_output=True, check=True).stdout
    assert count == 1 and "1号楼" in text.decode() and "60.00" in text.decode()
