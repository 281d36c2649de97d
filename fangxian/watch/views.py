from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from fangxian.accounts.exports import pdf_bytes, pdf_response
from fangxian.accounts.scoping import Can, can, get_visible_or_404, holds_community, visible
from fangxian.jobs import running
from fangxian.jobs.models import Job
from fangxian.lib.ids import as_id
from fangxian.people import temperature
from fangxian.people.models import Resident
from fangxian.people.search import search_residents
from fangxian.places.models import Building, Community

from . import census, evening, mapping, observations
from .api import observations_seen_by
from .models import Arrival, Campaign, HealthReport, Observation, Symptom


def posted_temperature(request: HttpRequest) -> str:
    """One tap on a common value, or typed when it is none of them."""
    return request.POST.get("typed", "").strip() or request.POST.get("temperature", "")


def posted_ids(request: HttpRequest, name: str) -> list[int]:
    return [i for i in map(as_id, request.POST.getlist(name)) if i]


def problems(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def parse_date(raw: str, default: datetime.date | None = None) -> datetime.date:
    if not raw and default is not None:
        return default
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError:
        raise ValidationError(_("%(value)s is not a date (YYYY-MM-DD).") % {"value": raw or "—"}) from None


@login_required
def observation_list(request: HttpRequest) -> HttpResponse:
    """Who is on observation, soonest end first; those due for release on top; arrivals and
    new observations start from a resident search."""
    if not can(request.user, Can.VIEW_RESIDENTS):
        raise PermissionDenied
    running = observations_seen_by(request.user).filter(released_at=None).select_related("resident__dwelling__building")
    q = request.GET.get("q", "").strip()
    found = []
    if q and can(request.user, Can.WATCH):
        found = search_residents(
            request.user,
            visible(request.user, Can.WATCH, Resident.objects.current().filter(under_observation=False)),
            q,
        )[:20]
    context = {
        "running": running,
        "found": found,
        "q": q,
        "can_watch": can(request.user, Can.WATCH),
        "today": timezone.localdate(),
        "kinds": Observation.Kind.choices,
        "transports": Arrival.Transport.choices,
        "released": observations_seen_by(request.user).exclude(released_at=None).order_by("-released_at")[:20],
    }
    return render(request, "watch/observations.html", context)


@login_required
@require_POST
def start_observation(request: HttpRequest, resident_id: int) -> HttpResponse:
    """Registers the arrival (when a place of origin is given) and starts the observation, in one form."""
    resident = get_visible_or_404(
        request.user, Can.WATCH, Resident.objects.select_related("community__street__district"), pk=resident_id
    )
    post = request.POST
    try:
        today = timezone.localdate()
        arrival = None
        if post.get("came_from", "").strip():
            arrival = observations.arrive(
                resident,
                post["came_from"],
                parse_date(post.get("arrived_on", ""), today),
                request.user,
                post.get("transport", Arrival.Transport.OTHER),
                post.get("transport_number", ""),
                post.get("reason", ""),
            )
        begins = parse_date(post.get("start", ""), arrival.arrived_on if arrival else today)
        observation = observations.start(
            resident,
            post.get("kind", Observation.Kind.HOME),
            begins,
            request.user,
            facility=post.get("facility", "")[:100],
            room=post.get("room", "")[:20],
            arrival=arrival,
        )
    except ValidationError as exc:
        messages.error(request, problems(exc))
        return redirect("watch:observations")
    messages.success(request, _("%(name)s is under observation: the gates will stop them.") % {"name": resident.name})
    return redirect("watch:observation", pk=observation.pk)


@login_required
def observation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    observation = get_visible_or_404(
        request.user,
        Can.VIEW_RESIDENTS,
        Observation.objects.select_related("resident__dwelling__building", "policy", "arrival"),
        pk=pk,
    )
    link = request.build_absolute_uri(reverse("watch:self_report", args=[observation.report_token]))
    context = {
        "o": observation,
        "reports": observation.reports.select_related("recorded_by"),
        "extensions": observation.extensions.all(),
        "can_watch": can(request.user, Can.WATCH, observation),
        "symptoms": Symptom.choices,
        "temperatures": temperature.COMMON,
        "link": link,
        "entered": entered_report(request.GET),
    }
    return render(request, "watch/observation.html", context)


def entered_report(data) -> dict:
    """What a refused report held, to show it again: the typed value is not lost to an error."""
    return {
        "temperature": data.get("temperature", "")[:10],
        "typed": data.get("typed", "")[:10],
        "symptoms": [s for s in data.getlist("symptoms") if s in Symptom.values],
    }


def watched(request: HttpRequest, pk: int) -> Observation:
    return get_visible_or_404(request.user, Can.WATCH, Observation.objects.select_related("resident"), pk=pk)


@login_required
@require_POST
def add_report(request: HttpRequest, pk: int) -> HttpResponse:
    observation = watched(request, pk)
    try:
        observations.report(observation, posted_temperature(request), request.POST.getlist("symptoms"), request.user)
    except ValidationError as exc:
        messages.error(request, problems(exc))
        entered = {k: v for k, v in entered_report(request.POST).items() if v}
        return redirect(f"{reverse('watch:observation', args=[pk])}?{urlencode(entered, doseq=True)}")
    messages.success(request, _("Report saved."))
    return redirect("watch:observation", pk=pk)


@login_required
@require_POST
def extend(request: HttpRequest, pk: int) -> HttpResponse:
    observation = watched(request, pk)
    try:
        days = int(request.POST.get("days", ""))
    except ValueError:
        days = 0
    try:
        observations.extend(
            observation, days, request.POST.get("reason", ""), request.POST.get("approved_by", ""), request.user
        )
    except ValidationError as exc:
        messages.error(request, problems(exc))
    else:
        messages.success(request, _("Extended to %(date)s.") % {"date": observation.ends_on})
    return redirect("watch:observation", pk=pk)


@login_required
@require_POST
def release_observation(request: HttpRequest, pk: int) -> HttpResponse:
    observation = watched(request, pk)
    try:
        observations.release(observation, request.user, request.POST.get("reason", ""))
    except ValidationError as exc:
        messages.error(request, problems(exc))
    else:
        messages.success(request, _("Released: the gates admit %(name)s again.") % {"name": observation.resident.name})
    return redirect("watch:observation", pk=pk)


@login_required
def release_notice(request: HttpRequest, pk: int) -> HttpResponse:
    """解除医学观察通知书, numbered; in Chinese, or in English with ?lang=en."""
    observation = get_visible_or_404(
        request.user,
        Can.VIEW_RESIDENTS,
        Observation.objects.select_related("resident__dwelling__building", "resident__community", "released_by"),
        pk=pk,
    )
    if not observation.notice_number:
        raise Http404
    language = "en" if request.GET.get("lang") == "en" else "zh-hans"
    with translation.override(language):
        html = render_to_string("watch/release_notice.html", {"o": observation, "language": language})
    return pdf_response(
        request,
        "release_notice",
        html,
        f"release-{observation.notice_number}.pdf",
        {observation.resident.community_id: 1},
        notice=observation.notice_number,
    )


def self_report(request: HttpRequest, token: str) -> HttpResponse:
    """The private link: the person reports their own temperature, no account needed. It works
    only while the observation runs, and says so plainly when it has ended."""
    observation = get_object_or_404(Observation.objects.select_related("resident"), report_token=token)
    return report_page(request, observation)


def report_page(request: HttpRequest, observation: Observation) -> HttpResponse:
    """The person's own report page, at whatever address found the observation (its own link,
    or the household's), posting back to it."""
    error_text = ""
    if request.method == "POST" and observation.link_open:
        try:
            report = observations.report(
                observation, posted_temperature(request), request.POST.getlist("symptoms"), by_self=True
            )
        except ValidationError as exc:
            error_text = problems(exc)
        else:
            # Answered with a page of its own: reloading the answer sent the report again.
            return redirect(f"{request.path}?{urlencode({'done': report.pk})}")
    done = observation.reports.filter(pk=as_id(request.GET.get("done"))).first() if request.GET.get("done") else None
    today = observation.reports.filter(day=timezone.localdate()).order_by("reported_at")
    context = {
        "o": observation,
        "open": observation.link_open,
        "done": done,
        "error": error_text,
        "today": today,
        "symptoms": Symptom.choices,
        "temperatures": temperature.COMMON,
        "halves": dict(HealthReport.Half.choices),
        "fever": done is not None and temperature.is_fever(done.temperature),
        "entered": entered_report(request.POST) if error_text else {},
    }
    response = render(
        request,
        "watch/self_report.html",
        context,
        status=200 if observation.link_open or request.method == "GET" else 410,
    )
    # The token is in the address: it must not leave for another site in a Referer. "no-referrer"
    # also made Chromium send "Origin: null" with the form, which Django's CSRF check refuses;
    # "same-origin" keeps the address to ourselves and the form's origin intact.
    response["Referrer-Policy"] = "same-origin"
    return response


def campaigns_seen_by(user):
    return visible(user, Can.VIEW_PLACES, Campaign.objects.select_related("community"))


@login_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    communities = [
        c
        for c in visible(request.user, Can.VIEW_PLACES, Community.objects.all())
        if holds_community(request.user, Can.RUN_CENSUS, c.pk)
    ]
    community = None
    if request.method == "POST" or request.GET.get("community"):
        raw = request.POST.get("community") or request.GET.get("community")
        community = next((c for c in communities if str(c.pk) == raw), None)
        if community is None:
            raise PermissionDenied
    elif len(communities) == 1:
        community = communities[0]
    if request.method == "POST":
        try:
            buildings = census.buildings_of(community, posted_ids(request, "buildings"), posted_ids(request, "grids"))
            today = timezone.localdate()
            campaign = census.create(
                community,
                request.POST.get("name", ""),
                parse_date(request.POST.get("starts_on", ""), today),
                parse_date(request.POST.get("ends_on", ""), today),
                buildings,
                request.user,
            )
        except ValidationError as exc:
            messages.error(request, problems(exc))
        else:
            n = campaign.assignments.count()
            messages.success(
                request,
                ngettext("Campaign started: %(n)s dwelling to visit.", "Campaign started: %(n)s dwellings to visit.", n)
                % {"n": n},
            )
            return redirect("watch:campaign", pk=campaign.pk)
    context = {
        "campaigns": campaigns_seen_by(request.user),
        "communities": communities,
        "community": community,
        "buildings": community.buildings.select_related("grid").order_by("number") if community else [],
        "grids": community.grids.all() if community else [],
        "today": timezone.localdate(),
    }
    return render(request, "watch/campaigns.html", context)


@login_required
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_visible_or_404(request.user, Can.VIEW_PLACES, Campaign.objects.select_related("community"), pk=pk)
    conflicts = (
        campaign.assignments.filter(conflict=True)
        .select_related("dwelling__building")
        .prefetch_related("visits__recorded_by")
    )
    progress = census.progress(campaign)
    context = {
        "p": progress,
        "campaign": campaign,
        "outcome_counts": [(label, progress["total"][v]) for v, label in census.Outcome.choices],
        "can_run": can(request.user, Can.RUN_CENSUS, campaign),
        "can_knock": can(request.user, Can.CENSUS, campaign),
        "conflicts": conflicts,
        "knockers": census.knockers(campaign.community),
        "buildings": campaign.community.buildings.filter(
            pk__in=campaign.assignments.values("dwelling__building_id")
        ).order_by("number"),
    }
    return render(request, "watch/campaign.html", context)


@login_required
@require_POST
def campaign_assign(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_visible_or_404(request.user, Can.RUN_CENSUS, Campaign.objects.select_related("community"), pk=pk)
    username = request.POST.get("worker", "")
    worker = census.knockers(campaign.community).filter(username=username).first() if username else None
    try:
        n = census.assign(
            campaign,
            census.buildings_of(campaign.community, posted_ids(request, "buildings"), []),
            worker,
            request.POST.get("team", ""),
        )
    except ValidationError as exc:
        messages.error(request, problems(exc))
    else:
        messages.success(request, ngettext("%(n)s dwelling assigned.", "%(n)s dwellings assigned.", n) % {"n": n})
    return redirect("watch:campaign", pk=pk)


@login_required
@require_POST
def campaign_close(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_visible_or_404(request.user, Can.RUN_CENSUS, Campaign.objects.all(), pk=pk)
    try:
        if campaign.is_open:
            census.close(campaign, request.user, request)
            messages.success(request, _("Campaign closed."))
        else:
            census.reopen(campaign, request.user, request.POST.get("reason", ""), request)
            messages.success(request, _("Campaign reopened; the reopening is in the audit log."))
    except ValidationError as exc:
        messages.error(request, problems(exc))
    return redirect("watch:campaign", pk=pk)


@login_required
def campaign_walk(request: HttpRequest, pk: int) -> HttpResponse:
    """The worker's phone page: doors by entrance and floor, one tap per outcome, offline too."""
    campaign = get_visible_or_404(request.user, Can.CENSUS, Campaign.objects.select_related("community"), pk=pk)
    # walk.js writes the chips and headings itself, in these words of the page's language.
    words = {
        "outcomes": {v: str(label) for v, label in census.Outcome.choices},
        "entrance": _("%(building)s, entrance %(entrance)s"),
    }
    return render(
        request,
        "watch/walk.html",
        {"campaign": campaign, "words": words, "absent_rules": census.AbsentIn.device_rules()},
    )


def map_communities(request: HttpRequest):
    if not can(request.user, Can.VIEW_RESIDENTS):
        raise PermissionDenied
    return visible(request.user, Can.VIEW_RESIDENTS, Community.objects.all())


def chosen_community(request: HttpRequest, pk: int | None) -> tuple[Community | None, list]:
    communities = list(map_communities(request))
    if pk is None:
        return (communities[0] if len(communities) == 1 else None), communities
    found = next((c for c in communities if c.pk == pk), None)
    if found is None:
        raise Http404
    return found, communities


def shown_status(request: HttpRequest) -> str:
    """The legend's filter: one status stands out, the others fade."""
    show = request.GET.get("show", "")
    return show if show in mapping.RANK else ""


def drawn(maps: list, show: str = "") -> list:
    """Each building's rows with their cells as HTML, ready for watch/_map.html."""
    household_url = reverse("people:household", args=[0])[:-2]
    for m in maps:
        m.html = [
            (floor, [mapping.cells_html(cells, household_url, show) for cells in entrances])
            for floor, entrances in m.rows
        ]
    return maps


def visible_buildings(user, community: Community):
    return visible(user, Can.VIEW_RESIDENTS, Building.objects.filter(community=community)).order_by("number")


@login_required
def epidemic_map(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """A community's buildings, each dwelling coloured by its most urgent status."""
    community, communities = chosen_community(request, pk)
    show = shown_status(request)
    maps = drawn(mapping.maps_for(visible_buildings(request.user, community)), show) if community else []
    context = {
        "community": community,
        "communities": communities,
        "maps": maps,
        "legend": mapping.legend(mapping.total(maps)),
        "show": show,
    }
    return render(request, "watch/map.html", context)


@login_required
def building_map(request: HttpRequest, pk: int) -> HttpResponse:
    building = get_visible_or_404(request.user, Can.VIEW_RESIDENTS, Building.objects.select_related("community"), pk=pk)
    show = shown_status(request)
    maps = drawn(mapping.maps_for([building]), show)
    context = {
        "community": building.community,
        "communities": [],
        "maps": maps,
        "legend": mapping.legend(maps[0].counts),
        "show": show,
        "one": True,
    }
    return render(request, "watch/map.html", context)


@login_required
@require_POST
def map_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The map for the office wall: A4, landscape, every building of the community the user
    sees. Thousands of dwellings take many seconds to print, so it is printed as a job."""
    community, _communities = chosen_community(request, pk)
    job = running.start(
        request.user,
        community,
        _("Epidemic map of %(community)s (A4 PDF)") % {"community": community},
        print_map,
        Can.VIEW_RESIDENTS,
        params={"community": community.pk},
    )
    return redirect("jobs:job", pk=job.pk)


def print_map(job: Job) -> None:
    community = Community.objects.get(pk=job.params["community"])
    buildings = visible_buildings(job.user, community)
    n = buildings.count()
    job.report(
        ngettext("Colouring the dwellings of %(n)s building…", "Colouring the dwellings of %(n)s buildings…", n)
        % {"n": n}
    )
    maps = drawn(mapping.maps_for(buildings))
    html = render_to_string(
        "watch/map_print.html",
        {
            "community": community,
            "maps": maps,
            "legend": mapping.legend(mapping.total(maps)),
            "printed_at": timezone.localtime(),
        },
    )
    job.report(_("Printing the A4 pages…"))
    job.attach(pdf_bytes(html), f"map-{community.code}.pdf", "epidemic_map", {community.pk: 1})


@login_required
def evening_numbers(request: HttpRequest) -> HttpResponse:
    """The evening report: each community's numbers, street subtotals, and the total."""
    communities = map_communities(request)
    return render(request, "watch/evening.html", {"t": evening.table(communities), "today": timezone.localdate()})
