"""Daily reports in the permission matrix: every page and every API operation, every actor.

Xiangchang Road has submitted today's report; its secretary alone submits (yesterday's, in
the cases that post), its community worker and the offices above read it, the other people of
the community see the community but not its reports (403), and the outsider (Liulichang's
secretary, another street) and the liaison get 404 for every id. A street's print holds every
community of the street: its office and those above print it, a community of it may not."""

from __future__ import annotations

import datetime

from django.utils import timezone

from fangxian.accounts.tests.matrix import OFFICES, SEES_PLACE, Case, matrix_tests, statuses
from fangxian.reports import reporting
from fangxian.reports.models import FIGURES

SUBMITS = {"secretary"}
READERS = {"secretary", "community_worker"} | OFFICES
READS_ANY = READERS | {"outsider"}  # the outsider reads its own community's day
FIGURES_SEEN = [35, 4, 2, 3, 1820, 2, 2, 9, 6, 3]


def targets_for(world) -> dict:
    today = timezone.localdate()
    reporting.submit(
        world.xiangchang, today, world.users["secretary"], figures=dict(zip(FIGURES, FIGURES_SEEN, strict=True))
    )
    return {
        "community": world.xiangchang,
        "street": world.tianqiao,
        "today": today.isoformat(),
        "yesterday": (today - datetime.timedelta(days=1)).isoformat(),
    }


def api(name, method, path, expect, body=None) -> Case:
    return Case(name, method, path, expect, body=body, api=True)


def figures(t, a) -> dict:
    return dict.fromkeys(FIGURES, 2)


ON_COMMUNITY = statuses(404, no=(403, SEES_PLACE), ok=(200, READERS))
SUBMITTING = statuses(404, no=(403, SEES_PLACE), ok=(302, SUBMITS))

CASES: list[Case] = [
    Case("reports:day", "get", lambda t: "/daily-reports/", statuses(403, ok=(200, READS_ANY))),
    Case(
        "reports:day (Excel)",
        "get",
        lambda t: f"/daily-reports/?day={t['today']}&format=xlsx",
        statuses(403, ok=(200, READS_ANY)),
        routes=("reports:day",),
    ),
    Case(
        "reports:community",
        "get",
        lambda t: f"/daily-reports/communities/{t['community'].id}/?day={t['today']}",
        ON_COMMUNITY,
    ),
    Case(
        "reports:community (submitted)",
        "post",
        lambda t: f"/daily-reports/communities/{t['community'].id}/?day={t['yesterday']}",
        SUBMITTING,
        body=figures,
        routes=("reports:community",),
    ),
    Case(
        "reports:community (corrected)",
        "post",
        lambda t: f"/daily-reports/communities/{t['community'].id}/?day={t['today']}",
        SUBMITTING,
        body=lambda t, a: {**figures(t, a), "reason": "发热人数核实后更正"},
        routes=("reports:community",),
    ),
    Case(
        "reports:community_pdf",
        "get",
        lambda t: f"/daily-reports/communities/{t['community'].id}/pdf/?day={t['today']}",
        ON_COMMUNITY,
    ),
    Case(
        "reports:street_pdf",
        "get",
        lambda t: f"/daily-reports/streets/{t['street'].id}/pdf/?day={t['today']}",
        statuses(404, no=(403, SEES_PLACE), ok=(200, OFFICES)),
    ),
    Case(
        "reports:deadline",
        "post",
        lambda t: f"/daily-reports/streets/{t['street'].id}/deadline/",
        statuses(404, no=(403, SEES_PLACE), ok=(302, OFFICES)),
        body=lambda t, a: {"due": "15:30"},
    ),
    api("GET /daily-reports", "get", lambda t: "/api/v1/daily-reports", statuses(403, ok=(200, READS_ANY))),
    api(
        "GET /daily-reports/communities/{community_id}",
        "get",
        lambda t: f"/api/v1/daily-reports/communities/{t['community'].id}?day={t['today']}",
        ON_COMMUNITY,
    ),
    api(
        "POST /daily-reports/communities/{community_id}",
        "post",
        lambda t: f"/api/v1/daily-reports/communities/{t['community'].id}",
        statuses(404, no=(403, SEES_PLACE), ok=(201, SUBMITS)),
        body=lambda t, a: {"day": t["yesterday"], "figures": figures(t, a)},
    ),
    api(
        "POST /daily-reports/streets/{street_id}/deadline",
        "post",
        lambda t: f"/api/v1/daily-reports/streets/{t['street'].id}/deadline",
        statuses(404, no=(403, SEES_PLACE), ok=(200, OFFICES)),
        body=lambda t, a: {"due": "15:30"},
    ),
]

test_permission_matrix, test_anonymous_is_sent_to_log_in = matrix_tests(CASES, targets_for)
