import datetime

import pytest
from django.contrib import admin
from django.utils import timezone

from fangxian.gate.models import Gate
from fangxian.supplies import ledger
from fangxian.supplies.models import Item, Movement, Store

K = Movement.Kind


def record(client, world, store, **data):
    return client.post("/supplies/movements/new/", {"community": world.xiangchang.id, "store": store.id} | data)


def donate(item, store, quantity, **kw):
    return ledger.receive(K.DONATION, store, [(item, quantity)], donor=kw.pop("donor", "天桥商会"), **kw)[0]


def text(response) -> str:
    return response.content.decode()


def test_three_cases_of_twenty_are_sixty_masks_with_the_communitys_receipt_number(world, client_for, office, masks):
    page = record(
        client_for("secretary"),
        world,
        office,
        kind="donation",
        donor="天桥商会",
        item0=masks.id,
        quantity0="3",
        unit0="箱",
    )
    movement = Movement.objects.get()
    assert (movement.quantity, movement.donor) == (60, "天桥商会")
    assert movement.receipt == f"香厂路-{timezone.localdate().year}-0001"
    assert page["Location"] == f"/supplies/donations/{movement.id}/"
    shown = text(client_for("secretary").get(page["Location"]))
    assert "3 箱（60 个）" in shown and movement.receipt in shown


def test_a_donation_of_several_items_shares_one_receipt_and_the_next_gets_the_next_number(
    world, client_for, office, masks, alcohol
):
    client = client_for("secretary")
    record(
        client,
        world,
        office,
        kind="donation",
        anonymous="on",
        item0=masks.id,
        quantity0="18000",
        item1=alcohol.id,
        quantity1="2306",
        unit1="斤",
    )
    record(client, world, office, kind="donation", donor="某企业", item0=alcohol.id, quantity0="1.5kg")
    receipts = list(Movement.objects.order_by("id").values_list("receipt", "quantity"))
    year = timezone.localdate().year
    assert receipts == [
        (f"香厂路-{year}-0001", 18000),
        (f"香厂路-{year}-0001", 2306 * 500),
        (f"香厂路-{year}-0002", 1500),
    ]


@pytest.mark.parametrize("typed,unit", [("1/3", "箱"), ("1/3箱", ""), ("1/3 箱", "")])
def test_a_third_of_a_case_is_refused_in_the_users_words_and_what_was_typed_stays(
    world, client_for, office, masks, market_gate, typed, unit
):
    donate(masks, office, 60)
    page = text(
        record(
            client_for("secretary"),
            world,
            office,
            kind="issue",
            item0=masks.id,
            quantity0=typed,
            unit0=unit,
            recipient="gate",
            to_gate=market_gate.id,
        )
    )
    assert "口罩：这个数量不是该物品最小单位的整数倍" in page
    assert f'value="{typed}"' in page
    assert Movement.objects.count() == 1


def test_half_a_case_to_a_gate_leaves_fifty_on_the_stock_page(world, client_for, office, masks, market_gate):
    donate(masks, office, 60)
    client = client_for("secretary")
    record(
        client,
        world,
        office,
        kind="issue",
        item0=masks.id,
        quantity0="1/2",
        unit0="箱",
        recipient="gate",
        to_gate=market_gate.id,
    )
    issue = Movement.objects.get(kind=K.ISSUE)
    assert (issue.quantity, issue.to_gate, issue.from_store) == (10, market_gate, office)
    stock = text(client.get("/supplies/"))
    assert "社区办公室: 50 个" in stock


@pytest.mark.parametrize("typed", ["-3", "abc", "0", "99999999999999999", "1e5", "3/0"])
def test_what_is_not_a_quantity_is_refused_with_a_reason(world, client_for, office, masks, typed):
    page = record(client_for("secretary"), world, office, kind="donation", donor="x", item0=masks.id, quantity0=typed)
    assert page.status_code == 200 and 'class="message error"' in text(page)
    assert not Movement.objects.exists()


def test_issuing_more_than_the_store_holds_is_refused_with_what_it_holds(world, client_for, office, masks):
    donate(masks, office, 60)
    page = text(
        record(
            client_for("secretary"),
            world,
            office,
            kind="issue",
            item0=masks.id,
            quantity0="4",
            unit0="箱",
            recipient="person",
            to_person="志愿者小王",
            to_role="volunteer",
        )
    )
    assert "社区办公室当时只有口罩 60 个，库存不足。" in page
    assert Movement.objects.count() == 1


def test_a_household_is_chosen_by_building_entrance_and_room(world, client_for, office, masks):
    donate(masks, office, 60)
    client = client_for("secretary")
    record(
        client,
        world,
        office,
        kind="issue",
        item0=masks.id,
        quantity0="5",
        recipient="household",
        building="1",
        entrance="2",
        room="301",
    )
    assert Movement.objects.get(kind=K.ISSUE).to_dwelling == world.dwelling(world.xiangchang, "1", 2, "301")
    page = text(
        record(
            client,
            world,
            office,
            kind="issue",
            item0=masks.id,
            quantity0="5",
            recipient="household",
            building="1",
            entrance="2",
            room="999",
        )
    )
    assert "本社区没有这一户" in page
    assert Movement.objects.filter(kind=K.ISSUE).count() == 1


def test_a_transfer_and_an_adjustment(world, client_for, office, masks, market_gate):
    post = Store.objects.create(community=world.xiangchang, name="菜市场门岗", gate=market_gate)
    donate(masks, office, 60)
    client = client_for("secretary")
    record(client, world, office, kind="transfer", to_store=post.id, item0=masks.id, quantity0="1", unit0="箱")
    page = text(record(client, world, post, kind="adjustment", direction="out", item0=masks.id, quantity0="2"))
    assert "盘点调整或冲销需要写明原因。" in page
    record(client, world, post, kind="adjustment", direction="out", item0=masks.id, quantity0="2", reason="盘点少两个")
    assert ledger.stock(Movement.objects.all()) == {(masks.id, office.id): 40, (masks.id, post.id): 18}


def test_a_movement_is_reversed_with_a_reason_once(world, client_for, office, masks):
    movement = donate(masks, office, 60)
    client = client_for("secretary")
    client.post(f"/supplies/movements/{movement.id}/reverse/", {"reason": " "})
    assert not Movement.objects.filter(kind=K.REVERSAL).exists()
    client.post(f"/supplies/movements/{movement.id}/reverse/", {"reason": "重复录入"})
    reversal = Movement.objects.get(kind=K.REVERSAL)
    assert (reversal.reverses, reversal.from_store, reversal.reason) == (movement, office, "重复录入")
    page = text(client.post(f"/supplies/movements/{movement.id}/reverse/", {"reason": "again"}, follow=True))
    assert "该记录已被冲销" in page and "已冲销：重复录入" in page
    assert Movement.objects.count() == 2
    assert "社区办公室: 0 个" in text(client.get("/supplies/"))


def test_the_stock_page_shows_a_past_day_without_later_movements(world, client_for, office, masks):
    donate(masks, office, 20, happened_at=timezone.now() - datetime.timedelta(days=3))
    donate(masks, office, 40)
    client = client_for("grid_worker")  # a grid worker reads the community's ledger
    day = timezone.localdate() - datetime.timedelta(days=2)
    assert "社区办公室: 20 个" in text(client.get(f"/supplies/?at={day}"))
    assert "社区办公室: 60 个" in text(client.get("/supplies/?at=not-a-day"))


def test_items_below_their_minimum_are_marked_and_alerted_on_the_home_page(world, client_for, office, masks):
    client = client_for("secretary")
    client.post(
        f"/supplies/items/{masks.id}/",
        {"name": "口罩", "unit": "个", "pack_name": "箱", "pack_size": "20", "minimum": "5", "minimum_unit": "箱"},
    )
    masks.refresh_from_db()
    assert masks.minimum == 100
    donate(masks, office, 60)
    assert "低于最低库存" in text(client.get("/supplies/"))
    home = text(client.get("/"))
    assert 'id="low-supplies"' in home and "剩余 60 个，最低 5 箱（100 个）" in home
    assert 'id="low-supplies"' not in text(client_for("street_admin").get("/"))


def test_an_item_is_added_with_a_minimum_in_any_unit(world, client_for):
    client = client_for("secretary")
    client.post(
        "/supplies/items/",
        {"community": world.xiangchang.id, "name": "消毒液", "unit": "斤", "minimum": "1.5", "minimum_unit": "kg"},
    )
    item = Item.objects.get(name="消毒液")
    assert (item.unit, item.minimum) == ("斤", 1500)
    page = text(client.post("/supplies/items/", {"community": world.xiangchang.id, "name": "消毒液", "unit": "斤"}))
    assert "本社区已有名为“消毒液”的物品。" in page
    page = text(
        client.post(
            "/supplies/items/", {"community": world.xiangchang.id, "name": "手套", "unit": "副", "minimum": "0.5"}
        )
    )
    assert "这个数量不是该物品最小单位的整数倍" in page


def test_an_item_with_movements_keeps_counting_by_piece_or_by_weight(world, client_for, office, alcohol):
    donate(alcohol, office, 500)
    client = client_for("secretary")
    page = text(client.post(f"/supplies/items/{alcohol.id}/", {"name": "酒精", "unit": "瓶"}))
    assert "单位不能在重量和件数之间改换" in page
    client.post(f"/supplies/items/{alcohol.id}/", {"name": "酒精", "unit": "kg"})
    alcohol.refresh_from_db()
    assert alcohol.unit == "kg" and alcohol.show(500) == "0.5 kg"


def test_a_gate_has_one_store(world, client_for, market_gate):
    client = client_for("secretary")
    client.post("/supplies/stores/", {"community": world.xiangchang.id, "name": "菜市场门岗", "gate": market_gate.id})
    page = text(
        client.post(
            "/supplies/stores/",
            {"community": world.xiangchang.id, "name": "另一个", "gate": market_gate.id},
            follow=True,
        )
    )
    assert "菜市场门已经有库房了。" in page
    assert Store.objects.get().gate == market_gate


def test_movements_are_filtered_and_paged(world, client_for, office, masks, alcohol):
    donate(alcohol, office, 500)
    Movement.objects.bulk_create(
        [
            Movement(community=world.xiangchang, kind=K.PURCHASE, item=masks, quantity=1, to_store=office, donor="药店")
            for _ in range(60)
        ]
    )
    client = client_for("volunteer")
    page = text(client.get(f"/supplies/movements/?item={masks.id}"))
    assert "60 条记录" in page and "第 1 页，共 2 页" in page.replace("\n", "") or "page=2" in page
    assert "1 条记录" in text(client.get(f"/supplies/movements/?kind=donation&item={alcohol.id}"))
    assert "没有出入库记录" in text(client.get("/supplies/movements/?since=2020-01-01&until=2020-01-02"))
    assert "冲销这笔记录" not in page  # a volunteer reads, and does not write


def test_another_communitys_rows_are_not_found(world, client_for, office, masks):
    theirs = Item.objects.create(community=world.liulichang, name="口罩", unit="个")
    their_store = Store.objects.create(community=world.liulichang, name="办公室")
    their_donation = donate(theirs, their_store, 10)
    client = client_for("secretary")
    assert client.get(f"/supplies/items/{theirs.id}/").status_code == 404
    assert client.post(f"/supplies/movements/{their_donation.id}/reverse/", {"reason": "x"}).status_code == 404
    assert client.get(f"/supplies/donations/{their_donation.id}/receipt.pdf").status_code == 404
    assert record(client, world, office, kind="donation", donor="x", item0=theirs.id, quantity0="1").status_code == 404
    assert (
        record(client, world, their_store, kind="donation", donor="x", item0=masks.id, quantity0="1").status_code == 404
    )
    assert client.get(f"/supplies/?community={world.liulichang.id}").status_code == 404
    assert Movement.objects.count() == 1


def test_the_admin_shows_movements_and_changes_none(world, office, masks, rf):
    from django.contrib.auth import get_user_model

    movement = donate(masks, office, 10)
    steward = get_user_model().objects.create_superuser("steward", password="x")
    request = rf.get("/admin/")
    request.user = steward
    model_admin = admin.site._registry[Movement]
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, movement)
    assert not model_admin.has_delete_permission(request, movement)
    from django.test import Client

    client = Client()
    client.force_login(steward)
    assert client.post(f"/admin/supplies/movement/{movement.id}/delete/", {"post": "yes"}).status_code == 403
    assert client.get(f"/admin/supplies/movement/{movement.id}/change/").status_code == 200  # to read
    assert Movement.objects.filter(pk=movement.pk).exists()


def test_the_demo_ledger_has_its_donations_a_reversal_and_an_item_below_minimum(world):
    import random

    from fangxian.supplies import demo

    Gate.objects.create(community=world.xiangchang, name="香厂路菜市场入口")
    Gate.objects.create(community=world.xiangchang, name="香厂路社区南门")
    demo.seed(world.xiangchang, random.Random(2020))
    donations = Movement.objects.filter(kind=K.DONATION)
    assert donations.filter(anonymous=True).count() == 1
    assert len({m.receipt for m in donations}) == 3
    assert Movement.objects.filter(kind=K.REVERSAL).count() == 1
    low = ledger.below_minimum(Item.objects.filter(community=world.xiangchang), Movement.objects.all())
    assert [item.name for item, _held in low] == ["额温枪"]
    assert Store.objects.filter(gate__name="香厂路菜市场入口").exists()


@pytest.mark.parametrize(
    "field,value",
    [
        ("kind", "theft"),
        ("store", "abc"),
        ("store", "99999999999999999999"),
        ("item0", "-1"),
        ("quantity0", "1" * 200),
        ("unit0", "吨"),
        ("happened_at", "2020-13-45T99:99"),
        ("happened_at", "0001-01-01T00:00"),
        ("happened_at", "2999-01-01T00:00"),
        ("entrance", "²"),
        ("room", "x" * 500),
        ("to_person", "x" * 500),
        ("donor", "x" * 500),
        ("to_role", "king"),
        ("to_gate", "0"),
        ("recipient", "martian"),
    ],
)
def test_no_typed_value_makes_a_server_error(world, client_for, office, masks, market_gate, field, value):
    donate(masks, office, 60)
    client = client_for("secretary")
    for kind in ("donation", "issue", "transfer", "adjustment"):
        data = {
            "kind": kind,
            "item0": masks.id,
            "quantity0": "1",
            "recipient": "household",
            "building": "1",
            "room": "101",
            "donor": "x",
            "reason": "r",
            "to_store": office.id,
        }
        data = {"community": world.xiangchang.id, "store": office.id} | data | {field: value}
        answer = client.post("/supplies/movements/new/", data)
        assert answer.status_code in (200, 302, 404), (kind, answer.status_code)
    for path, data in (
        (
            "/supplies/items/",
            {
                "name": "x",
                "unit": value[:10],
                "pack_name": value,
                "pack_size": value,
                "minimum": value,
                "minimum_unit": value,
            },
        ),
        ("/supplies/stores/", {"name": value, "gate": value}),
    ):
        assert client.post(path, {"community": world.xiangchang.id} | data).status_code in (200, 302, 404)
    assert (
        client.get("/supplies/movements/", {field: value, "item": value, "since": value, "page": value}).status_code
        == 200
    )
    assert client.get("/supplies/", {"at": value}).status_code == 200
    assert client.get("/supplies/public/", {"since": value, "until": value}).status_code == 200
