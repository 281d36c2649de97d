from decimal import Decimal

from fangxian.gate import permits
from fangxian.gate.models import Pass
from fangxian.lib import base45
from fangxian.people.models import Resident

from .camera import qr_clip
from .conftest import keeper_on_gate, shot, wait_for_passes


def tampered(code: str) -> str:
    raw = bytearray(base45.decode(code[4:]))
    raw[-10] ^= 0x01  # inside the signature
    return "FX1:" + base45.encode(bytes(raw))


def test_a_printed_permit_on_camera_is_admitted_and_a_tampered_copy_is_forged(
    live_server, world, gate, camera_browser, tmp_path
):
    code = permits.issue(world.resident(world.xiangchang), world.users["secretary"]).code
    page = camera_browser(qr_clip(code, tmp_path / "permit.y4m"))
    keeper_on_gate(page, live_server.url, gate)
    # Seen before a temperature was tapped: the verdict waits for it, one tap records the pass.
    page.wait_for_selector("#verdict[data-verdict=waiting]:not([hidden])")
    page.click("#verdict .temp[data-t='36.5']")
    page.wait_for_selector("#verdict[data-verdict=admit]:not([hidden])")
    assert "放行" in page.inner_text("#verdict-word") and "36.5" in page.inner_text("#verdict-temp")
    shot(page, "gate-admit")
    page.wait_for_function("() => document.getElementById('queued').textContent === '0'")
    page.close()  # the card leaves the camera: this phone records nothing more
    page = camera_browser(qr_clip(tampered(code), tmp_path / "forged.y4m"))
    keeper_on_gate(page, live_server.url, gate)
    page.wait_for_selector("#verdict[data-verdict=forged]:not([hidden])")
    assert "伪造" in page.inner_text("#verdict-word")
    page.wait_for_function("() => document.getElementById('queued').textContent === '0'")
    assert sorted(Pass.objects.values_list("verdict", flat=True)) == ["admit", "forged"]


def test_twenty_offline_scans_sync_exactly_once_despite_a_cut_and_a_reload(live_server, world, gate, phone):
    codes = [
        permits.issue(r, None).code
        for r in Resident.objects.filter(community__in=[world.xiangchang, world.yongan])[:20]
    ]
    keeper_on_gate(phone, live_server.url, gate)
    phone.context.set_offline(True)
    for code in codes:
        phone.click(".temp[data-t='36.5']")
        phone.fill("#code", code)
        phone.click("#manual button")
        phone.wait_for_selector("#verdict:not([hidden])")
        phone.eval_on_selector("#verdict", "box => box.click()")  # dismissed, even if it has closed itself meanwhile
    assert phone.inner_text("#queued") == "20"
    assert Pass.objects.count() == 0
    shot(phone, "gate-offline")
    phone.reload()  # offline: the service worker serves the page, IndexedDB keeps the queue
    phone.wait_for_function("() => window.fangxianGate && window.fangxianGate.ready")
    assert phone.inner_text("#queued") == "20"
    cut = []

    def store_then_cut(route):
        route.fetch()  # the server stores the batch...
        cut.append(True)
        route.abort()  # ...and the answer never reaches the phone

    phone.route("**/api/v1/gate/scans/batch", store_then_cut)
    phone.context.set_offline(False)
    phone.wait_for_function("() => true")
    phone.evaluate("window.fangxianGate.sync()")
    phone.wait_for_timeout(500)
    assert cut and Pass.objects.count() == 20
    assert phone.inner_text("#queued") == "20"  # unanswered, so still queued
    phone.unroute("**/api/v1/gate/scans/batch")
    phone.reload()
    phone.wait_for_function("() => document.getElementById('queued').textContent === '0'")
    assert Pass.objects.count() == 20
    assert Pass.objects.filter(verdict="admit").count() == 20


def test_in_browser_verification_takes_under_5_ms(live_server, world, gate, phone):
    code = permits.issue(world.resident(world.xiangchang), None).code
    keeper_on_gate(phone, live_server.url, gate)
    ms = phone.evaluate(
        """async (code) => { const n = 200; const t0 = performance.now();
           for (let i = 0; i < n; i++) { const r = await window.fangxianGate.judge(code, null); if (r.verdict !== 'admit') throw new Error(r.verdict); }
           return (performance.now() - t0) / n; }""",
        code,
    )
    print(f"in-browser decode + verify: {ms:.3f} ms per code")
    assert ms < 5


def test_a_typed_permit_number_is_checked_online_and_refused_offline(live_server, world, gate, phone):
    row = permits.issue(world.resident(world.xiangchang), None)
    keeper_on_gate(phone, live_server.url, gate)
    phone.fill("#code", str(row.id))
    phone.click("#manual button")
    assert "体温" in phone.inner_text("#manual-error")  # a number alone is no pass: its temperature first
    phone.click(".temp[data-t='36.5']")
    phone.fill("#code", str(row.id))
    phone.click("#manual button")
    phone.wait_for_selector("#verdict[data-verdict=admit]:not([hidden])")
    assert "香厂路社区" in phone.inner_text("#verdict-holder")  # the issuer as people know it, not 110102015001
    phone.eval_on_selector("#verdict", "box => box.click()")
    phone.context.set_offline(True)
    phone.fill("#code", str(row.id))
    phone.click("#manual button")
    phone.wait_for_selector("#verdict:not([hidden])")
    assert "联网" in phone.inner_text("#verdict-word")
    assert Pass.objects.filter(permit=row).count() == 1


def test_an_offline_gate_stops_a_resident_under_observation(live_server, world, gate, phone):
    from django.utils import timezone

    from fangxian.watch import observations

    resident = world.resident(world.xiangchang)
    code = permits.issue(resident, None).code
    observations.start(resident, "home", timezone.localdate(), None)
    keeper_on_gate(phone, live_server.url, gate)
    phone.context.set_offline(True)
    phone.fill("#code", code)
    phone.click("#manual button")
    phone.wait_for_selector("#verdict[data-verdict=under_observation]:not([hidden])")
    assert "居家观察中" in phone.inner_text("#verdict-word")


def test_the_page_says_a_permit_is_not_yet_valid_as_the_server_does(live_server, world, gate, phone):
    from django.utils import timezone

    tomorrow = timezone.now() + timezone.timedelta(days=1)
    code = permits.issue(world.resident(world.xiangchang), None, now=tomorrow).code
    keeper_on_gate(phone, live_server.url, gate)
    phone.context.set_offline(True)
    phone.fill("#code", code)
    phone.click("#manual button")
    phone.wait_for_selector("#verdict[data-verdict=not_yet_valid]:not([hidden])")
    assert "尚未生效" in phone.inner_text("#verdict-word")
    phone.context.set_offline(False)
    phone.wait_for_function("() => document.getElementById('queued').textContent === '0'")
    assert list(Pass.objects.values_list("verdict", flat=True)) == ["not_yet_valid"]


def test_a_visitor_the_server_would_refuse_is_refused_on_the_phone_with_the_servers_words(
    live_server, world, gate, phone
):
    keeper_on_gate(phone, live_server.url, gate)
    phone.context.set_offline(True)  # the rules came with the page: no network needed to apply them
    phone.click("#visitor-open")
    phone.fill("#visitor input[name=name]", "王" * 80)
    phone.fill("#visitor input[name=phone]", "1380013800013900001111")
    phone.click("#visitor .temp[data-t='36.5']")
    phone.click("#visitor button.primary")
    assert "50" in phone.inner_text("#visitor [data-error=name]")
    assert "20" in phone.inner_text("#visitor [data-error=phone]")
    assert phone.inner_text("#queued") == "0" and phone.inner_text("#n-visitor") == "0"
    phone.fill("#visitor input[name=name]", "王建国")
    phone.fill("#visitor input[name=phone]", "１３８００１３８０００")  # full-width, as some keyboards type
    phone.click("#visitor button.primary")
    phone.wait_for_selector("#visitor", state="hidden")
    phone.context.set_offline(False)
    phone.evaluate("() => window.fangxianGate.sync()")
    wait_for_passes(phone, 1)
    assert list(Pass.objects.values_list("holder", "phone", "temperature")) == [
        ("王建国", "13800138000", Decimal("36.5"))
    ]


def test_a_visitor_the_server_refuses_at_sync_comes_back_to_be_corrected_never_dropped(live_server, world, gate, phone):
    keeper_on_gate(phone, live_server.url, gate)
    phone.context.set_offline(True)
    phone.click("#visitor-open")
    phone.fill("#visitor input[name=name]", "王建国")
    phone.fill("#visitor input[name=phone]", "13800138000")
    phone.click("#visitor .temp[data-t='36.5']")
    phone.click("#visitor button.primary")
    phone.wait_for_function("() => document.getElementById('queued').textContent === '1'")
    assert phone.inner_text("#n-visitor") == "1"
    # What only the server can judge: the phone's clock had gone back to 2000 when it was kept.
    phone.evaluate(
        """async () => { const db = await new Promise((ok) => { const r = indexedDB.open("fangxian-gate", 1); r.onsuccess = () => ok(r.result); });
           await new Promise((ok) => { const tx = db.transaction("queue", "readwrite"); const s = tx.objectStore("queue");
             s.getAll().onsuccess = (e) => { for (const item of e.target.result) { item.scanned_at = "2000-01-01T08:00:00+08:00"; s.put(item); } };
             tx.oncomplete = ok; }); }"""
    )
    phone.context.set_offline(False)
    phone.evaluate("() => window.fangxianGate.sync()")
    phone.wait_for_selector("#refused:not([hidden])")
    assert phone.inner_text("#queued") == "0" and not Pass.objects.exists()
    refused = phone.inner_text("#refused-list")
    assert "访客" in refused and "王建国" in refused and "30 天前" in refused  # the server's words
    assert phone.inner_text("#n-visitor") == "0"  # the counters count what was stored
    phone.reload()  # what waits for correction survives a reload
    phone.wait_for_function("() => window.fangxianGate && window.fangxianGate.ready")
    phone.click("#refused-list button:has-text('更正')")
    phone.wait_for_selector("#visitor:not([hidden])")
    assert phone.input_value("#visitor input[name=phone]") == "13800138000"
    assert "selected" in phone.get_attribute("#visitor .temp[data-t='36.5']", "class")
    phone.click("#visitor button.primary")
    phone.wait_for_selector("#visitor", state="hidden")
    phone.evaluate("() => window.fangxianGate.sync()")
    wait_for_passes(phone, 1)
    assert list(Pass.objects.values_list("holder", "phone")) == [("王建国", "13800138000")]
    phone.wait_for_function("() => document.getElementById('n-visitor').textContent === '1'")
    assert phone.is_hidden("#refused")


def test_cancel_empties_the_visitor_form(live_server, world, gate, phone):
    keeper_on_gate(phone, live_server.url, gate)
    phone.click("#visitor-open")
    phone.fill("#visitor input[name=name]", "王建国")
    phone.click("#visitor button.close")
    phone.click("#visitor-open")
    assert phone.input_value("#visitor input[name=name]") == ""


def test_a_new_watch_zeroes_the_counters_only_when_the_keeper_says_so(live_server, world, gate, phone):
    keeper_on_gate(phone, live_server.url, gate)
    phone.evaluate("() => { document.getElementById('n-visitor').textContent = '7'; }")
    phone.evaluate("async () => { await window.fangxianGate.sync(); }")
    phone.once("dialog", lambda dialog: dialog.dismiss())
    phone.click("#new-watch")
    phone.wait_for_timeout(300)
    assert phone.inner_text("#n-visitor") == "7"  # a slip of the finger changes nothing
    phone.once("dialog", lambda dialog: dialog.accept())
    phone.click("#new-watch")
    phone.wait_for_function("() => document.getElementById('n-visitor').textContent === '0'")


def test_the_keypad_fits_the_phone_shows_the_value_chosen_and_says_when_it_is_impossible(
    live_server, world, gate, browser
):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, locale="zh-CN")
    page = context.new_page()
    keeper_on_gate(page, live_server.url, gate)
    page.click("#keypad-open")
    page.evaluate("() => { document.getElementById('keypad-value').value = ''; }")  # the pad starts at "36."
    for key in "45.0":
        page.click(f"#keypad button[data-k='{key}']")
    box = page.locator("#keypad-ok").bounding_box()
    assert box["y"] + box["height"] <= 844  # on the screen, not below it
    page.click("#keypad-ok")
    assert page.is_visible("#keypad-error") and "34.0" in page.inner_text("#keypad-error")
    page.evaluate("() => { document.getElementById('keypad-value').value = '38.'; }")
    page.click("#keypad button[data-k='5']")
    page.click("#keypad-ok")
    page.wait_for_selector("#keypad", state="hidden")
    assert page.inner_text("#keypad-open") == "38.5"
    context.close()


CONTRAST = """(classes) => {
  const lum = (rgb) => {
    const [r, g, b] = rgb.match(/\\d+/g).slice(0, 3).map((v) => {
      const c = Number(v) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const box = document.getElementById("verdict");
  box.hidden = false;
  const worst = {};
  for (const cls of classes) {
    box.className = "verdict " + cls;
    const bg = lum(getComputedStyle(box).backgroundColor);
    worst[cls] = Math.min(...[...box.querySelectorAll("p")].map((p) => {
      const fg = lum(getComputedStyle(p).color);
      return (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
    }));
  }
  box.hidden = true;
  return worst;
}"""


def test_every_verdict_reads_at_a_contrast_of_4_5_and_a_red_one_says_what_to_do(live_server, world, gate, phone):
    keeper_on_gate(phone, live_server.url, gate)
    worst = phone.evaluate(CONTRAST, ["v-admit", "v-fever", "v-stop", "v-ask"])
    assert all(ratio >= 4.5 for ratio in worst.values()), worst
    phone.fill("#code", "FX1:NOT-A-CODE")
    phone.click("#manual button")
    phone.wait_for_selector("#verdict:not([hidden])")
    assert "社区" in phone.inner_text("#verdict-next")  # who to call, not only the word
