"""One person passing is one pass with its temperature, on a real camera and a real phone."""

from fangxian.accounts.models import AuditEvent
from fangxian.gate import permits
from fangxian.gate.models import Pass
from fangxian.people.models import Resident

from .camera import qr_clip
from .conftest import keeper_on_gate, wait_for_passes, wait_until


def test_a_card_held_before_the_camera_for_ten_seconds_is_one_pass(live_server, world, gate, camera_browser, tmp_path):
    code = permits.issue(world.resident(world.xiangchang), None).code
    page = camera_browser(qr_clip(code, tmp_path / "permit.y4m"))
    keeper_on_gate(page, live_server.url, gate)
    page.wait_for_selector("#verdict[data-verdict=waiting]:not([hidden])")
    page.click("#verdict .temp[data-t='36.5']")
    page.wait_for_selector("#verdict[data-verdict=admit]:not([hidden])")
    page.wait_for_timeout(10_000)  # the card stays in front of the camera
    assert page.is_visible("#repeat") and "已登记" in page.inner_text("#repeat")
    page.evaluate("() => window.fangxianGate.sync()")
    wait_for_passes(page, 1)
    page.wait_for_timeout(500)
    assert Pass.objects.count() == 1 and page.inner_text("#n-admit") == "1"
    # The same resident really passing again: the keeper says so, and takes the temperature.
    page.click("#new-passage")
    page.wait_for_selector("#verdict[data-verdict=waiting]:not([hidden])")
    page.click("#verdict .temp[data-t='36.6']")
    page.evaluate("() => window.fangxianGate.sync()")
    wait_for_passes(page, 2)
    assert sorted(str(t) for t in Pass.objects.values_list("temperature", flat=True)) == ["36.5", "36.6"]


def enter(phone, code: str) -> None:
    phone.fill("#code", code)
    phone.click("#manual button")
    phone.wait_for_selector("#verdict:not([hidden])")


def test_a_thermometer_that_failed_is_said_once_and_each_pass_holds_it(live_server, world, gate, phone):
    residents = list(Resident.objects.filter(community=world.xiangchang)[:2])
    codes = [permits.issue(r, None).code for r in residents]
    keeper_on_gate(phone, live_server.url, gate)
    phone.click("#no-temp-open")
    phone.click(".why[data-why=thermometer_failed]")
    assert "体温计失灵" in phone.inner_text("#no-temp-open")
    for code in codes:
        enter(phone, code)  # no question asked: the reason stands until a temperature is tapped
        assert phone.get_attribute("#verdict", "data-verdict") == "admit"
        assert "未测" in phone.inner_text("#verdict-temp")
        phone.eval_on_selector("#verdict", "box => box.click()")
    wait_for_passes(phone, 2)
    assert set(Pass.objects.values_list("no_temperature", "temperature")) == {("thermometer_failed", None)}
    phone.click(".temp[data-t='36.5']")
    assert "体温计失灵" not in phone.inner_text("#no-temp-open")


def test_the_last_pass_is_undone_within_the_minute_online_and_offline(live_server, world, gate, phone):
    code = permits.issue(world.resident(world.xiangchang), None).code
    keeper_on_gate(phone, live_server.url, gate)
    phone.click(".temp[data-t='37.8']")  # meant 36.8
    enter(phone, code)
    phone.eval_on_selector("#verdict", "box => box.click()")
    wait_for_passes(phone, 1)
    assert phone.inner_text("#n-fever") == "1"
    phone.click("#undo-last")
    phone.wait_for_function("() => document.getElementById('queued').textContent === '0'")
    wait_until(phone, lambda: not Pass.objects.exists(), "the pass undone")
    assert not Pass.objects.exists() and phone.inner_text("#n-fever") == "0"
    assert AuditEvent.objects.filter(action=AuditEvent.Action.PASS_UNDONE).count() == 1
    # Undone at once, then recorded as it should have been: no repeat in the way.
    phone.context.set_offline(True)
    phone.click(".temp[data-t='36.8']")
    enter(phone, code)
    phone.eval_on_selector("#verdict", "box => box.click()")
    phone.click("#undo-last")
    phone.click(".temp[data-t='36.8']")
    enter(phone, code)
    assert phone.get_attribute("#verdict", "data-verdict") == "admit"
    phone.context.set_offline(False)
    phone.evaluate("() => window.fangxianGate.sync()")
    phone.wait_for_function("() => document.getElementById('queued').textContent === '0'")
    wait_for_passes(phone, 1)
    phone.wait_for_timeout(300)
    assert [str(t) for t in Pass.objects.values_list("temperature", flat=True)] == ["36.8"]
    assert phone.inner_text("#n-admit") == "1"


def test_a_card_scanned_while_the_page_asks_a_temperature_waits_its_turn(live_server, world, gate, phone):
    first, second = (permits.issue(r, None).code for r in Resident.objects.filter(community=world.xiangchang)[:2])
    keeper_on_gate(phone, live_server.url, gate)
    enter(phone, first)
    assert phone.get_attribute("#verdict", "data-verdict") == "waiting"
    phone.fill("#code", second)  # the scanner reads the next card meanwhile
    phone.press("#code", "Enter")
    assert phone.input_value("#code") == "" and phone.is_visible("#ask-next")
    phone.click("#verdict .temp[data-t='36.5']")
    phone.wait_for_selector("#verdict[data-verdict=admit]:not([hidden])")
    phone.eval_on_selector("#verdict", "box => box.click()")
    phone.wait_for_selector("#verdict[data-verdict=waiting]:not([hidden])")  # the second card's turn
    phone.click("#verdict .temp[data-t='36.6']")
    wait_for_passes(phone, 2)
    assert sorted(str(t) for t in Pass.objects.values_list("temperature", flat=True)) == ["36.5", "36.6"]
    assert not Pass.objects.exclude(verdict="admit").exists()


def test_text_that_is_no_permit_is_said_so_and_not_recorded_as_a_forgery(live_server, world, gate, phone):
    keeper_on_gate(phone, live_server.url, gate)
    phone.click(".temp[data-t='36.5']")
    phone.fill("#code", "abc")
    phone.press("#code", "Enter")
    assert "出入证" in phone.inner_text("#manual-error") and phone.is_hidden("#verdict")
    assert phone.inner_text("#queued") == "0"


def test_a_fever_taken_again_within_the_minute_is_a_new_pass(live_server, world, gate, phone):
    code = permits.issue(world.resident(world.xiangchang), None).code
    keeper_on_gate(phone, live_server.url, gate)
    phone.click(".temp[data-t='37.8']")
    enter(phone, code)
    phone.eval_on_selector("#verdict", "box => box.click()")
    enter(phone, code)  # a few minutes later, as the verdict advised: asked again, not a repeat
    assert phone.get_attribute("#verdict", "data-verdict") == "waiting"
    phone.click("#verdict .temp[data-t='36.8']")
    wait_for_passes(phone, 2)
    assert sorted(Pass.objects.values_list("verdict", flat=True)) == ["admit", "fever"]


def test_the_keypad_writes_the_point_itself_and_can_be_left(live_server, world, gate, phone):
    keeper_on_gate(phone, live_server.url, gate)
    phone.click("#keypad-open")
    for key in "375":
        phone.click(f"#keypad button[data-k='{key}']")
    assert phone.inner_text("#keypad-value") == "37.5"
    phone.click("#keypad-ok")
    assert phone.inner_text("#keypad-open") == "37.5"
    phone.click("#keypad-open")
    phone.click("#keypad-cancel")
    assert phone.is_hidden("#keypad")


def test_why_no_temperature_was_taken_for_one_card_is_not_given_to_the_next(live_server, world, gate, phone):
    first, second = (permits.issue(r, None).code for r in Resident.objects.filter(community=world.xiangchang)[:2])
    keeper_on_gate(phone, live_server.url, gate)
    enter(phone, first)
    phone.click("#verdict #no-temp-open")
    phone.click(".why[data-why=going_out]")
    phone.wait_for_selector("#verdict[data-verdict=admit]:not([hidden])")
    phone.eval_on_selector("#verdict", "box => box.click()")
    enter(phone, second)
    assert phone.get_attribute("#verdict", "data-verdict") == "waiting"  # asked, not given "going out"
