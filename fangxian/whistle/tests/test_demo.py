import io

from django.core.management import call_command
from django.http import HttpRequest
from django.test import Client

from fangxian.whistle.models import Call, Department


def test_the_demo_whistles_the_streets_city_management(db):
    from fangxian.demo.management.commands.demo import delete_demo

    delete_demo()
    out = io.StringIO()
    call_command("demo", "--residents", "40", stdout=out)
    assert "demo-department" in out.getvalue()
    assert Department.objects.filter(street__code="110102015").count() == 6
    team = Client()
    assert team.login(request=HttpRequest(), username="demo-department", password="fangxian-demo")
    [fencing] = team.get("/whistle/?show=all").context["page"]
    assert fencing.state == "acknowledged" and "围挡" in fencing.what
    assert fencing.community.name_zh == "香厂路社区" and fencing.department.kind == "city_management"
    assert team.get("/people/residents/").status_code == 403
    street = Client()
    assert street.login(request=HttpRequest(), username="demo-street", password="fangxian-demo")
    assert street.get("/").context["whistle"] == {"open": 2, "escalated": 1}
    assert [c.department.kind for c in street.get("/whistle/?show=escalated").context["page"]] == ["housing"]
    assert Call.objects.get(department__kind="housing").level == Call.Level.STREET
