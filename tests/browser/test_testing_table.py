"""The sampling table on a phone of 390 × 844 in Chinese: a volunteer loses the signal, types
ten ID numbers into a 10-in-1 tube (it shows 3/10 as it fills and closes at 10), starts the
next tube with someone already sampled, and when the network is back everything syncs exactly
once, in order; the one the office refuses comes back on screen with its reason."""

import pytest

from fangxian.people.models import Resident
from fangxian.testing import sampling
from fangxian.testing.models import Sample, Tube
from fangxian.testing.tests.table_fixtures import make_campaign, registration

from .conftest import shot, wait_until
from .test_registry_flows import log_in
from .test_tap_targets import no_small_targets


@pytest.fixture
def screen(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_ten_people_offline_into_a_ten_in_one_tube_then_one_sync(live_server, world, screen):
    campaign = make_campaign(world, pool_size=10)
    people = list(Resident.objects.filter(community=world.xiangchang).order_by("id")[:11])
    sampling.register(campaign, [registration("EARLY01", people[10].id_number)], None)  # sampled this morning

    page = screen
    log_in(page, live_server.url, "volunteer")
    page.goto(f"{live_server.url}/testing/table/")
    page.wait_for_function("() => window.fangxianTable?.ready && navigator.serviceWorker.controller")
    no_small_targets(page)
    assert page.locator("#campaign").input_value() == str(campaign.pk)

    page.context.set_offline(True)
    page.reload()
    page.wait_for_function("() => window.fangxianTable?.ready")
    page.fill("#tube", "t0000001")
    page.press("#tube", "Enter")
    assert page.inner_text("#tube-number") == "T0000001"
    page.fill("#id-number", "12345")  # checked on the phone: nothing is kept
    page.press("#id-number", "Enter")
    assert "身份证号无效" in page.inner_text("#said")
    for n, person in enumerate(people[:10], start=1):
        page.fill("#id-number", person.id_number)
        page.click("#id-form button")
        page.wait_for_function(f"() => document.getElementById('queued').textContent === '{n}'")
        if n == 3:
            assert page.inner_text("#tube-fill") == "3/10"
            shot(page, "table-filling")
    page.wait_for_function("() => document.getElementById('said').textContent.includes('管已满并封管')")
    assert page.inner_text("#tube-number") == "—"
    page.fill("#tube", "T0000002")
    page.press("#tube", "Enter")
    page.fill("#id-number", people[10].id_number)
    page.click("#id-form button")
    page.wait_for_function("() => document.getElementById('queued').textContent === '11'")
    assert Sample.objects.filter(tube__barcode="T0000001").count() == 0

    page.context.set_offline(False)
    page.evaluate("() => window.fangxianTable.sync()")
    wait_until(page, lambda: Sample.objects.filter(tube__barcode="T0000001").count() == 10, "ten swabs stored")
    page.wait_for_function("() => document.getElementById('queued').textContent === '0'")
    page.wait_for_selector("#refused-list .refused")
    refused = page.inner_text("#refused-list")
    assert "已采过样" in refused and "EARLY01" in refused
    assert "未被登记" in page.inner_text("#said")  # not "sent" as if all went well
    shot(page, "table-refused")
    tube = Tube.objects.get(barcode="T0000001")
    assert (tube.size, tube.status) == (10, "closed")
    positions = list(Sample.objects.filter(tube=tube).order_by("position").values_list("resident_id", flat=True))
    assert positions == [p.pk for p in people[:10]]  # in the order they were typed
    assert not Tube.objects.filter(barcode="T0000002").exists()

    page.evaluate("() => window.fangxianTable.sync()")  # sent again: nothing more is stored
    page.wait_for_timeout(500)
    assert Sample.objects.filter(campaign=campaign).count() == 11

    page.click("#refused-list button.primary")  # corrected: back in the field to fix or re-register
    assert page.locator("#id-number").input_value() == people[10].id_number
