"""The API as an outside client sees it: schemathesis generates requests from our OpenAPI
(valid and invalid ones) for a secretary, a gate keeper and another street's secretary, and
every answer must be a documented status, inside its documented schema, and never a 5xx.

Seeded (derandomize) and bounded, so that it runs in `make test` on both databases."""

from __future__ import annotations

from collections import Counter

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from fangxian.accounts.models import ApiToken
from fangxian.wsgi import application

ROLES = ["secretary", "gate_keeper", "outsider"]
EXAMPLES = 12
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
CALLS: Counter = Counter()  # role → requests sent
FAILURES: Counter = Counter()  # (role, kind of failure) → how many

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """Our WSGI application is called directly; as Django's own test client does, its requests
    must not close the connection that holds the test's transaction."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def bearers(world):
    return {role: {"Authorization": f"Bearer {ApiToken.issue(world.users[role])}"} for role in ROLES}


@schema.parametrize()
@settings(
    max_examples=EXAMPLES, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)
def test_the_api_answers_within_its_schema(case, bearers):
    for role, headers in bearers.items():
        CALLS[role] += 1
        try:
            case.call_and_validate(headers=headers, checks=CHECKS)
        except (Failure, FailureGroup) as failed:
            for failure in getattr(failed, "exceptions", [failed]):
                FAILURES[role, failure.kind_title] += 1
            raise


def summary() -> list[str]:
    """The figures the terminal summary prints (conftest.py): requests and failures by role and kind."""
    if not CALLS:
        return []
    lines = [f"schemathesis: {len(list(schema.get_all_operations()))} operations, {EXAMPLES} examples at most each"]
    for role in ROLES:
        failed = {kind: n for (who, kind), n in FAILURES.items() if who == role}
        lines.append(f"  {role}: {CALLS[role]} requests, {sum(failed.values())} failures {failed or ''}".rstrip())
    return lines
