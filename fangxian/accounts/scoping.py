"""The one scoping layer: every page and API endpoint asks it what a user may see or do.

A user's roles each grant capabilities over one place. For a capability, the union of the
places of the roles that grant it is the user's Scope; `Scope.filter(queryset)` keeps only
the rows inside it, using the model's SCOPE path (see places.models.ScopePath).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.db.models import Q, QuerySet
from django.http import Http404

from fangxian.places.models import Community, Grid

from .models import Role


class Can(StrEnum):
    VIEW_PLACES = "view_places"
    VIEW_RESIDENTS = "view_residents"
    EDIT_REGISTRY = "edit_registry"
    IMPORT = "import"
    EXPORT = "export"
    REVEAL_PHONE = "reveal_phone"
    REVEAL_ID = "reveal_id"
    VIEW_AUDIT = "view_audit"


K = Role.Kind
OVERSIGHT = {Can.VIEW_PLACES, Can.VIEW_RESIDENTS, Can.EXPORT, Can.VIEW_AUDIT}
CAPABILITIES: dict[str, frozenset[Can]] = {
    # Offices above a community oversee and count; they do not need to ring residents.
    K.CITY_ADMIN: frozenset(OVERSIGHT),
    K.DISTRICT_ADMIN: frozenset(OVERSIGHT),
    K.STREET_ADMIN: frozenset(OVERSIGHT),
    K.SECRETARY: frozenset(Can),
    K.COMMUNITY_WORKER: frozenset(Can) - {Can.VIEW_AUDIT},
    # A grid worker keeps their households' records and phones them; ID numbers stay masked.
    K.GRID_WORKER: frozenset({Can.VIEW_PLACES, Can.VIEW_RESIDENTS, Can.EDIT_REGISTRY, Can.REVEAL_PHONE}),
    K.HEALTH_WORKER: frozenset({Can.VIEW_PLACES, Can.VIEW_RESIDENTS, Can.REVEAL_PHONE}),
    # Gates check permits, not the registry; volunteers and departments see the territory only.
    K.GATE_KEEPER: frozenset({Can.VIEW_PLACES}),
    K.VOLUNTEER: frozenset({Can.VIEW_PLACES}),
    K.LIAISON: frozenset({Can.VIEW_PLACES}),
}


def roles_of(user) -> list[Role]:
    if not user.is_authenticated:
        return []
    # Cached on the user object: one query per request however many times scoping is asked.
    cached = getattr(user, "_fangxian_roles", None)
    if cached is None:
        cached = list(Role.objects.filter(user=user).select_related("community", "grid__community", "street"))
        user._fangxian_roles = cached
    return cached


@dataclass(frozen=True)
class Scope:
    everything: bool
    communities: Q | None  # a condition on the Community rows wholly visible, None for none
    grid_ids: frozenset[int]

    @property
    def empty(self) -> bool:
        return not self.everything and self.communities is None and not self.grid_ids

    def _whole(self) -> QuerySet:
        if self.communities is None:
            return Community.objects.none().values("id")
        return Community.objects.filter(self.communities).values("id")

    def community_ids(self) -> QuerySet:
        """Communities in view: wholly, or through one of their grids."""
        if self.everything:
            return Community.objects.values("id")
        grid_communities = Grid.objects.filter(id__in=self.grid_ids).values("community_id")
        return Community.objects.filter(Q(id__in=self._whole()) | Q(id__in=grid_communities)).values("id")

    def filter(self, queryset: QuerySet) -> QuerySet:
        if self.everything:
            return queryset
        path = queryset.model.SCOPE
        condition = Q(**{f"{path.community}__in": self._whole()}) if self.communities is not None else Q(pk__in=[])
        if self.grid_ids:
            if path.grid is None:
                grid_communities = Grid.objects.filter(id__in=self.grid_ids).values("community_id")
                condition |= Q(**{f"{path.community}__in": grid_communities})
            else:
                condition |= Q(**{f"{path.grid}__in": self.grid_ids})
        return queryset.filter(condition)


def scope_for(user, capability: Can) -> Scope:
    if user.is_authenticated and user.is_superuser:
        return Scope(everything=True, communities=None, grid_ids=frozenset())
    conditions: list[Q] = []
    grid_ids = set()
    for role in roles_of(user):
        if capability not in CAPABILITIES.get(role.kind, ()):
            continue
        if role.grid_id:
            grid_ids.add(role.grid_id)
        elif role.community_id:
            conditions.append(Q(id=role.community_id))
        elif role.street_id:
            conditions.append(Q(street_id=role.street_id))
        elif role.district_id:
            conditions.append(Q(street__district_id=role.district_id))
        elif role.city_id:
            conditions.append(Q(street__district__city_id=role.city_id))
    communities = None
    for condition in conditions:
        communities = condition if communities is None else communities | condition
    return Scope(everything=False, communities=communities, grid_ids=frozenset(grid_ids))


def visible(user, capability: Can, queryset: QuerySet) -> QuerySet:
    return scope_for(user, capability).filter(queryset)


def can(user, capability: Can, obj=None) -> bool:
    """Whether the user holds the capability at all, or over this object in particular."""
    scope = scope_for(user, capability)
    if obj is None:
        return not scope.empty
    return scope.filter(type(obj).objects.filter(pk=obj.pk)).exists()


def holds_community(user, capability: Can, community_id: int) -> bool:
    """Whether the capability covers the whole community, not just one of its grids:
    what adding buildings or importing a community's spreadsheet needs."""
    scope = scope_for(user, capability)
    if scope.everything:
        return True
    return scope.communities is not None and Community.objects.filter(scope.communities, pk=community_id).exists()


def get_visible_or_404(user, capability: Can, queryset: QuerySet, **lookup):
    """404 rather than 403 for rows outside the scope: an outsider learns nothing of them."""
    try:
        return visible(user, capability, queryset).get(**lookup)
    except queryset.model.DoesNotExist:
        raise Http404 from None
