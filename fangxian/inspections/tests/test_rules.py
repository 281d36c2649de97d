import datetime
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from fangxian.casework.models import Case
from fangxian.inspections import rules
from fangxian.inspections.models import Finding, Inspection, Item, Round, Template
from fangxian.people.models import Resident
from fangxian.places.models import Business

from .conftest import checks_for, make_business, make_round, visit


@pytest.fixture(autouse=True)
def in_english():
    # The refusals are matched by their words.
    with translation.override("en"):
        yield


@pytest.fixture
def shop(world):
    return make_business(world)


@pytest.fixture
def round_(world, shop):
    return make_round(world, [shop])


def test_a_visit_keeps_a_finding_per_item_and_a_failure_with_its_date(world, shop, round_):
    inspection = visit(world, round_, shop, failing={"disinfection-log"}, photo=True)
    findings = list(inspection.findings.all())
    assert len(findings) == Template.current("shop").items.count()
    [failed] = [f for f in findings if f.result == "fail"]
    assert failed.to_rectify and failed.photo and failed.deadline == timezone.localdate() + datetime.timedelta(days=3)
    assert failed.text == "有消毒记录"


def test_the_same_client_id_twice_is_one_inspection(world, shop, round_):
    client_id = uuid.uuid4()
    first, new = rules.inspect(round_, shop, world.users["grid_worker"], checks_for(shop), client_id)
    again, new_again = rules.inspect(round_, shop, world.users["grid_worker"], checks_for(shop), client_id)
    assert new and not new_again and first.pk == again.pk
    assert Inspection.objects.count() == 1


def test_a_failure_is_fixed_on_the_spot_or_given_a_date(world, shop, round_):
    checks = checks_for(shop, failing={"supplies"})
    [failed] = [c for c in checks if c.result == "fail"]
    failed.deadline = None
    with pytest.raises(ValidationError, match="rectify by"):
        rules.inspect(round_, shop, world.users["secretary"], checks, uuid.uuid4())
    failed.fixed_on_spot = True
    inspection, _ = rules.inspect(round_, shop, world.users["secretary"], checks, uuid.uuid4())
    assert not inspection.findings.get(code="supplies").to_rectify


def test_every_item_once_no_more(world, shop, round_):
    checks = checks_for(shop)
    with pytest.raises(ValidationError):
        rules.inspect(round_, shop, world.users["secretary"], checks[:-1], uuid.uuid4())
    with pytest.raises(ValidationError):
        rules.inspect(round_, shop, world.users["secretary"], checks + checks[:1], uuid.uuid4())


def test_every_firm_twice_and_no_third_time(world, shop, round_):
    visit(world, round_, shop)
    visit(world, round_, shop)
    [row] = rules.progress(round_)
    assert (row.visits, row.needed, row.done) == (2, 2, True)
    assert rules.totals([row])["percent"] == 100
    with pytest.raises(ValidationError, match="2"):
        visit(world, round_, shop)


def test_a_closed_round_and_a_business_not_on_it_are_refused(world, shop, round_):
    other = make_business(world, "老王理发", Business.Kind.SMALL_SHOP, small_kind="barber")
    with pytest.raises(ValidationError, match="not on the round"):
        visit(world, round_, other)
    rules.close_round(round_, world.users["secretary"])
    with pytest.raises(ValidationError, match="closed"):
        visit(world, round_, shop)


def test_a_grid_worker_inspects_their_grid_only_and_sets_up_no_rounds(world, shop):
    across = make_business(world, "二号楼餐馆", Business.Kind.SMALL_SHOP, building="2", small_kind="restaurant")
    row = make_round(world, [shop, across])
    visit(world, row, shop, by="grid_worker")
    with pytest.raises(ValidationError):
        visit(world, row, across, by="grid_worker")
    with pytest.raises(ValidationError):
        make_round(world, [shop], by="grid_worker")


def test_a_new_version_leaves_past_inspections_as_they_were(world, shop, round_):
    old = visit(world, round_, shop)
    asked = list(old.findings.values_list("text", flat=True))
    v2 = rules.new_version("shop", [("masks", "员工全程佩戴口罩", "Staff wear masks"), ("log", "消毒台账", "")])
    assert v2.version == 2 and Template.current("shop") == v2
    item = old.template.items.first()
    item.text_zh = "改过的"
    with pytest.raises(ValidationError):
        item.save()
    assert list(old.findings.values_list("text", flat=True)) == asked
    second = visit(world, round_, shop)
    assert second.template == v2 and second.findings.count() == 2
    # A phone that went offline with version 1 still sends version 1's items.
    another = make_business(world, "便利店")
    row = make_round(world, [another])
    v1_checks = [rules.Check(target=i.pk, result="pass") for i in old.template.items.all()]
    kept, _ = rules.inspect(
        row, another, world.users["secretary"], v1_checks, uuid.uuid4(), template_id=old.template_id
    )
    assert kept.template == old.template


def test_a_revisit_checks_only_what_failed(world, shop, round_):
    inspection = visit(world, round_, shop, failing={"disinfection-log", "staff-temperature"})
    failed = {f.code: f for f in inspection.findings.filter(result="fail")}
    passed = inspection.findings.filter(result="pass").first()
    worker = world.users["community_worker"]
    with pytest.raises(ValidationError, match="not left to rectify"):
        rules.revisit(shop, worker, [rules.Check(target=passed.pk, result="pass")], uuid.uuid4())
    later = timezone.localdate() + datetime.timedelta(days=5)
    checks = [
        rules.Check(target=failed["disinfection-log"].pk, result="pass", note="已补记录"),
        rules.Check(target=failed["staff-temperature"].pk, result="fail", deadline=later),
    ]
    again, new = rules.revisit(shop, worker, checks, uuid.uuid4())
    assert new and again.kind == Inspection.Kind.REVISIT and again.findings.count() == 2
    assert [f.code for f in rules.to_rectify(shop)] == ["staff-temperature"]
    [still] = rules.to_rectify(shop)
    assert still.inspection == again and still.deadline == later and still.rechecks == failed["staff-temperature"]
    # The round's visits are not spent by a revisit.
    assert rules.progress(round_)[0].visits == 1


def test_a_revisit_of_nothing_or_na_is_refused(world, shop, round_):
    inspection = visit(world, round_, shop, failing={"supplies"})
    [failed] = inspection.findings.filter(result="fail")
    with pytest.raises(ValidationError):
        rules.revisit(shop, world.users["secretary"], [], uuid.uuid4())
    with pytest.raises(ValidationError, match="pass or fail"):
        rules.revisit(shop, world.users["secretary"], [rules.Check(target=failed.pk, result="na")], uuid.uuid4())


def test_an_overdue_rectification_becomes_one_case(world, shop, round_):
    inspection = visit(world, round_, shop, failing={"emergency-plan"})
    visit(world, round_, shop)
    later = timezone.localdate() + datetime.timedelta(days=4)
    assert rules.raise_overdue(timezone.localdate()) == 0
    assert rules.raise_overdue(later) == 1
    assert rules.raise_overdue(later) == 0
    [case] = Case.objects.all()
    assert case.source == "inspection" and case.business == shop and case.category.code == "rectification-overdue"
    assert case.community == world.xiangchang and "有防控应急预案" in case.what
    assert inspection.findings.get(code="emergency-plan").case == case


def test_a_rectification_checked_again_in_time_raises_no_case(world, shop, round_):
    inspection = visit(world, round_, shop, failing={"emergency-plan"})
    [failed] = inspection.findings.filter(result="fail")
    rules.revisit(shop, world.users["secretary"], [rules.Check(target=failed.pk, result="pass")], uuid.uuid4())
    assert rules.raise_overdue(timezone.localdate() + datetime.timedelta(days=30)) == 0


def test_someone_under_observation_on_the_staff_list_is_a_finding(world, shop, round_):
    # Lives in Liulichang, works in a Xiangchang shop: the registry is searched everywhere.
    resident = Resident.objects.filter(community=world.liulichang).first()
    Resident.objects.filter(pk=resident.pk).update(under_observation=True)
    rules.add_staff(shop, world.users["secretary"], "店员甲", "13900001111", "")
    rules.add_staff(shop, world.users["secretary"], resident.name, "", resident.id_number)
    assert [s.id_number for s in rules.observed_staff(shop)] == [resident.id_number]
    inspection = visit(world, round_, shop)
    staff = inspection.findings.get(code=rules.STAFF_CODE)
    assert staff.result == "fail" and staff.to_rectify and resident.id_number not in staff.note
    assert resident.id_number[-4:] in staff.note
    with pytest.raises(ValidationError):
        rules.add_staff(shop, world.users["secretary"], "重复", "", resident.id_number.lower())


def test_a_hostile_photo_is_refused_and_nothing_kept(world, shop, round_):
    checks = checks_for(shop, failing={"supplies"})
    [failed] = [c for c in checks if c.result == "fail"]
    failed.photo = SimpleUploadedFile("x.jpg", b"<?php system($_GET['c']); ?>")
    with pytest.raises(ValidationError) as refused:
        rules.inspect(round_, shop, world.users["secretary"], checks, uuid.uuid4())
    assert list(refused.value.message_dict) == ["findings.1"] and "not a photo" in str(refused.value)
    assert Inspection.objects.count() == 0 and Finding.objects.count() == 0


def test_a_round_is_set_up_in_its_own_street_only(world, shop):
    outside = make_business(world, "琉璃厂书店", community=world.liulichang)
    row = make_round(world, [shop, outside])
    assert list(row.businesses.all()) == [shop]
    with pytest.raises(ValidationError):
        make_round(world, [outside])
    assert Round.objects.count() == 1


def test_the_seeded_checklists_ask_the_field_notes_items(db):
    for kind in Business.Kind.values:
        codes = set(Template.current(kind).items.values_list("code", flat=True))
        assert {"emergency-plan", "supplies", "disinfection-log", "staff-temperature", "returnees-isolated"} <= codes
        assert "four-steps" in codes
    assert Item.objects.filter(code="four-steps").first().text_zh == "一戴二问三测四登记"


def test_a_visit_keeps_the_time_it_was_made_offline_if_the_phone_can_be_believed(world, shop, round_):
    now = timezone.now()
    hours_ago = now - datetime.timedelta(hours=5)
    made, _ = rules.inspect(
        round_, shop, world.users["secretary"], checks_for(shop), uuid.uuid4(), visited_at=hours_ago
    )
    assert made.visited_at == hours_ago
    for wrong in (now + datetime.timedelta(hours=2), now - datetime.timedelta(days=30)):
        assert rules.when_visited(wrong) >= now
