"""A business inspection on a phone of 390 × 844: the grid worker goes through a shop's
checklist with no signal, fails one item with a photo and a date to rectify by, and the visit
syncs exactly once when the network is back; a revisit then shows only the failed item, which
passes. A visit the office refuses (its round was closed meanwhile) comes back on the phone to
be corrected, not lost."""

import datetime

import pytest
from django.utils import timezone

from fangxian.inspections import rules
from fangxian.inspections.models import Finding, Inspection, Template
from fangxian.inspections.tests.conftest import ensure_checklists, jpeg, make_business, make_round

from .conftest import shot, wait_until
from .test_registry_flows import log_in
from .test_tap_targets import no_small_targets


@pytest.fixture(autouse=True)
def checklists(world):
    ensure_checklists()


@pytest.fixture
def screen(browser):
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


def on_phone_page(page) -> None:
    page.wait_for_function("() => window.fangxianInspections?.ready && navigator.serviceWorker.controller")


def queued(page, n: int) -> None:
    page.wait_for_function(f"() => document.getElementById('queued').textContent === '{n}'")


def go_through(page, fail: str, deadline: datetime.date, photo_path) -> None:
    """Every item passes, except the one whose words are `fail`: failed with a note, a photo
    and a date."""
    for item in page.locator("#checks fieldset").all():
        if fail in item.locator("legend").inner_text():
            item.locator("input[value=fail]").check()
            item.locator("input.deadline").fill(deadline.isoformat())
            item.locator("input.note").fill("近三天未记录消毒")
            item.locator("input.photo").set_input_files(str(photo_path))
        else:
            item.locator("input[value=pass]").check()


def test_an_inspection_offline_with_a_failure_then_a_revisit(live_server, world, screen, tmp_path):
    shop = make_business(world)
    row = make_round(world, [shop])
    photo_path = tmp_path / "log.jpg"
    photo_path.write_bytes(jpeg())
    later = timezone.localdate() + datetime.timedelta(days=3)

    page = screen()
    log_in(page, live_server.url, "grid_worker")
    page.click("text=企业商户检查")
    page.click("text=手机检查")
    on_phone_page(page)
    no_small_targets(page)
    shot(page, "inspection-list")

    # In the shop, no signal: the page and the checklist come from the phone itself.
    page.context.set_offline(True)
    page.reload()
    page.wait_for_function("() => window.fangxianInspections && window.fangxianInspections.ready")
    page.locator("section.inspect-card", has_text="好邻居超市").locator("button:has-text('检查')").click()
    items = Template.current("shop").items.count()
    assert page.locator("#checks fieldset").count() == items
    page.click("button:has-text('保存检查')")
    assert "每一项都要给出结果" in page.inner_text("#visit .error")  # nothing chosen yet
    go_through(page, "有消毒记录", later, photo_path)
    no_small_targets(page)
    shot(page, "inspection-offline")
    page.click("button:has-text('保存检查')")
    queued(page, 1)
    assert "已保存在手机上" in page.inner_text("#said")
    assert Inspection.objects.count() == 0

    page.context.set_offline(False)
    page.evaluate("window.fangxianInspections.sync()")
    queued(page, 0)
    wait_until(page, lambda: Inspection.objects.count() == 1, "the visit stored")
    inspection = Inspection.objects.get()
    [failed] = inspection.findings.filter(result="fail")
    assert failed.deadline == later and failed.photo and failed.note == "近三天未记录消毒"
    assert inspection.findings.count() == items and inspection.inspector == world.users["grid_worker"]
    page.evaluate("window.fangxianInspections.sync()")  # syncing again sends nothing again
    page.wait_for_timeout(500)
    assert Inspection.objects.count() == 1 and Finding.objects.count() == items

    # Three days later, the round closed meanwhile: the revisit asks only what failed, and it passes.
    rules.close_round(row, world.users["secretary"])
    page.reload()
    on_phone_page(page)
    page.locator("section.inspect-card", has_text="好邻居超市").locator("button:has-text('复查')").click()
    assert page.locator("#checks fieldset").count() == 1 and page.locator("#round-choice").is_hidden()
    assert "有消毒记录" in page.inner_text("#checks legend")
    assert page.locator("#checks input[value=na]").is_hidden()
    page.locator("#checks input[value=pass]").check()
    page.locator("#checks input.note").fill("已补齐消毒记录")
    shot(page, "inspection-revisit")
    page.click("button:has-text('保存检查')")
    queued(page, 0)
    wait_until(page, lambda: Inspection.objects.filter(kind="revisit").exists(), "the revisit stored")
    revisit = Inspection.objects.get(kind="revisit")
    [again] = revisit.findings.all()
    assert again.rechecks == failed and again.result == "pass" and again.note == "已补齐消毒记录"
    assert not rules.to_rectify(shop).exists()
    # Nothing is left to revisit at the shop.
    page.wait_for_function(
        "() => ![...document.querySelectorAll('section.inspect-card button')].some((b) => b.textContent.includes('复查'))"
    )


def test_a_visit_the_office_refuses_comes_back_to_be_corrected(live_server, world, screen):
    shop = make_business(world)
    first = make_round(world, [shop])
    second = make_round(world, [shop])
    second.name = "复工复产检查 第二轮"
    second.save()

    page = screen()
    log_in(page, live_server.url, "community_worker")
    page.goto(f"{live_server.url}/inspections/phone/")
    on_phone_page(page)
    page.context.set_offline(True)
    page.locator("section.inspect-card", has_text="好邻居超市").first.locator("button:has-text('检查')").click()
    page.select_option("#visit select[name=round]", str(first.pk))
    for item in page.locator("#checks fieldset").all():
        item.locator("input[value=pass]").check()
    page.click("button:has-text('保存检查')")
    queued(page, 1)

    rules.close_round(first, world.users["secretary"])  # meanwhile, at the office
    page.context.set_offline(False)
    page.evaluate("window.fangxianInspections.sync()")
    page.wait_for_selector("#refused-list .refused")
    assert "这轮检查已经结束" in page.inner_text("#refused-list")
    assert Inspection.objects.count() == 0
    page.reload()  # kept on the phone until the person deals with it
    on_phone_page(page)
    page.click("#refused-list button:has-text('修改')")
    assert page.locator("#checks input[value=pass]:checked").count() == page.locator("#checks fieldset").count()
    page.select_option("#visit select[name=round]", str(second.pk))
    page.click("button:has-text('保存检查')")
    wait_until(page, lambda: Inspection.objects.filter(round=second).exists(), "the corrected visit stored")
    queued(page, 0)
    page.wait_for_function("() => !document.querySelector('#refused-list .refused')")
    assert Inspection.objects.count() == 1
