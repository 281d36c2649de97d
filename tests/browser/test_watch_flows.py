import json
import re
import uuid
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from fangxian.accounts.models import ApiToken
from fangxian.gate import permits
from fangxian.gate.models import Gate
from fangxian.watch import census, mapping, observations
from fangxian.watch.models import Observation, Visit

from .conftest import shot, wait_until
from .test_registry_flows import log_in


@pytest.fixture
def campaign(world):
    today = timezone.localdate()
    return census.create(
        world.xiangchang, "第一轮", today, today, [world.building(world.xiangchang, "1")], world.users["secretary"]
    )


def door(page, index: int):
    return page.locator("section.door").nth(index)


def test_a_grid_worker_walks_a_campaign_with_an_offline_stretch(live_server, world, campaign, phone):
    log_in(phone, live_server.url, "grid_worker")
    phone.click("text=入户排查: 第一轮")
    phone.wait_for_function("() => window.fangxianWalk?.ready && navigator.serviceWorker.controller")
    assert phone.inner_text("#total") == "12"
    door(phone, 0).locator("text=全员在家").click()
    phone.wait_for_function(
        "() => document.getElementById('queued').textContent === '0' && document.getElementById('done').textContent === '1'"
    )
    assert Visit.objects.get().outcome == "confirmed"

    phone.context.set_offline(True)  # the stairwell of the next entrance has no signal
    for index in (1, 2, 3):
        door(phone, index).locator("text=无人应答").click()
    fourth = door(phone, 4)
    fourth.locator("summary").click()
    fourth.locator("input[name=where]").fill("河北老家")
    fourth.locator("input[name=temperature]").fill("36.4")
    fourth.locator("text=登记但不在").click()
    phone.wait_for_function("() => document.getElementById('queued').textContent === '4'")
    shot(phone, "census-offline")
    phone.reload()  # still offline: the page and the list come from the phone itself
    phone.wait_for_function("() => window.fangxianWalk && window.fangxianWalk.ready")
    assert phone.inner_text("#queued") == "4" and phone.inner_text("#done") == "5"
    assert Visit.objects.count() == 1

    phone.context.set_offline(False)
    phone.evaluate("window.fangxianWalk.sync()")
    phone.wait_for_function("() => document.getElementById('queued').textContent === '0'")
    phone.reload()
    phone.wait_for_function("() => window.fangxianWalk && window.fangxianWalk.ready")
    assert Visit.objects.count() == 5 and phone.inner_text("#done") == "5"
    assert sorted(Visit.objects.values_list("outcome", flat=True)) == [
        "absent",
        "confirmed",
        "no_answer",
        "no_answer",
        "no_answer",
    ]
    assert Visit.objects.get(outcome="absent").absent["temperature"] == "36.4"


def scan(token: str, gate: Gate, code: str) -> str:
    body = {
        "gate_id": gate.id,
        "code": code,
        "temperature": 36.5,
        "client_id": str(uuid.uuid4()),
        "scanned_at": timezone.now().isoformat(),
    }
    response = Client(headers={"Authorization": f"Bearer {token}"}).post(
        "/api/v1/gate/scans", json.dumps(body), content_type="application/json"
    )
    return response.json()["verdict"]


def test_a_returnee_goes_from_arrival_to_release_notice_and_the_gate_follows(live_server, world, phone):
    gate = Gate.objects.create(community=world.xiangchang, name="南门")
    gate.keepers.add(world.users["gate_keeper"])
    resident = world.resident(world.xiangchang)
    code = permits.issue(resident, None).code
    keeper = ApiToken.issue(world.users["gate_keeper"])
    assert scan(keeper, gate, code) == "admit"

    log_in(phone, live_server.url, "health_worker")
    phone.goto(f"{live_server.url}/watch/observations/?q={resident.name}")
    phone.click("text=已返回：登记并开始观察")
    phone.fill("input[name=came_from]", "武汉")
    phone.fill("input[name=transport_number]", "G512")
    phone.click("button:has-text('开始观察')")
    phone.wait_for_url("**/watch/observations/*/")
    assert "武汉" in phone.inner_text("main") and "14" in phone.inner_text("main")
    assert scan(keeper, gate, code) == "under_observation"

    phone.click("label.temp >> text=36.5")
    phone.click("button:has-text('保存报告')")
    phone.wait_for_selector("text=报告已保存。")
    release = phone.locator("details", has=phone.locator("summary", has_text="解除"))
    release.locator("summary").click()
    release.locator("input[name=reason]").fill("核酸阴性，专家组同意")
    phone.click("button:has-text('解除并打印通知书')")
    phone.wait_for_selector("text=解除通知书")
    shot(phone, "observation-released")
    observation = Observation.objects.get()
    assert observation.notice_number and observation.arrival.came_from == "武汉" and observation.reports.count() == 1
    pdf = phone.request.get(f"{live_server.url}/watch/observations/{observation.id}/notice.pdf")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.body()[:4] == b"%PDF"
    assert scan(keeper, gate, code) == "admit"


def test_a_returnee_reports_through_the_private_link_and_the_health_worker_sees_it(live_server, world, browser, phone):
    from fangxian.watch import observations

    resident = world.resident(world.xiangchang)
    observation = observations.start(resident, "home", timezone.localdate(), None)
    # The returnee's own phone: no account, no session, only the link the grid worker sent.
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, locale="zh-CN")
    own = context.new_page()
    own.goto(f"{live_server.url}/watch/r/{observation.report_token}/")
    own.locator("label.temp", has_text="36.6").click()
    own.click("button.primary")
    own.wait_for_selector("text=已记录")
    own.reload()  # the answer is a page of its own: a reload sends nothing again
    own.wait_for_selector("text=已记录")
    assert observation.reports.get().temperature == Decimal("36.6")
    missing = own.goto(f"{live_server.url}/watch/r/not-a-token/")
    assert missing.status == 404 and "页面不存在" in own.inner_text("main")  # our own page, in Chinese
    context.close()
    log_in(phone, live_server.url, "health_worker")
    phone.goto(f"{live_server.url}/watch/observations/{observation.id}/")
    assert "36.6" in phone.inner_text("main")


def test_an_absent_household_is_checked_at_the_door_and_what_the_server_refuses_comes_back_there(
    live_server, world, campaign, phone
):
    log_in(phone, live_server.url, "grid_worker")
    phone.goto(f"{live_server.url}/watch/campaigns/{campaign.id}/walk/")
    phone.wait_for_function("() => window.fangxianWalk?.ready && navigator.serviceWorker.controller")
    phone.context.set_offline(True)  # in the stairwell: the rules came with the page
    first = door(phone, 0)
    first.locator("summary").click()
    first.locator("input[name=where]").fill("河北老家")
    first.locator("input[name=temperature]").fill("3,66")  # a slip: 3.66 °C
    first.locator("text=登记但不在").click()
    assert "34.0" in first.locator("form.absent .error").inner_text()  # the server's words, at once
    first.locator("input[name=back_on]").fill("2020-01-01")
    first.locator("text=登记但不在").click()
    assert "返回日期" in first.locator("form.absent .error").inner_text()
    first.locator("input[name=back_on]").fill("")
    assert phone.inner_text("#queued") == "0"
    first.locator("input[name=temperature]").fill("36,6")  # as a phone's keypad writes 36.6
    first.locator("text=登记但不在").click()
    phone.wait_for_function("() => document.getElementById('queued').textContent === '1'")
    # What only the server knows: the coordinator closed the campaign meanwhile.
    type(campaign).objects.filter(pk=campaign.pk).update(closed_at=timezone.now())
    phone.context.set_offline(False)
    phone.evaluate("() => window.fangxianWalk.sync()")
    phone.wait_for_selector("section.door .refused:not([hidden])")
    first = door(phone, 0)
    assert "已结束" in first.locator(".refused").inner_text() and not Visit.objects.exists()
    assert first.locator("input[name=where]").input_value() == "河北老家"  # what was typed is still there
    type(campaign).objects.filter(pk=campaign.pk).update(closed_at=None)  # reopened
    first.locator("text=登记但不在").click()
    wait_until(phone, Visit.objects.exists, "the visit stored")
    visit = Visit.objects.get()
    assert (visit.outcome, visit.absent["where"], str(visit.absent["temperature"])) == ("absent", "河北老家", "36.6")
    phone.wait_for_selector("section.door .refused:not([hidden])", state="detached")


def test_done_doors_fold_show_their_outcome_and_the_next_door_is_one_tap_away(live_server, world, campaign, phone):
    log_in(phone, live_server.url, "grid_worker")
    phone.goto(f"{live_server.url}/watch/campaigns/{campaign.id}/walk/")
    phone.wait_for_function("() => window.fangxianWalk?.ready")
    door(phone, 0).locator("text=无人应答").click()
    door(phone, 1).locator("text=空置").click()
    phone.wait_for_function("() => document.getElementById('done').textContent === '2'")
    assert door(phone, 0).locator(".taps").is_hidden() and "无人应答" in door(phone, 0).locator(".outcome").inner_text()
    door(phone, 0).locator(".open-door").click()  # opened again, it shows what was chosen
    assert door(phone, 0).locator("button.chosen").inner_text() == "无人应答"
    assert door(phone, 2).locator("button.chosen").count() == 0  # nothing looks chosen before it is
    phone.wait_for_function("() => document.getElementById('queued').textContent === '0'")  # synced, redrawn
    phone.click("#next-door")
    # The third door, the first without an outcome, at the top of the screen (read in the page:
    # a redraw after a sync replaces the nodes a locator holds).
    top = phone.evaluate("() => document.querySelectorAll('section.door')[2].getBoundingClientRect().y")
    assert -2 <= top < 200


def test_the_census_walk_in_english_writes_its_headings_and_outcomes_in_english(live_server, world, campaign, phone):
    phone.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    log_in(phone, live_server.url, "grid_worker")
    phone.goto(f"{live_server.url}/watch/campaigns/{campaign.id}/walk/")
    phone.wait_for_function("() => window.fangxianWalk?.ready")
    door(phone, 0).locator("text=No answer").click()
    phone.wait_for_function("() => document.getElementById('done').textContent === '1'")
    headings = phone.locator("#doors h2").all_inner_texts()
    assert headings == ["Building 1, entrance 1", "Building 1, entrance 2"]
    assert door(phone, 0).locator(".outcome").inner_text().startswith("no answer")
    # Names and the campaign's are data, in Chinese; what the script writes itself is not.
    written = headings + phone.locator("#doors .outcome").all_inner_texts()
    assert not [w for w in written if re.search(r"[\u3400-\u9fff]", w)]


INK_ON_FILL = """() => {
  const lum = (rgb) => {
    const [r, g, b] = rgb.match(/\\d+/g).slice(0, 3).map((v) => {
      const c = Number(v) / 255;
      return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const cells = {};
  for (const cell of document.querySelectorAll(".legend .cell, table.map .cell")) {
    const bg = lum(getComputedStyle(cell).backgroundColor);
    const status = [...cell.classList].find((c) => c.startsWith("s-")).slice(2);
    const seen = cells[status] ?? { contrast: 99, letters: [] };
    for (const text of [cell, ...cell.children]) {  // the room number, the letter, the days left
      const fg = lum(getComputedStyle(text).color);
      seen.contrast = Math.min(seen.contrast, (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05));
    }
    seen.letters = [...new Set([...seen.letters, cell.querySelector("b")?.textContent ?? ""])];
    cells[status] = seen;
  }
  return cells;
}"""


def test_the_map_on_screen_letters_each_status_legibly_on_its_colour(live_server, world, phone):
    today = timezone.localdate()
    observations.start(world.dwelling(world.xiangchang, "1", 1, "101").residents.first(), "home", today, None)
    fever = observations.start(world.dwelling(world.xiangchang, "1", 1, "102").residents.first(), "home", today, None)
    observations.report(fever, "38.2", [])  # a purple cell with its days left
    log_in(phone, live_server.url, "secretary")
    phone.goto(f"{live_server.url}/watch/map/{world.xiangchang.id}/")
    shot(phone, "epidemic-map")
    cells = phone.evaluate(INK_ON_FILL)
    assert set(cells) == set(mapping.RANK)
    assert all(c["contrast"] >= 4.5 for c in cells.values()), cells
    assert [cells[s.key]["letters"] for s in mapping.STATUSES] == [[c] for c in "确密复热观返弱空未"] + [[""]]


def test_a_half_typed_absence_survives_a_reload_and_a_door_corrected_offline_shows_its_last_outcome(
    live_server, world, campaign, phone
):
    log_in(phone, live_server.url, "grid_worker")
    phone.goto(f"{live_server.url}/watch/campaigns/{campaign.id}/walk/")
    phone.wait_for_function("() => window.fangxianWalk?.ready && navigator.serviceWorker.controller")
    phone.context.set_offline(True)
    door(phone, 0).locator("text=无人应答").click()
    door(phone, 0).locator(".open-door").click()
    door(phone, 0).locator("text=全员在家").click()
    phone.wait_for_function("() => document.getElementById('queued').textContent === '2'")
    assert door(phone, 0).locator(".outcome").inner_text().startswith("已核实")
    second = door(phone, 1)
    second.locator("summary").click()
    second.locator("input[name=where]").fill("河北老家")
    phone.wait_for_timeout(500)  # kept as a draft
    phone.reload()
    phone.wait_for_function("() => window.fangxianWalk && window.fangxianWalk.ready")
    assert door(phone, 0).locator(".outcome").inner_text().startswith("已核实")
    assert door(phone, 1).locator("input[name=where]").input_value() == "河北老家"
