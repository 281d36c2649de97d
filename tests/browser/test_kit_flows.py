"""Emergency kits on a 390 × 844 phone: the secretary makes a distribution for the elderly
living alone, a volunteer hands one over with a signature drawn on the pad, and the secretary
closes the distribution once every household left waiting has its reason."""

import pytest

from fangxian.kits.models import Distribution, Recipient
from fangxian.people.models import Tag
from fangxian.supplies import ledger
from fangxian.supplies.models import Item, Movement, Store

from .conftest import shot, wait_until
from .test_csp import LISTEN
from .test_registry_flows import log_in


@pytest.fixture
def screen(browser):
    """A new 390 × 844 phone for each person; at the end, no page broke the content security
    policy or threw an error."""
    contexts = []
    refused: list[str] = []

    def open_page():
        context = browser.new_context(
            viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, locale="zh-CN"
        )
        contexts.append(context)
        context.expose_function("fangxianRefused", lambda text: refused.append(text))
        context.add_init_script(LISTEN)
        page = context.new_page()
        page.on("pageerror", lambda error: refused.append(f"{page.url}: {error}"))
        page.set_default_timeout(15_000)
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert refused == []


@pytest.fixture
def stocked(world):
    x = world.xiangchang
    office = Store.objects.create(community=x, name="社区办公室")
    items = {
        "thermometer": Item.objects.create(community=x, name="体温计", unit="支"),
        "masks": Item.objects.create(community=x, name="口罩", unit="个", pack_name="箱", pack_size=20),
        "alcohol": Item.objects.create(community=x, name="酒精", unit="斤"),
    }
    for item in items.values():
        ledger.record(
            Movement.Kind.DONATION,
            item,
            ledger.quanta(item, "10", item.pack_name or item.unit),
            to_store=office,
            donor="天桥商会",
        )
    for building, entrance, room in (("1", 1, "101"), ("1", 2, "302"), ("2", 1, "201")):
        resident = world.dwelling(x, building, entrance, room).residents.get()
        resident.tag_list = [Tag.ELDERLY_ALONE]
        resident.save()
    return office, items


def sign(page) -> None:
    """A signature drawn with the mouse, stroke by stroke, as a finger would."""
    box = page.locator("#pad").bounding_box()
    x, y = box["x"], box["y"]
    page.mouse.move(x + 30, y + 150)
    page.mouse.down()
    for dx, dy in ((60, 60), (100, 140), (150, 50), (210, 150), (260, 80), (300, 120)):
        page.mouse.move(x + dx, y + dy, steps=5)
    page.mouse.up()
    page.wait_for_function("() => window.fangxianPad && window.fangxianPad.drawn()")


def test_a_kit_distribution_from_making_to_closing(live_server, world, screen, stocked):
    office, items = stocked
    secretary = screen()
    log_in(secretary, live_server.url, "secretary")
    secretary.click("text=应急包")
    secretary.click("text=新建应急包发放")
    secretary.fill("input[name=name]", "独居老人应急包")
    secretary.select_option("select[name=store]", label="社区办公室")
    for n, (item, amount, unit) in enumerate(
        (("thermometer", "1", ""), ("masks", "0.5", "箱"), ("alcohol", "1", "斤"))
    ):
        secretary.select_option(f"select[name=item-{n}]", str(items[item].id))
        secretary.fill(f"input[name=amount-{n}]", amount)
        if unit:
            secretary.select_option(f"select[name=unit-{n}]", unit)
    secretary.check("input[name=tags][value=elderly_alone]")
    secretary.click("button:has-text('统计户数')")
    assert "将有 3 户领到应急包" in secretary.inner_text("#preview")
    shot(secretary, "kits-create-390")
    secretary.click("button:has-text('建立发放')")
    secretary.wait_for_url("**/kits/*/")
    distribution = Distribution.objects.get()
    assert "发放已建立：共 3 户待送" in secretary.content()

    volunteer = screen()
    log_in(volunteer, live_server.url, "volunteer")
    volunteer.goto(f"{live_server.url}/kits/{distribution.id}/")
    first = volunteer.locator("#pending li a").first
    first.click()
    volunteer.wait_for_url("**/kits/recipients/*/")
    assert "*" in volunteer.inner_text("main")  # the name masked, the address whole
    sign(volunteer)
    shot(volunteer, "kits-sign-390")
    volunteer.click("#handed-over")
    volunteer.wait_for_url(f"**/kits/{distribution.id}/")
    assert "应急包已发放" in volunteer.content()
    handed = Recipient.objects.get(state="handed_over")
    assert handed.how == "signature" and handed.handed_over_by == world.users["volunteer"]
    held = ledger.stock(Movement.objects.all())
    assert held[items["masks"].id, office.id] == 190 and held[items["alcohol"].id, office.id] == 4500

    secretary.reload()
    secretary.click("#close")
    secretary.click("#close-form button.primary")
    assert "还有 2 户未领到应急包" in secretary.inner_text(".message.error")
    assert Distribution.objects.get().is_open
    shot(secretary, "kits-close-refused-390")
    fields = secretary.locator("#close-form input[name^=reason-]")
    assert fields.count() == 2
    fields.nth(0).fill("住院")
    fields.nth(1).fill("去子女家住了")
    secretary.click("#close-form button.primary")
    secretary.wait_for_url(f"**/kits/{distribution.id}/")
    assert "本次发放已结束" in secretary.content()
    assert sorted(Recipient.objects.exclude(state="handed_over").values_list("reason", flat=True)) == sorted(
        ["住院", "去子女家住了"]
    )
    assert not Distribution.objects.get().is_open


def test_a_kit_handed_over_without_signal_is_sent_once_the_network_is_back(live_server, world, screen, stocked):
    from fangxian.kits import distributing

    office, items = stocked
    kit = distributing.create(
        world.xiangchang,
        "独居老人应急包",
        office,
        [distributing.ContentIn(items["thermometer"], "1", "支")],
        [Tag.ELDERLY_ALONE],
        [],
        world.users["secretary"],
    )
    volunteer = screen()
    log_in(volunteer, live_server.url, "volunteer")
    volunteer.goto(f"{live_server.url}/kits/{kit.id}/")
    volunteer.wait_for_function("() => window.fangxianKits && window.fangxianKits.ready")
    volunteer.locator("#pending li a").first.click()
    volunteer.wait_for_url("**/kits/recipients/*/")
    volunteer.wait_for_function("() => window.fangxianKits && window.fangxianKits.ready")
    volunteer.context.set_offline(True)
    sign(volunteer)
    volunteer.click("#handed-over")
    volunteer.wait_for_selector(".said:has-text('没有网络')")
    assert volunteer.locator("#handed-over").is_disabled()
    shot(volunteer, "kits-offline-390")
    assert not Recipient.objects.filter(state="handed_over").exists()

    volunteer.context.set_offline(False)
    volunteer.goto(f"{live_server.url}/kits/{kit.id}/")
    wait_until(volunteer, lambda: Recipient.objects.filter(state="handed_over").exists(), "the kept hand-over sent")
    volunteer.wait_for_selector("#kits-offline .waiting[hidden]", state="attached")
    volunteer.evaluate("() => window.fangxianKits.sync()")
    assert Recipient.objects.filter(state="handed_over").count() == 1
    assert Movement.objects.filter(kind="issue").count() == 1
