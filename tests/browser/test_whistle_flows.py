"""The whistle on phones of 390 × 844: a secretary whistles the street's city management
about a case; the team's account acknowledges, reports on site with a photo and records the
outcome; the secretary confirms. Nothing on the way is too wide for the screen."""

import io

from PIL import Image

from fangxian.casework import handling
from fangxian.casework.models import Case, Category
from fangxian.whistle.models import Call
from fangxian.whistle.tests.conftest import make_departments

from .conftest import shot
from .test_registry_flows import log_in


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), "orange").save(out, format="JPEG")
    return out.getvalue()


def fits(page) -> None:
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390


def test_a_secretary_whistles_city_management_about_a_case(live_server, world, screen):
    make_departments(world)
    case = handling.receive(
        street=world.tianqiao,
        category=Category.objects.get(code="other"),
        what="8号院没有围挡，东口北口封不住",
        source=Case.Source.PATROL,
        community=world.xiangchang,
        address="香厂路8号院",
    )

    office = screen()
    log_in(office, live_server.url, "secretary")
    office.goto(f"{live_server.url}/whistle/new/?case={case.id}")
    assert "8号院没有围挡" in office.input_value("textarea[name=what]")
    office.select_option("select[name=department]", label="天桥城管执法队 · 城管")
    office.fill("textarea[name=what]", "需要铁马围挡约20组，封闭东口和北口")
    fits(office)
    office.click("#call button.primary")
    office.wait_for_url("**/whistle/*/")
    assert "天桥城管执法队" in office.inner_text(".message.success")
    call = Call.objects.get()
    case.refresh_from_db()
    assert call.case == case and case.state == "passed" and case.agency == "天桥城管执法队"
    shot(office, "whistle-called")

    team = screen()
    log_in(team, live_server.url, "liaison")
    team.click("a.button:has-text('吹哨报到')")
    team.click(f"a[href='/whistle/{call.id}/']")
    assert "需要铁马围挡" in team.inner_text("dl.facts")
    team.fill("form:has(#acknowledge) input[name=note]", "下午两点带围挡到")
    team.click("#acknowledge")
    team.wait_for_selector(".message.success")
    assert "已接单" in team.inner_text("h1")
    team.fill("form:has(#arrive) textarea[name=note]", "东口、北口已看过")
    team.set_input_files(
        "form:has(#arrive) input[name=photo]", files=[{"name": "p.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}]
    )
    team.click("#arrive")
    team.wait_for_selector("img.arrival")
    fits(team)
    team.check("form:has(#report) input[name=outcome][value=solved]")
    team.fill("form:has(#report) textarea[name=note]", "两处围挡已装好")
    team.click("#report")
    team.wait_for_selector("text=等社区确认")
    shot(team, "whistle-reported")

    office.goto(f"{live_server.url}/whistle/{call.id}/")
    assert "两处围挡已装好" in office.inner_text("dl.facts")
    office.click("#confirm")
    office.wait_for_selector("text=本次吹哨办结")
    call.refresh_from_db()
    assert call.state == "confirmed" and call.outcome == "solved"
    assert [s.action for s in call.steps.order_by("id")] == ["call", "acknowledge", "arrive", "outcome", "confirm"]
    assert call.arrived_by == world.users["liaison"] and call.arrival_photo
    fits(office)
