"""Cold hands and gloves: every interactive element on the field pages is at least 44 x 44
CSS px at 390 x 844 (for a checkbox or radio, the label that holds it counts)."""

import pytest
from django.utils import timezone

from fangxian.watch import census, observations

from .conftest import keeper_on_gate
from .test_registry_flows import log_in

# Every interactive element's size (for a checkbox or radio, its label's): those under 44 x 44,
# and the smallest of all, printed for the record (`pytest -s`).
TARGETS = """() => {
  const small = [];
  let least = null;
  for (const el of document.querySelectorAll("button, select, summary, input, a[href]")) {
    if (el.type === "hidden" || !el.offsetParent) continue;
    const target = (el.type === "checkbox" || el.type === "radio") ? (el.closest("label") || el) : el;
    const box = target.getBoundingClientRect();
    const what = `${el.tagName.toLowerCase()} "${(el.textContent || el.name || "").trim().slice(0, 20)}" ${Math.round(box.width)}x${Math.round(box.height)}`;
    if (box.width < 44 || box.height < 44) small.push(what);
    const side = Math.min(box.width, box.height);
    if (!least || side < least.side) least = { side, what };
  }
  return { small, least };
}"""


def no_small_targets(page) -> None:
    found = page.evaluate(TARGETS)
    print(page.url, "smallest:", found["least"])
    assert found["small"] == []


@pytest.fixture
def field_phone(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def test_the_gate_page_has_no_small_targets(live_server, world, gate, field_phone):  # noqa: F811
    keeper_on_gate(field_phone, live_server.url, gate)
    field_phone.click("#visitor-open")
    no_small_targets(field_phone)


def test_the_gate_controls_that_come_and_go_have_no_small_targets(live_server, world, gate, field_phone):
    from fangxian.gate import permits

    code = permits.issue(world.resident(world.xiangchang), None).code
    keeper_on_gate(field_phone, live_server.url, gate)
    field_phone.click("#no-temp-open")
    no_small_targets(field_phone)  # why no temperature was taken
    field_phone.click("#no-temp .close")
    field_phone.fill("#code", code)
    field_phone.press("#code", "Enter")
    field_phone.wait_for_selector("#verdict[data-verdict=waiting]:not([hidden])")
    no_small_targets(field_phone)  # the verdict that waits for the temperature
    field_phone.click("#verdict .temp[data-t='36.5']")
    # The keeper sees the pass recorded before the next card; dismissing the box sooner would
    # race the recording and scan the card as a first passage.
    field_phone.wait_for_selector("#verdict[data-verdict=admit]:not([hidden])")
    field_phone.eval_on_selector("#verdict", "box => box.click()")
    field_phone.fill("#code", code)
    field_phone.press("#code", "Enter")
    field_phone.wait_for_selector("#repeat:not([hidden])")
    assert field_phone.is_visible("#undo")
    no_small_targets(field_phone)  # undo, and "a new passage"


def test_the_census_walk_has_no_small_targets(live_server, world, field_phone):
    today = timezone.localdate()
    census.create(world.xiangchang, "第一轮", today, today, [world.building(world.xiangchang, "1")], None)
    log_in(field_phone, live_server.url, "grid_worker")
    field_phone.click("text=入户排查: 第一轮")
    field_phone.wait_for_function("() => window.fangxianWalk?.ready")
    field_phone.locator("section.door summary").first.click()
    no_small_targets(field_phone)


@pytest.mark.parametrize(
    "actor, path",
    [
        ("health_worker", "/"),
        ("health_worker", "/watch/observations/"),
        ("grid_worker", "/"),
        ("volunteer", "/duty/mine/"),
    ],
)
def test_the_field_pages_have_no_small_targets(live_server, world, field_phone, actor, path):
    resident = world.resident(world.xiangchang)
    observation = observations.start(resident, "home", timezone.localdate(), None)
    observations.report(observation, "38.2", ["cough"])
    log_in(field_phone, live_server.url, actor)
    field_phone.goto(live_server.url + path)
    no_small_targets(field_phone)


def test_the_private_report_link_has_no_small_targets(live_server, world, field_phone):
    observation = observations.start(world.resident(world.xiangchang), "home", timezone.localdate(), None)
    field_phone.goto(f"{live_server.url}/watch/r/{observation.report_token}/")
    no_small_targets(field_phone)
