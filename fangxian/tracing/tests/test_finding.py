"""The rules: each source of contacts, the window's edges, secondary contacts, one person
reached twice, running again."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone

from conftest import add_resident
from fangxian.duty.models import Person
from fangxian.tracing import finding
from fangxian.tracing.models import Contact
from fangxian.watch.models import Observation

from .conftest import contact_of, errand, housemate, knock, make_gate, noon, onset, scan, shift, swab, the_case, trace

pytestmark = pytest.mark.django_db
MINUTE = datetime.timedelta(minutes=1)


def reasons(contact: Contact) -> list[str]:
    return [r["reason"] for r in contact.reasons]


def test_the_household_are_close_contacts(world):
    case = the_case(world)
    mate = housemate(world, case)
    gone = add_resident(case.dwelling, "搬走了", moved_out_on=onset())
    traced = trace(case)
    contact = contact_of(traced, f"resident:{mate.pk}")
    assert contact.kind == Contact.Kind.CLOSE and reasons(contact) == ["household"]
    assert not traced.contacts.filter(resident=gone).exists()
    assert not traced.contacts.filter(resident=case).exists()


def test_the_same_gate_within_fifteen_minutes_to_the_minute(world):
    case = the_case(world)
    east, west = make_gate(world), make_gate(world, "西门")
    at = noon(1)
    scan(east, at, case)
    neighbours = list(world.xiangchang.residents.exclude(dwelling=case.dwelling).order_by("id")[:5])
    scan(east, at + 15 * MINUTE, neighbours[0])  # exactly at the edge: in
    scan(east, at - 15 * MINUTE, neighbours[1])  # the other edge: in
    scan(east, at + 15 * MINUTE + datetime.timedelta(seconds=1), neighbours[2])  # a second past: out
    scan(west, at, neighbours[3])  # the same minute at another gate: out
    courier = scan(east, at + 3 * MINUTE, holder="王师傅", phone="13700000000", kind="courier")
    scan(east, at + 4 * MINUTE, holder="无名")  # no phone, no permit: no one to find
    traced = trace(case)
    keys = set(traced.contacts.filter(kind="close").values_list("key", flat=True))
    assert f"resident:{neighbours[0].pk}" in keys and f"resident:{neighbours[1].pk}" in keys
    assert f"resident:{neighbours[2].pk}" not in keys and f"resident:{neighbours[3].pk}" not in keys
    outside = contact_of(traced, "phone:13700000000")
    assert outside.resident is None and outside.name == "王师傅"
    [evidence] = outside.reasons
    assert evidence["reason"] == "gate" and evidence["record"] == f"pass:{courier.pk}" and evidence["where"] == "东门"
    assert datetime.datetime.fromisoformat(evidence["at"]) == courier.scanned_at
    assert traced.contacts.count() == 3


def test_the_gate_span_is_configurable(world):
    case = the_case(world)
    east = make_gate(world)
    scan(east, noon(1), case)
    other = world.xiangchang.residents.exclude(dwelling=case.dwelling).first()
    scan(east, noon(1) + 20 * MINUTE, other)
    assert not trace(case).contacts.filter(resident=other).exists()
    assert trace(case, gate_minutes=20).contacts.filter(resident=other).exists()


def test_the_window_starts_days_before_onset_and_ends_at_isolation(world):
    case = the_case(world)
    east = make_gate(world)
    start = timezone.make_aware(datetime.datetime.combine(onset() - datetime.timedelta(days=2), datetime.time()))
    early, late, inside = list(world.xiangchang.residents.exclude(dwelling=case.dwelling).order_by("id")[:3])
    scan(east, start - 5 * MINUTE, case)  # the case's pass before the window: no one counts
    scan(east, start - 4 * MINUTE, early)
    scan(east, start, case)  # on the window's first instant
    scan(east, start + MINUTE, inside)
    isolated = noon(1)
    scan(east, isolated + MINUTE, case)
    scan(east, isolated + 2 * MINUTE, late)
    traced = trace(case, isolated_at=isolated)
    found = set(traced.contacts.values_list("resident_id", flat=True))
    # `early` is within 15 minutes of the pass on the first instant too.
    assert inside.pk in found and early.pk in found and late.pk not in found
    assert traced.starts_at == start


def test_without_onset_the_window_starts_before_the_test(world):
    case = the_case(world)
    traced = trace(case, onset_on=None, tested_on=onset(), days_before=3)
    assert timezone.localtime(traced.starts_at).date() == onset() - datetime.timedelta(days=3)


def test_tube_mates_in_the_window(world):
    case = the_case(world)
    others = list(world.xiangchang.residents.exclude(dwelling=case.dwelling).order_by("id")[:3])
    tube = swab(world, [case, others[0], others[1]], noon(1))
    swab(world, [case, others[2]], noon(-5), barcode="T-OLD")  # before the window
    traced = trace(case)
    mate = contact_of(traced, f"resident:{others[0].pk}")
    assert reasons(mate) == ["tube"] and tube.barcode in mate.reasons[0]["where"]
    assert not traced.contacts.filter(resident=others[2]).exists()


def test_census_knocks_errands_and_duty_at_the_door(world):
    case = the_case(world)
    volunteer, grid_worker = world.users["volunteer"], world.users["grid_worker"]
    knock(world, case.dwelling, grid_worker, noon(0))
    errand(world, case.dwelling, volunteer, noon(1))
    errand(world, case.dwelling, grid_worker, noon(-10))  # long before: out
    Person.objects.create(community=world.xiangchang, user=volunteer, name="志愿者小李", phone="13600000000")
    traced = trace(case)
    knocker = contact_of(traced, f"user:{grid_worker.pk}")
    assert reasons(knocker) == ["census"]
    deliverer = contact_of(traced, f"user:{volunteer.pk}")
    assert reasons(deliverer) == ["errand"] and deliverer.name == "志愿者小李" and deliverer.phone == "13600000000"


def test_duty_co_workers_on_the_case_s_shifts(world):
    case = the_case(world)
    me = Person.objects.create(community=world.xiangchang, name=case.name, phone=case.phone)
    with_account = Person.objects.create(community=world.xiangchang, name="张", user=world.users["volunteer"])
    by_phone = Person.objects.create(community=world.xiangchang, name="王", phone="13500000000")
    unknown = Person.objects.create(community=world.xiangchang, name="赵")
    elsewhere = Person.objects.create(community=world.xiangchang, name="钱", phone="13400000000")
    shift(world, onset(), [me, with_account, by_phone, unknown])
    shift(world, onset() - datetime.timedelta(days=5), [me, elsewhere])  # before the window
    traced = trace(case)
    assert reasons(contact_of(traced, f"user:{world.users['volunteer'].pk}")) == ["duty"]
    assert contact_of(traced, "phone:13500000000").name == "王"
    assert contact_of(traced, f"duty:{unknown.pk}").name == "赵"
    assert not traced.contacts.filter(key="phone:13400000000").exists()


def test_visitors_registered_for_the_dwelling(world):
    case = the_case(world)
    came = scan(make_gate(world), noon(1), holder="访客甲", phone="13300000000", visiting=case.dwelling)
    contact = contact_of(trace(case), "phone:13300000000")
    assert reasons(contact) == ["visitor"] and contact.reasons[0]["record"] == f"pass:{came.pk}"


def test_secondary_contacts_are_the_close_contacts_households(world):
    case = the_case(world)
    gate = make_gate(world)
    scan(gate, noon(1), case)
    neighbour = world.xiangchang.residents.exclude(dwelling=case.dwelling).first()
    scan(gate, noon(1) + MINUTE, neighbour)
    wife = add_resident(neighbour.dwelling, "邻居妻子")
    mate = housemate(world, case)
    traced = trace(case)
    secondary = contact_of(traced, f"resident:{wife.pk}")
    assert secondary.kind == Contact.Kind.SECONDARY and reasons(secondary) == ["household_of"]
    # The case's own household are close, never secondary through one another.
    assert contact_of(traced, f"resident:{mate.pk}").kind == Contact.Kind.CLOSE
    assert traced.contacts.filter(kind="secondary").count() == 1


def test_another_communitys_resident_at_our_gate_has_no_secondary_here(world):
    case = the_case(world)
    gate = make_gate(world)
    scan(gate, noon(1), case)
    visitor = world.resident(world.yongan)
    add_resident(visitor.dwelling, "永安家人")
    scan(gate, noon(1) + MINUTE, visitor)
    traced = trace(case)
    assert contact_of(traced, f"resident:{visitor.pk}").kind == Contact.Kind.CLOSE
    assert not traced.contacts.filter(kind="secondary").exists()


def test_one_person_reached_twice_is_one_contact_with_both_reasons(world):
    case = the_case(world)
    other = world.xiangchang.residents.exclude(dwelling=case.dwelling).first()
    gate = make_gate(world)
    scan(gate, noon(1), case)
    scan(gate, noon(1) + MINUTE, other)
    swab(world, [case, other], noon(2))
    contact = contact_of(trace(case), f"resident:{other.pk}")
    assert sorted(reasons(contact)) == ["gate", "tube"]


def test_a_secondary_contact_found_close_later_becomes_close(world):
    case = the_case(world)
    gate = make_gate(world)
    scan(gate, noon(1), case)
    neighbour = world.xiangchang.residents.exclude(dwelling=case.dwelling).first()
    scan(gate, noon(1) + MINUTE, neighbour)
    wife = add_resident(neighbour.dwelling, "邻居妻子")
    traced = trace(case)
    assert contact_of(traced, f"resident:{wife.pk}").kind == "secondary"
    swab(world, [case, wife], noon(2))
    finding.run(traced)
    contact = contact_of(traced, f"resident:{wife.pk}")
    assert contact.kind == "close" and sorted(reasons(contact)) == ["household_of", "tube"]


def test_running_again_adds_and_keeps_decisions(world):
    case = the_case(world)
    mate = housemate(world, case)
    traced = trace(case)
    contact = contact_of(traced, f"resident:{mate.pk}")
    finding.observe(traced, [contact.pk], world.users["health_worker"])
    assert finding.run(traced) == 0
    assert traced.contacts.count() == 1
    contact.refresh_from_db()
    assert contact.observation is not None and contact.reasons == [contact.reasons[0]]
    swab(world, [case, world.resident(world.xiangchang, "2")], noon(1))
    assert finding.run(traced) == 1
    assert trace(case).pk == traced.pk  # opening the case again is the same trace


def test_observe_starts_home_observation_once(world):
    case = the_case(world)
    mate = housemate(world, case)
    watched = add_resident(case.dwelling, "已在观察")
    Observation.objects.create(
        resident=watched,
        kind="home",
        policy=finding.observations.Policy.default_for(world.city.pk),
        start=onset(),
        ends_on=onset() + datetime.timedelta(days=14),
    )
    visitor = world.resident(world.yongan)
    gate = make_gate(world)
    scan(gate, noon(1), case)
    scan(gate, noon(1) + MINUTE, visitor)
    traced = trace(case)
    ids = list(traced.contacts.values_list("id", flat=True))
    done = finding.observe(traced, ids, world.users["health_worker"])
    assert [c.resident_id for c in done.started] == [mate.pk]
    assert [c.resident_id for c in done.already] == [watched.pk]
    assert [c.resident_id for c in done.elsewhere] == [visitor.pk]
    mate.refresh_from_db()
    assert mate.under_observation
    observation = Observation.objects.get(resident=mate, released_at=None)
    assert observation.kind == "home" and observation.created_by == world.users["health_worker"]
    assert contact_of(traced, f"resident:{mate.pk}").observed_by == world.users["health_worker"]
    again = finding.observe(traced, ids, world.users["health_worker"])
    assert again.started == [] and Observation.objects.filter(resident=mate).count() == 1


@pytest.mark.parametrize(
    "settings, field",
    [
        ({"onset_on": None}, "onset_on"),
        ({"onset_on": timezone.localdate() + datetime.timedelta(days=1)}, "onset_on"),
        ({"days_before": 15}, "days_before"),
        ({"gate_minutes": 0}, "gate_minutes"),
        ({"isolated_at": timezone.now() + datetime.timedelta(hours=1)}, "isolated_at"),
        ({"isolated_at": noon(-10)}, "isolated_at"),
    ],
)
def test_bad_settings_are_told_and_nothing_is_stored(world, settings, field):
    case = the_case(world)
    with pytest.raises(ValidationError) as told:
        trace(case, **settings)
    assert field in told.value.message_dict
    assert not case.traces.exists()


def test_a_moved_out_case_is_refused(world):
    case = the_case(world)
    case.moved_out_on = onset()
    case.save()
    with pytest.raises(ValidationError):
        trace(case)


def test_a_deleted_deliverer_account_leaves_the_evidence(world):
    case = the_case(world)
    user = get_user_model().objects.create_user("temp")
    errand(world, case.dwelling, user, noon(1))
    traced = trace(case)
    assert contact_of(traced, f"user:{user.pk}").name == "temp"
