from fangxian.gate.models import Gate
from fangxian.supplies.models import Item, Movement, Store

from .conftest import shot
from .test_registry_flows import log_in


def test_a_secretary_records_a_donation_issues_half_a_case_is_refused_a_third_and_reverses(live_server, world, phone):
    """On a phone: 3 箱 of 20 masks come in with a receipt number; half a 箱 goes to the market
    gate; a third of one is refused with the reason and what was typed stays; the issue is
    reversed with a reason and the stock is whole again."""
    Store.objects.create(community=world.xiangchang, name="社区办公室")
    masks = Item.objects.create(community=world.xiangchang, name="口罩", unit="个", pack_name="箱", pack_size=20)
    gate = Gate.objects.create(community=world.xiangchang, name="菜市场门")
    phone.set_viewport_size({"width": 390, "height": 844})
    log_in(phone, live_server.url, "secretary")
    phone.click("a:has-text('物资')")
    phone.click("a:has-text('登记出入库')")
    phone.select_option("select[name=item0]", str(masks.id))
    phone.fill("input[name=quantity0]", "3")
    phone.select_option("select[name=unit0]", "箱")
    phone.fill("input[name=donor]", "天桥商会")
    shot(phone, "supplies-donation")
    phone.click("button:has-text('登记')")
    phone.wait_for_url("**/supplies/donations/*/")
    donation = Movement.objects.get()
    assert donation.quantity == 60 and donation.receipt.startswith("香厂路-")
    assert donation.receipt in phone.inner_text("h1")
    assert "3 箱（60 个）" in phone.inner_text("main")

    phone.click("a:has-text('再登记一笔捐赠')")
    phone.click("#kinds a:has-text('发放')")
    phone.fill("input[name=quantity0]", "1/2")
    phone.select_option("select[name=unit0]", "箱")
    phone.check("input[name=recipient][value=gate]")
    phone.select_option("select[name=to_gate]", str(gate.id))
    phone.click("button:has-text('登记')")
    phone.wait_for_url("**/supplies/movements/?community=*")
    assert "已登记：口罩 10 个" in phone.inner_text(".message.success")
    issue = Movement.objects.get(kind="issue")
    assert (issue.quantity, issue.to_gate_id) == (10, gate.id)

    phone.click("a:has-text('登记出入库')")
    phone.click("#kinds a:has-text('发放')")
    phone.fill("input[name=quantity0]", "1/3 箱")
    phone.click("button:has-text('登记')")
    phone.wait_for_selector(".message.error")
    assert "这个数量不是该物品最小单位的整数倍" in phone.inner_text(".message.error")
    assert phone.input_value("input[name=quantity0]") == "1/3 箱"
    shot(phone, "supplies-refused")
    assert Movement.objects.count() == 2

    phone.click("a:has-text('出入库流水')")
    row = phone.locator(f"#movement-{issue.id}")
    row.locator("summary:has-text('冲销')").click()
    row.locator("input[name=reason]").fill("发错了卡口")
    row.locator("button:has-text('冲销这笔记录')").click()
    phone.wait_for_selector(".message.success")
    assert "已冲销：发错了卡口" in phone.inner_text(f"#movement-{issue.id}")
    assert Movement.objects.get(kind="reversal").reverses_id == issue.id
    shot(phone, "supplies-movements")

    phone.click("a:has-text('库存')")
    assert "社区办公室: 60 个" in phone.inner_text("#stock")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    shot(phone, "supplies-stock")
    phone.click("a:has-text('捐赠公示')")
    assert "天桥商会" in phone.inner_text("main") and "卡口" not in phone.inner_text("main")  # the issue was reversed
    shot(phone, "supplies-public")
