"""Lab results and recalls in the permission matrix. Xiangchang Road's health worker, secretary
and community worker run testing there; everyone else gets 404 for its imports and campaigns,
and the outsider (Liulichang's secretary, who runs testing at home) sees only its own."""

from __future__ import annotations

import base64

from django.core.files.uploadedfile import SimpleUploadedFile

from fangxian.accounts.tests.matrix import ACTORS, Case, matrix_tests, statuses
from fangxian.testing import results

from .lab import campaign, csv_file, residents_of, tube, when

RUNNERS = {"secretary", "community_worker", "health_worker"}  # Can.RUN_TESTING over Xiangchang Road
RUNNERS_ANYWHERE = RUNNERS | {"outsider"}


def targets_for(world) -> dict:
    camp = campaign(world.xiangchang)
    people = residents_of(world.xiangchang, 20)
    tube(camp, "XC0001", people[:10])
    tube(camp, "XC0002", people[10:])
    health = world.users["health_worker"]
    fine = csv_file([("XC0001", "阴性", when()), ("XC0002", "阳性", when())])
    previewed = results.upload(world.xiangchang, health, "lab.csv", fine)
    refused = results.upload(world.xiangchang, health, "bad.csv", csv_file([("NOPE", "阴性", when())]))
    return {"community": world.xiangchang, "campaign": camp, "previewed": previewed, "refused": refused, "file": fine}


def upload_page(t, actor) -> dict:
    return {"community": t["community"].id, "file": SimpleUploadedFile("lab.csv", t["file"])}


def upload_api(t, actor) -> dict:
    return {"community_id": t["community"].id, "filename": "lab.csv", "content": base64.b64encode(t["file"]).decode()}


def api(name, method, path, expect, body=None) -> Case:
    return Case(name, method, path, expect, body=body, api=True)


OWN = statuses(404, ok=(200, RUNNERS))
CASES: list[Case] = [
    Case("testing:results", "get", lambda t: "/testing/results/", statuses(404, ok=(200, RUNNERS_ANYWHERE))),
    Case(
        "testing:results (a file checked)",
        "post",
        lambda t: "/testing/results/",
        # The outsider's form offers only its own community: Xiangchang's is not a choice (400).
        statuses(404, no=(400, {"outsider"}), ok=(302, RUNNERS)),
        body=upload_page,
        routes=("testing:results",),
    ),
    Case("testing:result_import", "get", lambda t: f"/testing/results/{t['previewed'].id}/", OWN),
    Case(
        "testing:result_apply",
        "post",
        lambda t: f"/testing/results/{t['previewed'].id}/apply/",
        statuses(404, ok=(302, RUNNERS)),
    ),
    Case("testing:result_errors", "get", lambda t: f"/testing/results/{t['refused'].id}/errors.xlsx", OWN),
    Case("testing:recalls", "get", lambda t: "/testing/recalls/", statuses(404, ok=(200, RUNNERS_ANYWHERE))),
    Case(
        "testing:recalls (one campaign's)",
        "get",
        lambda t: f"/testing/recalls/?campaign={t['campaign'].id}",
        OWN,
        routes=("testing:recalls",),
    ),
    api(
        "POST /testing/result-imports",
        "post",
        lambda t: "/api/v1/testing/result-imports",
        statuses(404, ok=(201, RUNNERS)),
        body=upload_api,
    ),
    api(
        "GET /testing/result-imports/{import_id}",
        "get",
        lambda t: f"/api/v1/testing/result-imports/{t['previewed'].id}",
        OWN,
    ),
    api(
        "POST /testing/result-imports/{import_id}/apply",
        "post",
        lambda t: f"/api/v1/testing/result-imports/{t['previewed'].id}/apply",
        OWN,
    ),
    api("GET /testing/recalls", "get", lambda t: "/api/v1/testing/recalls", dict.fromkeys(ACTORS, 200)),
    api(
        "GET /testing/recalls (another street's campaign)",
        "get",
        lambda t: f"/api/v1/testing/recalls?campaign_id={t['campaign'].id}",
        dict.fromkeys(ACTORS, 200),
    ),
]

test_permission_matrix, test_anonymous_is_sent_to_log_in = matrix_tests(CASES, targets_for)


def test_another_streets_campaign_lists_no_one(world, api_for):
    targets = targets_for(world)
    results.apply(targets["previewed"], world.users["health_worker"])
    path = f"/api/v1/testing/recalls?campaign_id={targets['campaign'].id}"
    assert len(api_for("health_worker").get(path).json()["items"]) == 10
    assert api_for("outsider").get(path).json()["items"] == []
