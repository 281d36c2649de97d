import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from fangxian.supplies import ledger
from fangxian.supplies.models import Item, Movement, Store

K = Movement.Kind


@pytest.fixture
def office(world):
    return Store.objects.create(community=world.xiangchang, name="社区办公室")


@pytest.fixture
def masks(world):
    return Item.objects.create(community=world.xiangchang, name="口罩", unit="个", pack_name="箱", pack_size=20)


def donate(item, store, quantity, **kw):
    return ledger.record(K.DONATION, item, quantity, to_store=store, donor="天桥商会", **kw)


def test_stock_is_what_came_in_less_what_went_out(world, office, masks):
    donate(masks, office, ledger.quanta(masks, "3", "箱"))
    ledger.issue(masks, office, 15, to_person="志愿者小王")
    assert ledger.stock(Movement.objects.all()) == {(masks.pk, office.pk): 45}


def test_issuing_more_than_the_store_holds_is_refused(world, office, masks):
    donate(masks, office, 10)
    with pytest.raises(ValidationError) as e:
        ledger.issue(masks, office, 11, to_person="志愿者小王")
    assert "10" in str(e.value)
    assert Movement.objects.count() == 1


def test_a_backdated_issue_that_would_empty_the_store_in_the_past_is_refused(world, office, masks):
    donate(masks, office, 10, happened_at=timezone.now() - datetime.timedelta(days=2))
    ledger.issue(masks, office, 10, to_person="南门", happened_at=timezone.now() - datetime.timedelta(days=1))
    donate(masks, office, 10)
    with pytest.raises(ValidationError):
        ledger.issue(
            masks, office, 5, to_person="北门", happened_at=timezone.now() - datetime.timedelta(days=1, hours=1)
        )


def test_stock_at_a_date_leaves_out_later_movements(world, office, masks):
    two_days_ago = timezone.now() - datetime.timedelta(days=2)
    donate(masks, office, 10, happened_at=two_days_ago)
    donate(masks, office, 30)
    assert ledger.stock(Movement.objects.all(), at=two_days_ago + datetime.timedelta(hours=1)) == {
        (masks.pk, office.pk): 10
    }


def test_a_movement_is_never_edited_or_deleted(world, office, masks):
    movement = donate(masks, office, 10)
    movement.quantity = 1
    with pytest.raises(ValidationError):
        movement.save()
    with pytest.raises(ValidationError):
        movement.delete()
    assert Movement.objects.get().quantity == 10


def test_a_reversal_undoes_a_movement_once(world, office, masks):
    movement = donate(masks, office, 10)
    ledger.reverse(movement, "录入错误")
    assert ledger.stock(Movement.objects.all()) == {(masks.pk, office.pk): 0}
    with pytest.raises(ValidationError):
        ledger.reverse(movement, "again")


def test_a_reversal_that_would_leave_the_store_short_is_refused(world, office, masks):
    movement = donate(masks, office, 10)
    ledger.issue(masks, office, 5, to_person="志愿者小王")
    with pytest.raises(ValidationError):
        ledger.reverse(movement, "录入错误")


def test_an_adjustment_needs_a_reason(world, office, masks):
    with pytest.raises(ValidationError):
        ledger.record(K.ADJUSTMENT, masks, 3, to_store=office, reason=" ")


def test_a_donation_says_who_gave_it_or_is_anonymous(world, office, masks):
    with pytest.raises(ValidationError):
        ledger.record(K.DONATION, masks, 3, to_store=office)
    ledger.record(K.DONATION, masks, 3, to_store=office, anonymous=True)


def test_an_issue_names_one_recipient(world, office, masks):
    donate(masks, office, 10)
    with pytest.raises(ValidationError):
        ledger.issue(masks, office, 1)
    ledger.issue(masks, office, 1, to_dwelling=world.dwelling(world.xiangchang))


def test_another_communitys_store_is_refused(world, masks):
    elsewhere = Store.objects.create(community=world.liulichang, name="办公室")
    with pytest.raises(ValidationError):
        donate(masks, elsewhere, 10)


def test_a_third_of_a_pack_is_refused_in_the_users_words(world, masks):
    with pytest.raises(ValidationError) as e:
        ledger.quanta(masks, "1/3", "箱")
    assert "quantity" in e.value.message_dict


def test_items_below_their_minimum_are_listed(world, office, masks):
    masks.minimum = 100
    masks.save()
    gloves = Item.objects.create(community=world.xiangchang, name="手套", unit="副", minimum=5)
    donate(masks, office, 40)
    donate(gloves, office, 5)
    assert ledger.below_minimum(Item.objects.all(), Movement.objects.all()) == [(masks, 40)]
