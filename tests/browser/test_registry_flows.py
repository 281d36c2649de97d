from conftest import PASSWORD
from fangxian.accounts.models import AuditEvent
from fangxian.people.models import Resident

from .conftest import shot


def log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button.primary")
    page.wait_for_url(f"{base}/")


def test_a_secretary_finds_a_resident_by_initials_and_reveals_the_id(live_server, world, phone):
    target = world.resident(world.xiangchang)
    target.name, target.name_initials = "欧阳修", "oyx"
    target.save()
    log_in(phone, live_server.url, "secretary")
    assert "今日" in phone.content() and "居民" in phone.content()
    shot(phone, "home")
    phone.click("text=查找居民")
    phone.fill("input[name=q]", "oyx")
    phone.wait_for_function("() => document.querySelector('#rows').innerText.includes('1 位居民')")
    shot(phone, "search")
    phone.click("text=欧阳修")
    assert target.masked_id_number in phone.inner_text("#id-number")
    phone.click("#id-number + button")
    phone.wait_for_function(f"() => document.querySelector('#id-number').innerText.includes('{target.id_number}')")
    shot(phone, "resident")
    assert AuditEvent.objects.filter(action="reveal_id", username="secretary", target_id=str(target.id)).exists()


def test_a_grid_worker_registers_a_resident_and_sees_the_error_first(live_server, world, phone):
    log_in(phone, live_server.url, "grid_worker")
    phone.goto(f"{live_server.url}/people/residents/new/")
    phone.select_option("select[name=building]", label="1号楼")
    phone.fill("input[name=room]", "101")
    phone.fill("input[name=name]", "王芳")
    phone.fill("input[name=id_number]", "110102194912310021")
    phone.click("button.primary")
    assert "校验码" in phone.content()
    shot(phone, "form-error")
    phone.fill("input[name=id_number]", "110102194912310020")
    phone.click("button.primary")
    phone.wait_for_url("**/people/residents/*/")
    assert Resident.objects.get(name="王芳").sex == "F"


def test_editing_a_passport_holder_in_the_browser_keeps_the_birth_date(live_server, world, phone):
    import datetime

    resident = world.resident(world.xiangchang)
    resident.id_type, resident.id_number, resident.birth_date = "passport", "E12345678", datetime.date(1950, 6, 15)
    resident.save()
    log_in(phone, live_server.url, "secretary")
    phone.goto(f"{live_server.url}/people/residents/{resident.id}/edit/")
    assert phone.input_value("input[name=birth_date]") == "1950-06-15"
    phone.select_option("select[name=relation]", index=1)
    phone.click("button.primary")
    phone.wait_for_url(f"**/people/residents/{resident.id}/")
    resident.refresh_from_db()
    assert resident.birth_date == datetime.date(1950, 6, 15)


def test_the_move_out_form_offers_today_as_the_browser_shows_it(live_server, world, phone):
    from django.utils import timezone

    resident = world.resident(world.xiangchang)
    log_in(phone, live_server.url, "secretary")
    phone.goto(f"{live_server.url}/people/residents/{resident.id}/")
    assert phone.input_value("input[name=moved_on]") == timezone.localdate().isoformat()


def test_a_secretary_revokes_a_lost_permit_only_after_saying_why(live_server, world, phone):
    from fangxian.gate import permits

    resident = world.resident(world.xiangchang)
    row = permits.issue(resident, None)
    log_in(phone, live_server.url, "secretary")
    phone.goto(f"{live_server.url}/gate/permits/?building={resident.dwelling.building_id}")
    item = phone.locator("ul.rows li", has_text=resident.name)
    item.locator("summary").click()
    item.locator("button", has_text="注销").click()  # no reason chosen: the browser asks for one
    row.refresh_from_db()
    assert row.revoked_at is None
    item.locator("select[name=reason]").select_option("lost")
    item.locator("button", has_text="注销").click()
    phone.wait_for_url("**/gate/permits/**")
    row.refresh_from_db()
    assert row.revoke_reason == "lost"
