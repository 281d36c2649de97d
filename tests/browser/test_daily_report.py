"""The daily report on a phone of 390 × 844 in Chinese: Xiangchang Road's secretary checks the
figures the system pre-filled, corrects one and submits; the street office then sees one
community reported and Yong'an Road missing, never counted as a zero."""

import datetime

from fangxian.reports.models import DailyReport, Deadline
from fangxian.supplies.models import Item

from .conftest import shot
from .test_registry_flows import log_in
from .test_tap_targets import no_small_targets
from .test_whistle_flows import fits


def test_a_secretary_submits_and_the_street_sees_who_is_missing(live_server, world, screen):
    # The deadline passed at midnight: whoever has not reported today is missing already.
    Deadline.objects.create(street=world.tianqiao, due=datetime.time(0, 0))
    Item.objects.create(community=world.xiangchang, name="口罩", unit="个", minimum=500)

    secretary = screen()
    log_in(secretary, live_server.url, "secretary")
    secretary.goto(f"{live_server.url}/daily-reports/communities/{world.xiangchang.id}/")
    assert secretary.input_value("input[name=supplies_short]") == "1"  # from the supplies ledger
    fits(secretary)
    no_small_targets(secretary)
    secretary.fill("input[name=samples]", "abc")
    secretary.fill("input[name=gate_fevers]", "2")
    secretary.fill("textarea[name=notes]", "东门两人体温复测正常")
    secretary.click("#report-form button.primary")
    # The browser's own check refuses letters in a figure: nothing is sent, nothing saved.
    assert not DailyReport.objects.exists()
    secretary.fill("input[name=samples]", "0")
    secretary.click("#report-form button.primary")
    secretary.wait_for_selector(".message.success")
    assert "日报已报送" in secretary.inner_text(".message.success")
    assert "第 1 版" in secretary.inner_text("#report")
    shot(secretary, "daily-report-submitted")
    version = DailyReport.objects.get(community=world.xiangchang).versions.get()
    assert version.figures["gate_fevers"] == 2 and version.prefilled["gate_fevers"] == 0
    assert version.notes == "东门两人体温复测正常"

    street = screen()
    log_in(street, live_server.url, "street_admin")
    street.goto(f"{live_server.url}/daily-reports/")
    summary = street.inner_text("#summary")
    assert "应报 2 个社区，已报 1 个" in summary and "未报 1 个" in summary
    assert "迟报" in street.inner_text(f"li[data-community='{world.xiangchang.id}']")
    assert "未报" in street.inner_text(f"li[data-community='{world.yongan.id}']")
    missing_row = street.inner_text(f"#street-{world.tianqiao.id} tr.missing")
    assert "永安路社区" in missing_row and "0" not in missing_row
    fits(street)
    no_small_targets(street)
    shot(street, "daily-report-street")
