"""The donations ledger for public disclosure (公示): what came in and from whom, where it went.

It is posted on the community's notice board, so it names no resident: anonymous donors are
匿名, households are counted, not named or addressed, and people are told by their role, never
their name. Movements that were reversed are left out, with their reversals: what is
disclosed is what stands."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db.models import Q
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
        .select_related("item", "to_gate")
        .order_by("happened_at", "id")
    )


def donor_shown(movement: Movement) -> str:
    return _("anonymous") if movement.anonymous or not movement.donor else movement.donor


def build(community: Community, since: datetime.date, until: datetime.date) -> dict:
    rows = list(standing(community, since, until).filter(kind__in=[K.DONATION, K.PURCHASE, K.ISSUE]))
    came_in = [
        {
            "day": timezone.localtime(m.happened_at).date(),
            "receipt": m.receipt,
            "kind": m.get_kind_display(),
            "donor": donor_shown(m),
            "item": m.item.name,
            "quantity": m.item.show_packed(m.quantity),
        }
        for m in rows
        if m.kind != K.ISSUE
    ]
    issues = [m for m in rows if m.kind == K.ISSUE]
    items = {m.item_id: m.item for m in rows}
    gates: dict[tuple[str, int], int] = defaultdict(int)
    households: dict[int, int] = defaultdict(int)
    reached: dict[int, set[int]] = defaultdict(set)
    persons: dict[tuple[str, int], int] = defaultdict(int)
    for m in issues:
        if m.to_gate_id:
            gates[m.to_gate.name, m.item_id] += m.quantity
        elif m.to_dwelling_id:
            households[m.item_id] += m.quantity
            reached[m.item_id].add(m.to_dwelling_id)
        else:
            persons[m.to_role or RecipientRole.OTHER, m.item_id] += m.quantity
    went_out = (
        [
            {
                "kind": pgettext("recipients", "gates"),
                "to": gate,
                "item": items[i].name,
                "quantity": items[i].show_packed(q),
            }
            for (gate, i), q in sorted(gates.items())
        ]
        + [
            {
                "kind": pgettext("recipients", "households"),
                "to": _("%(n)s households") % {"n": len(reached[i])},
                "item": items[i].name,
                "quantity": items[i].show_packed(q),
            }
            for i, q in sorted(households.items())
        ]
        + [
            {
                "kind": pgettext("recipients", "people"),
                "to": RecipientRole(role).label,
                "item": items[i].name,
                "quantity": items[i].show_packed(q),
            }
            for (role, i), q in sorted(persons.items())
        ]
    )
    held = ledger.totals_by_item(
        ledger.stock(Movement.objects.filter(community=community), day_start(until + datetime.timedelta(days=1)))
    )
    came = defaultdict(int)
    went = defaultdict(int)
    for m in rows:
        (went if m.kind == K.ISSUE else came)[m.item_id] += m.quantity
    totals = [
        {
            "item": item.name,
            "came_in": item.show(came.get(item.pk, 0)),
            "went_out": item.show(went.get(item.pk, 0)),
            "held": item.show(held.get(item.pk, 0)),
        }
        for item in Item.objects.filter(community=community).filter(Q(pk__in=items) | Q(pk__in=list(held)))
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
