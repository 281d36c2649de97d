import base64
import uuid

import pytest
from django.core.exceptions import ValidationError

from fangxian.kits import distributing
from fangxian.kits.models import Recipient
from fangxian.people.models import Tag
from fangxian.supplies import ledger
from fangxian.supplies.models import Movement

from .conftest import signature_url, tag

R = Recipient.State


def stock(kit) -> dict[str, int]:
    held = ledger.stock(Movement.objects.all())
    return {name: held.get((kit[name].pk, kit["office"].pk), 0) for name in ("thermometer", "masks", "alcohol")}


def test_recipients_from_a_tag_are_current_tagged_households_in_walking_order(world, kit):
    found = distributing.recipients_from(world.xiangchang, [Tag.ELDERLY_ALONE])
    assert found == [(r.dwelling_id, r.pk) for r in kit["alone"]]
    assert kit["gone"].dwelling_id not in [d for d, _ in found]


def test_recipients_from_a_building_are_its_households_without_those_moved_out(world, kit):
    building = world.building(world.xiangchang, "2")
    found = distributing.recipients_from(world.xiangchang, [], [building.pk])
    assert len(found) == 11  # 12 dwellings, one whose only resident moved out
    assert kit["gone"].dwelling_id not in [d for d, _ in found]
    assert all(r is None for _, r in found)


def test_tags_and_a_building_narrow_each_other(world, kit):
    found = distributing.recipients_from(world.xiangchang, [Tag.ELDERLY_ALONE], [world.building(world.xiangchang).pk])
    assert found == [(r.dwelling_id, r.pk) for r in kit["alone"][:2]]


def test_a_household_of_two_tagged_people_gets_one_kit(world, kit):
    from conftest import add_resident

    dwelling = kit["alone"][0].dwelling
    second = add_resident(dwelling, "老伴", tags=",pregnant,")
    found = distributing.recipients_from(world.xiangchang, [Tag.ELDERLY_ALONE, Tag.PREGNANT])
    assert [d for d, _ in found].count(dwelling.pk) == 1
    assert (dwelling.pk, kit["alone"][0].pk) in found and second.pk not in [r for _, r in found]


def test_another_communitys_building_or_an_unknown_tag_is_refused(world, kit):
    with pytest.raises(ValidationError, match="社区"):
        distributing.recipients_from(world.xiangchang, [], [world.building(world.yongan).pk])
    with pytest.raises(ValidationError):
        distributing.recipients_from(world.xiangchang, ["party_member"])
    with pytest.raises(ValidationError):
        distributing.recipients_from(world.xiangchang)


def test_create_lists_households_and_contents_in_quanta(distribution, kit):
    assert distribution.recipients.count() == 3
    assert {c.item.name: c.quantity for c in distribution.contents.select_related("item")} == {
        "体温计": 1,
        "口罩": 10,
        "酒精": 500,
    }


def test_a_content_that_is_not_exact_is_refused_with_the_items_name(world, kit):
    with pytest.raises(ValidationError) as e:
        distributing.create(
            world.xiangchang,
            "应急包",
            kit["office"],
            [distributing.ContentIn(kit["masks"], "1/3", "箱")],
            [Tag.ELDERLY_ALONE],
            [],
            None,
        )
    assert "口罩" in str(e.value)


def test_hand_over_issues_the_contents_from_the_store(world, kit, distribution):
    before = stock(kit)
    recipient = distribution.recipients.first()
    done = distributing.hand_over(recipient, world.users["volunteer"], signature=signature_url())
    assert done.state == R.HANDED_OVER and done.how == "signature" and done.proof.name.endswith(".png")
    assert stock(kit) == {"thermometer": before["thermometer"] - 1, "masks": before["masks"] - 10, "alcohol": 4500}
    issued = Movement.objects.filter(kind="issue")
    assert {m.source for m in issued} == {f"kit:{distribution.pk}"}
    assert {m.to_dwelling_id for m in issued} == {recipient.dwelling_id}


def test_a_short_store_refuses_the_kit_and_records_nothing(world, kit, distribution):
    ledger.issue(kit["thermometer"], kit["office"], 10, to_person="南门")
    before = Movement.objects.count()
    recipient = distribution.recipients.first()
    with pytest.raises(ValidationError) as e:
        distributing.hand_over(recipient, world.users["volunteer"], signature=signature_url())
    assert "体温计" in str(e.value) and "社区办公室" in str(e.value)
    assert Movement.objects.count() == before
    recipient.refresh_from_db()
    assert recipient.state == R.PENDING and not recipient.proof


def test_the_same_client_id_hands_over_exactly_once(world, kit, distribution):
    recipient = distribution.recipients.first()
    client_id = uuid.uuid4()
    first = distributing.hand_over(recipient, world.users["volunteer"], signature=signature_url(), client_id=client_id)
    again = distributing.hand_over(recipient, world.users["volunteer"], signature=signature_url(), client_id=client_id)
    assert again.pk == first.pk
    assert Movement.objects.filter(kind="issue").count() == 3


def test_a_second_hand_over_is_told_who_did_the_first(world, kit, distribution):
    recipient = distribution.recipients.first()
    distributing.hand_over(recipient, world.users["volunteer"], signature=signature_url())
    with pytest.raises(distributing.AlreadyHandedOver, match="volunteer"):
        distributing.hand_over(recipient, world.users["grid_worker"], signature=signature_url())
    assert Movement.objects.filter(kind="issue").count() == 3


def test_a_client_id_of_another_recipient_is_refused(world, kit, distribution):
    first, second = distribution.recipients.all()[:2]
    client_id = uuid.uuid4()
    distributing.hand_over(first, world.users["volunteer"], signature=signature_url(), client_id=client_id)
    with pytest.raises(ValidationError, match="client_id"):
        distributing.hand_over(second, world.users["volunteer"], signature=signature_url(), client_id=client_id)


def test_a_hand_over_needs_a_signature_or_a_photo(world, distribution):
    recipient = distribution.recipients.first()
    with pytest.raises(ValidationError):
        distributing.hand_over(recipient, world.users["volunteer"])
    with pytest.raises(ValidationError, match="空"):
        distributing.hand_over(recipient, world.users["volunteer"], signature=signature_url(drawn=False))


def test_close_is_refused_while_a_household_waits_without_a_reason(world, distribution):
    distributing.hand_over(distribution.recipients.first(), world.users["volunteer"], signature=signature_url())
    waiting = list(distribution.recipients.filter(state=R.PENDING))
    with pytest.raises(ValidationError, match="2"):
        distributing.close(distribution, world.users["secretary"])
    with pytest.raises(ValidationError, match="1"):
        distributing.close(distribution, world.users["secretary"], {waiting[0].pk: "住院"})
    distribution.refresh_from_db()
    assert distribution.is_open and distribution.recipients.filter(state=R.PENDING).count() == 2


def test_closing_with_a_reason_for_each_leaves_them_out(world, distribution):
    waiting = list(distribution.recipients.all())
    distributing.leave_out(waiting[0], "去子女家住", world.users["volunteer"])
    closed = distributing.close(
        distribution, world.users["secretary"], {waiting[1].pk: "住院", str(waiting[2].pk): "拒收"}
    )
    assert not closed.is_open and closed.closed_by == world.users["secretary"]
    assert dict(distribution.recipients.values_list("id", "reason")) == {
        waiting[0].pk: "去子女家住",
        waiting[1].pk: "住院",
        waiting[2].pk: "拒收",
    }
    with pytest.raises(ValidationError):
        distributing.hand_over(waiting[1], world.users["volunteer"], signature=signature_url())


def test_reopening_needs_a_reason_and_lets_a_left_out_household_have_its_kit(world, distribution):
    waiting = list(distribution.recipients.all())
    distributing.close(distribution, world.users["secretary"], {r.pk: "住院" for r in waiting})
    with pytest.raises(ValidationError):
        distributing.reopen(distribution, world.users["secretary"], " ")
    distributing.reopen(distribution, world.users["secretary"], "出院了")
    done = distributing.hand_over(waiting[0], world.users["volunteer"], signature=signature_url())
    assert done.state == R.HANDED_OVER and done.reason == ""


def test_closing_and_reopening_are_in_the_communitys_audit_log(world, client_for, distribution):
    from fangxian.accounts.models import AuditEvent

    waiting = list(distribution.recipients.all())
    distributing.close(distribution, world.users["secretary"], {r.pk: "住院" for r in waiting})
    distributing.reopen(distribution, world.users["secretary"], "出院了")
    events = AuditEvent.objects.filter(community=world.xiangchang, target_type="distribution").order_by("at", "id")
    assert [(e.action, e.username) for e in events] == [
        ("kit_closed", "secretary"),
        ("kit_reopened", "secretary"),
    ]
    assert events[0].detail == {"left_out": len(waiting)} and events[1].detail == {"reason": "出院了"}
    assert "关闭了应急包发放" in client_for("secretary").get("/audit/").content.decode()


def test_a_handed_over_kit_cannot_be_left_out(world, distribution):
    recipient = distribution.recipients.first()
    distributing.hand_over(recipient, world.users["volunteer"], signature=signature_url())
    with pytest.raises(distributing.AlreadyHandedOver):
        distributing.leave_out(recipient, "拒收", world.users["secretary"])


def test_rollup_counts_by_street(world, distribution):
    distributing.hand_over(distribution.recipients.first(), world.users["volunteer"], signature=signature_url())
    [row] = distributing.rollup(Recipient.objects.all(), "street")
    assert row == {
        "id": world.tianqiao.pk,
        "distributions": 1,
        "total": 3,
        "handed_over": 1,
        "pending": 2,
        "left_out": 0,
    }


def test_tag_helper_keeps_other_tags(world, kit):
    resident = tag(kit["alone"][0], Tag.DIALYSIS)
    assert set(resident.tag_list) == {Tag.ELDERLY_ALONE, Tag.DIALYSIS}


def test_half_a_signature_is_refused_even_after_a_pdf_was_printed(world, distribution):
    import weasyprint  # noqa: F401 - on import it makes Pillow load truncated images everywhere

    whole = base64.b64decode(signature_url().split(",", 1)[1])
    half = "data:image/png;base64," + base64.b64encode(whole[: len(whole) // 2]).decode()
    recipient = distribution.recipients.first()
    with pytest.raises(ValidationError):
        distributing.hand_over(recipient, world.users["volunteer"], signature=half)
    recipient.refresh_from_db()
    assert recipient.state == "pending" and not recipient.proof
