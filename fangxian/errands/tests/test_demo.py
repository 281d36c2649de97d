import io

from django.core.management import call_command

from fangxian.errands.models import Errand


def test_the_demo_has_errands_at_every_stage(db):
    from fangxian.demo.management.commands.demo import delete_demo

    delete_demo()
    call_command("demo", "--residents", "40", stdout=io.StringIO())
    errands = Errand.objects.filter(community__name_en="Xiangchang Road Community") or Errand.objects.all()
    assert set(errands.values_list("state", flat=True)) == {"open", "claimed", "delivered", "closed", "cancelled"}
    assert any(e.overdue for e in errands)
    assert errands.filter(state="open", door_only=True).exists()
    delivered = errands.get(state="delivered", advanced=20000)  # tracing's demo delivers one more
    assert (delivered.advanced, delivered.repaid) == (20000, 10000) and delivered.delivered_by.username == "demo-grid"
