"""A mass-testing day end to end, on phones of 390 × 844 in Chinese: a household books a slot
through its link; a volunteer at the table loses the signal and swabs the household and its
neighbours into one 10-in-1 tube; the lab's file comes back positive; the health worker sees
the recall list and the keeper's gate holds a member; the single retests come back negative
and the hold is gone; the secretary submits the day's report and the street sees which
community is missing."""

from __future__ import annotations

import datetime

from django.utils import timezone

from fangxian.gate import permits
from fangxian.people.models import HouseholdLink, Resident
from fangxian.reports.models import Deadline
from fangxian.testing import campaigns, sampling
from fangxian.testing.models import Booking, Recall, Sample, Tube
from fangxian.testing.tests.lab import csv_file, when
from fangxian.testing.tests.table_fixtures import registration

from .conftest import keeper_on_gate, shot, wait_until
from .test_registry_flows import log_in
from .test_testing_results import upload


def scan_at_gate(page, code: str) -> str:
    page.fill("#code", code)
    page.click("#manual button")
    page.wait_for_selector("#verdict:not([hidden])")
    if page.get_attribute("#verdict", "data-verdict") == "waiting":  # admitted once a temperature is taken
        page.click("#verdict .temp[data-t='36.5']")
        page.wait_for_selector("#verdict:not([data-verdict=waiting]):not([hidden])")
    verdict = page.get_attribute("#verdict", "data-verdict")
    page.eval_on_selector("#verdict", "box => box.click()")  # dismissed, even if it has closed itself meanwhile
    return verdict


def test_booked_swabbed_offline_recalled_held_released_and_reported(live_server, world, gate, screen):
    now = timezone.now()
    campaign = campaigns.create(
        world.xiangchang, "全员核酸第一轮", now - datetime.timedelta(hours=1), now + datetime.timedelta(hours=10), 10
    )
    site = campaigns.add_site(campaign, "2号楼前广场")
    campaigns.add_slots(site, now + datetime.timedelta(hours=1), now + datetime.timedelta(hours=3), 60, 20)
    dwelling = world.dwelling(world.xiangchang, "1", 1, "101")
    household = list(Resident.objects.filter(dwelling=dwelling).order_by("id"))
    neighbours = list(Resident.objects.filter(community=world.xiangchang).exclude(dwelling=dwelling).order_by("id"))
    pool = (household + neighbours)[:10]
    member = household[0]
    code = permits.issue(member, None).code

    # The household books through its own link, without an account.
    link = HouseholdLink.objects.create(dwelling=dwelling)
    home = screen()
    home.goto(f"{live_server.url}/h/{link.token}/")
    home.click("a:has-text('预约时间')")
    home.wait_for_selector("h1:has-text('预约核酸检测')")
    home.select_option("select[name=slot]", index=0)
    home.click("button.primary:has-text('预约')")
    home.wait_for_selector("text=已预约：请按时带出入证或身份证到采样点")
    assert Booking.objects.filter(campaign=campaign, via=Booking.Via.LINK).count() == len(household)

    # The volunteer's table loses the signal and swabs ten people into one tube.
    table = screen()
    log_in(table, live_server.url, "volunteer")
    table.goto(f"{live_server.url}/testing/table/")
    table.wait_for_function("() => window.fangxianTable?.ready && navigator.serviceWorker.controller")
    table.context.set_offline(True)
    table.reload()
    table.wait_for_function("() => window.fangxianTable?.ready")
    table.fill("#tube", "XC100001")
    table.press("#tube", "Enter")
    for n, person in enumerate(pool, start=1):
        table.fill("#id-number", person.id_number)
        table.click("#id-form button")
        table.wait_for_function(f"() => document.getElementById('queued').textContent === '{n}'")
    table.wait_for_function("() => document.getElementById('said').textContent.includes('管已满并封管')")
    assert not Sample.objects.filter(campaign=campaign).exists()
    table.context.set_offline(False)
    table.evaluate("() => window.fangxianTable.sync()")
    wait_until(table, lambda: Sample.objects.filter(tube__barcode="XC100001").count() == 10, "the ten swabs stored")
    table.wait_for_function("() => document.getElementById('queued').textContent === '0'")
    assert Tube.objects.get(barcode="XC100001").status == Tube.Status.CLOSED

    # The lab's file: the pool is positive. Its ten are recalled and held.
    health = screen()
    log_in(health, live_server.url, "health_worker")
    upload(health, live_server.url, "lab.csv", csv_file([("XC100001", "阳性", when(0.5))]))
    health.goto(f"{live_server.url}/testing/recalls/?show=pending")
    health.wait_for_selector("#recall-progress")
    listed = health.inner_text("main")
    assert all(p.name in listed for p in pool) and member.phone not in listed
    shot(health, "day-recall-list")
    assert Recall.objects.filter(campaign=campaign, outcome="pending").count() == 10

    keeper = screen()
    keeper_on_gate(keeper, live_server.url, gate)
    assert scan_at_gate(keeper, code) == "awaiting_retest"
    assert "待复检" in keeper.inner_text("#verdict-word")
    shot(keeper, "day-gate-hold")

    # Single retests at the table, then the lab's single results: all negative, all released.
    retests = [registration(f"XS{n:06d}", p.id_number) for n, p in enumerate(pool)]
    assert all(a["accepted"] and a["retest"] for a in sampling.register(campaign, retests, None))
    upload(health, live_server.url, "single.csv", csv_file([(r.tube, "阴性", when(0.1)) for r in retests]))
    assert not Resident.objects.filter(pk__in=[p.pk for p in pool], awaiting_retest=True).exists()
    health.goto(f"{live_server.url}/testing/recalls/?show=pending")
    assert member.name not in health.inner_text("main")
    keeper.reload()  # the trust bundle again, without the hold
    keeper.wait_for_function("() => window.fangxianGate?.ready")
    assert scan_at_gate(keeper, code) == "admit"

    # The day's report: Xiangchang Road's secretary submits it; Yong'an Road has not.
    Deadline.objects.create(street=world.tianqiao, due=datetime.time(0, 0))
    secretary = screen()
    log_in(secretary, live_server.url, "secretary")
    secretary.goto(f"{live_server.url}/daily-reports/communities/{world.xiangchang.id}/")
    assert int(secretary.input_value("input[name=samples]")) == 20  # the pool and the retests
    secretary.click("#report-form button.primary")
    secretary.wait_for_selector(".message.success")
    street = screen()
    log_in(street, live_server.url, "street_admin")
    street.goto(f"{live_server.url}/daily-reports/")
    summary = street.inner_text("#summary")
    assert "应报 2 个社区，已报 1 个" in summary and "未报 1 个" in summary
    assert "未报" in street.inner_text(f"li[data-community='{world.yongan.id}']")
    shot(street, "day-street-reports")
