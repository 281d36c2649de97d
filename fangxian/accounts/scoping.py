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

from fangxian.places.models import City, Community, District, Grid, Street

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
    MANAGE_STAFF = "manage_staff"
    MANAGE_TERRITORY = "manage_territory"
    WATCH = "watch"  # arrivals, observations, health reports, releases
    CENSUS = "census"  # knock on doors of a campaign and record what was found
    RUN_CENSUS = "run_census"  # start, assign, close and reopen campaigns
    PLAN_DUTY = "plan_duty"  # people on duty, posts, rosters, swaps, volunteer projects
    TRUST = "trust"  # let another community's gates admit this community's permits
    SERVE = "serve"  # see, claim and deliver errands, vegetable orders and kit hand-overs
    RUN_SERVICES = "run_services"  # take errands, run vegetable rounds, kits, the supplies ledger, household links
    HANDLE_CASES = "handle_cases"  # complaints and the community's own cases: verify, resolve, call back, whistle
    INSPECT = "inspect"  # inspect businesses on a round, record findings, rectifications and revisits
    SAMPLE = "sample"  # register swabs into tubes at a sampling table or at the door; see who is still due
    RUN_TESTING = "run_testing"  # testing campaigns, sites and slots, exemptions, tube labels, lab results, recalls
    TRACE = "trace"  # trace a confirmed case's contacts through the community's own records
    REPORT_DAILY = "report_daily"  # confirm and submit the community's daily report, or its zero report
    READ_REPORTS = "read_reports"  # read the daily reports of the communities in one's place


K = Role.Kind
OVERSIGHT = {
    Can.VIEW_PLACES,
    Can.VIEW_RESIDENTS,
    Can.EXPORT,
    Can.VIEW_AUDIT,
    Can.MANAGE_STAFF,
    Can.MANAGE_TERRITORY,
    Can.TRUST,
    Can.READ_REPORTS,
}
CAPABILITIES: dict[str, frozenset[Can]] = {
    # Offices above a community oversee and count; they do not need to ring residents.
    K.CITY_ADMIN: frozenset(OVERSIGHT),
    K.DISTRICT_ADMIN: frozenset(OVERSIGHT),
    # A street takes the 12345 work orders in, keeps the ones no community owns, and sends
    # its own teams to inspect businesses.
    K.STREET_ADMIN: frozenset(OVERSIGHT | {Can.HANDLE_CASES, Can.INSPECT}),
    # Streets and districts set up communities; a community keeps its own grids and buildings.
    K.SECRETARY: frozenset(Can) - {Can.MANAGE_TERRITORY},
    # The secretary alone confirms what the community reports upward each day.
    K.COMMUNITY_WORKER: frozenset(Can)
    - {Can.VIEW_AUDIT, Can.MANAGE_STAFF, Can.MANAGE_TERRITORY, Can.TRUST, Can.REPORT_DAILY},
    # A grid worker keeps their households' records and phones them; ID numbers stay masked.
    K.GRID_WORKER: frozenset(
        {
            Can.VIEW_PLACES,
            Can.VIEW_RESIDENTS,
            Can.EDIT_REGISTRY,
            Can.REVEAL_PHONE,
            Can.WATCH,
            Can.CENSUS,
            Can.SERVE,
            Can.RUN_SERVICES,
            Can.HANDLE_CASES,
            Can.INSPECT,
            Can.SAMPLE,
        }
    ),
    # The community health station samples, runs the testing campaigns and traces contacts.
    K.HEALTH_WORKER: frozenset(
        {Can.VIEW_PLACES, Can.VIEW_RESIDENTS, Can.REVEAL_PHONE, Can.WATCH, Can.SAMPLE, Can.RUN_TESTING, Can.TRACE}
    ),
    # Gates check permits, not the registry; volunteers see the territory only.
    K.GATE_KEEPER: frozenset({Can.VIEW_PLACES}),
    # A volunteer team knocks on the doors it is given (census lists only, not the registry),
    # and carries errands, vegetable orders and kits to the door.
    K.VOLUNTEER: frozenset({Can.VIEW_PLACES, Can.CENSUS, Can.SERVE, Can.SAMPLE}),
    # A department's staff see the calls whistled to their department (whistle.calling), and
    # nothing of the territory: not its dwellings, businesses' contacts or people on duty.
    K.LIAISON: frozenset(),
}


LEVEL_MODELS = {"city": City, "district": District, "street": Street, "community": Community, "grid": Grid}
# From a row of one level, the lookup to the id of each level above it (and itself).
PATHS = {
    "city": {"city": "id"},
    "district": {"district": "id", "city": "city_id"},
    "street": {"street": "id", "district": "district_id", "city": "district__city_id"},
    "community": {
        "community": "id",
        "street": "street_id",
        "district": "street__district_id",
        "city": "street__district__city_id",
    },
    "grid": {
        "grid": "id",
        "community": "community_id",
        "street": "community__street_id",
        "district": "community__street__district_id",
        "city": "community__street__district__city_id",
    },
}


def within(level: str, container: Role) -> Q | None:
    """A condition on rows of `level` that lie inside the container role's place."""
    container_level = Role.LEVELS[container.kind]
    lookup = PATHS[level].get(container_level)
    if lookup is None:
        return None
    return Q(**{lookup: getattr(container, f"{container_level}_id")})


def holds_place(user, capability: Can, level: str, pk: int) -> bool:
    """Whether a role granting the capability sits at this place or above it."""
    if user.is_authenticated and user.is_superuser:
        return True
    model = LEVEL_MODELS[level]
    for role in roles_of(user):
        if capability in CAPABILITIES.get(role.kind, ()):
            inside = within(level, role)
            if inside is not None and model.objects.filter(inside, pk=pk).exists():
                return True
    return False


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
    streets: Q | None = None  # a condition on the Street rows in view of a street role or above
    # Every community in view lies in a street in view (no community or grid role besides):
    # rows with a street path are then found by their street alone, on its index.
    streets_hold_all: bool = False

    @property
    def empty(self) -> bool:
        return not self.everything and self.communities is None and not self.grid_ids

    def whole_communities(self) -> QuerySet:
        """Ids of the communities in view as a whole, not through one grid."""
        if self.communities is None:
            return Community.objects.none().values("id")
        return Community.objects.filter(self.communities).values("id")

    def filter(self, queryset: QuerySet) -> QuerySet:
        if self.everything:
            return queryset
        path = queryset.model.SCOPE
        if path.street is not None and self.streets_hold_all:
            return queryset.filter(**{f"{path.street}__in": Street.objects.filter(self.streets).values("id")})
        condition = (
            Q(**{f"{path.community}__in": self.whole_communities()}) if self.communities is not None else Q(pk__in=[])
        )
        if self.grid_ids:
            if path.grid is None:
                grid_communities = Grid.objects.filter(id__in=self.grid_ids).values("community_id")
                condition |= Q(**{f"{path.community}__in": grid_communities})
            else:
                condition |= Q(**{f"{path.grid}__in": self.grid_ids})
        if path.street is not None and self.streets is not None:
            condition |= Q(**{f"{path.street}__in": Street.objects.filter(self.streets).values("id")})
        return queryset.filter(condition)


def scope_for(user, capability: Can) -> Scope:
    if user.is_authenticated and user.is_superuser:
        return Scope(everything=True, communities=None, grid_ids=frozenset())
    conditions: list[Q] = []
    street_conditions: list[Q] = []
    grid_ids = set()
    below_street = False
    for role in roles_of(user):
        if capability not in CAPABILITIES.get(role.kind, ()):
            continue
        if role.grid_id:
            grid_ids.add(role.grid_id)
            below_street = True
        else:
            conditions.append(within("community", role))
            street = within("street", role)
            if street is None:
                below_street = True
            else:
                street_conditions.append(street)
    return Scope(
        everything=False,
        communities=any_of(conditions),
        grid_ids=frozenset(grid_ids),
        streets=any_of(street_conditions),
        streets_hold_all=bool(street_conditions) and not below_street,
    )


def any_of(conditions: list[Q]) -> Q | None:
    union = None
    for condition in conditions:
        union = condition if union is None else union | condition
    return union


def visible(user, capability: Can, queryset: QuerySet) -> QuerySet:
    return scope_for(user, capability).filter(queryset)


def can(user, capability: Can, obj=None) -> bool:
    """Whether the user holds the capability at all, or over this object in particular."""
    scope = scope_for(user, capability)
    if obj is None:
        return not scope.empty
    return scope.filter(type(obj).objects.filter(pk=obj.pk)).exists()


def holds_community(user, capability: Can, community_id: int) -> bool:
    """The capability over the whole community, not just one of its grids: what adding
    buildings or importing a community's spreadsheet needs."""
    return holds_place(user, capability, "community", community_id)


def get_visible_or_404(user, capability: Can, queryset: QuerySet, **lookup):
    """404 rather than 403 for rows outside the scope: an outsider learns nothing of them."""
    try:
        return visible(user, capability, queryset).get(**lookup)
    except queryset.model.DoesNotExist:
        raise Http404 from None


def navigation(request) -> dict:
    """Template context: which menu entries this user can open (the one layer decides)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_residents": can(user, Can.VIEW_RESIDENTS),
        "nav_cases": can(user, Can.HANDLE_CASES),
        "nav_reports": can(user, Can.READ_REPORTS),
    }
