"""Campaign pages under /testing/: the campaigns, making one, its page (progress, sites and
slots), full coverage by building, entrance and grid, the grid worker's call list, booking and
exempting a resident, completing; and the household's booking page, /testing/h/<token>/,
opened from the household's own link."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from fangxian.accounts.scoping import Can, can, get_visible_or_404, holds_community, visible
from fangxian.households.views import household_for, private, problems
from fangxian.lib.ids import as_id
from fangxian.lib.masking import mask_name, mask_phone
from fangxian.people.models import HouseholdLink, Resident, Tag
from fangxian.people.search import search_residents
from fangxian.places.models import Community
from fangxian.stations.forms import local_input

from . import campaigns, coverage, forms
from .models import Booking, Call, Campaign, Exemption, Sample, Site, Slot

PICK_LIMIT = 500  # residents shown to tick for a list campaign; a larger list is a tag's or the API's
FOUND_LIMIT = 30
CALL_PAGE = 200  # a grid worker's morning of calls; the API pages through the rest


def said(exc: ValidationError) -> str:
    return " ".join(problems(exc))


def run_communities(user) -> list[Community]:
    return [
        c
        for c in visible(user, Can.VIEW_PLACES, Community.objects.all())
        if holds_community(user, Can.RUN_TESTING, c.pk)
    ]


def campaign_for(request: HttpRequest, pk: int, capability: Can | None = None) -> Campaign:
    campaign = get_visible_or_404(request.user, Can.SAMPLE, Campaign.objects.select_related("community"), pk=pk)
    if capability is not None and not holds_community(request.user, capability, campaign.community_id):
        raise PermissionDenied
    return campaign


def sampled_residents(user, campaign: Campaign) -> QuerySet:
    return visible(user, Can.SAMPLE, campaigns.targets(campaign))


def callable_residents(user, campaign: Campaign) -> QuerySet:
    """Residents the user may see and phone about the campaign (a grid worker: their grid)."""
    if not can(user, Can.VIEW_RESIDENTS):
        raise PermissionDenied
    return visible(user, Can.VIEW_RESIDENTS, sampled_residents(user, campaign))


def back(campaign: Campaign, name: str = "testing:campaign", anchor: str = "") -> HttpResponse:
    return redirect(reverse(name, args=[campaign.pk]) + anchor)


@login_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    rows = list(visible(request.user, Can.SAMPLE, Campaign.objects.select_related("community"))[:50])
    context = {
        "rows": [(c, coverage.totals(c, sampled_residents(request.user, c))) for c in rows],
        "can_create": bool(run_communities(request.user)),
    }
    return render(request, "testing/campaigns.html", context)


def pick_list(request: HttpRequest, community: Community) -> list[tuple[Resident, bool]]:
    """Residents to tick for a list campaign: by tag and by the search box; those already ticked
    stay on the form whatever is searched next."""
    ticked = set(forms.ids(request.POST, "residents"))
    try:
        found = campaigns.pick(community, request.POST.get("tag", ""))
    except ValidationError:
        found = Resident.objects.none()
    query = request.POST.get("q", "").strip()
    found = search_residents(request.user, found, query) if query else found
    shown = list(Resident.objects.filter(community=community, pk__in=ticked).select_related("dwelling__building"))
    if request.POST.get("tag") or query:
        shown += list(
            found.exclude(pk__in=ticked).select_related("dwelling__building").order_by(*coverage.WALK)[:PICK_LIMIT]
        )
    tick_found = request.POST.get("action") == "find" and bool(request.POST.get("tag"))
    return [(r, r.pk in ticked or tick_found) for r in shown]


@login_required
def create(request: HttpRequest) -> HttpResponse:
    """Name, window, pool size, who: the community, some buildings, or a list found by tag and
    search ("Find" fills the list; ticking narrows it)."""
    communities = run_communities(request.user)
    if not communities:
        raise PermissionDenied
    raw = request.POST.get("community") or request.GET.get("community")
    community = next((c for c in communities if str(c.pk) == raw), None) if raw else None
    if raw and community is None:
        raise PermissionDenied
    if community is None and len(communities) == 1:
        community = communities[0]
    errors: dict[str, list[str]] = {}
    picked: list[tuple[Resident, bool]] = []
    if request.method == "POST" and community is not None:
        picked = pick_list(request, community)
        if request.POST.get("action") != "find":
            try:
                campaign = campaigns.create(
                    community, by=request.user, **forms.campaign_arguments(request.POST, community)
                )
            except ValidationError as exc:
                errors = exc.message_dict
            else:
                messages.success(request, _("Campaign made: now add its sampling sites and their slots."))
                return back(campaign)
    now = timezone.localtime().replace(minute=0, second=0, microsecond=0)
    context = {
        "communities": communities,
        "community": community,
        "data": request.POST if request.method == "POST" else {},
        "default_start": local_input(now + datetime.timedelta(hours=1)),
        "default_end": local_input(now + datetime.timedelta(hours=13)),
        "pool_sizes": [1, 5, 10, 20],
        "targets": Campaign.Target.choices,
        "buildings": community.buildings.order_by("number") if community else [],
        "chosen_buildings": [str(i) for i in forms.ids(request.POST, "buildings")],
        "tags": Tag.choices,
        "picked": picked,
        "errors": errors,
    }
    return render(request, "testing/campaign_form.html", context, status=422 if errors else 200)


@login_required
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = campaign_for(request, pk)
    sites = list(campaign.sites.prefetch_related("slots"))
    context = {
        "campaign": campaign,
        "progress": coverage.progress(campaign, sampled_residents(request.user, campaign)),
        "sites": sites,
        "runs": holds_community(request.user, Can.RUN_TESTING, campaign.community_id),
        "calls": can(request.user, Can.VIEW_RESIDENTS),
        "open": campaign.status == Campaign.Status.OPEN,
        "slot_start": local_input(max(campaign.starts_at, timezone.now())),
        "slot_end": local_input(campaign.ends_at),
    }
    return render(request, "testing/campaign.html", context)


@login_required
@require_POST
def add_site(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = campaign_for(request, pk, Can.RUN_TESTING)
    try:
        site = campaigns.add_site(
            campaign, request.POST.get("name", ""), request.POST.get("address", ""), bool(request.POST.get("home_team"))
        )
    except ValidationError as exc:
        messages.error(request, said(exc))
        return back(campaign, anchor="#sites")
    messages.success(request, _("Site added: now give it its slots."))
    return back(campaign, anchor=f"#site-{site.pk}")


@login_required
@require_POST
def add_slots(request: HttpRequest, pk: int) -> HttpResponse:
    site = get_visible_or_404(request.user, Can.SAMPLE, Site.objects.select_related("campaign"), pk=pk)
    campaign = campaign_for(request, site.campaign_id, Can.RUN_TESTING)
    try:
        made = campaigns.add_slots(site, **forms.slot_arguments(request.POST))
    except ValidationError as exc:
        messages.error(request, said(exc))
    else:
        messages.success(request, ngettext("%(n)s slot added.", "%(n)s slots added.", len(made)) % {"n": len(made)})
    return back(campaign, anchor=f"#site-{site.pk}")


@login_required
def coverage_page(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = campaign_for(request, pk)
    level = request.GET.get("by", "building")
    if level not in coverage.LEVELS:
        level = "building"
    entrances = coverage.by_entrance(campaign, sampled_residents(request.user, campaign))
    context = {
        "campaign": campaign,
        "level": level,
        "levels": [("building", _("by building")), ("entrance", _("by entrance")), ("grid", _("by grid"))],
        "rows": coverage.by(campaign, level, entrances=entrances),
        "totals": coverage.totals(campaign, entrances=entrances),
    }
    return render(request, "testing/coverage.html", context)


@login_required
def call_list(request: HttpRequest, pk: int) -> HttpResponse:
    """Those still due whom the user may phone, with the last call's outcome and a form for the next."""
    campaign = campaign_for(request, pk)
    residents = callable_residents(request.user, campaign)
    rows = coverage.with_calls(campaign, list(coverage.call_list(campaign, residents)[:CALL_PAGE]))
    for r in rows:
        r["phone_shown"] = mask_phone(r["phone"])
    context = {
        "campaign": campaign,
        "rows": rows,
        "progress": coverage.call_progress(campaign, residents),
        "outcomes": Call.Outcome.choices,
        "slots": list(campaigns.bookable_slots(campaign, None)[:100]),
        "can_reveal": can(request.user, Can.REVEAL_PHONE),
        "open": campaign.status == Campaign.Status.OPEN,
    }
    return render(request, "testing/coverage_calls.html", context)


@login_required
@require_POST
def record_call(request: HttpRequest, pk: int, resident: int) -> HttpResponse:
    campaign = campaign_for(request, pk)
    person = get_object_or_404(callable_residents(request.user, campaign), pk=resident)
    slot = (
        Slot.objects.filter(site__campaign=campaign, pk=as_id(request.POST.get("slot"))).select_related("site").first()
    )
    try:
        coverage.record_call(
            campaign, person, request.POST.get("outcome", ""), request.user, slot, request.POST.get("note", "")
        )
    except ValidationError as exc:
        messages.error(request, f"{person.name}: {said(exc)}")
    else:
        messages.success(request, _("Call recorded: %(name)s.") % {"name": person.name})
    return back(campaign, "testing:calls", f"#resident-{person.pk}")


def resident_states(campaign: Campaign, residents: list[Resident]) -> None:
    """Each resident's booking, exemption and whether sampled, read in three queries."""
    ids = [r.pk for r in residents]
    bookings = {
        b.resident_id: b
        for b in Booking.objects.filter(campaign=campaign, resident_id__in=ids, cancelled_at=None).select_related(
            "slot__site"
        )
    }
    exemptions = {e.resident_id: e for e in Exemption.objects.filter(campaign=campaign, resident_id__in=ids)}
    sampled = set(Sample.objects.filter(campaign=campaign, resident_id__in=ids).values_list("resident_id", flat=True))
    for r in residents:
        r.booking, r.exemption, r.sampled = bookings.get(r.pk), exemptions.get(r.pk), r.pk in sampled


@login_required
def residents_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Find a resident of the campaign to book a slot for (by phone, or at the site's desk) or to exempt."""
    campaign = campaign_for(request, pk)
    residents = callable_residents(request.user, campaign)
    query = request.GET.get("q", "").strip()
    found: list[Resident] = []
    if query:
        found = list(
            search_residents(request.user, residents, query).select_related("dwelling__building")[:FOUND_LIMIT]
        )
        resident_states(campaign, found)
    context = {
        "campaign": campaign,
        "q": query,
        "found": found,
        "slots": list(campaigns.bookable_slots(campaign, None)[:100]),
        "reasons": Exemption.Reason.choices,
        "runs": holds_community(request.user, Can.RUN_TESTING, campaign.community_id),
        "open": campaign.status == Campaign.Status.OPEN,
    }
    return render(request, "testing/booking_staff.html", context)


def after_resident(campaign: Campaign, request: HttpRequest) -> HttpResponse:
    query = request.POST.get("q", "")
    return redirect(reverse("testing:residents", args=[campaign.pk]) + (f"?q={query}" if query else ""))


@login_required
@require_POST
def staff_book(request: HttpRequest, pk: int, resident: int) -> HttpResponse:
    campaign = campaign_for(request, pk)
    person = get_object_or_404(callable_residents(request.user, campaign), pk=resident)
    slot = (
        Slot.objects.filter(site__campaign=campaign, pk=as_id(request.POST.get("slot"))).select_related("site").first()
    )
    try:
        if slot is None:
            raise ValidationError({"slot": [_("Choose a slot.")]})
        campaigns.book(campaign, slot, [person], Booking.Via.STAFF, request.user)
    except ValidationError as exc:
        messages.error(request, f"{person.name}: {said(exc)}")
    else:
        start = timezone.localtime(slot.starts_at)
        messages.success(
            request,
            _("%(name)s is booked at %(site)s, %(when)s.")
            % {"name": person.name, "site": slot.site.name, "when": f"{start:%m-%d %H:%M}"},
        )
    return after_resident(campaign, request)


@login_required
@require_POST
def exempt(request: HttpRequest, pk: int, resident: int) -> HttpResponse:
    campaign = campaign_for(request, pk, Can.RUN_TESTING)
    person = get_object_or_404(callable_residents(request.user, campaign), pk=resident)
    try:
        campaigns.exempt(campaign, person, request.POST.get("reason", ""), request.POST.get("note", ""), request.user)
    except ValidationError as exc:
        messages.error(request, f"{person.name}: {said(exc)}")
    else:
        messages.success(request, _("Recorded for %(name)s.") % {"name": person.name})
    return after_resident(campaign, request)


@login_required
@require_POST
def cancel_booking(request: HttpRequest, pk: int) -> HttpResponse:
    booking = get_visible_or_404(request.user, Can.SAMPLE, Booking.objects.select_related("campaign"), pk=pk)
    get_object_or_404(callable_residents(request.user, booking.campaign), pk=booking.resident_id)
    try:
        campaigns.cancel(booking, request.user)
    except ValidationError as exc:
        messages.error(request, said(exc))
    else:
        messages.success(request, _("Booking cancelled: the place is free again."))
    return after_resident(booking.campaign, request)


@login_required
@require_POST
def complete(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = campaign_for(request, pk, Can.RUN_TESTING)
    try:
        coverage.complete(campaign, request.user)
    except ValidationError as exc:
        messages.error(request, said(exc))
    else:
        messages.success(request, _("The campaign is complete: everyone is sampled or exempted."))
    return back(campaign)


# The household's booking page: no account, the household's own link is the key.


def household_campaigns(link: HouseholdLink) -> list[tuple[Campaign, list[Resident]]]:
    """Open campaigns of the household's community still running, with the members each covers."""
    members = list(link.dwelling.residents.current().filter(anonymised=False).order_by("id"))
    found = []
    running = Campaign.objects.filter(
        community_id=link.dwelling.community_id, status=Campaign.Status.OPEN, ends_at__gt=timezone.now()
    )
    for campaign in running:
        covered = set(campaigns.targets(campaign).filter(pk__in=[m.pk for m in members]).values_list("pk", flat=True))
        if covered:
            found.append((campaign, [m for m in members if m.pk in covered]))
    return found


def household_links(link: HouseholdLink) -> list[dict]:
    """What the household's page offers from testing: a link to book for each running campaign."""
    return [
        {
            "label": _("Testing: %(name)s — book a time") % {"name": c.name},
            "url": reverse("testing:household", args=[link.token]),
        }
        for c, _members in household_campaigns(link)[:1]
    ]


def slots_left(slots) -> list[Slot]:
    slots = list(slots)
    for s in slots:
        s.left = s.capacity - s.booked
    return slots


def household_show(
    request: HttpRequest, link: HouseholdLink, errors: list[str] | None = None, status: int = 200
) -> HttpResponse:
    shown = []
    for campaign, members in household_campaigns(link):
        resident_states(campaign, members)
        for m in members:
            m.shown = mask_name(m.name)
            m.needs = not m.sampled and not m.booking and not m.exemption  # the bedridden wait for the home team
        shown.append(
            {
                "campaign": campaign,
                "members": members,
                "slots": slots_left(campaigns.bookable_slots(campaign)[:100]),
                "any_needs": any(m.needs for m in members),
            }
        )
    context = {
        "token": link.token,
        "dwelling": link.dwelling,
        "campaigns": shown,
        "errors": errors or [],
        "done": request.GET.get("done", ""),
    }
    return private(render(request, "testing/booking.html", context, status=status))


def household(request: HttpRequest, token: str) -> HttpResponse:
    return household_show(request, household_for(token))


@require_POST
def household_book(request: HttpRequest, token: str) -> HttpResponse:
    """The members ticked, in the slot chosen: all of them or none."""
    link = household_for(token)
    campaign = Campaign.objects.filter(
        community_id=link.dwelling.community_id, pk=as_id(request.POST.get("campaign"))
    ).first()
    if campaign is None:
        raise Http404
    slot = (
        Slot.objects.filter(site__campaign=campaign, pk=as_id(request.POST.get("slot"))).select_related("site").first()
    )
    chosen = set(forms.ids(request.POST, "residents"))
    members = list(link.dwelling.residents.current().filter(pk__in=chosen))
    try:
        if slot is None:
            raise ValidationError({"slot": [_("Choose a time.")]})
        if not chosen or len(members) != len(chosen):
            raise ValidationError({"residents": [_("Tick who is coming.")]})
        campaigns.book(campaign, slot, members, Booking.Via.LINK)
    except ValidationError as exc:
        return household_show(request, link, problems(exc), status=422)
    return private(redirect(reverse("testing:household", args=[token]) + "?done=booked"))


@require_POST
def household_cancel(request: HttpRequest, token: str, pk: int) -> HttpResponse:
    link = household_for(token)
    booking = get_object_or_404(Booking.objects.select_related("campaign"), pk=pk, resident__dwelling=link.dwelling)
    try:
        campaigns.cancel(booking)
    except ValidationError as exc:
        return household_show(request, link, problems(exc), status=409)
    return private(redirect(reverse("testing:household", args=[token]) + "?done=cancelled"))
