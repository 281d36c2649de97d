"""The pages: finding the case, a bad date told and kept, the contacts and their map, home
observation in one step, and the export for the disease-control centre (audited, revealing
only what the role may)."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from fangxian.accounts.models import AuditEvent
from fangxian.tracing.models import Trace

from .conftest import housemate, make_gate, noon, onset, scan, the_case, trace

pytestmark = pytest.mark.django_db


def test_find_the_case_and_trace_it(world, client_for):
    client = client_for("health_worker")
    case = the_case(world)
    mate = housemate(world, case)
    found = client.get("/tracing/new/", {"q": case.name})
    assert f"?resident={case.pk}" in found.content.decode()
    outsider = world.resident(world.liulichang)
    assert f"?resident={outsider.pk}" not in client.get("/tracing/new/", {"q": outsider.name}).content.decode()
    bad = client.post("/tracing/new/", {"resident": case.pk, "onset_on": "2020-02-30", "gate_minutes": "15"})
    assert bad.status_code == 400 and not Trace.objects.exists()
    assert 'value="15"' in bad.content.decode()
    done = client.post("/tracing/new/", {"resident": case.pk, "onset_on": str(onset()), "gate_minutes": "15"})
    traced = Trace.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/tracing/{traced.pk}/"
    page = client.get(done["Location"]).content.decode()
    assert mate.name in page and "同住一户" in page
    assert "s-confirmed_case" in page and "s-close_contact" in page


def test_posting_without_a_case_is_told(world, client_for):
    answer = client_for("health_worker").post("/tracing/new/", {"onset_on": str(onset())})
    assert answer.status_code == 400 and "请在居民登记中选择确诊病例" in answer.content.decode()


def test_home_observation_in_one_step(world, client_for):
    case = the_case(world)
    mate = housemate(world, case)
    traced = trace(case)
    contact = traced.contacts.get(resident=mate)
    client = client_for("health_worker")
    answer = client.post(f"/tracing/{traced.pk}/observe/", {"contact": [contact.pk]}, follow=True)
    assert "今日起居家观察：1 人" in answer.content.decode()
    mate.refresh_from_db()
    assert mate.under_observation
    nothing = client.post(f"/tracing/{traced.pk}/observe/", {}, follow=True)
    assert "请选择要居家观察的接触者" in nothing.content.decode()


def exported(client, traced) -> list[list]:
    answer = client.get(f"/tracing/{traced.pk}/export/")
    assert answer.status_code == 200
    sheet = load_workbook(io.BytesIO(answer.content)).active
    # No cell is a formula, whatever someone typed at the gate.
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    return [[c.value for c in row] for row in sheet.iter_rows()]


@pytest.mark.parametrize("actor, full_id", [("health_worker", False), ("secretary", True)])
def test_the_export_is_audited_and_reveals_by_role(world, client_for, actor, full_id):
    case = the_case(world)
    mate = housemate(world, case)
    gate = make_gate(world)
    scan(gate, noon(1), case)
    scan(gate, noon(1).replace(minute=3), holder='=HYPERLINK("x")', phone="13700000000", kind="courier")
    traced = trace(case)
    rows = exported(client_for(actor), traced)
    header, first, *contacts = rows
    assert header[:4] == ["类型", "姓名", "证件号码", "电话"]
    assert first[1] == case.name and (first[2] == case.id_number) is full_id
    by_name = {r[1]: r for r in contacts}
    assert (by_name[mate.name][2] == mate.id_number) is full_id
    assert by_name[mate.name][3] == mate.phone  # both roles may reveal phones
    assert "同住一户" in by_name[mate.name][6]
    # A name a courier typed at the gate leaves as text, never as a formula.
    assert any(str(r[1]).endswith('HYPERLINK("x")') and r[3] == "13700000000" for r in contacts)
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert event.community_id == world.xiangchang.pk and event.detail["list"] == "tracing"
    assert event.detail["trace"] == traced.pk and event.user == world.users[actor]


def test_another_communitys_resident_stays_masked(world, client_for):
    case = the_case(world)
    gate = make_gate(world)
    scan(gate, noon(1), case)
    visitor = world.resident(world.yongan)
    scan(gate, noon(1).replace(minute=2), visitor)
    traced = trace(case)
    page = client_for("secretary").get(f"/tracing/{traced.pk}/").content.decode()
    assert visitor.name not in page and visitor.name[0] + "*" in page
    rows = exported(client_for("secretary"), traced)
    row = next(r for r in rows if r[4] == str(world.yongan))
    assert row[2] != visitor.id_number and row[3] != visitor.phone
