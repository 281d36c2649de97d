"""The household's own link on a cheap phone (390 × 844): the secretary gives a household its
link; the household, without an account, orders a vegetable package and asks for an errand;
the station takes the order into its pick list; a volunteer delivers it on the route page and
the household sees it delivered."""

import datetime
import subprocess

import openpyxl
import pytest
from django.utils import timezone

from fangxian.errands.models import Errand
from fangxian.gate import permits
from fangxian.stations.models import Order, Package, Round

from .conftest import shot, wait_until
from .test_registry_flows import log_in


@pytest.fixture
def phone_390(browser):
    contexts = []

    def make():
        context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield make
    for context in contexts:
        context.close()


def scanned(element, tmp_path) -> str:
    """What an independent QR reader reads off the element as the screen shows it."""
    element.screenshot(path=tmp_path / "code.png")
    read = subprocess.run(
        ["zbarimg", "-q", "--raw", "-Sdisable", "-Sqrcode.enable", tmp_path / "code.png"], capture_output=True
    )
    return read.stdout.decode().rstrip("\n")


@pytest.mark.needs("zbarimg")
def test_a_household_orders_through_its_link_the_station_picks_and_a_volunteer_delivers(
    live_server, world, phone_390, tmp_path
):
    household = world.dwelling(world.xiangchang, "1", 1, "101")
    now = timezone.now()
    row = Round.objects.create(
        community=world.xiangchang,
        name="第4期蔬菜包",
        supplier_name="新发地",
        opens_at=now - datetime.timedelta(hours=1),
        closes_at=now + datetime.timedelta(days=1),
        delivery_day=timezone.localdate() + datetime.timedelta(days=1),
    )
    package = Package.objects.create(round=row, name="蔬菜包 A", contents="白菜、土豆", price=3000, stock=10, cap=2)

    permit = permits.issue(household.residents.first(), None)
    secretary = phone_390()
    log_in(secretary, live_server.url, "secretary")
    secretary.goto(f"{live_server.url}/people/households/{household.id}/")
    secretary.click("button:has-text('给住户发放链接')")
    link = secretary.input_value("#new-link input.copy")
    assert "/h/" in link and scanned(secretary.locator("#new-link .link-qr"), tmp_path) == link
    shot(secretary, "household-link-given")

    home = phone_390()  # the household's own phone: no account
    home.goto(link)
    # The permit on the screen scans as the card does at the gate.
    assert scanned(home.locator(".permit-qr").first, tmp_path) == permit.code
    home.select_option(f"select[name=package-{package.id}]", "2")
    home.click("form.round button:has-text('下单')")
    home.wait_for_selector("text=已下单，配送日送到家门口")
    assert "蔬菜包 A × 2" in home.inner_text("#orders ~ ul.rows")
    home.click("summary:has-text('请社区代买代办')")
    home.check("input[name=kind][value=medicine]")
    home.fill("textarea[name=what]", "降压药 两盒")
    home.select_option("select[name=when]", "later")
    home.click("button:has-text('提交请求')")
    home.wait_for_selector("text=请求已送到社区")
    errand = Errand.objects.get()
    assert errand.dwelling == household and errand.via == "link"
    assert errand.code in home.inner_text(".handover-code")
    shot(home, "household-page")
    order = Order.objects.get()
    assert order.dwelling == household and order.via == "link" and order.total == 6000

    # The station's pick list names the household's door and its two packages.
    secretary.goto(f"{live_server.url}/stations/{row.id}/")
    with secretary.expect_download() as download:
        secretary.click("text=分拣单（Excel）")
    with open(download.value.path(), "rb") as saved:  # saved without a name: openpyxl reads it as a file
        sheet = openpyxl.load_workbook(saved).active
    cells = [str(c) for line in sheet.iter_rows(values_only=True) for c in line if c is not None]
    assert any("101" in c for c in cells) and "2" in cells

    volunteer = phone_390()
    log_in(volunteer, live_server.url, "volunteer")
    volunteer.goto(f"{live_server.url}/stations/{row.id}/route/")
    volunteer.wait_for_function("() => window.fangxianRoute?.ready")
    volunteer.locator(f"section.door[data-order='{order.id}'] button:has-text('已送达')").click()
    wait_until(volunteer, lambda: Order.objects.get(pk=order.pk).state == "delivered", "the order delivered")

    home.reload()
    assert "已送达" in home.inner_text("#orders ~ ul.rows")
