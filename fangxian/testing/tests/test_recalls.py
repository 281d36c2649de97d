"""A positive pool recalls its members and holds them; their single results release or confirm."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from fangxian.people.models import Resident
from fangxian.testing import recalls, results, sampling
from fangxian.testing.models import Recall, Result, Sample

from .lab import campaign, csv_file, residents_of, tube, when
from .table_fixtures import registration


def apply(world, rows) -> dict:
    imp = results.upload(world.xiangchang, world.users["health_worker"], "lab.csv", csv_file(rows))
    assert imp.status == "previewed", imp.report
    return results.apply(imp, world.users["health_worker"])


@pytest.fixture
def recalled(world):
    """A positive 10-in-1 pool of building 1's residents, applied."""
    camp = campaign(world.xiangchang)
    people = residents_of(world.xiangchang, 10)
    tube(camp, "XC0001", people, sampled_at=timezone.now() - datetime.timedelta(hours=6))
    apply(world, [("XC0001", "阳性", when(5))])
    # Recalled when the lab's answer came, five hours ago: the single retests below follow.
    Recall.objects.update(recalled_at=timezone.now() - datetime.timedelta(hours=5))
    return camp, people


def held() -> set[int]:
    return set(Resident.objects.filter(awaiting_retest=True).values_list("id", flat=True))


def test_single_retests_clear_or_confirm(world, recalled):
    camp, people = recalled
    assert held() == {p.id for p in people}
    tube(camp, "S0001", [people[0]])
    tube(camp, "S0002", [people[1]])
    summary = apply(world, [("S0001", "阴性", when()), ("S0002", "阳性", when())])
    assert summary["cleared"] == 1 and summary["confirmed"] == 1
    cleared = Recall.objects.get(resident=people[0])
    assert cleared.outcome == Result.NEGATIVE and cleared.cleared_at and cleared.retest.tube.barcode == "S0001"
    confirmed = Recall.objects.get(resident=people[1])
    assert confirmed.outcome == Result.POSITIVE and confirmed.cleared_at is None
    assert Sample.objects.get(tube__barcode="S0002").outcome == Sample.Outcome.POSITIVE
    # The negative goes free; the positive stays held, a confirmed case; the rest still wait.
    assert held() == {p.id for p in people[1:]}


def test_a_hold_stays_while_another_recall_is_pending(world, recalled):
    camp, people = recalled
    other = campaign(world.xiangchang)
    tube(other, "XC0100", [people[0], *residents_of(world.xiangchang, 12)[10:12]])
    apply(world, [("XC0100", "阳性", when(4))])
    assert Recall.objects.filter(resident=people[0]).count() == 2
    # A single swab taken before the second recall answers only the first.
    earlier = timezone.now() - datetime.timedelta(hours=4, minutes=30)
    tube(camp, "S0001", [people[0]], sampled_at=earlier)
    apply(world, [("S0001", "阴性", when())])
    assert Recall.objects.get(resident=people[0], campaign=camp).outcome == Result.NEGATIVE
    assert Recall.objects.get(resident=people[0], campaign=other).outcome == Result.PENDING
    assert people[0].id in held()
    tube(other, "S0002", [people[0]], sampled_at=timezone.now())
    apply(world, [("S0002", "阴性", when(0))])
    assert people[0].id not in held()


def test_a_pool_of_one_positive_is_positive_directly(world):
    camp = campaign(world.xiangchang, pool_size=1)
    person = residents_of(world.xiangchang, 1)[0]
    tube(camp, "P0001", [person])
    summary = apply(world, [("P0001", "阳性", when())])
    assert summary["recalled"] == 0 and summary["confirmed"] == 1
    assert not Recall.objects.exists()
    assert Sample.objects.get(tube__barcode="P0001").outcome == Sample.Outcome.POSITIVE
    assert person.id in held()


def test_a_negative_pool_does_not_release_a_recalled_member(world, recalled):
    camp, people = recalled
    tube(camp, "XC0200", [people[0], *residents_of(world.xiangchang, 15)[10:15]])
    apply(world, [("XC0200", "阴性", when())])
    assert Recall.objects.get(resident=people[0]).outcome == Result.PENDING
    assert people[0].id in held()


def test_the_recall_list_by_building_and_household_with_progress(world, recalled, client_for):
    camp, people = recalled
    tube(camp, "S0001", [people[0]])
    apply(world, [("S0001", "阴性", when())])
    listed = recalls.recall_list(world.users["health_worker"])
    assert listed.progress == {"total": 10, "pending": 9, "negative": 1, "positive": 0, "invalid": 0}
    assert [g.building.number for g in listed.buildings] == ["1"]
    households = listed.buildings[0].households
    assert sum(len(h.recalls) for h in households) == 10
    assert all(len({r.resident.dwelling_id for r in h.recalls}) == 1 for h in households)
    assert recalls.recall_list(world.users["health_worker"], pending_only=True).progress["total"] == 10
    assert recalls.recall_list(world.users["outsider"]).progress["total"] == 0
    page = client_for("health_worker").get("/testing/recalls/")
    text = page.content.decode()
    assert page.status_code == 200 and people[1].name in text
    assert people[1].phone not in text and people[1].masked_phone in text


def test_the_phone_is_revealed_only_through_the_audited_reveal(world, recalled, client_for):
    from fangxian.accounts.models import AuditEvent

    camp, people = recalled
    client = client_for("health_worker")
    shown = client.post(f"/people/residents/{people[0].id}/reveal/phone/")
    assert shown.status_code == 200 and people[0].phone in shown.content.decode()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.REVEAL_PHONE, target_id=str(people[0].id)).exists()


def test_the_map_marks_held_households_until_released(world, recalled):
    from fangxian.places.models import Dwelling
    from fangxian.watch import mapping

    camp, people = recalled
    dwellings = Dwelling.objects.filter(pk__in=[p.dwelling_id for p in people])
    assert {c.status for c in mapping.cells_for(dwellings).values()} == {"awaiting_retest"}
    tube(camp, "S0001", [people[0]])
    apply(world, [("S0001", "阴性", when())])
    cells = mapping.cells_for(dwellings)
    # One resident a dwelling in the fixtures: the released one's door is clear again.
    assert cells[people[0].dwelling_id].status == "clear"
    assert cells[people[1].dwelling_id].status == "awaiting_retest"


def test_the_retest_registered_for_a_recall_answers_it_whatever_the_phones_clock(world, recalled):
    # The table links the retest to the recall; a phone clock an hour slow must not leave the
    # person held with their negative result in.
    camp, people = recalled
    Recall.objects.update(recalled_at=timezone.now())
    slow_clock = timezone.now() - datetime.timedelta(minutes=50)
    answer = sampling.register(camp, [registration("S0001", people[0].id_number, sampled_at=slow_clock)], None)[0]
    assert answer["accepted"] and answer["retest"]
    apply(world, [("S0001", "阴性", when(0))])
    assert Recall.objects.get(resident=people[0]).outcome == Result.NEGATIVE
    assert people[0].pk not in held()
