"""An errand from a phone call to delivery, on phones of 390 × 844: a community worker takes
the call, a volunteer claims it on the phone page, delivers it offline with the household's
code, and the delivery syncs exactly once when the network is back; a second volunteer who
tapped the same errand is told who has it."""

import pytest
from django.contrib.auth import get_user_model

from conftest import PASSWORD
from fangxian.accounts.models import Role
from fangxian.errands.models import Errand

from .conftest import shot, wait_until
from .test_registry_flows import log_in


@pytest.fixture
def screen(browser):
    """A phone of 390 × 844, one context (one person) per call."""
    contexts = []

    def make():
        context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield make
    for context in contexts:
        context.close()


def on_phone_page(page, base: str) -> None:
    page.goto(f"{base}/errands/mine/")
    page.wait_for_function("() => window.fangxianErrands?.ready && navigator.serviceWorker.controller")


def card(page, what: str):
    return page.locator("section.errand-card", has_text=what)


def test_an_errand_from_a_phone_call_to_delivery(live_server, world, screen):
    second = get_user_model().objects.create_user(username="volunteer2", password=PASSWORD)
    Role.objects.create(user=second, kind=Role.Kind.VOLUNTEER, community=world.xiangchang)

    # The community worker takes the call: building 1, entrance 1, room 102.
    office = screen()
    log_in(office, live_server.url, "community_worker")
    office.click("text=代买代办")
    office.click("text=接电话登记")
    office.select_option("select[name=building]", label="1号楼")
    office.fill("input[name=entrance]", "1")
    office.fill("input[name=room]", "102")
    office.click("button:has-text('找到这一户')")
    office.check("input[name=kind][value=medicine]")
    office.fill("textarea[name=what]", "硝苯地平控释片 两盒")
    office.check("input[name=urgency][value=urgent]")
    office.click("button:has-text('登记代办')")
    office.wait_for_url("**/errands/*/")
    errand = Errand.objects.get()
    assert errand.via == "phone" and errand.taken_by == world.users["community_worker"]
    assert errand.code in office.inner_text(".message.success") and errand.code in office.inner_text(".code-shown")
    shot(office, "errand-taken")

    # Two volunteers open their phone pages; the errand is open for both.
    first = screen()
    log_in(first, live_server.url, "volunteer")
    on_phone_page(first, live_server.url)
    other = screen()
    log_in(other, live_server.url, "volunteer2")
    on_phone_page(other, live_server.url)
    assert card(other, "硝苯地平").locator("form.claim").is_visible()
    assert "*" in card(first, "硝苯地平").locator(".person").inner_text()  # names masked for volunteers

    card(first, "硝苯地平").locator("text=我来接单").click()
    first.wait_for_function("() => document.getElementById('queued').textContent === '0'")
    wait_until(first, lambda: Errand.objects.filter(state="claimed").exists(), "the claim stored")
    assert Errand.objects.get().claimed_by == world.users["volunteer"]

    # The second volunteer's list was drawn before the claim: their tap is refused and told.
    card(other, "硝苯地平").locator("text=我来接单").click()
    other.wait_for_selector("section.errand-card .refused:not([hidden])")
    assert "volunteer 已经接了这单" in other.inner_text("section.errand-card .refused")
    shot(other, "errand-claim-refused")
    other.reload()  # what was refused stays on the page until the person has read it
    other.wait_for_function("() => window.fangxianErrands?.ready")
    other.wait_for_selector("section.errand-card .refused:not([hidden])")
    other.click("text=知道了")
    other.wait_for_function("() => !document.querySelector('section.errand-card .refused:not([hidden])')")

    # The stairwell has no signal: the first volunteer delivers offline with the household's code.
    first.context.set_offline(True)
    first.reload()  # the page and the list come from the phone itself
    first.wait_for_function("() => window.fangxianErrands && window.fangxianErrands.ready")
    mine = card(first, "硝苯地平")
    mine.locator("input[name=code]").fill(errand.code)
    mine.locator("input[name=advanced]").fill("36.80")
    mine.locator("button:has-text('已送达')").click()
    first.wait_for_function("() => document.getElementById('queued').textContent === '1'")
    shot(first, "errand-delivered-offline")
    assert Errand.objects.get().state == "claimed"

    first.context.set_offline(False)
    first.evaluate("window.fangxianErrands.sync()")
    first.wait_for_function("() => document.getElementById('queued').textContent === '0'")
    wait_until(first, lambda: Errand.objects.filter(state="delivered").exists(), "the delivery stored")
    delivered = Errand.objects.get()
    assert delivered.delivered_by == world.users["volunteer"] and delivered.handover == "code"
    assert delivered.advanced == 3680 and delivered.deliver_client_id is not None
    first.evaluate("window.fangxianErrands.sync()")  # syncing again sends nothing again
    first.wait_for_timeout(500)
    again = Errand.objects.get()
    assert again.delivered_at == delivered.delivered_at and Errand.objects.count() == 1

    # The office sees who delivered and the money advanced.
    office.reload()
    assert "已送达" in office.inner_text("h1") and "36.80" in office.inner_text("main")


def test_a_wrong_code_typed_offline_comes_back_on_the_card(live_server, world, screen):
    from django.utils import timezone

    from fangxian.errands import requests

    errand = requests.ask(
        world.dwelling(world.xiangchang),
        None,
        "groceries",
        "大米 10斤",
        "normal",
        timezone.now() + timezone.timedelta(hours=2),
        "phone",
        world.users["secretary"],
    )
    requests.claim(errand, world.users["volunteer"])
    page = screen()
    log_in(page, live_server.url, "volunteer")
    on_phone_page(page, live_server.url)
    page.context.set_offline(True)
    mine = card(page, "大米")
    mine.locator("input[name=code]").fill("0000" if errand.code != "0000" else "1111")
    mine.locator("button:has-text('已送达')").click()
    page.wait_for_function("() => document.getElementById('queued').textContent === '1'")
    page.context.set_offline(False)
    page.evaluate("window.fangxianErrands.sync()")
    page.wait_for_selector("section.errand-card .refused:not([hidden])")
    told = page.inner_text("section.errand-card .refused")
    assert "取件码不对" in told and "如果东西已经交给住户，请告诉社区" in told
    assert page.inner_text("#queued") == "0" and Errand.objects.get().state == "claimed"
    # Still theirs to deliver, with the right code this time; the wrong code's word then goes.
    mine = card(page, "大米")
    mine.locator("input[name=code]").fill(errand.code)
    mine.locator("button:has-text('已送达')").click()
    wait_until(page, lambda: Errand.objects.filter(state="delivered").exists(), "the delivery stored")
    page.wait_for_function("() => !document.querySelector('section.errand-card .refused:not([hidden])')")


@pytest.mark.parametrize(
    "actor, path",
    [("volunteer", "/errands/mine/"), ("grid_worker", "/errands/"), ("secretary", "/errands/new/?building=B&room=101")],
)
def test_the_errand_pages_have_no_small_targets(live_server, world, screen, actor, path):
    from django.utils import timezone

    from fangxian.errands import requests

    from .test_tap_targets import no_small_targets

    dwelling = world.dwelling(world.xiangchang)
    mine = requests.ask(
        dwelling, None, "medicine", "药", "urgent", timezone.now() + timezone.timedelta(hours=1), "phone"
    )
    requests.claim(mine, world.users["volunteer"])
    requests.ask(dwelling, None, "groceries", "菜", "normal", timezone.now() + timezone.timedelta(hours=3), "phone")
    page = screen()
    log_in(page, live_server.url, actor)
    page.goto(live_server.url + path.replace("B", str(dwelling.building_id)))
    if path.startswith("/errands/mine/"):
        page.wait_for_function("() => window.fangxianErrands?.ready")
    no_small_targets(page)
    if actor == "grid_worker":
        page.goto(f"{live_server.url}/errands/{mine.id}/")
        no_small_targets(page)


def test_a_photo_at_the_door_taken_offline_is_shrunk_and_synced(live_server, world, screen, tmp_path):
    import io

    from django.utils import timezone
    from PIL import Image

    from fangxian.errands import requests
    from fangxian.people.models import Resident

    dwelling = world.dwelling(world.xiangchang)
    Resident.objects.filter(dwelling=dwelling).update(under_observation=True)
    errand = requests.ask(
        dwelling, None, "medicine", "退烧药", "urgent", timezone.now() + timezone.timedelta(hours=1), "phone"
    )
    requests.claim(errand, world.users["volunteer"])
    photo = tmp_path / "door.jpg"
    raw = io.BytesIO()
    Image.new("RGB", (4000, 3000), "orange").save(raw, format="JPEG")
    photo.write_bytes(raw.getvalue())
    page = screen()
    log_in(page, live_server.url, "volunteer")
    on_phone_page(page, live_server.url)
    mine = card(page, "退烧药")
    assert mine.locator(".door-only").is_visible()  # said large: door delivery only
    page.context.set_offline(True)
    mine.locator("input[name=photo]").set_input_files(str(photo))
    mine.locator("button:has-text('已送达')").click()
    # The phone shrinks a 12-megapixel photo before it queues it: slow on a busy machine.
    page.wait_for_function("() => document.getElementById('queued').textContent === '1'", timeout=40_000)
    page.context.set_offline(False)
    page.evaluate("window.fangxianErrands.sync()")
    wait_until(page, lambda: Errand.objects.filter(state="delivered").exists(), "the delivery stored")
    delivered = Errand.objects.get()
    assert delivered.handover == "photo" and delivered.door_only
    assert max(Image.open(delivered.photo.open("rb")).size) == 600


def test_taps_made_while_logged_out_wait_for_a_new_log_in(live_server, world, screen):
    from django.utils import timezone

    from fangxian.errands import requests

    requests.ask(
        world.dwelling(world.xiangchang),
        None,
        "bill",
        "交水费",
        "normal",
        timezone.now() + timezone.timedelta(hours=5),
        "phone",
    )
    page = screen()
    log_in(page, live_server.url, "volunteer")
    on_phone_page(page, live_server.url)
    page.context.set_offline(True)
    card(page, "交水费").locator("text=我来接单").click()
    page.wait_for_function("() => document.getElementById('queued').textContent === '1'")
    page.context.clear_cookies()  # the session ended while the phone was offline
    page.context.set_offline(False)
    page.evaluate("window.fangxianErrands.sync()")
    page.wait_for_selector("section.errand-card .refused:not([hidden])")
    assert "重新登录" in page.inner_text("section.errand-card .refused") and page.inner_text("#queued") == "1"
    assert Errand.objects.get().state == "open"
    log_in(page, live_server.url, "volunteer")
    on_phone_page(page, live_server.url)
    wait_until(page, lambda: Errand.objects.filter(state="claimed").exists(), "the claim stored after the log-in")
    page.wait_for_function("() => document.getElementById('queued').textContent === '0'")
    page.wait_for_function("() => !document.querySelector('section.errand-card .refused:not([hidden])')")


def test_the_phone_page_tells_times_by_the_communitys_clock_whatever_the_phones(live_server, world, browser):
    from django.utils import timezone

    from fangxian.errands import requests

    needed = timezone.now() + timezone.timedelta(hours=3)
    requests.ask(world.dwelling(world.xiangchang), None, "groceries", "挂面", "normal", needed, "phone")
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN", timezone_id="America/New_York"
    )
    page = context.new_page()
    log_in(page, live_server.url, "volunteer")
    on_phone_page(page, live_server.url)
    assert timezone.localtime(needed).strftime("%m-%d %H:%M") in card(page, "挂面").inner_text()
    context.close()
