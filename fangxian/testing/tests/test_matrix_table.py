"""The sampling table in the permission matrix: the phone page, registering swabs, a tube's
state and closing it, tube labels. Samplers (secretary, community and grid workers, the health
worker, volunteers) register at Xiangchang Road; the outsider (Liulichang's secretary) samples
in their own community and learns nothing of Xiangchang's tubes (404)."""

from __future__ import annotations

from fangxian.accounts.tests.matrix import Case, matrix_tests, statuses
from fangxian.people.models import Resident
from fangxian.testing import sampling

from .table_fixtures import item, make_campaign, registration

SAMPLERS = {"secretary", "community_worker", "grid_worker", "health_worker", "volunteer"}
RUNS_TESTING = {"secretary", "community_worker", "health_worker"}


def targets_for(world) -> dict:
    campaign = make_campaign(world)
    people = list(Resident.objects.filter(community=world.xiangchang).order_by("id")[:2])
    sampling.register(campaign, [registration("M0001", people[0].id_number)], None)
    return {"campaign": campaign, "person": people[1], "community": world.xiangchang}


def api(name, method, path, expect, body=None) -> Case:
    return Case(name, method, path, expect, body=body, api=True)


def tube(t) -> str:
    return f"/api/v1/testing/campaigns/{t['campaign'].id}/tubes/M0001"


CASES: list[Case] = [
    Case("testing:table", "get", lambda t: "/testing/table/", statuses(403, ok=(200, SAMPLERS | {"outsider"}))),
    Case("testing_table_service_worker", "get", lambda t: "/testing/table/sw.js", statuses(200), anonymous=200),
    Case("testing:labels", "get", lambda t: "/testing/labels/", statuses(403, ok=(200, RUNS_TESTING | {"outsider"}))),
    Case(
        "testing:labels (a sheet ordered)",
        "post",
        lambda t: "/testing/labels/",
        statuses(403, no=(404, {"outsider"}), ok=(302, RUNS_TESTING)),
        body=lambda t, a: {"community": t["community"].id, "pages": "1"},
        routes=("testing:labels",),
    ),
    api(
        "POST /testing/samples",
        "post",
        lambda t: "/api/v1/testing/samples",
        statuses(403, ok=(200, SAMPLERS | {"outsider"})),
        body=lambda t, a: {"samples": [item(t["campaign"], "M0001", t["person"].id_number)]},
    ),
    api("GET /testing/campaigns/{campaign_id}/tubes/{barcode}", "get", tube, statuses(404, ok=(200, SAMPLERS))),
    api(
        "POST /testing/campaigns/{campaign_id}/tubes/{barcode}/close",
        "post",
        lambda t: tube(t) + "/close",
        statuses(404, ok=(200, SAMPLERS)),
    ),
    api(
        "POST /testing/label-sheets",
        "post",
        lambda t: "/api/v1/testing/label-sheets",
        statuses(404, ok=(202, RUNS_TESTING)),
        body=lambda t, a: {"community_id": t["community"].id, "pages": 1},
    ),
]


def test_the_outsiders_registration_is_refused_item_by_item(world, api_for):
    t = targets_for(world)
    body = {"samples": [item(t["campaign"], "M0001", t["person"].id_number)]}
    [result] = (
        api_for("outsider").post("/api/v1/testing/samples", body, content_type="application/json").json()["results"]
    )
    assert result == {
        "client_id": body["samples"][0]["client_id"],
        "accepted": False,
        "reason": "未找到，或您无权查看。",
    }


test_permission_matrix, test_anonymous_is_sent_to_log_in = matrix_tests(CASES, targets_for)
