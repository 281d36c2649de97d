"""Tracing in the permission matrix: every page and every API operation, every actor.

The case lives in Xiangchang Road, building 1 (grid G1), with a housemate and a neighbour met at
the gate. Those who trace (secretary, community worker, health worker) see and act on the
trace; no one else learns of it, not even the offices above: a trace names the people a case
met, which the community and the disease-control centre act on, and the street reads its
numbers in the daily report instead. Liulichang's secretary (another street) traces too, for
her own community: every id here is 404 to her, and so is our resident."""

from __future__ import annotations

from fangxian.accounts.tests.matrix import SEES_RESIDENTS, Case, matrix_tests, statuses

from .conftest import housemate, make_gate, noon, scan, the_case, trace

TRACERS = {"secretary", "community_worker", "health_worker"}
MAY_TRACE_SOMEWHERE = TRACERS | {"outsider"}


def targets_for(world) -> dict:
    case = the_case(world)
    mate = housemate(world, case)
    gate = make_gate(world)
    scan(gate, noon(1), case)
    scan(gate, noon(1).replace(minute=5), world.resident(world.xiangchang, "2"))
    traced = trace(case, world.users["health_worker"])
    return {"case": case, "trace": traced, "contact": traced.contacts.get(resident=mate), "onset": str(traced.onset_on)}


def api(name, method, path, expect, body=None) -> Case:
    return Case(name, method, path, expect, body=body, api=True)


ONLY_TRACERS = statuses(404, ok=(200, TRACERS))

CASES: list[Case] = [
    Case("tracing:list", "get", lambda t: "/tracing/", statuses(403, ok=(200, MAY_TRACE_SOMEWHERE))),
    Case("tracing:new", "get", lambda t: "/tracing/new/", statuses(403, ok=(200, MAY_TRACE_SOMEWHERE))),
    Case(
        "tracing:new (our case chosen)",
        "get",
        lambda t: f"/tracing/new/?resident={t['case'].id}",
        statuses(403, no=(404, {"outsider"}), ok=(200, TRACERS)),
        routes=("tracing:new",),
    ),
    Case(
        "tracing:new (a trace opened)",
        "post",
        lambda t: "/tracing/new/",
        statuses(403, no=(404, {"outsider"}), ok=(302, TRACERS)),
        body=lambda t, a: {"resident": t["case"].id, "onset_on": t["onset"], "days_before": "2", "gate_minutes": "15"},
        routes=("tracing:new",),
    ),
    Case("tracing:trace", "get", lambda t: f"/tracing/{t['trace'].id}/", ONLY_TRACERS),
    Case("tracing:run", "post", lambda t: f"/tracing/{t['trace'].id}/run/", statuses(404, ok=(302, TRACERS))),
    Case(
        "tracing:observe",
        "post",
        lambda t: f"/tracing/{t['trace'].id}/observe/",
        statuses(404, ok=(302, TRACERS)),
        body=lambda t, a: {"contact": t["contact"].id},
    ),
    Case("tracing:export", "get", lambda t: f"/tracing/{t['trace'].id}/export/", ONLY_TRACERS),
    api("GET /tracing/traces", "get", lambda t: "/api/v1/tracing/traces", statuses(403, ok=(200, MAY_TRACE_SOMEWHERE))),
    api(
        "POST /tracing/traces",
        "post",
        lambda t: "/api/v1/tracing/traces",
        statuses(404, no=(403, SEES_RESIDENTS), ok=(201, TRACERS)),
        body=lambda t, a: {"resident_id": t["case"].id, "onset_on": t["onset"]},
    ),
    api("GET /tracing/traces/{trace_id}", "get", lambda t: f"/api/v1/tracing/traces/{t['trace'].id}", ONLY_TRACERS),
    api(
        "POST /tracing/traces/{trace_id}/run",
        "post",
        lambda t: f"/api/v1/tracing/traces/{t['trace'].id}/run",
        ONLY_TRACERS,
    ),
    api(
        "POST /tracing/traces/{trace_id}/observe",
        "post",
        lambda t: f"/api/v1/tracing/traces/{t['trace'].id}/observe",
        ONLY_TRACERS,
        body=lambda t, a: {"contact_ids": [t["contact"].id]},
    ),
]

test_permission_matrix, test_anonymous_is_sent_to_log_in = matrix_tests(CASES, targets_for)
