"""Testing campaigns on a phone (390 × 844, Chinese): the secretary makes a campaign of the
whole community through the form, gives it a sampling site and its slots; a household books a
time through its own link, from its household page, without an account."""

import pytest

from fangxian.people.models import HouseholdLink
from fangxian.testing.models import Booking, Campaign, Slot

from .conftest import shot
from .test_registry_flows import log_in
from .test_tap_targets import no_small_targets


@pytest.fixture
def phone_390(browser):
    contexts = []

    def make():
        context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield make
    for context in contexts:
        context.close()


def test_a_secretary_makes_a_campaign_and_a_household_books_through_its_link(live_server, world, phone_390):
    secretary = phone_390()
    log_in(secretary, live_server.url, "secretary")
    secretary.goto(f"{live_server.url}/testing/new/")
    no_small_targets(secretary)
    secretary.fill("input[name=name]", "第一轮全员核酸")
    secretary.select_option("select[name=pool_size]", "10")
    secretary.check("input[name=households_together]")
    secretary.click("button.primary:has-text('建立检测')")
    secretary.wait_for_selector("text=检测已建立")
    campaign = Campaign.objects.get(name="第一轮全员核酸")
    assert campaign.pool_size == 10 and campaign.households_together and campaign.target == Campaign.Target.COMMUNITY
    assert secretary.inner_text("#progress").split()[0] == "24"  # everyone of Xiangchang Road is to be tested

    secretary.fill("#site-form input[name=name]", "2号楼前广场")
    secretary.click("#site-form button.primary")
    secretary.wait_for_selector("text=采样点已添加")
    site = campaign.sites.get()
    secretary.click(f"#site-{site.id} summary:has-text('添加时段')")
    secretary.fill(f"#site-{site.id} input[name=minutes]", "60")
    secretary.fill(f"#site-{site.id} input[name=capacity]", "2")
    secretary.click(f"#site-{site.id} button.primary:has-text('添加时段')")
    secretary.wait_for_selector("text=个时段")
    slots = list(Slot.objects.filter(site=site).order_by("starts_at"))
    assert slots and all(s.capacity == 2 for s in slots)
    assert secretary.locator(f"#site-{site.id} ul.slots li").count() == len(slots)
    shot(secretary, "testing-campaign-sites")
    no_small_targets(secretary)

    link = HouseholdLink.objects.create(dwelling=world.dwelling(world.xiangchang, "1", 1, "101"))
    home = phone_390()  # the household's phone: no account
    home.goto(f"{live_server.url}/h/{link.token}/")
    home.click("a:has-text('预约时间')")
    home.wait_for_selector("h1:has-text('预约核酸检测')")
    no_small_targets(home)
    home.select_option("select[name=slot]", str(slots[0].id))
    home.click("button.primary:has-text('预约')")
    home.wait_for_selector("text=已预约：请按时带出入证或身份证到采样点")
    shot(home, "testing-household-booked")
    booking = Booking.objects.get(campaign=campaign)
    assert booking.via == Booking.Via.LINK and booking.slot_id == slots[0].id
    assert booking.resident.dwelling_id == link.dwelling_id
    slots[0].refresh_from_db()
    assert slots[0].booked == 1
    # Booked: the household sees it and may cancel; nothing is left to book.
    assert home.locator("button:has-text('取消预约')").count() == 1
    assert home.locator("select[name=slot]").count() == 0
