"""The vegetable station on a phone (390 × 844): a secretary opens a round with a package and
takes an order by phone; a volunteer carries it on the route page, tapping "delivered" in a
stairwell without signal, and the tap is synced exactly once when the network is back. A
tap the server refuses (someone else delivered that order meanwhile) comes back on the page."""

import pytest

from fangxian.stations import ordering
from fangxian.stations.models import Order, Round

from .conftest import shot, wait_until
from .test_registry_flows import log_in


@pytest.fixture
def phone_390(browser):
    pages = []

    def make():
        context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(15_000)
        pages.append(context)
        return page

    yield make
    for context in pages:
        context.close()


def test_a_round_from_its_opening_to_a_delivery_made_offline(live_server, world, phone_390):
    secretary = phone_390()
    log_in(secretary, live_server.url, "secretary")
    secretary.click("text=便民菜站")
    secretary.click("text=新建一期")
    secretary.fill("input[name=name]", "第3期蔬菜包")
    secretary.fill("input[name=supplier_name]", "新发地农产品配送中心")
    secretary.fill("input[name=supplier_phone]", "010-67651234")
    secretary.fill("input[name=package_name]", "蔬菜包 A")
    secretary.fill("textarea[name=package_contents]", "白菜、土豆、西红柿")
    secretary.fill("input[name=package_price]", "30")
    secretary.fill("input[name=package_stock]", "100")
    secretary.fill("input[name=package_cap]", "2")
    secretary.click("button:has-text('开始本期')")
    secretary.wait_for_selector("text=本期已开始")
    row = Round.objects.get()
    package = row.packages.get()
    assert (package.price, package.stock, package.cap) == (3000, 100, 2)

    # A phone call from building 1, entrance 1, room 101: two packages.
    form = secretary.locator("form.phone-order")
    form.locator("select[name=building]").select_option(label="1号楼")
    form.locator("input[name=entrance]").fill("1")
    form.locator("input[name=room]").fill("101")
    form.locator(f"input[name=qty-{package.id}]").fill("2")
    form.locator("button:has-text('下单')").click()
    secretary.wait_for_selector("text=60.00 元")
    # A third one is beyond the cap: refused with the reason, nothing kept.
    form = secretary.locator("form.phone-order")
    form.locator("input[name=room]").fill("101")
    form.locator(f"input[name=qty-{package.id}]").fill("1")
    form.locator("button:has-text('下单')").click()
    secretary.wait_for_selector("text=每户最多 2 份，这户已订 2 份")
    shot(secretary, "station-round")
    order = Order.objects.get()
    assert order.dwelling == world.dwelling(world.xiangchang, "1", 1, "101") and order.total == 6000
    other = ordering.place(row, world.dwelling(world.xiangchang, "1", 1, "102"), {package.id: 1}, "phone")

    volunteer = phone_390()
    log_in(volunteer, live_server.url, "volunteer")
    volunteer.goto(f"{live_server.url}/stations/{row.id}/route/")
    volunteer.wait_for_function("() => window.fangxianRoute?.ready && navigator.serviceWorker.controller")
    assert volunteer.inner_text("#total") == "2"
    first = volunteer.locator(f"section.door[data-order='{order.id}']")
    assert "1号楼" in volunteer.inner_text("#doors") and "待收 60.00 元" in first.inner_text()

    volunteer.context.set_offline(True)  # the stairwell has no signal
    first.locator("button:has-text('已送达')").click()
    volunteer.locator(f"section.door[data-order='{order.id}'] button:has-text('已收款')").click()
    # Meanwhile the grid worker hands over the other order on their own phone.
    ordering.deliver(other, world.users["grid_worker"])
    volunteer.locator(f"section.door[data-order='{other.id}'] button:has-text('已送达')").click()
    volunteer.wait_for_function("() => document.getElementById('queued').textContent === '3'")
    shot(volunteer, "station-route-offline")
    volunteer.reload()  # still offline: the page and the list come from the phone itself
    volunteer.wait_for_function("() => window.fangxianRoute && window.fangxianRoute.ready")
    assert volunteer.inner_text("#queued") == "3" and volunteer.inner_text("#done") == "2"
    assert Order.objects.get(pk=order.pk).state == "placed"

    volunteer.context.set_offline(False)
    volunteer.evaluate("window.fangxianRoute.sync()")
    volunteer.wait_for_function("() => document.getElementById('queued').textContent === '0'")
    wait_until(volunteer, lambda: Order.objects.get(pk=order.pk).paid, "the order paid")
    delivered = Order.objects.get(pk=order.pk)
    assert delivered.state == "delivered" and delivered.delivered_by == world.users["volunteer"]
    assert delivered.paid_by == world.users["volunteer"] and delivered.delivered_client_id is not None
    refused = volunteer.locator(f"section.door[data-order='{other.id}'] .refused")
    refused.wait_for()
    assert "grid_worker" in refused.inner_text() and "送达未保存" in refused.inner_text()
    shot(volunteer, "station-route-synced")
    # A second sync sends nothing again: exactly once.
    volunteer.evaluate("window.fangxianRoute.sync()")
    volunteer.reload()
    volunteer.wait_for_function("() => window.fangxianRoute && window.fangxianRoute.ready")
    assert (
        volunteer.inner_text("#done") == "2"
        and Order.objects.get(pk=other.pk).delivered_by == world.users["grid_worker"]
    )
    assert "已付款" in volunteer.locator(f"section.door[data-order='{order.id}']").inner_text()

    secretary.reload()
    totals = secretary.locator("table.totals").inner_text()
    assert "90.00" in totals  # 3 packages ordered, 2 delivered, 2 paid


def test_a_delivery_tapped_offline_for_an_order_cancelled_meanwhile_is_told_not_dropped(live_server, world, phone_390):
    from fangxian.stations.tests.conftest import make_round

    row = make_round(world)
    package = row.packages.get(name="蔬菜包 A")
    order = ordering.place(row, world.dwelling(world.xiangchang, "1", 1, "101"), {package.id: 1}, "phone")
    volunteer = phone_390()
    log_in(volunteer, live_server.url, "volunteer")
    volunteer.goto(f"{live_server.url}/stations/{row.id}/route/")
    volunteer.wait_for_function("() => window.fangxianRoute?.ready && navigator.serviceWorker.controller")
    volunteer.context.set_offline(True)
    volunteer.locator(f"section.door[data-order='{order.id}'] button:has-text('已送达')").click()
    volunteer.wait_for_function("() => document.getElementById('queued').textContent === '1'")
    ordering.cancel(order, world.users["secretary"])  # the household called the office meanwhile
    volunteer.context.set_offline(False)
    volunteer.evaluate("window.fangxianRoute.sync()")
    told = volunteer.locator("#gone .refused")
    told.wait_for()
    assert f"#{order.id}" in told.inner_text() and "送达未保存" in told.inner_text()
    assert volunteer.locator(f"section.door[data-order='{order.id}']").count() == 0
    told.locator("button.drop").click()  # read, and the office told
    volunteer.wait_for_function("() => !document.querySelector('#gone .refused')")
