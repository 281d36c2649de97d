"""Tracing on a phone of 390 × 844 in Chinese: a health worker finds a confirmed case, gives its
onset, sees its contacts with their reasons and their dwellings on the map, and puts the
chosen under home observation in one step."""

from __future__ import annotations

import datetime

import pytest

from conftest import add_resident
from fangxian.tracing.models import Trace
from fangxian.tracing.tests.conftest import make_gate, noon, onset, scan, the_case
from fangxian.watch.models import Observation

from .conftest import shot
from .test_registry_flows import log_in
from .test_tap_targets import no_small_targets


@pytest.fixture
def screen(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_a_health_worker_traces_a_case_and_puts_its_contacts_under_observation(live_server, world, screen):
    case = the_case(world)
    case.name = "欧阳确诊"
    case.save()
    wife = add_resident(case.dwelling, "欧阳家属", sex="F")
    gate = make_gate(world, "香厂路菜市场入口")
    neighbour = world.resident(world.xiangchang, "2")
    scan(gate, noon(1), case)
    scan(gate, noon(1) + datetime.timedelta(minutes=7), neighbour)
    scan(gate, noon(1) + datetime.timedelta(minutes=2), holder="快递员", phone="13700000000", kind="courier")

    page = screen
    log_in(page, live_server.url, "health_worker")
    page.click("a.button >> text=流调")  # from the home page
    page.click("text=为确诊病例流调")
    page.fill("input[name=q]", "欧阳确诊")
    page.click("#find button")
    page.click("#found a")
    page.fill("input[name=onset_on]", str(onset()))
    no_small_targets(page)
    shot(page, "tracing-new")
    page.click("#trace button.primary")
    page.wait_for_url(f"{live_server.url}/tracing/*/")
    text = page.inner_text("main") if page.query_selector("main") else page.inner_text("body")
    assert "流调完成：新发现 3 名接触者" in text
    assert "欧阳家属" in text and "同住一户" in text
    assert "同一卡口前后几分钟内通行" in text and "香厂路菜市场入口" in text
    assert "快递员" in text and "137****0000" in text
    assert page.locator(".map .s-confirmed_case").count() == 1
    assert page.locator(".map .s-close_contact").count() >= 1
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    shot(page, "tracing-trace")

    page.click("#observe-button")
    page.wait_for_selector("text=今日起居家观察：2 人")
    assert "快递员" in page.inner_text("body")  # outside the registry: listed, for the centre to reach
    for resident in (wife, neighbour):
        assert Observation.objects.filter(resident=resident, released_at=None, kind="home").exists()
    trace = Trace.objects.get()
    assert trace.contacts.exclude(observation=None).count() == 2
    assert page.locator("#observe input[type=checkbox]").count() == 0
    shot(page, "tracing-observed")
