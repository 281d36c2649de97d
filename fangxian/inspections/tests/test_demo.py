import io

from django.core.management import call_command

from fangxian.casework.models import Case
from fangxian.inspections import rules
from fangxian.inspections.models import Finding, Inspection, Round
from fangxian.places.models import Business


def test_the_demo_has_a_round_under_way_with_a_rectification_and_a_revisit(db):
    from fangxian.demo.management.commands.demo import delete_demo

    delete_demo()
    call_command("demo", "--residents", "40", stdout=io.StringIO())
    row = Round.objects.get(community__name_en="Xiangchang Road Community")
    totals = rules.totals(rules.progress(row))
    assert 0 < totals["visits"] < totals["wanted"]
    assert Inspection.objects.filter(round=row, kind="revisit").exists()
    assert Finding.objects.filter(rules.TO_RECTIFY, inspection__round=row, deadline__gte=rules.today()).exists()
    assert Case.objects.filter(source="inspection", category__code="rectification-overdue").count() == 1
    assert Business.objects.filter(kind="firm", tower__kind="office_tower").count() == 3
    assert not Business.objects.filter(name="福长街理发店").exclude(small_kind="barber").exists()
    delete_demo()
    assert not Round.objects.exists()
