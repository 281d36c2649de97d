"""The demo's cases: every stage of the workflow, the seed's unfounded complaint closed with
its photos, the same cases from the same seed."""

import io

import pytest
from django.core.management import call_command
from django.http import HttpRequest
from django.test import Client

from fangxian.casework.models import Case, Photo


@pytest.fixture
def demo(db):
    from fangxian.demo.management.commands.demo import delete_demo

    delete_demo()
    call_command("demo", "--residents", "40", stdout=io.StringIO())


def login(username: str) -> Client:
    client = Client()
    assert client.login(request=HttpRequest(), username=username, password="fangxian-demo")
    return client


def shown() -> list[tuple]:
    return list(Case.objects.order_by("id").values_list("what", "state", "source", "community__code"))


def test_the_demo_has_cases_at_every_stage(demo):
    gate = Case.objects.get(what="石佛营东里小区门口秩序混乱")
    assert gate.state == "closed" and gate.callback == "satisfied" and gate.community.name_zh == "香厂路社区"
    assert [s.action for s in gate.steps.all()] == ["receive", "assign", "visit", "unfounded", "callback", "close"]
    assert Photo.objects.filter(step__case=gate, step__action="visit").count() == 2
    assert gate.received_at < gate.responded_at < gate.handled_at < gate.called_back_at < gate.closed_at
    states = set(Case.objects.values_list("state", flat=True))
    assert states == {"received", "assigned", "on_site", "resolved", "passed", "closed"}
    assert Case.objects.filter(community=None).count() == 1 and Case.objects.filter(reopened=1).count() == 1
    assert any(c.overdue for c in Case.objects.all())
    secretary = login("demo-secretary")
    assert secretary.get("/casework/").status_code == 200
    assert secretary.get(f"/casework/{gate.id}/").status_code == 200
    street_held = Case.objects.get(community=None)
    assert login("demo-street").get(f"/casework/{street_held.id}/").status_code == 200
    assert secretary.get(f"/casework/{street_held.id}/").status_code == 404


def test_the_same_seed_gives_the_same_cases(demo):
    first = shown()
    call_command("demo", "--reset", "--residents", "40", stdout=io.StringIO())
    assert shown() == first and Case.objects.count() == len(first)
