"""The API's answers: what a trace says, and 4xx (never 5xx) for what it refuses."""

from __future__ import annotations

import json

import pytest

from fangxian.watch.models import Observation

from .conftest import housemate, make_gate, noon, onset, scan, the_case, trace

pytestmark = pytest.mark.django_db


def post(client, path: str, body) -> object:
    return client.post(path, data=json.dumps(body), content_type="application/json")


def test_open_read_run_and_observe(world, api_for):
    client = api_for("health_worker")
    case = the_case(world)
    mate = housemate(world, case)
    gate = make_gate(world)
    scan(gate, noon(1), case)
    scan(gate, noon(1).replace(minute=10), holder="快递员", phone="13700000000", kind="courier")
    answer = post(client, "/api/v1/tracing/traces", {"resident_id": case.pk, "onset_on": str(onset())})
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["added"] == 2 and body["close"] == 2 and body["secondary"] == 0
    by_name = {c["name"]: c for c in body["contacts"]}
    courier = by_name["快递员"]
    assert courier["phone"] == "137****0000" and courier["resident_id"] is None
    assert courier["reasons"][0]["reason"] == "gate" and "通行记录" in courier["reasons"][0]["text"]
    trace_id = body["id"]
    assert client.get(f"/api/v1/tracing/traces/{trace_id}").json()["contacts"] == body["contacts"]
    again = post(client, f"/api/v1/tracing/traces/{trace_id}/run", {})
    assert again.status_code == 200 and again.json()["added"] == 0
    contact = by_name[mate.name]["id"]
    observed = post(client, f"/api/v1/tracing/traces/{trace_id}/observe", {"contact_ids": [contact, courier["id"]]})
    assert observed.json() == {"started": [contact], "already": [], "elsewhere": [courier["id"]]}
    assert Observation.objects.filter(resident=mate, released_at=None).exists()
    listed = client.get("/api/v1/tracing/traces").json()
    assert [t["id"] for t in listed["items"]] == [trace_id]


@pytest.mark.parametrize(
    "body, status",
    [
        ({}, 422),
        ({"resident_id": 0}, 422),
        ({"resident_id": True}, 422),
        ({"resident_id": 2**63}, 422),
        ({"resident_id": "case", "onset_on": "2020-01-01"}, 422),
        ({"resident_id": "{case}", "onset_on": "yesterday"}, 422),
        ({"resident_id": "{case}", "onset_on": "2020-02-30"}, 422),
        ({"resident_id": "{case}"}, 422),  # neither onset nor test date
        ({"resident_id": "{case}", "onset_on": "2099-01-01"}, 422),
        ({"resident_id": "{case}", "onset_on": "{onset}", "gate_minutes": 0}, 422),
        ({"resident_id": "{case}", "onset_on": "{onset}", "days_before": -1}, 422),
        ({"resident_id": "{case}", "onset_on": "{onset}", "isolated_at": "2020-01-01T00:00"}, 422),
        ({"resident_id": "{liulichang}", "onset_on": "{onset}"}, 404),
        ({"resident_id": 999999, "onset_on": "{onset}"}, 404),
    ],
)
def test_refused_openings(world, api_for, body, status):
    values = {
        "{case}": the_case(world).pk,
        "{liulichang}": world.resident(world.liulichang).pk,
        "{onset}": str(onset()),
    }
    sent = {k: values.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    answer = post(api_for("health_worker"), "/api/v1/tracing/traces", sent)
    assert answer.status_code == status, answer.content
    assert "detail" in answer.json()
    assert not the_case(world).traces.exists()


def test_refused_steps(world, api_for):
    client = api_for("health_worker")
    traced = trace(the_case(world))
    for body in ({}, {"contact_ids": []}, {"contact_ids": [0]}, {"contact_ids": "1"}, [1]):
        assert post(client, f"/api/v1/tracing/traces/{traced.pk}/observe", body).status_code == 422
    assert client.get("/api/v1/tracing/traces/0").status_code in (404, 422)
    assert client.get(f"/api/v1/tracing/traces/{traced.pk + 1000}").status_code == 404
    assert client.get("/api/v1/tracing/traces?limit=-1").status_code == 422
    assert client.post("/api/v1/tracing/traces", data="not json", content_type="application/json").status_code == 400
