"""The one write path of a swab: who, which tube, how full, once."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import add_resident
from fangxian.gate import permits
from fangxian.people.models import Resident
from fangxian.testing import sampling
from fangxian.testing.models import Campaign, Recall, Result, Sample, Tube

from .table_fixtures import make_campaign, registration

pytestmark = pytest.mark.django_db


def residents(community, n=None):
    rows = list(Resident.objects.filter(community=community).order_by("id"))
    return rows[:n] if n else rows


def one(campaign, reg, user=None):
    [answer] = sampling.register(campaign, [reg], user)
    return answer


def test_ten_people_fill_a_ten_in_one_tube_which_closes(world):
    campaign = make_campaign(world, pool_size=10)
    people = residents(world.xiangchang, 11)
    answers = sampling.register(campaign, [registration("T0001", p.id_number) for p in people[:10]], None)
    assert all(a["accepted"] for a in answers), answers
    assert [a["tube"]["size"] for a in answers] == list(range(1, 11))
    assert answers[-1]["tube"]["status"] == "closed"
    tube = Tube.objects.get(barcode="T0001")
    assert (tube.size, tube.capacity, tube.status) == (10, 10, "closed") and tube.closed_at
    eleventh = one(campaign, registration("T0001", people[10].id_number))
    assert not eleventh["accepted"] and "已封管" in eleventh["reason"]
    assert Sample.objects.filter(tube=tube).count() == 10


def test_the_same_client_id_is_stored_once_and_answered_as_stored(world):
    campaign = make_campaign(world)
    person = residents(world.xiangchang, 1)[0]
    reg = registration("T0002", person.id_number)
    first = one(campaign, reg)
    again = sampling.register(campaign, [reg, reg], None)
    assert Sample.objects.filter(client_id=reg.client_id).count() == 1
    assert all(a["replay"] and a["sample_id"] == first["sample_id"] for a in again)
    assert Tube.objects.get(barcode="T0002").size == 1


def test_a_person_is_sampled_once_per_campaign(world):
    campaign = make_campaign(world)
    person = residents(world.xiangchang, 1)[0]
    assert one(campaign, registration("T0003", person.id_number))["accepted"]
    twice = one(campaign, registration("T0004", person.id_number))
    assert not twice["accepted"] and "T0003" in twice["reason"]
    same_tube = one(campaign, registration("T0003", person.id_number))
    assert not same_tube["accepted"]
    assert not Tube.objects.filter(barcode="T0004").exists()


def test_a_permit_code_names_the_resident(world):
    campaign = make_campaign(world)
    person = residents(world.xiangchang, 1)[0]
    code = permits.issue(person, world.users["secretary"]).code
    answer = one(campaign, registration("T0005", permit_code=code))
    assert answer["accepted"] and Sample.objects.get(pk=answer["sample_id"]).resident == person
    assert answer["resident"] != person.name and answer["resident"][0] == person.name[0]  # masked


def test_a_permit_of_another_community_a_forged_one_and_a_revoked_one_are_refused(world):
    campaign = make_campaign(world)
    foreign = permits.issue(residents(world.yongan, 1)[0], None).code
    answer = one(campaign, registration("T0006", permit_code=foreign))
    assert not answer["accepted"] and "其他社区" in answer["reason"]
    mine = permits.issue(residents(world.xiangchang, 1)[0], None)
    forged = mine.code[:-3] + ("A" if mine.code[-3] != "A" else "B") + mine.code[-2:]
    assert not one(campaign, registration("T0006", permit_code=forged))["accepted"]
    permits.revoke(mine, "lost")
    assert not one(campaign, registration("T0006", permit_code=mine.code))["accepted"]
    assert not one(campaign, registration("T0006", permit_code="not a code"))["accepted"]
    assert not Tube.objects.filter(barcode="T0006").exists()


@pytest.mark.parametrize("bad", ["11010519491231002Y", "110105194912310021", "123"])
def test_an_id_number_that_is_not_valid_is_refused(world, bad):
    answer = one(make_campaign(world), registration("T0007", bad))
    assert not answer["accepted"] and answer["reason"]


def test_an_id_number_of_another_communitys_resident_is_not_found_here(world):
    answer = one(make_campaign(world), registration("T0008", residents(world.liulichang, 1)[0].id_number))
    assert not answer["accepted"]
    assert not Tube.objects.filter(barcode="T0008").exists()


def test_one_tube_per_household_holds_only_that_dwellings_members(world):
    campaign = make_campaign(world, pool_size=5, households_together=True)
    first = residents(world.xiangchang, 1)[0]
    spouse = add_resident(first.dwelling, "王芳", sex="F")
    neighbour = residents(world.xiangchang, 2)[1]
    assert one(campaign, registration("H0001", first.id_number))["accepted"]
    assert one(campaign, registration("H0001", spouse.id_number))["accepted"]
    other = one(campaign, registration("H0001", neighbour.id_number))
    assert not other["accepted"] and "另一户" in other["reason"]
    assert Tube.objects.get(barcode="H0001").household == first.dwelling


def test_a_recalled_person_is_retested_in_a_single_tube_linked_to_the_recall(world):
    campaign = make_campaign(world)
    person = residents(world.xiangchang, 1)[0]
    pool_answer = one(campaign, registration("P0001", person.id_number))
    pool = Tube.objects.get(barcode="P0001")
    sampling.close_tube(pool)
    recall = Recall.objects.create(campaign=campaign, pool=pool, resident=person)
    one(campaign, registration("P0002", residents(world.xiangchang, 2)[1].id_number))
    into_pool = one(campaign, registration("P0002", person.id_number))
    assert not into_pool["accepted"] and "单人单管" in into_pool["reason"]
    retest = one(campaign, registration("R0001", person.id_number))
    assert retest["accepted"] and retest["retest"] and retest["tube"]["status"] == "closed"
    tube = Tube.objects.get(barcode="R0001")
    assert (tube.capacity, tube.retest) == (1, True)
    recall.refresh_from_db()
    assert recall.retest_id == retest["sample_id"] != pool_answer["sample_id"]
    assert not one(campaign, registration("R0002", person.id_number))["accepted"]  # retested once


def test_a_tube_number_used_by_another_campaign_or_closed_is_refused(world):
    first, second = make_campaign(world), make_campaign(world)
    people = residents(world.xiangchang, 3)
    assert one(first, registration("U0001", people[0].id_number))["accepted"]
    used = one(second, registration("U0001", people[1].id_number))
    assert not used["accepted"] and "管号重复使用" in used["reason"]
    sampling.close_tube(Tube.objects.get(barcode="U0001"))
    assert not one(first, registration("U0001", people[2].id_number))["accepted"]
    with pytest.raises(sampling.Refusal):
        sampling.close_tube(Tube.objects.get(barcode="U0001"))


def test_a_resident_outside_the_campaigns_targets_is_refused(world):
    campaign = make_campaign(world, target=Campaign.Target.BUILDINGS)
    campaign.buildings.add(world.building(world.xiangchang, "1"))
    inside = world.resident(world.xiangchang, "1")
    outside = world.resident(world.xiangchang, "2")
    assert one(campaign, registration("B0001", inside.id_number))["accepted"]
    answer = one(campaign, registration("B0001", outside.id_number))
    assert not answer["accepted"] and answer["reason"]
    listed = make_campaign(world, target=Campaign.Target.LIST)
    listed.listed.add(outside)
    assert one(listed, registration("L0001", outside.id_number))["accepted"]
    assert not one(listed, registration("L0001", inside.id_number))["accepted"]


def test_a_complete_campaign_a_time_outside_its_window_and_a_bad_barcode_are_refused(world):
    campaign = make_campaign(world)
    person = residents(world.xiangchang, 1)[0]
    late = timezone.now() + datetime.timedelta(hours=1)
    assert not one(campaign, registration("W0001", person.id_number, sampled_at=late))["accepted"]
    early = campaign.starts_at - datetime.timedelta(minutes=1)
    assert not one(campaign, registration("W0001", person.id_number, sampled_at=early))["accepted"]
    assert not one(campaign, registration("管0001", person.id_number))["accepted"]
    assert not one(campaign, registration("W0001", person.id_number, permit_code="x"))["accepted"]  # both given
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.COMPLETE)
    campaign.refresh_from_db()
    assert not one(campaign, registration("W0001", person.id_number))["accepted"]
    assert not Sample.objects.exists()


def test_a_full_tube_takes_no_more_even_when_two_phones_saw_it_open(world):
    campaign = make_campaign(world, pool_size=5)
    people = residents(world.xiangchang, 2)
    one(campaign, registration("C0001", people[0].id_number))
    tube = Tube.objects.get(barcode="C0001")
    stale = Tube.objects.get(pk=tube.pk)  # what the other phone's request read
    Tube.objects.filter(pk=tube.pk).update(size=5)
    assert sampling.take_place(stale, timezone.now()) is None
    assert Tube.objects.get(pk=tube.pk).size == 5


def test_a_scanner_typed_barcode_is_read_plainly(world):
    answer = one(make_campaign(world), registration(" t-0009\t\n", residents(world.xiangchang, 1)[0].id_number))
    assert answer["tube"]["barcode"] == "T-0009"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(0, 11), st.integers(0, 3), st.booleans()), min_size=1, max_size=30))
def test_whatever_the_order_tubes_never_overfill_and_nobody_is_sampled_twice(world, steps):
    with transaction.atomic():
        campaign = make_campaign(world, pool_size=5)
        people = residents(world.xiangchang, 12)
        items = [registration(f"Z{tube}", people[person].id_number) for person, tube, _resend in steps]
        items += [i for i, (_p, _t, resend) in zip(items, steps, strict=True) if resend]  # a phone resending
        answers = sampling.register(campaign, items, None)
        for tube in Tube.objects.filter(campaign=campaign):
            members = list(Sample.objects.filter(tube=tube).values_list("position", flat=True))
            assert tube.size == len(members) <= tube.capacity == 5
            assert sorted(members) == list(range(1, tube.size + 1))
            assert (tube.status == "closed") == (tube.size == 5)
        sampled = list(Sample.objects.filter(campaign=campaign).values_list("resident_id", flat=True))
        assert len(sampled) == len(set(sampled))
        assert sum(a["accepted"] and not a["replay"] for a in answers) == len(sampled)
        assert len({i.client_id for i in items}) >= len(sampled)
        transaction.set_rollback(True)


def test_an_unknown_outcome_is_never_pending_recall(world):
    # Only a pending recall without a retest opens the way to a second swab.
    campaign = make_campaign(world)
    person = residents(world.xiangchang, 1)[0]
    one(campaign, registration("N0001", person.id_number))
    pool = Tube.objects.get(barcode="N0001")
    Recall.objects.create(campaign=campaign, pool=pool, resident=person, outcome=Result.NEGATIVE)
    assert not one(campaign, registration("N0002", person.id_number))["accepted"]
    assert uuid.UUID(one(campaign, registration("N0002", person.id_number))["client_id"])
