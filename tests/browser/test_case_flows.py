"""A 12345 complaint from its arrival to its closing, on phones of 390 × 844: the work order
arrives, the secretary gives it to the grid worker, who watches the gate, photographs it
through the real form (a file that is no photo is refused first, and the notes typed stay),
finds the complaint unfounded, reveals the reporter's number to call back (audited), records
the callback and closes the case."""

import pytest

from fangxian.accounts.models import AuditEvent
from fangxian.casework import handling
from fangxian.casework.models import Case, Category, Photo
from fangxian.casework.tests.conftest import jpeg

from .conftest import shot
from .test_registry_flows import log_in
from .test_tap_targets import no_small_targets


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


def fits_the_screen(page) -> None:
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390


def test_an_unfounded_complaint_from_the_hotline_to_its_closing(live_server, world, screen, tmp_path):
    case = handling.receive(
        street=world.tianqiao,
        category=Category.objects.get(code="entrance-order"),
        what="石佛营东里小区门口秩序混乱",
        source="hotline",
        hotline_number="GD2026120100017",
        building=world.building(world.xiangchang, "1"),
        reporter_name="王女士",
        reporter_phone="13911112222",
    )
    photo = tmp_path / "gate.jpg"
    photo.write_bytes(jpeg((1600, 1200)))
    not_a_photo = tmp_path / "gate.jpg.pdf"
    not_a_photo.write_bytes(b"%PDF-1.4 not a photo")

    # The secretary finds it in the list and gives it to the grid worker.
    office = screen()
    log_in(office, live_server.url, "secretary")
    office.click(".bar >> text=诉求案件")
    office.click("text=石佛营东里小区门口秩序混乱")
    office.wait_for_url(f"**/casework/{case.id}/")
    assert "139****2222" in office.inner_text(".facts") and "13911112222" not in office.content()
    office.wait_for_selector("#form-assign[open]")
    office.select_option("#form-assign select[name=to]", label="grid_worker")
    office.click("#form-assign button")
    office.wait_for_selector(".message.success")
    assert Case.objects.get().state == "assigned"

    # The grid worker, at the gate with a phone, watches for 20 minutes and photographs it.
    grid = screen()
    log_in(grid, live_server.url, "grid_worker")
    grid.goto(f"{live_server.url}/casework/?mine=1")
    grid.click("text=石佛营东里小区门口秩序混乱")
    fits_the_screen(grid)
    no_small_targets(grid)
    notes = "在小区门口观察20分钟，进出有序，门岗测温登记正常"
    grid.fill("#form-visit textarea[name=note]", notes)
    grid.set_input_files("#form-visit input[name=photos]", str(not_a_photo))
    grid.click("#form-visit button")
    grid.wait_for_selector("#form-visit p.error")
    assert "不是照片" in grid.inner_text("#form-visit") and grid.input_value("#form-visit textarea") == notes
    assert Case.objects.get().state == "assigned"
    shot(grid, "case-visit-refused")
    grid.set_input_files("#form-visit input[name=photos]", str(photo))
    grid.click("#form-visit button")
    grid.wait_for_selector(".message.success")
    assert Case.objects.get().state == "on_site" and Photo.objects.count() == 1
    assert grid.locator(".steps .photos img").count() == 1

    # Orderly: unfounded, with the reason.
    grid.check("#form-handle input[value=unfounded]")
    grid.fill("#form-handle textarea[name=note]", "现场秩序良好，反映情况不属实")
    grid.click("#form-handle button")
    grid.wait_for_selector("#form-callback[open]")
    assert Case.objects.get().state == "unfounded"

    # The callback: the number is shown to whoever calls, and that is in the audit log.
    assert not AuditEvent.objects.filter(target_type="case").exists()
    grid.click("text=显示号码以回访")
    grid.wait_for_selector("#callback-number .revealed")
    assert grid.inner_text("#callback-number") == "13911112222"
    assert AuditEvent.objects.get(target_type="case").user == world.users["grid_worker"]
    fits_the_screen(grid)
    no_small_targets(grid)
    grid.check("#form-callback input[value=satisfied]")
    grid.fill("#form-callback input[name=note]", "王女士表示满意")
    grid.click("#form-callback button")
    grid.wait_for_selector("#form-close[open]")
    grid.click("#form-close button")
    grid.wait_for_selector(".message.success")
    shot(grid, "case-closed")

    closed = Case.objects.get()
    assert closed.state == "closed" and closed.callback == "satisfied" and closed.outcome.startswith("现场秩序良好")
    assert [s.action for s in closed.steps.all()] == ["receive", "assign", "visit", "unfounded", "callback", "close"]
    assert closed.get_state_display() in grid.inner_text("h1")


def test_a_walk_in_taken_down_on_a_phone_keeps_the_form_when_the_photo_is_refused(live_server, world, screen, tmp_path):
    broken = tmp_path / "door.jpg"
    broken.write_bytes(jpeg()[:600])  # half sent
    photo = tmp_path / "door-whole.jpg"
    photo.write_bytes(jpeg())
    office = screen()
    log_in(office, live_server.url, "street_admin")
    office.goto(f"{live_server.url}/casework/new/")
    office.select_option("select[name=source]", "walk_in")
    office.select_option("select[name=category]", "environment")
    # Choosing the community brings its buildings in (htmx), without reloading what was typed.
    office.fill("textarea[name=what]", "2单元门口垃圾堆了三天没人清")
    office.select_option("select[name=community]", label="永安路社区")
    office.wait_for_selector("#places select[name=building]")
    office.select_option("select[name=building]", label="2号楼")
    office.fill("input[name=entrance]", "2")
    office.fill("input[name=room]", "301")
    office.fill("input[name=reporter_name]", "赵大爷")
    office.fill("input[name=reporter_phone]", "13700001234")
    office.set_input_files("input[name=photos]", str(broken))
    fits_the_screen(office)
    no_small_targets(office)
    office.click("button:has-text('保存案件')")
    office.wait_for_selector(".message.error")
    assert not Case.objects.exists()
    assert "不是照片" in office.inner_text("main") and "请重新选择照片" in office.inner_text("main")
    assert office.input_value("textarea[name=what]") == "2单元门口垃圾堆了三天没人清"
    assert (
        office.input_value("input[name=room]") == "301"
        and office.input_value("input[name=reporter_phone]") == "13700001234"
    )
    office.set_input_files("input[name=photos]", str(photo))
    office.click("button:has-text('保存案件')")
    office.wait_for_url("**/casework/*/")
    case = Case.objects.get()
    assert case.dwelling == world.dwelling(world.yongan, "2", 2, "301") and case.source == "walk_in"
    assert Photo.objects.filter(step__case=case).count() == 1
    assert "137****1234" in office.inner_text(".facts")
