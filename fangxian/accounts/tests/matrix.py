"""The permission matrix's vocabulary, shared by every app's matrix: the actors, the groups
they fall in, a case (a page or an endpoint, what each actor gets) and how a case is sent
and judged. Each app's `tests/test_permissions.py` lists its own cases;
`accounts/tests/test_permissions.py` checks that together they cover every route."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.contrib.messages import get_messages

ACTORS = [
    "secretary",
    "community_worker",
    "grid_worker",
    "gate_keeper",
    "health_worker",
    "volunteer",
    "liaison",
    "street_admin",
    "district_admin",
    "city_admin",
    "outsider",
    "nobody",
]
SEES_PLACE = {
    "secretary",
    "community_worker",
    "grid_worker",
    "gate_keeper",
    "health_worker",
    "volunteer",
    "street_admin",
    "district_admin",
    "city_admin",
}
OFFICES = {"street_admin", "district_admin", "city_admin"}
WATCHERS = {"secretary", "community_worker", "grid_worker", "health_worker"}
SEES_RESIDENTS = {
    "secretary",
    "community_worker",
    "grid_worker",
    "health_worker",
    "street_admin",
    "district_admin",
    "city_admin",
}
EDITS = {"secretary", "community_worker", "grid_worker"}
KEEPS_COMMUNITY = {"secretary", "community_worker"}
GATE_USERS = {"gate_keeper", "secretary", "community_worker"}
CENSUS_TAKERS = {"secretary", "community_worker", "grid_worker", "volunteer"}
SERVERS = {"secretary", "community_worker", "grid_worker", "volunteer"}  # carry errands, orders and kits
RUNS_SERVICES = {"secretary", "community_worker", "grid_worker"}  # take errands; a grid worker for the grid only
EXPORTERS = {"secretary", "community_worker"} | OFFICES
# The department actor: the liaison works for Tianqiao Street's city-management team in the
# whistle's targets (whistle/tests/conftest.py: make_departments), and sees only its calls.
DEPARTMENT = {"liaison"}


def statuses(default: int, **groups) -> dict[str, int]:
    """statuses(404, ok=(200, SEES_PLACE)) → every actor 404 except those given."""
    table = dict.fromkeys(ACTORS, default)
    for status, actors in groups.values():
        table.update(dict.fromkeys(actors, status))
    return table


@dataclass
class Case:
    name: str
    method: str
    path: Callable  # (targets) -> str
    expect: dict[str, int]
    body: Callable | None = None  # (targets, actor) -> dict
    api: bool = False
    anonymous: int = 302
    routes: tuple[str, ...] = field(default=())


def send(client, case: Case, targets: dict, actor: str):
    path = case.path(targets)
    body = case.body(targets, actor) if case.body else {}
    if case.api:
        return (
            getattr(client, case.method)(path, data=json.dumps(body), content_type="application/json")
            if case.method != "get"
            else client.get(path)
        )
    return client.post(path, body) if case.method == "post" else client.get(path)


def check(client, case: Case, targets: dict, actor: str) -> None:
    response = send(client, case, targets, actor)
    assert response.status_code == case.expect[actor], response.content[:300]
    if response.status_code == 302:
        # A redirect is a success only if it neither sends the user to log in nor says why it refused.
        said = [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]
        assert "/login/" not in response["Location"] and not [m for m in said if m[0] == "error"], (
            response["Location"],
            said,
        )


def check_anonymous(client, case: Case, targets: dict) -> None:
    response = send(client, case, targets, "nobody")
    if case.anonymous != 302:  # a public route (a service worker holds no data): what anyone gets
        assert response.status_code == case.anonymous
    elif case.api:
        assert response.status_code == 401
    else:
        assert response.status_code == 302 and "/login/" in response["Location"]


def matrix_tests(cases: list[Case], targets_for: Callable) -> tuple[Callable, Callable]:
    """The two tests of an app's matrix over its cases and its targets (`targets_for(world)`):
    every actor on every case, and no one logged in."""

    @pytest.mark.parametrize("actor", ACTORS)
    @pytest.mark.parametrize("case", cases, ids=lambda c: c.name)
    def test_permission_matrix(world, client_for, api_for, case: Case, actor: str):
        check(api_for(actor) if case.api else client_for(actor), case, targets_for(world), actor)

    @pytest.mark.parametrize("case", cases, ids=lambda c: c.name)
    def test_anonymous_is_sent_to_log_in(world, client, case: Case):
        check_anonymous(client, case, targets_for(world))

    return test_permission_matrix, test_anonymous_is_sent_to_log_in
