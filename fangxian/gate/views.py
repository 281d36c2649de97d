from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.db.models.functions import ExtractHour
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from fangxian.accounts.exports import counted, export_list, pdf_bytes, pdf_response, wants_xlsx
from fangxian.accounts.scoping import Can, can, get_visible_or_404, scope_for, visible
from fangxian.jobs import running
from fangxian.jobs.models import Job
from fangxian.lib.ids import as_day, as_id
from fangxian.lib.masking import mask_phone
from fangxian.people import temperature
from fangxian.people.models import Resident
from fangxian.people.search import search_residents
from fangxian.places.models import Building, Community, Dwelling

from . import permits, printing, trust
from .api import ScanIn, VisitorIn, device_rules, usable_gates
from .forms import GateForm
from .models import Gate, Pass, Permit, TrustGrant, Verdict

MAX_CARDS = 500  # about 50 A4 pages: one building's worth


@login_required
def gates(request: HttpRequest) -> HttpResponse:
    return render(request, "gate/gates.html", {"gates": usable_gates(request.user).select_related("community")})


def next_steps() -> dict[str, str]:
    """What a keeper does after a red or orange verdict: the word alone leaves them to guess."""
    stop = _("Do not let them in. If they insist or the card looks wrong, call the community office.")
    return {
        Verdict.FEVER: _(
            "Do not let them in: take the temperature again after a few minutes; if still 37.3 or more, send them to the fever clinic and tell the health worker."
        ),
        Verdict.UNDER_OBSERVATION: _("Under home observation: ask them to go home and tell the grid worker."),
        Verdict.AWAITING_RETEST: _(
            "Their pooled test was positive: they wait at home for the single retest. Ask them to go home and tell the health worker."
        ),
        Verdict.FORGED: _(
            "A forged card: keep it if you can and call the community office; call the police if they force their way."
        ),
        Verdict.REVOKED: stop,
        Verdict.EXPIRED: _("Their permit has run out: send them to the community office for a new one."),
        Verdict.NOT_YET_VALID: _(
            "Their permit is not valid yet: check the date on the card, or call the community office."
        ),
        Verdict.NOT_ACCEPTED_HERE: _(
            "This gate does not admit this community's permits: register them as a visitor if they have a reason to enter."
        ),
        Verdict.UNKNOWN_ISSUER: stop,
        Verdict.REFUSED: stop,
    }


@login_required
def scan_page(request: HttpRequest, pk: int) -> HttpResponse:
    gate = usable_gates(request.user).filter(pk=pk).select_related("community").first()
    if gate is None:
        raise Http404
    context = {
        "gate": gate,
        "verdicts": {v.value: str(v.label) for v in Verdict},
        "next_steps": next_steps(),
        "refusals": Pass.Refusal.choices,
        "stale_hours": settings.BUNDLE_STALE_HOURS,
        "common_temperatures": temperature.COMMON,
        # Chosen by the keeper; "not admitted" the page gives itself to a card it stops.
        "no_temperature": [c for c in Pass.NoTemperature.choices if c[0] != Pass.NoTemperature.NOT_ADMITTED],
        "rules": {"visitor": device_rules(VisitorIn), "scan": device_rules(ScanIn)},
        "repeat_seconds": settings.GATE_REPEAT_SECONDS,
        "undo_seconds": settings.GATE_UNDO_SECONDS,
        # The page puts the time in: %(time)s stays as it is.
        "already_recorded": _("Already recorded at %(time)s: the same card is not counted again so soon."),
        "recorded_elsewhere": _(
            "Another phone at this gate recorded the same card a moment ago (%(time)s): it is counted once."
        ),
    }
    return render(request, "gate/scan.html", context)


@login_required
def permit_photo(request: HttpRequest, pk: int) -> HttpResponse:
    """The holder's photo for the keeper's face check, at gates of the issuing community or
    of a community it has granted trust."""
    row = Permit.objects.filter(pk=pk).select_related("resident").first()
    if row is None or not row.resident.photo:
        raise Http404
    trusted_here = Q(community_id=row.community_id) | Q(
        grants__issuer_id=row.community_id, grants__status=TrustGrant.Status.GRANTED
    )
    if not usable_gates(request.user).filter(trusted_here).exists():
        raise Http404
    response = FileResponse(row.resident.photo.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=86400"
    return response


def permit_status(resident_permits: list[Permit]) -> Permit | None:
    """The permit a resident carries now: the newest one neither revoked nor expired."""
    now = timezone.now()
    return next((p for p in resident_permits if p.revoked_at is None and p.valid_until > now), None)


def valid_permits():
    return Permit.objects.filter(revoked_at=None, valid_until__gt=timezone.now())


@login_required
def permit_list(request: HttpRequest) -> HttpResponse:
    """Residents of a building or entrance with their permits: issue, revoke, reissue, print."""
    if not can(request.user, Can.EDIT_REGISTRY):
        raise PermissionDenied
    residents = visible(
        request.user, Can.EDIT_REGISTRY, Resident.objects.current().select_related("dwelling__building", "community")
    )
    buildings = visible(request.user, Can.EDIT_REGISTRY, Building.objects.select_related("community"))
    building_id, entrance = as_id(request.GET.get("building")), as_id(request.GET.get("entrance"))
    if building_id:
        residents = residents.filter(dwelling__building_id=building_id)
    if entrance:
        residents = residents.filter(dwelling__entrance=entrance)
    residents = search_residents(request.user, residents, request.GET.get("q", ""))
    residents = residents.prefetch_related(Prefetch("permits", queryset=Permit.objects.order_by("-issued_at")))
    page = Paginator(residents, 50).get_page(request.GET.get("page"))
    rows = [(r, permit_status(list(r.permits.all()))) for r in page]
    context = {
        "page": page,
        "rows": rows,
        "buildings": buildings,
        "query": request.GET.urlencode(),
        "reasons": Permit.RevokeReason.choices,
        "filtered": bool(building_id),
    }
    return render(request, "gate/permits.html", context)


def residents_for_bulk(request: HttpRequest):
    if not can(request.user, Can.EDIT_REGISTRY):
        raise PermissionDenied
    residents = visible(
        request.user, Can.EDIT_REGISTRY, Resident.objects.current().select_related("dwelling__building", "community")
    )
    building_id, entrance = as_id(request.POST.get("building")), as_id(request.POST.get("entrance"))
    if not building_id:
        raise Http404
    residents = residents.filter(dwelling__building_id=building_id)
    if entrance:
        residents = residents.filter(dwelling__entrance=entrance)
    return residents


@login_required
@require_POST
def issue_bulk(request: HttpRequest) -> HttpResponse:
    """Every resident of the building (or entrance) without a valid permit gets one."""
    residents = residents_for_bulk(request).exclude(id__in=valid_permits().values("resident_id"))
    made = permits.issue_many(list(residents), request.user)
    messages.success(request, ngettext("%(n)s permit issued.", "%(n)s permits issued.", len(made)) % {"n": len(made)})
    return redirect(f"{reverse('gate:permits')}?{request.POST.get('query', '')}")


def back_to_list(request: HttpRequest) -> HttpResponse:
    messages.success(request, _("Done."))
    return redirect(f"{reverse('gate:permits')}?{request.POST.get('query', '')}")


@login_required
@require_POST
def issue_one(request: HttpRequest, pk: int) -> HttpResponse:
    permits.issue(get_visible_or_404(request.user, Can.EDIT_REGISTRY, Resident.objects.current(), pk=pk), request.user)
    return back_to_list(request)


@login_required
@require_POST
def permit_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ("revoke", "reissue"):
        raise Http404
    row = get_visible_or_404(request.user, Can.EDIT_REGISTRY, Permit.objects.select_related("resident"), pk=pk)
    if action == "revoke":
        # No reason chosen is no decision: a preset "lost" revoked a permit at one tap.
        reason = request.POST.get("reason", "")
        if reason not in Permit.RevokeReason.values:
            messages.error(request, _("Choose why the permit is revoked; nothing was changed."))
            return redirect(f"{reverse('gate:permits')}?{request.POST.get('query', '')}")
        permits.revoke(row, reason)
    else:
        permits.reissue(row, request.user)
    return back_to_list(request)


def printable_permits(user):
    return visible(user, Can.EDIT_REGISTRY, valid_permits()).select_related("resident__dwelling__building", "community")


def building_cards(user, building: int, entrance: int | None):
    """The valid permits of the people living in a building, or one entrance of it, in the order they are handed out."""
    rows = printable_permits(user).filter(resident__dwelling__building_id=building, resident__moved_out_on=None)
    if entrance:
        rows = rows.filter(resident__dwelling__entrance=entrance)
    return rows.order_by("resident__dwelling__entrance", "resident__dwelling__floor", "resident__dwelling__room")


@login_required
def print_cards(request: HttpRequest) -> HttpResponse:
    """A4 sheets of permit cards. One permit's card prints at once (GET ?permit=); a building's
    or an entrance's hundreds of cards (POST building, entrance) are printed as a job."""
    if request.method == "POST":
        building, entrance = as_id(request.POST.get("building")), as_id(request.POST.get("entrance"))
        first = building_cards(request.user, building, entrance).first() if building else None
        if first is None:
            raise Http404
        where = first.resident.dwelling.building.label
        if entrance:
            where = _("%(building)s, entrance %(entrance)s") % {"building": where, "entrance": entrance}
        job = running.start(
            request.user,
            first.community,
            _("Permit cards of %(where)s (A4 PDF)") % {"where": where},
            print_sheets,
            Can.EDIT_REGISTRY,
            params={"building": building, "entrance": entrance, "site": site_of(request)},
        )
        return redirect("jobs:job", pk=job.pk)
    permit_id = as_id(request.GET.get("permit"))
    rows = list(printable_permits(request.user).filter(pk=permit_id)) if permit_id else []
    if not rows:
        raise Http404
    return pdf_response(
        request,
        "permit_cards",
        printing.cards_html(rows, site_of(request)),
        "permits.pdf",
        counted(r.community_id for r in rows),
    )


def site_of(request: HttpRequest) -> str:
    """The address the printed household links start with, as the printing user reached us."""
    return request.build_absolute_uri("/").rstrip("/")


def print_sheets(job: Job) -> None:
    rows = list(building_cards(job.user, job.params["building"], job.params["entrance"])[:MAX_CARDS])
    if not rows:
        raise ValidationError(_("No valid permit is left to print here."))
    job.report(ngettext("Printing %(n)s card…", "Printing %(n)s cards…", len(rows)) % {"n": len(rows)})
    job.attach(
        pdf_bytes(printing.cards_html(rows, job.params["site"])),
        "permits.pdf",
        "permit_cards",
        counted(r.community_id for r in rows),
    )


@login_required
def permit_qr(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    row = get_visible_or_404(request.user, Can.EDIT_REGISTRY, Permit.objects.all(), pk=pk)
    if kind == "png":
        return HttpResponse(printing.qr_png(row.code), content_type="image/png")
    if kind == "svg":
        return HttpResponse(printing.qr_svg(row.code), content_type="image/svg+xml")
    raise Http404


def keepable_communities(user):
    """Communities whose gates the user runs: those they keep as a whole (not via one grid)."""
    scope = scope_for(user, Can.EDIT_REGISTRY)
    return Community.objects.all() if scope.everything else Community.objects.filter(id__in=scope.whole_communities())


@login_required
def manage_gates(request: HttpRequest) -> HttpResponse:
    communities = keepable_communities(request.user)
    if not communities.exists():
        raise PermissionDenied
    open_grants = Prefetch(
        "grants",
        queryset=TrustGrant.objects.filter(status__in=trust.OPEN).select_related("issuer"),
        to_attr="open_grants",
    )
    gates = (
        Gate.objects.filter(community__in=communities)
        .select_related("community")
        .prefetch_related(open_grants, "keepers")
    )
    return render(request, "gate/manage.html", {"gates": gates, "communities": communities})


@login_required
def edit_gate(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    communities = keepable_communities(request.user)
    if pk is None:
        community = get_visible_or_404(
            request.user, Can.EDIT_REGISTRY, communities, pk=as_id(request.GET.get("community")) or 0
        )
        gate = None
    else:
        gate = get_visible_or_404(request.user, Can.VIEW_PLACES, Gate.objects.filter(community__in=communities), pk=pk)
        community = gate.community
    form = GateForm(request.POST or None, instance=gate, community=community)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save_for(request)
        messages.success(request, _("Saved. Each community asked decides whether its permits are admitted here."))
        return redirect("gate:manage")
    return render(
        request, "gate/gate_form.html", {"form": form, "community": community, "gate": gate, "states": form.states()}
    )


@login_required
def trust_list(request: HttpRequest) -> HttpResponse:
    """Requests to decide, grants to keep or revoke, and the requests of one's own gates."""
    grants = list(trust.grants_in_view(request.user).exclude(status=TrustGrant.Status.ENDED))
    ended = trust.grants_in_view(request.user).filter(status=TrustGrant.Status.ENDED)[:30]
    if (
        not grants
        and not ended
        and not can(request.user, Can.TRUST)
        and not keepable_communities(request.user).exists()
    ):
        raise PermissionDenied
    decides = {g.pk for g in grants if trust.may_grant(request.user, g.gate, g.issuer_id)}
    context = {
        "to_decide": [g for g in grants if g.pk in decides and g.status == TrustGrant.Status.ASKED],
        "granted": [g for g in grants if g.pk in decides and g.status == TrustGrant.Status.GRANTED],
        "asked": [g for g in grants if g.pk not in decides],
        "ended": ended,
    }
    return render(request, "gate/trust.html", context)


@login_required
@require_POST
def trust_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    grant = trust.grants_in_view(request.user).filter(pk=pk).first()
    if grant is None or action not in ("grant", "refuse", "end"):
        raise Http404
    try:
        if action == "end":
            trust.end(request, grant)
        else:
            trust.decide(request, grant, action == "grant")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Done."))
    return redirect("gate:trust")


def passes_seen_by(user):
    return visible(
        user,
        Can.VIEW_RESIDENTS,
        Pass.objects.select_related("gate", "keeper", "permit__resident__dwelling__building", "visiting__building"),
    )


@login_required
def records(request: HttpRequest) -> HttpResponse:
    """Every pass, searchable when a case turns up: by person, dwelling, gate and time."""
    if not can(request.user, Can.VIEW_RESIDENTS):
        raise PermissionDenied
    rows = passes_seen_by(request.user)
    gates = visible(request.user, Can.VIEW_RESIDENTS, Gate.objects.all())
    params = request.GET
    if as_id(params.get("gate")):
        rows = rows.filter(gate_id=as_id(params["gate"]))
    # A search confirms only what the user may see: names and rooms of residents in their own
    # registry (a market gate also records other communities' residents), phones they may reveal.
    residents = visible(request.user, Can.VIEW_RESIDENTS, Resident.objects.all()).values("pk")
    who = params.get("who", "").strip()
    if who:
        person = Q(holder__contains=who) | Q(permit__resident__name__contains=who, permit__resident__in=residents)
        if who.isascii() and who.isdigit():
            person |= Q(
                phone__endswith=who, gate__community__in=scope_for(request.user, Can.REVEAL_PHONE).whole_communities()
            )
        rows = rows.filter(person)
    room = params.get("room", "").strip()
    if room:
        dwellings = visible(request.user, Can.VIEW_RESIDENTS, Dwelling.objects.all()).values("pk")
        rows = rows.filter(
            Q(permit__resident__dwelling__room=room, permit__resident__in=residents)
            | Q(visiting__room=room, visiting__in=dwellings)
        )
    if params.get("verdict") in Verdict.values:
        rows = rows.filter(verdict=params["verdict"])
    day = as_day(params.get("day")) or timezone.localdate()
    if params.get("day") and as_day(params["day"]) is None:
        messages.warning(
            request,
            _("%(typed)s is not a date (YYYY-MM-DD): today's records are shown.") % {"typed": params["day"][:20]},
        )
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time()))
    rows = rows.filter(scanned_at__gte=start, scanned_at__lt=start + datetime.timedelta(days=1))
    if wants_xlsx(request):
        headers = [
            _("time"),
            _("gate"),
            _("kind"),
            _("verdict"),
            _("person passing"),
            _("dwelling"),
            _("temperature"),
            _("phone"),
            _("reason"),
            _("recorded by"),
        ]
        rows = list(rows)
        known = set(
            visible(
                request.user,
                Can.VIEW_RESIDENTS,
                Dwelling.objects.filter(
                    pk__in={
                        d
                        for p in rows
                        for d in (p.visiting_id, p.permit.resident.dwelling_id if p.permit_id else None)
                        if d
                    }
                ),
            ).values_list("pk", flat=True)
        )
        data = [
            [
                timezone.localtime(p.scanned_at).strftime("%Y-%m-%d %H:%M:%S"),
                p.gate.name,
                p.get_kind_display(),
                p.get_verdict_display(),
                p.holder,
                dwelling_of(p, known),
                p.temperature_text,
                mask_phone(p.phone),
                p.reason or p.get_refusal_display(),
                p.keeper.get_full_name() or p.keeper.username if p.keeper else "",
            ]
            for p in rows
        ]
        return export_list(
            request, "passes", headers, data, counted(p.gate.community_id for p in rows), day=day.isoformat()
        )
    hourly = hourly_counts(rows)
    context = {
        "page": Paginator(rows, 50).get_page(params.get("page")),
        "gates": gates,
        "day": day,
        "hourly": hourly,
        "verdicts": Verdict.choices,
        "query": params.urlencode(),
        "can_export": can(request.user, Can.EXPORT),
    }
    return render(request, "gate/records.html", context)


def dwelling_of(p: Pass, known: set[int]) -> str:
    """Where the person lives (or was visiting), when that dwelling is in the user's registry."""
    dwelling = p.permit.resident.dwelling if p.permit_id else p.visiting
    return dwelling.label if dwelling and dwelling.pk in known else ""


def hourly_counts(rows) -> dict:
    """Passes a hour by kind, for the chart: one grouped query."""
    series = {kind: [0] * 24 for kind in Pass.Kind.values}
    for row in rows.annotate(hour=ExtractHour("scanned_at")).values("hour", "kind").annotate(n=Count("id")).order_by():
        series[row["kind"]][row["hour"]] = row["n"]
    return {
        "hours": [f"{h:02d}" for h in range(24)],
        "series": [{"name": str(Pass.Kind(k).label), "data": v} for k, v in series.items()],
    }


@login_required
def fever_alerts(request: HttpRequest) -> HttpResponse:
    """Today's fevers at the gates of the user's communities; the home page polls it, so the
    health worker sees a fever within half a minute of the scan reaching the server."""
    start = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time()))
    fevers = passes_seen_by(request.user).filter(verdict=Verdict.FEVER, scanned_at__gte=start)
    return render(request, "gate/_fevers.html", {"fevers": fevers[:20], "count": fevers.count()})
