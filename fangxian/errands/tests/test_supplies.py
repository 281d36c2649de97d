"""Errands draw from the supplies ledger: what goes to the household with an errand is an issue
of the ledger, named as the errand's."""

import json

import pytest

from fangxian.supplies import ledger
from fangxian.supplies.models import Item, Movement, Store

from .conftest import make_errand


@pytest.fixture
def office(world):
    store = Store.objects.create(community=world.xiangchang, name="社区办公室")
    masks = Item.objects.create(community=world.xiangchang, name="口罩", unit="个", pack_name="箱", pack_size=20)
    ledger.record(Movement.Kind.DONATION, masks, 40, to_store=store, donor="天桥商会")
    return store, masks


def test_supplies_given_with_an_errand_are_issued_to_its_household_from_the_ledger(world, client_for, errand, office):
    store, masks = office
    response = client_for("secretary").post(
        f"/errands/{errand.pk}/supplies/", {"item": masks.pk, "store": store.pk, "quantity": "1/2 箱"}, follow=True
    )
    issue = Movement.objects.get(kind="issue")
    assert (issue.quantity, issue.to_dwelling, issue.source) == (10, errand.dwelling, f"errand:{errand.pk}")
    assert ledger.stock(Movement.objects.all()) == {(masks.pk, store.pk): 30}
    assert "口罩 10 个" in response.content.decode()


def test_a_third_of_a_box_is_refused_with_the_reason_and_nothing_is_issued(world, client_for, errand, office):
    store, masks = office
    response = client_for("secretary").post(
        f"/errands/{errand.pk}/supplies/", {"item": masks.pk, "store": store.pk, "quantity": "1/3 箱"}, follow=True
    )
    assert "这个数量不是该物品最小单位的整数倍" in response.content.decode()
    assert not Movement.objects.filter(kind="issue").exists()


def test_more_than_the_store_holds_is_refused_through_the_api(world, api_for, errand, office):
    store, masks = office
    response = api_for("secretary").post(
        f"/api/v1/errands/{errand.pk}/supplies",
        json.dumps({"item_id": masks.pk, "store_id": store.pk, "quantity": "3 箱"}),
        content_type="application/json",
    )
    assert response.status_code == 422 and "40" in response.content.decode()
    assert not Movement.objects.filter(kind="issue").exists()


def test_another_communitys_item_is_not_found(world, api_for, errand, office):
    store, _masks = office
    theirs = Item.objects.create(community=world.liulichang, name="口罩", unit="个")
    response = api_for("secretary").post(
        f"/api/v1/errands/{errand.pk}/supplies",
        json.dumps({"item_id": theirs.pk, "store_id": store.pk, "quantity": "1"}),
        content_type="application/json",
    )
    assert response.status_code == 404


def test_nothing_goes_with_a_cancelled_errand(world, api_for, office):
    store, masks = office
    errand = make_errand(world)
    errand.state = "cancelled"
    errand.save()
    response = api_for("secretary").post(
        f"/api/v1/errands/{errand.pk}/supplies",
        json.dumps({"item_id": masks.pk, "store_id": store.pk, "quantity": "1"}),
        content_type="application/json",
    )
    assert response.status_code == 422


def test_what_went_with_an_errand_is_listed_with_it(world, api_for, errand, office):
    store, masks = office
    client = api_for("volunteer")
    api_for("secretary").post(
        f"/api/v1/errands/{errand.pk}/supplies",
        json.dumps({"item_id": masks.pk, "store_id": store.pk, "quantity": "1 箱"}),
        content_type="application/json",
    )
    [listed] = client.get(f"/api/v1/errands/{errand.pk}/supplies").json()
    assert (listed["quantity"], listed["shown"], listed["reversed_by_id"]) == (20, "20 个", None)
