"""A health worker's phone: the lab's file with a positive pool, previewed and applied; the
recall list; the gate holding a member offline; the single negative result releasing them."""

from __future__ import annotations

from django.utils import timezone

from conftest import PASSWORD
from fangxian.gate import permits
from fangxian.people.models import Resident
from fangxian.testing.models import Recall
from fangxian.testing.tests.lab import campaign, csv_file, residents_of, tube, when

from .conftest import keeper_on_gate, shot


def log_in(page, base: str, username: str, then: str) -> None:
    page.goto(f"{base}/login/?next={then}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button.primary")
    page.wait_for_url(f"**{then}")


def upload(page, base: str, name: str, data: bytes) -> None:
    page.goto(f"{base}/testing/results/")
    page.set_input_files("input[type=file]", files=[{"name": name, "mimeType": "text/csv", "buffer": data}])
    page.click("#check-results")
    page.wait_for_selector("#apply-results")
    shot(page, f"results-preview-{name}")
    page.click("#apply-results")
    page.wait_for_selector("#applied")


def test_a_positive_pool_is_recalled_held_at_the_gate_and_released_by_its_single_result(
    live_server, world, gate, browser
):
    camp = campaign(world.xiangchang)
    people = residents_of(world.xiangchang, 20)
    tube(camp, "XC0001", people[:10])
    tube(camp, "XC0002", people[10:])
    member = people[12]
    code = permits.issue(member, None).code
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, live_server.url, "health_worker", "/testing/results/")
    upload(page, live_server.url, "lab.csv", csv_file([("XC0001", "阴性", when(2)), ("XC0002", "阳性", when(2))]))
    assert "10" in page.inner_text("#applied")
    page.click("text=打开复检名单")
    page.wait_for_selector("#recall-progress")
    listed = page.inner_text("main")
    assert member.name in listed and member.phone not in listed and "10" in page.inner_text("#recall-progress")
    shot(page, "recall-list")
    assert Resident.objects.get(pk=member.pk).awaiting_retest

    keeper = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, locale="zh-CN")
    gate_page = keeper.new_page()
    gate_page.set_default_timeout(15_000)
    keeper_on_gate(gate_page, live_server.url, gate)
    gate_page.context.set_offline(True)  # held by the bundle, with the network gone
    gate_page.fill("#code", code)
    gate_page.click("#manual button")
    gate_page.wait_for_selector("#verdict[data-verdict=awaiting_retest]:not([hidden])")
    assert "待复检" in gate_page.inner_text("#verdict-word")
    shot(gate_page, "gate-awaiting-retest")
    keeper.close()

    tube(camp, "S0001", [member], sampled_at=timezone.now())  # swabbed after the recall
    upload(page, live_server.url, "single.csv", csv_file([("S0001", "阴性", when(0.5))]))
    assert not Resident.objects.get(pk=member.pk).awaiting_retest
    assert Recall.objects.get(resident=member).outcome == "negative"
    page.goto(f"{live_server.url}/testing/recalls/?show=pending")
    assert member.name not in page.inner_text("main")
    context.close()
