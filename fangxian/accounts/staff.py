"""Who may give whom which role: an office or a secretary grants roles of a lower rank at
places inside its own place (a street administrator makes a community's secretary; the
secretary makes its grid workers and gate keepers)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from .models import Role
from .scoping import CAPABILITIES, LEVEL_MODELS, Can, roles_of, within

K = Role.Kind
RANK = {K.CITY_ADMIN: 0, K.DISTRICT_ADMIN: 1, K.STREET_ADMIN: 2, K.SECRETARY: 3}
LOWEST = 4


def rank(kind: str) -> int:
    return RANK.get(kind, LOWEST)


def managing_roles(user) -> list[Role]:
    return [r for r in roles_of(user) if Can.MANAGE_STAFF in CAPABILITIES.get(r.kind, ())]


def grantable_kinds(user) -> list[str]:
    if user.is_superuser:
        return list(K.values)
    managers = managing_roles(user)
    return [
        kind
        for kind in K.values
        if any(rank(kind) > rank(m.kind) and within(Role.LEVELS[kind], m) is not None for m in managers)
    ]


def grantable_places(user, kind: str) -> QuerySet:
    level = Role.LEVELS[kind]
    model = LEVEL_MODELS[level]
    if user.is_superuser:
        return model.objects.all()
    conditions = [within(level, m) for m in managing_roles(user) if rank(kind) > rank(m.kind)]
    conditions = [c for c in conditions if c is not None]
    if not conditions:
        return model.objects.none()
    condition = conditions[0]
    for extra in conditions[1:]:
        condition |= extra
    return model.objects.filter(condition)


def roles_in_view(user) -> QuerySet:
    """The roles a manager looks after: those at places inside their own, of lower rank."""
    roles = Role.objects.select_related("user", "city", "district", "street", "community", "grid")
    if user.is_superuser:
        return roles
    condition = Q(pk__in=[])
    for manager in managing_roles(user):
        lower = [k for k in K.values if rank(k) > rank(manager.kind)]
        for level in LEVEL_MODELS:
            inside = within(level, manager)
            if inside is None:
                continue
            places = LEVEL_MODELS[level].objects.filter(inside).values("id")
            condition |= Q(**{f"{level}__in": places}, kind__in=lower)
    return roles.filter(condition)


def managed_users(manager) -> QuerySet:
    """Accounts a manager looks after as a whole: every role they hold is in the manager's
    view (someone who also works elsewhere is that office's to switch off)."""
    User = get_user_model()
    if manager.is_superuser:
        return User.objects.all()
    in_view = roles_in_view(manager)
    return (
        User.objects.filter(roles__in=in_view)
        .exclude(roles__in=Role.objects.exclude(pk__in=in_view.values("pk")))
        .exclude(pk=manager.pk)
        .distinct()
    )
