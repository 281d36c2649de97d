"""The home page: for each role, the counts that matter to it. It sits above every app."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone

from fangxian.accounts.models import Role
from fangxian.accounts.scoping import Can, can, holds_community, roles_of, visible
from fangxian.casework import rates
from fangxian.duty.models import Assignment, Roster
from fangxian.errands import requests as errands
from fangxian.errands.models import Errand
from fangxian.gate import trust
from fangxian.gate.api import usable_gates
from fangxian.gate.models import TrustGrant
from fangxian.gate.views import keepable_communities
from fangxian.kits import distributing
from fangxian.kits.models import Recipient
from fangxian.people.models import ImportBatch, Resident, Tag
from fangxian.places.models import Building, Business, Community, Dwelling
from fangxian.stations import ordering
from fangxian.stations.models import Order
from fangxian.supplies import ledger
from fangxian.supplies.models import Item, Movement
from fangxian.supplies.reading import readable_communities
from fangxian.watch import observations
from fangxian.watch.models import Campaign, Observation
from fangxian.whistle import calling as whistle

OFFICES = {Role.Kind.CITY_ADMIN, Role.Kind.DISTRICT_ADMIN, Role.Kind.STREET_ADMIN}
WATCHED_TAGS = [Tag.ELDERLY_ALONE, Tag.DIALYSIS, Tag.DISABLED, Tag.PREGNANT, Tag.CHRONIC]


def tag_counts() -> dict:
    return {tag.value: Count("id", filter=Resident.tagged(tag)) for tag in WATCHED_TAGS}


def resident_counts() -> dict:
    return {
        "residents": Count("id"),
        "households": Count("dwelling_id", distinct=True),
        "living_elsewhere": Count("id", filter=Q(residence=Resident.Residence.LIVING_ELSEWHERE)),
        **tag_counts(),
    }


def with_tag_labels(counts: dict) -> dict:
    counts["tags"] = [(Tag(t).label, counts.pop(t.value), t.value) for t in WATCHED_TAGS]
    return counts


def registry_counts(user) -> dict:
    return with_tag_labels(visible(user, Can.VIEW_RESIDENTS, Resident.objects.current()).aggregate(**resident_counts()))


def summed(table: list[dict]) -> dict:
    """An office's totals are the sums of its communities' rows: one pass over 100,000
    residents instead of two (a dwelling, hence a household, is in one community)."""
    return with_tag_labels({key: sum(row.get(key, 0) for row in table) for key in resident_counts()})


def community_table(user) -> list[dict]:
    """Every community in an office's view side by side, in two grouped queries."""
    communities = list(visible(user, Can.VIEW_PLACES, Community.objects.select_related("street")))
    ids = [c.id for c in communities]
    per_community = {
        row["community_id"]: row
        for row in Resident.objects.current()
        .filter(community_id__in=ids)
        .values("community_id")
        .annotate(**resident_counts())
    }
    dwellings = dict(Dwelling.objects.filter(community_id__in=ids).values_list("community_id").annotate(n=Count("id")))
    return [{"community": c, "dwellings": dwellings.get(c.id, 0), **per_community.get(c.id, {})} for c in communities]


def services_table(user, table: list[dict]) -> list[dict]:
    """Beside each community of an office's table, its services today: errands open and
    overdue, vegetable orders placed and delivered today, kits still to hand over, supplies
    below their minimum level. Counts only, one grouped query each."""
    today = timezone.localdate()
    errand_rows = {
        r["id"]: r for r in errands.rollup(visible(user, Can.VIEW_PLACES, Errand.objects.all()), "community")
    }
    todays = Order.objects.filter(Q(placed_at__date=today) | Q(delivered_at__date=today))
    order_rows: dict[int, dict] = {}
    for r in ordering.rollup(visible(user, Can.VIEW_PLACES, todays), "community"):
        if r["day"] == today:
            order_rows[r["id"]] = r
    kit_rows = {
        r["id"]: r for r in distributing.rollup(visible(user, Can.VIEW_PLACES, Recipient.objects.all()), "community")
    }
    below = ledger.items_below_minimum(visible(user, Can.VIEW_PLACES, Community.objects.all()))
    return [
        {
            "community": row["community"],
            "errands_open": errand_rows.get(pk, {}).get("open", 0),
            "errands_overdue": errand_rows.get(pk, {}).get("overdue", 0),
            "orders": order_rows.get(pk, {}).get("orders", 0),
            "delivered": order_rows.get(pk, {}).get("delivered", 0),
            "kits_pending": kit_rows.get(pk, {}).get("pending", 0),
            "below_minimum": below.get(pk, 0),
        }
        for row in table
        for pk in [row["community"].pk]
    ]


def case_rates(user) -> dict | None:
    """This month's three rates, per community (and for an office, per department the cases
    were passed to). Counts only."""
    cases = rates.counted_cases(user)
    if cases is None:
        return None
    month = timezone.localdate().replace(day=1)
    rows = rates.figures(cases, "community", month, per_month=False)
    if not rows:
        return None
    office = rates.is_office(user)
    return {
        "month": month,
        "rows": rows,
        "total": rates.total(rows) if len(rows) > 1 else None,
        "departments": rates.figures(cases, "department", month, per_month=False) if office else [],
    }


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    roles = roles_of(user)
    context: dict = {"roles": roles}
    context["places"] = {
        "communities": visible(user, Can.VIEW_PLACES, Community.objects.all()).count(),
        "buildings": visible(user, Can.VIEW_PLACES, Building.objects.all()).count(),
        "dwellings": visible(user, Can.VIEW_PLACES, Dwelling.objects.all()).count(),
        "businesses": visible(user, Can.VIEW_PLACES, Business.objects.all()).count(),
    }
    if user.is_superuser or any(r.kind in OFFICES for r in roles):
        context["community_table"] = community_table(user)
        context["services_table"] = services_table(user, context["community_table"])
    context["case_rates"] = case_rates(user)
    if can(user, Can.VIEW_RESIDENTS):
        # An office's residents in view are exactly its table's communities; anyone holding
        # other roles as well is counted directly.
        offices_only = user.is_superuser or all(r.kind in OFFICES for r in roles)
        context["registry"] = (
            summed(context["community_table"])
            if offices_only and "community_table" in context
            else registry_counts(user)
        )
    if can(user, Can.IMPORT):
        context["pending_imports"] = visible(
            user, Can.IMPORT, ImportBatch.objects.filter(status=ImportBatch.Status.PREVIEWED)
        ).count()
    context["can_import"] = can(user, Can.IMPORT)
    context["can_audit"] = can(user, Can.VIEW_AUDIT)
    context["can_manage_staff"] = can(user, Can.MANAGE_STAFF)
    context["has_tokens"] = user.api_tokens.exists()
    context["can_manage_gates"] = keepable_communities(user).exists()
    context["gates"] = list(usable_gates(user)[:2])
    context["can_trust"] = can(user, Can.TRUST)
    if context["can_trust"]:
        context["trust_waiting"] = sum(
            1
            for g in trust.grants_in_view(user).filter(status=TrustGrant.Status.ASKED)
            if trust.may_grant(user, g.gate, g.issuer_id)
        )
    if can(user, Can.WATCH):
        # The grid worker's and health worker's morning: who has a fever, who has not reported.
        context["alerts"] = observations.alerts(visible(user, Can.WATCH, Observation.objects.all()))[:30]
    context["my_shifts"] = Assignment.objects.filter(
        person__user=user, shift__roster__status=Roster.Status.PUBLISHED, shift__day__gte=timezone.localdate()
    ).count()
    context["plans_duty"] = can(user, Can.PLAN_DUTY)
    context["samples"] = can(user, Can.SAMPLE)
    context["runs_testing"] = can(user, Can.RUN_TESTING)
    context["daily_reports"] = can(user, Can.REPORT_DAILY) or can(user, Can.READ_REPORTS)
    context["serves"] = can(user, Can.SERVE)
    context["campaigns"] = (
        list(visible(user, Can.CENSUS, Campaign.objects.filter(closed_at=None))[:5]) if can(user, Can.CENSUS) else []
    )
    # Items below their minimum level, for whoever keeps a community's supplies ledger.
    supplied = list(readable_communities(user))
    context["reads_supplies"] = bool(supplied)
    kept = [c.pk for c in supplied if holds_community(user, Can.RUN_SERVICES, c.pk)]
    context["low_supplies"] = [
        (item, item.show(held))
        for item, held in ledger.below_minimum(
            Item.objects.filter(community__in=kept).select_related("community"),
            Movement.objects.filter(community__in=kept),
        )
    ]
    if can(user, Can.SERVE):
        # Open and overdue errands in the user's scope, the overdue ones named first.
        context["errands"] = errands.counts(user) | {
            "late": list(errands.listing(user, "overdue").select_related("dwelling__building")[:5])
        }
    elif "community_table" in context:
        # Offices count them (the roll-up's numbers); the errands themselves stay with the communities.
        context["errand_totals"] = errands.totals(visible(user, Can.VIEW_PLACES, Errand.objects.all()))
    context["whistle"] = whistle.summary(user)
    return render(request, "home.html", context)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent with a stale token (a page left open long, or through a new log-in): our page,
    in the user's language, with the way back, instead of Django's."""
    return render(request, "403_csrf.html", status=403)


def service_worker(request: HttpRequest, scope: str) -> HttpResponse:
    """Served from /<scope>/ so that it covers every page there (the gate, the census walk)."""
    response = HttpResponse(render_to_string("sw.js", {"scope": scope}), content_type="application/javascript")
    response["Cache-Control"] = "no-cache"
    return response
