"""The station's rules: the window, the cap, the stock, exactly once, frozen after closing."""

import datetime
import threading
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from fangxian.stations import ordering
from fangxian.stations.models import Order, Package, Round

from .conftest import make_round


def home(world, room="101", building="1", entrance=1):
    return world.dwelling(world.xiangchang, building, entrance, room)


def reasons(exc) -> str:
    return " ".join(exc.value.messages)


def test_an_order_takes_the_stock_and_totals_in_fen(world, vegetable_round, packages):
    a, b = packages
    order = ordering.place(vegetable_round, home(world), {a.id: 2, b.id: 1}, "phone", world.users["secretary"])
    assert order.total == 2 * 3000 + 2550 and order.total_yuan == "85.50"
    assert order.state == "placed" and order.via == "phone" and order.placed_by == world.users["secretary"]
    assert sorted(order.lines.values_list("package__name", "quantity", "price")) == [
        ("蔬菜包 A", 2, 3000),
        ("蔬菜包 B", 1, 2550),
    ]
    a.refresh_from_db()
    assert a.stock == 8
    assert list(ordering.orders_of(home(world))) == [order]


def test_the_household_cap_counts_its_earlier_orders_in_the_round(world, vegetable_round, packages):
    a, _b = packages
    ordering.place(vegetable_round, home(world), {a.id: 1}, "phone")
    with pytest.raises(ValidationError) as refused:
        ordering.place(vegetable_round, home(world), {a.id: 2}, "link")
    assert "每户最多 2" in reasons(refused) and "已订 1" in reasons(refused)
    assert Order.objects.count() == 1 and Package.objects.get(pk=a.pk).stock == 9
    # Another household has its own cap.
    ordering.place(vegetable_round, home(world, "102"), {a.id: 2}, "phone")


def test_a_cancelled_order_frees_the_cap_and_the_stock(world, vegetable_round, packages):
    a, _b = packages
    first = ordering.place(vegetable_round, home(world), {a.id: 2}, "phone")
    ordering.cancel(first, world.users["secretary"])
    assert Package.objects.get(pk=a.pk).stock == 10
    ordering.place(vegetable_round, home(world), {a.id: 2}, "phone")


def test_beyond_the_stock_is_refused_with_what_is_left_and_keeps_nothing(world, vegetable_round, packages):
    a, b = packages
    Package.objects.filter(pk=a.pk).update(stock=1, cap=5)
    with pytest.raises(ValidationError) as refused:
        ordering.place(vegetable_round, home(world), {a.id: 3, b.id: 1}, "phone")
    assert "仅剩 1" in reasons(refused)
    # Nothing was taken: not the A that could not be had, not the B that could.
    assert Package.objects.get(pk=b.pk).stock == 1 and Order.objects.count() == 0


def test_the_last_package_goes_to_one_order_only(world, vegetable_round, packages):
    _a, b = packages  # one B left
    ordering.place(vegetable_round, home(world), {b.id: 1}, "phone")
    with pytest.raises(ValidationError) as refused:
        ordering.place(vegetable_round, home(world, "102"), {b.id: 1}, "phone")
    assert "已订完" in reasons(refused)
    assert Package.objects.get(pk=b.pk).stock == 0


@pytest.mark.django_db(transaction=True)
def test_two_orders_racing_for_the_last_package_one_wins(world):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the race is run on PostgreSQL")
    row = make_round(world)
    b = row.packages.get(name="蔬菜包 B")
    results = []

    def order(room):
        try:
            results.append(ordering.place(row, home(world, room), {b.id: 1}, "phone"))
        except ValidationError as exc:
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=order, args=(room,)) for room in ("101", "102", "201", "202")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(isinstance(r, Order) for r in results) == 1
    assert Package.objects.get(pk=b.pk).stock == 0


def test_outside_the_window_nothing_is_ordered(world, packages):
    now = timezone.now()
    later = make_round(world, name="下一期", opens_at=now + datetime.timedelta(hours=2))
    over = make_round(world, name="上一期", opens_at=now - datetime.timedelta(days=2), closes_at=now)
    for row, said in ((later, "开始订购"), (over, "已于")):
        package = row.packages.first()
        with pytest.raises(ValidationError) as refused:
            ordering.place(row, home(world), {package.id: 1}, "phone")
        assert said in reasons(refused)
    assert list(ordering.open_rounds(world.xiangchang)) == [packages[0].round]


def test_closing_freezes_the_orders(world, vegetable_round, packages):
    a, _b = packages
    order = ordering.place(vegetable_round, home(world), {a.id: 1}, "phone")
    ordering.close(vegetable_round, world.users["secretary"])
    assert vegetable_round.state == Round.State.CLOSED and not ordering.open_rounds(world.xiangchang).exists()
    with pytest.raises(ValidationError) as refused:
        ordering.place(vegetable_round, home(world, "102"), {a.id: 1}, "phone")
    assert "已截止" in reasons(refused)
    with pytest.raises(ordering.Conflict):
        ordering.cancel(order, world.users["secretary"])
    with pytest.raises(ordering.Conflict):
        ordering.add_package(vegetable_round, {"name": "C", "contents": "", "price": 1, "stock": 1, "cap": 1})
    with pytest.raises(ordering.Conflict) as again:
        ordering.close(vegetable_round, world.users["community_worker"])
    assert "secretary" in reasons(again)
    # Delivery and payment go on after the window.
    assert ordering.deliver(order, world.users["volunteer"]).state == "delivered"
    assert ordering.mark_paid(order, world.users["volunteer"]).paid


def test_unknown_package_and_nothing_ordered_are_refused(world, vegetable_round, packages):
    other = make_round(world, community=world.yongan)
    foreign = other.packages.first()
    with pytest.raises(ValidationError) as refused:
        ordering.place(vegetable_round, home(world), {foreign.id: 1}, "phone")
    assert "不在本期" in reasons(refused)
    for nothing in ({}, {packages[0].id: 0}):
        with pytest.raises(ValidationError) as refused:
            ordering.place(vegetable_round, home(world), nothing, "phone")
        assert "至少选一" in reasons(refused)
    for bad in ({packages[0].id: -1}, {packages[0].id: "two"}, {packages[0].id: 1.5}, {packages[0].id: True}):
        with pytest.raises(ValidationError):
            ordering.place(vegetable_round, home(world), bad, "phone")
    with pytest.raises(ValidationError):
        ordering.place(vegetable_round, world.dwelling(world.yongan), {packages[0].id: 1}, "phone")
    assert Order.objects.count() == 0


def test_the_same_client_id_returns_the_stored_order(world, vegetable_round, packages):
    a, _b = packages
    client_id = uuid.uuid4()
    first = ordering.place(vegetable_round, home(world), {a.id: 1}, "phone", client_id=client_id)
    again = ordering.place(vegetable_round, home(world), {a.id: 1}, "phone", client_id=str(client_id))
    assert again.pk == first.pk and Package.objects.get(pk=a.pk).stock == 9
    with pytest.raises(ValidationError):  # someone else's household with that client_id
        ordering.place(vegetable_round, home(world, "102"), {a.id: 1}, "phone", client_id=client_id)


def test_delivery_is_exactly_once_and_another_deliverer_is_told_who(world, vegetable_round, packages):
    order = ordering.place(vegetable_round, home(world), {packages[0].id: 1}, "phone")
    volunteer, grid = world.users["volunteer"], world.users["grid_worker"]
    tap = uuid.uuid4()
    first = ordering.deliver(order, volunteer, tap)
    assert first.state == "delivered" and first.delivered_by == volunteer and first.delivered_client_id == tap
    assert ordering.deliver(order, volunteer, tap).delivered_at == first.delivered_at
    assert ordering.deliver(order, volunteer, uuid.uuid4()).delivered_at == first.delivered_at  # a second tap
    with pytest.raises(ordering.Conflict) as late:
        ordering.deliver(order, grid, uuid.uuid4())
    assert "volunteer" in reasons(late)
    paid = ordering.mark_paid(order, grid, uuid.uuid4())
    assert paid.paid and paid.paid_by == grid and paid.paid_at
    with pytest.raises(ordering.Conflict) as twice:
        ordering.mark_paid(order, volunteer)
    assert "grid_worker" in reasons(twice)
    second = ordering.place(vegetable_round, home(world, "102"), {packages[0].id: 1}, "phone")
    with pytest.raises(ValidationError):  # a client_id already used for another order
        ordering.deliver(second, volunteer, tap)


def test_a_cancelled_order_is_neither_delivered_nor_paid(world, vegetable_round, packages):
    order = ordering.place(vegetable_round, home(world), {packages[0].id: 1}, "phone")
    ordering.cancel(order, None)
    for mark in (ordering.deliver, ordering.mark_paid):
        with pytest.raises(ordering.Conflict) as refused:
            mark(order, world.users["volunteer"])
        assert "取消" in reasons(refused)
    with pytest.raises(ordering.Conflict):
        ordering.cancel(order, world.users["secretary"])


def test_totals_for_the_supplier(world, vegetable_round, packages):
    a, b = packages
    one = ordering.place(vegetable_round, home(world), {a.id: 2, b.id: 1}, "phone")
    two = ordering.place(vegetable_round, home(world, "102"), {a.id: 1}, "phone")
    gone = ordering.place(vegetable_round, home(world, "201"), {a.id: 1}, "phone")
    ordering.cancel(gone, None)
    ordering.deliver(one, world.users["volunteer"])
    ordering.mark_paid(two, world.users["volunteer"])
    totals = ordering.totals(vegetable_round)
    by_name = {p["name"]: p for p in totals["packages"]}
    assert by_name["蔬菜包 A"]["ordered"] == 3
    assert (by_name["蔬菜包 A"]["delivered"], by_name["蔬菜包 A"]["paid"], by_name["蔬菜包 A"]["money"]) == (2, 1, 9000)
    assert by_name["蔬菜包 B"]["ordered"] == 1 and by_name["蔬菜包 B"]["stock"] == 0
    assert (totals["orders"], totals["delivered"], totals["paid"], totals["cancelled"]) == (2, 1, 1, 1)
    assert totals["money"] == 11550 and totals["paid_money_yuan"] == "30.00"


def test_the_route_walks_buildings_entrances_floors_rooms_and_masks(world, vegetable_round, packages):
    a = packages[0]
    for building, entrance, room in (("2", 1, "101"), ("1", 2, "301"), ("1", 1, "201"), ("1", 1, "102")):
        ordering.place(vegetable_round, home(world, room, building, entrance), {a.id: 1}, "phone")
    walked = ordering.route(vegetable_round.orders.all())
    assert [(d["building"], d["entrance"], d["room"]) for d in walked] == [
        ("1号楼", 1, "102"),
        ("1号楼", 1, "201"),
        ("1号楼", 2, "301"),
        ("2号楼", 1, "101"),
    ]
    assert walked[0]["name"].endswith("*") or "*" in walked[0]["name"]
    assert walked[0]["phone"] == "138****5678"
    assert walked[0]["items"] == [{"package": "蔬菜包 A", "quantity": 1}]
    assert walked[0]["label"] == "1号楼1单元102" and walked[0]["total_yuan"] == "30.00"
    ordering.deliver(Order.objects.get(pk=walked[1]["order_id"]), world.users["volunteer"])
    again = ordering.route(vegetable_round.orders.all())
    assert again[1]["state"] == "delivered" and again[1]["delivered_by"] == "volunteer"


def test_the_route_says_door_only_for_a_household_under_observation(world, vegetable_round, packages):
    from fangxian.watch import observations

    watched, free = home(world, "101"), home(world, "102")
    for dwelling in (watched, free):
        ordering.place(vegetable_round, dwelling, {packages[0].id: 1}, "phone")
    observations.start(watched.residents.first(), "home", timezone.localdate(), None)
    doors = {d["room"]: d["door_only"] for d in ordering.route(vegetable_round.orders.all())}
    assert doors == {"101": True, "102": False}


def test_the_pick_list_groups_by_building_and_entrance(world, vegetable_round, packages):
    a, b = packages
    ordering.place(vegetable_round, home(world, "101"), {a.id: 2}, "phone")
    ordering.place(vegetable_round, home(world, "102"), {a.id: 1, b.id: 1}, "phone")
    ordering.place(vegetable_round, home(world, "101", entrance=2), {a.id: 1}, "phone")
    listed = ordering.pick_list(vegetable_round, vegetable_round.orders.all())
    assert [(g["building"], g["entrance"], g["sums"], g["money_yuan"]) for g in listed["groups"]] == [
        ("1号楼", 1, [3, 1], "115.50"),
        ("1号楼", 2, [1, 0], "30.00"),
    ]
    headers, rows = ordering.pick_list_rows(listed)
    assert headers[5:7] == ["蔬菜包 A", "蔬菜包 B"] and len(rows) == 3


def test_rollup_counts_orders_and_deliveries_a_day(world, vegetable_round, packages):
    a = packages[0]
    one = ordering.place(vegetable_round, home(world), {a.id: 1}, "phone")
    ordering.place(vegetable_round, home(world, "102"), {a.id: 1}, "phone")
    ordering.deliver(one, world.users["volunteer"])
    today = timezone.localdate()
    assert ordering.rollup(Order.objects.all(), "street") == [
        {"id": world.tianqiao.id, "day": today, "orders": 2, "delivered": 1}
    ]


@pytest.mark.django_db(transaction=True)
def test_two_deliverers_at_the_same_door_one_wins_the_other_is_told(world):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the race is run on PostgreSQL")
    row = make_round(world)
    order = ordering.place(row, home(world), {row.packages.first().id: 1}, "phone")
    results = {}

    def deliver(actor):
        try:
            results[actor] = ordering.deliver(Order.objects.get(pk=order.pk), world.users[actor], uuid.uuid4())
        except ValidationError as exc:
            results[actor] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver, args=(a,)) for a in ("volunteer", "grid_worker")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    won = [a for a, r in results.items() if isinstance(r, Order)]
    lost = [r for r in results.values() if isinstance(r, ordering.Conflict)]
    assert len(won) == 1 and len(lost) == 1 and won[0] in " ".join(lost[0].messages)
    assert Order.objects.get(pk=order.pk).delivered_by == world.users[won[0]]
