"""The donations ledger for public disclosure (公示): what came in and from whom, where it went.

It is posted on the community's notice board, so it names no resident: anonymous donors are
匿名, households are counted, not named or addressed, and people are told by their role, never
their name. Movements that were reversed are left out, with their reversals: what is
disclosed is what stands."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from fangxian.places.models import Community

from . import ledger
from .models import Item, Movement, RecipientRole
from .reading import day_start

K = Movement.Kind


def standing(community: Community, since: datetime.date, until: datetime.date):
    return (
        Movement.objects.filter(
            community=community,
            happened_at__gte=day_start(since),
            happened_at__lt=day_start(until + datetime.timedelta(days=1)),
        )
        .exclude(kind=K.REVERSAL)
        .filter(reversed_by__isnull=True)
        .select_related("item")
        .order_by("happened_at", "id")
    )


def donor_shown(movement: Movement) -> str:
    return _("anonymous") if movement.anonymous or not movement.donor else movement.donor


def build(community: Community, since: datetime.date, until: datetime.date) -> dict:
    """The report: each line that came in, and what went out summed in the database by
    recipient (a month of a busy community is tens of thousands of issues)."""
    standing_rows = standing(community, since, until)
    came_rows = list(standing_rows.filter(kind__in=[K.DONATION, K.PURCHASE]))
    came_in = [
        {
            "day": timezone.localtime(m.happened_at).date(),
            "receipt": m.receipt,
            "kind": m.get_kind_display(),
            "donor": donor_shown(m),
            "item": m.item.name,
            "quantity": m.item.show_packed(m.quantity),
        }
        for m in came_rows
    ]
    issues = standing_rows.filter(kind=K.ISSUE).order_by()
    gates = issues.filter(to_gate__isnull=False).values_list("to_gate__name", "item_id").annotate(Sum("quantity"))
    households = (
        issues.filter(to_gate__isnull=True, to_dwelling__isnull=False)
        .values_list("item_id")
        .annotate(Sum("quantity"), Count("to_dwelling_id", distinct=True))
    )
    persons = (
        issues.filter(to_gate__isnull=True, to_dwelling__isnull=True)
        .values_list("to_role", "item_id")
        .annotate(Sum("quantity"))
    )
    by_role: dict[tuple[str, int], int] = defaultdict(int)
    for role, i, q in persons:  # a person issued to without a role is "other", as the page records them
        by_role[role or RecipientRole.OTHER, i] += q
    gates, households = sorted(gates), sorted(households)
    persons = sorted((role, i, q) for (role, i), q in by_role.items())
    item_ids = {m.item_id for m in came_rows} | {g[1] for g in gates} | {h[0] for h in households}
    item_ids |= {p[1] for p in persons}
    items = Item.objects.in_bulk(item_ids)
    went_out = (
        [
            {
                "kind": pgettext("recipients", "gates"),
                "to": gate,
                "item": items[i].name,
                "quantity": items[i].show_packed(q),
            }
            for gate, i, q in gates
        ]
        + [
            {
                "kind": pgettext("recipients", "households"),
                "to": _("%(n)s households") % {"n": n},
                "item": items[i].name,
                "quantity": items[i].show_packed(q),
            }
            for i, q, n in households
        ]
        + [
            {
                "kind": pgettext("recipients", "people"),
                "to": RecipientRole(role).label,
                "item": items[i].name,
                "quantity": items[i].show_packed(q),
            }
            for role, i, q in persons
        ]
    )
    held = ledger.totals_by_item(
        ledger.stock(Movement.objects.filter(community=community), day_start(until + datetime.timedelta(days=1)))
    )
    came: dict[int, int] = defaultdict(int)
    went: dict[int, int] = defaultdict(int)
    for m in came_rows:
        came[m.item_id] += m.quantity
    for _gate, i, q in gates:
        went[i] += q
    for i, q, _n in households:
        went[i] += q
    for _role, i, q in persons:
        went[i] += q
    totals = [
        {
            "item": item.name,
            "came_in": item.show(came.get(item.pk, 0)),
            "went_out": item.show(went.get(item.pk, 0)),
            "held": item.show(held.get(item.pk, 0)),
        }
        for item in Item.objects.filter(community=community).filter(Q(pk__in=item_ids) | Q(pk__in=list(held)))
    ]
    return {
        "community": community.name,
        "since": since,
        "until": until,
        "came_in": came_in,
        "went_out": went_out,
        "totals": totals,
        "printed_at": timezone.localtime(),
    }


def table(report: dict) -> tuple[list[str], list[list]]:
    """The same report as one sheet: a row for each line in, each recipient out, each item's total."""
    header = [_("section"), _("date"), _("receipt number"), _("from or to"), _("item"), _("quantity")]
    rows = [[_("came in"), r["day"], r["receipt"], r["donor"], r["item"], r["quantity"]] for r in report["came_in"]]
    rows += [[_("went out"), "", "", f"{r['kind']}: {r['to']}", r["item"], r["quantity"]] for r in report["went_out"]]
    rows += [[_("held at the end"), report["until"], "", "", r["item"], r["held"]] for r in report["totals"]]
    return header, rows
