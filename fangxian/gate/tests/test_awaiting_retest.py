"""The gate holds a member of a positive pooled sample until the single retest is negative:
online (checking.judge) and offline (the trust bundle lists the permits held)."""

from __future__ import annotations

import json
import re
import uuid

from django.utils import timezone

from fangxian.gate import bundle, permits
from fangxian.gate.checking import ORDER
from fangxian.gate.models import Pass, Verdict
from fangxian.people.models import Resident
from fangxian.watch import observations


def scan(client, gate, code: str, temperature: float = 36.5) -> dict:
    body = {
        "gate_id": gate.id,
        "code": code,
        "temperature": temperature,
        "client_id": str(uuid.uuid4()),
        "scanned_at": timezone.now().isoformat(),
    }
    return client.post("/api/v1/gate/scans", body, content_type="application/json").json()


def hold(resident: Resident, held: bool = True) -> None:
    Resident.objects.filter(pk=resident.pk).update(awaiting_retest=held)


def test_a_held_resident_is_stopped_and_recorded_so(world, gate, api_for):
    resident = world.resident(world.xiangchang)
    code = permits.issue(resident, None).code
    client = api_for("gate_keeper")
    assert scan(client, gate, code)["verdict"] == Verdict.ADMIT
    hold(resident)
    answer = scan(client, gate, code)
    assert answer["verdict"] == Verdict.AWAITING_RETEST and answer["holder"]["name"]
    assert Pass.objects.filter(verdict=Verdict.AWAITING_RETEST).count() == 1
    hold(resident, False)
    assert scan(client, gate, code)["verdict"] == Verdict.ADMIT


def test_the_hold_ranks_below_observation_and_above_fever(world, gate, api_for):
    assert ORDER.index(Verdict.UNDER_OBSERVATION) < ORDER.index(Verdict.AWAITING_RETEST) < ORDER.index(Verdict.FEVER)
    resident = world.resident(world.xiangchang)
    code = permits.issue(resident, None).code
    hold(resident)
    client = api_for("gate_keeper")
    feverish = scan(client, gate, code, temperature=38.2)
    assert feverish["verdict"] == Verdict.AWAITING_RETEST
    assert feverish["reasons"][:2] == [Verdict.AWAITING_RETEST, Verdict.FEVER]
    observations.start(resident, "home", timezone.localdate(), None)
    assert scan(client, gate, code)["verdict"] == Verdict.UNDER_OBSERVATION


def test_the_bundle_lists_held_permits_of_accepted_issuers_only(world, gate):
    ours = permits.issue(world.resident(world.xiangchang), None)
    trusted = permits.issue(world.resident(world.yongan), None)
    stranger = permits.issue(world.resident(world.liulichang), None)
    for row in (ours, trusted, stranger):
        hold(row.resident)
    body = bundle.build(gate)
    assert body["held"] == sorted([ours.id, trusted.id])
    hold(ours.resident, False)
    assert bundle.build(gate)["held"] == [trusted.id]
    assert bundle.build(gate)["version"] != body["version"]  # phones fetch the change


def test_the_gate_page_has_the_words_and_next_step(world, gate, client_for):
    page = client_for("gate_keeper").get(f"/gate/{gate.id}/")
    assert page.status_code == 200
    text = page.content.decode()

    def data(name: str) -> dict:
        found = re.search(rf'<script id="{name}" type="application/json">(.*?)</script>', text, re.S)
        return json.loads(found.group(1))

    assert data("verdict-words")["awaiting_retest"] == "待复检"
    assert "复检" in data("verdict-next-steps")["awaiting_retest"]
