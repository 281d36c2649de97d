from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from fangxian.accounts.exports import counted, export_list, wants_xlsx
from fangxian.accounts.scoping import Can, get_visible_or_404, holds_community, visible
from fangxian.lib.ids import as_id

from .forms import BuildingForm, GridForm
from .layout import floor_rows
from .models import Building, Business, Community, Dwelling

PAGE_SIZE = 50
# Reverse lookups by name keep this app free of imports from people, which sits above it.
CURRENT_RESIDENTS = Count("residents", filter=Q(residents__moved_out_on=None))


def page_of(request: HttpRequest, rows):
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))


@login_required
def communities(request: HttpRequest) -> HttpResponse:
    rows = visible(request.user, Can.VIEW_PLACES, Community.objects.select_related("street")).annotate(
        building_count=Count("buildings", distinct=True),
    )
    if wants_xlsx(request):
        headers = [_("code"), _("community"), _("street"), _("buildings")]
        data = [[c.code, c.name, c.street.name, c.building_count] for c in rows]
        return export_list(request, "communities", headers, data, counted(c.id for c in rows))
    return render(request, "places/communities.html", {"communities": rows})


@login_required
def community(request: HttpRequest, pk: int) -> HttpResponse:
    place = get_visible_or_404(request.user, Can.VIEW_PLACES, Community.objects.select_related("street"), pk=pk)
    buildings = visible(request.user, Can.VIEW_PLACES, place.buildings.select_related("grid")).annotate(
        dwelling_count=Count("dwellings")
    )
    if wants_xlsx(request):
        headers = [
            _("building number"),
            _("building name"),
            _("kind"),
            _("floors"),
            _("entrances"),
            _("grid"),
            _("dwellings"),
        ]
        data = [
            [
                b.number,
                b.name,
                b.get_kind_display(),
                b.floors,
                b.entrances,
                b.grid.code if b.grid else "",
                b.dwelling_count,
            ]
            for b in buildings
        ]
        return export_list(request, "buildings", headers, data, {place.id: len(data)})
    grids = visible(request.user, Can.VIEW_PLACES, place.grids.annotate(building_count=Count("buildings")))
    keeps = holds_community(request.user, Can.EDIT_REGISTRY, place.id)
    form = GridForm(request.POST or None, community=place) if keeps else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            form.save()
            messages.success(request, _("Grid added."))
            return redirect("places:community", pk=place.pk)
    context = {"community": place, "buildings": buildings, "grids": grids, "grid_form": form}
    return render(request, "places/community.html", context)


@login_required
def building_edit(request: HttpRequest, pk: int) -> HttpResponse:
    place = get_visible_or_404(request.user, Can.VIEW_PLACES, Building.objects.select_related("community"), pk=pk)
    if not holds_community(request.user, Can.EDIT_REGISTRY, place.community_id):
        raise PermissionDenied
    form = BuildingForm(request.POST or None, instance=place)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Saved."))
        return redirect("places:building", pk=place.pk)
    return render(request, "places/building_form.html", {"building": place, "form": form})


@login_required
def building(request: HttpRequest, pk: int) -> HttpResponse:
    place = get_visible_or_404(
        request.user, Can.VIEW_PLACES, Building.objects.select_related("community", "grid"), pk=pk
    )
    entrances, rows = floor_rows(
        place.dwellings.annotate(people=CURRENT_RESIDENTS).order_by("entrance", "-floor", "room"), place.entrances
    )
    context = {
        "building": place,
        "entrances": entrances,
        "rows": rows,
        "can_edit": holds_community(request.user, Can.EDIT_REGISTRY, place.community_id),
    }
    return render(request, "places/building.html", context)


@login_required
def dwellings(request: HttpRequest) -> HttpResponse:
    rows = (
        visible(request.user, Can.VIEW_PLACES, Dwelling.objects.select_related("building"))
        .annotate(people=CURRENT_RESIDENTS)
        .order_by("building_id", "entrance", "floor", "room")
    )
    community_id = as_id(request.GET.get("community"))
    if community_id:
        rows = rows.filter(community_id=community_id)
    building_id = as_id(request.GET.get("building"))
    if building_id:
        rows = rows.filter(building_id=building_id)
    room = request.GET.get("room", "").strip()
    if room:
        rows = rows.filter(room=room)
    if request.GET.get("empty") == "1":
        rows = rows.filter(people=0)
    if wants_xlsx(request):
        headers = [_("building number"), _("entrance"), _("floor"), _("room"), _("residents")]
        rows = list(rows)
        data = [[d.building.number, d.entrance, d.floor, d.room, d.people] for d in rows]
        return export_list(request, "dwellings", headers, data, counted(d.community_id for d in rows))
    page = page_of(request, rows)
    template = "places/_dwelling_rows.html" if request.headers.get("HX-Request") else "places/dwellings.html"
    return render(request, template, {"page": page, "query": request.GET.urlencode()})


@login_required
def businesses(request: HttpRequest) -> HttpResponse:
    rows = visible(request.user, Can.VIEW_PLACES, Business.objects.select_related("community", "building"))
    if wants_xlsx(request):
        headers = [
            _("business name"),
            _("kind of premises"),
            _("community"),
            _("address in the community"),
            _("contact"),
            _("staff"),
        ]
        data = [
            [b.name, b.get_kind_display(), b.community.name, b.address, b.contact_name, b.staff_count] for b in rows
        ]
        return export_list(request, "businesses", headers, data, counted(b.community_id for b in rows))
    return render(request, "places/businesses.html", {"page": page_of(request, rows)})
