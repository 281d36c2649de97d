import pytest

from fangxian.supplies import ledger
from fangxian.supplies.models import Item, Movement

K = Movement.Kind


def donate_page(client, world, office, **more):
    data = {
        "community": world.xiangchang.id,
        "kind": "donation",
        "store": office.id,
        "donor": "天桥商会",
    } | more
    return client.post("/supplies/movements/new/", data, follow=True)


def test_a_donation_of_three_cases_is_sixty_masks_with_a_receipt_number(world, client_for, office, masks):
    page = donate_page(client_for("secretary"), world, office, item0=masks.id, quantity0="3", unit0="箱")
    movement = Movement.objects.get()
    assert movement.quantity == 60 and movement.receipt.startswith("香厂路-")
    assert movement.receipt.endswith("-0001")
    assert "3 箱（60 个）" in page.content.decode()


@pytest.mark.parametrize("typed", ["1/3 箱", "1/3箱"])
def test_a_third_of_a_case_is_refused_in_the_users_words(world, client_for, office, masks, typed):
    ledger.record(K.DONATION, masks, 60, to_store=office, donor="x")
    page = client_for("secretary").post(
        "/supplies/movements/new/",
        {
            "community": world.xiangchang.id,
            "kind": "issue",
            "store": office.id,
            "item0": masks.id,
            "quantity0": typed,
            "recipient": "person",
            "to_person": "志愿者小王",
            "to_role": "volunteer",
        },
    )
    assert "不是" in page.content.decode() or "最小" in page.content.decode(), page.content.decode()[:3000]
    assert Movement.objects.count() == 1
    assert 'value="%s"' % typed in page.content.decode()
