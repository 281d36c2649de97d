"""Trust between communities at the gates. A gate admits its own community's permits; another
community's only while that community, or an office above both, grants it. Asking, granting
and ending are audited on both sides."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from fangxian.accounts import audit
from fangxian.accounts.models import AuditEvent, Role
from fangxian.accounts.scoping import CAPABILITIES, Can, holds_community, roles_of, scope_for, within
from fangxian.places.models import Community

from .models import Gate, TrustGrant

OPEN = [TrustGrant.Status.ASKED, TrustGrant.Status.GRANTED]


def may_grant(user, gate: Gate, issuer_id: int) -> bool:
    """The issuer's own secretary, or an office whose place holds both the issuer and the gate."""
    if user.is_superuser:
        return True
    for role in roles_of(user):
        if Can.TRUST not in CAPABILITIES.get(role.kind, ()):
            continue
        if role.community_id == issuer_id:
            return True
        inside = within("community", role) if Role.LEVELS[role.kind] in ("street", "district", "city") else None
        if inside is not None and Community.objects.filter(inside, pk__in={issuer_id, gate.community_id}).count() == 2:
            return True
    return False


def may_ask(user, gate: Gate) -> bool:
    """Whoever runs the gate's community asks on its behalf."""
    return holds_community(user, Can.EDIT_REGISTRY, gate.community_id)


def grants_in_view(user) -> QuerySet:
    """The grants of the communities a user decides trust for, and those of the gates they run."""
    grants = TrustGrant.objects.select_related("gate__community", "issuer", "asked_by", "granted_by", "ended_by")
    if user.is_superuser:
        return grants
    decides, runs = scope_for(user, Can.TRUST), scope_for(user, Can.EDIT_REGISTRY)
    condition = Q(pk__in=[])
    if decides.communities is not None:
        condition |= Q(issuer__in=decides.whole_communities()) | Q(gate__community__in=decides.whole_communities())
    if runs.communities is not None:
        condition |= Q(gate__community__in=runs.whole_communities())
    return grants.filter(condition)


def candidates(gate: Gate) -> QuerySet:
    """Communities a gate may ask: those of its district (a market serves its neighbours)."""
    return Community.objects.filter(street__district_id=gate.community.street.district_id).exclude(pk=gate.community_id)


def record(request, action: str, grant: TrustGrant, **detail) -> None:
    for community_id in (grant.issuer_id, grant.gate.community_id):
        audit.record(
            request, action, grant, community_id=community_id, gate=grant.gate_id, issuer=grant.issuer_id, **detail
        )


@transaction.atomic
def ask(request, gate: Gate, issuer: Community) -> TrustGrant:
    """Asks the issuer for trust; someone who may grant it as well grants it at once."""
    if not may_ask(request.user, gate) and not may_grant(request.user, gate, issuer.pk):
        raise PermissionDenied
    if issuer.pk == gate.community_id:
        raise ValidationError({"issuer_id": [_("A gate always admits its own community's permits.")]})
    if not candidates(gate).filter(pk=issuer.pk).exists():
        raise ValidationError({"issuer_id": [_("A gate may ask only the communities of its own district.")]})
    grant = TrustGrant.objects.select_for_update().filter(gate=gate, issuer=issuer, status__in=OPEN).first()
    if grant is None:
        grant = TrustGrant.objects.create(gate=gate, issuer=issuer, asked_by=request.user)
        record(request, AuditEvent.Action.TRUST_ASKED, grant)
    if grant.status == TrustGrant.Status.ASKED and may_grant(request.user, gate, issuer.pk):
        grant = decide(request, grant, True)
    return grant


@transaction.atomic
def decide(request, grant: TrustGrant, granted: bool) -> TrustGrant:
    """The issuer's side grants or refuses a request."""
    if not may_grant(request.user, grant.gate, grant.issuer_id):
        raise PermissionDenied
    if grant.status != TrustGrant.Status.ASKED:
        raise ValidationError(_("This request has already been decided."))
    if granted:
        grant.status, grant.granted_by, grant.granted_at = TrustGrant.Status.GRANTED, request.user, timezone.now()
        grant.save(update_fields=["status", "granted_by", "granted_at"])
        record(request, AuditEvent.Action.TRUST_GRANTED, grant)
        return grant
    return close(request, grant, TrustGrant.Ending.REFUSED)


@transaction.atomic
def end(request, grant: TrustGrant) -> TrustGrant:
    """The issuer's side revokes; the gate's side withdraws. Either may end it at any time."""
    if grant.status == TrustGrant.Status.ENDED:
        raise ValidationError(_("This has already ended."))
    if may_grant(request.user, grant.gate, grant.issuer_id):
        ending = TrustGrant.Ending.REVOKED if grant.status == TrustGrant.Status.GRANTED else TrustGrant.Ending.REFUSED
    elif may_ask(request.user, grant.gate):
        ending = TrustGrant.Ending.WITHDRAWN
    else:
        raise PermissionDenied
    return close(request, grant, ending)


def close(request, grant: TrustGrant, ending: str) -> TrustGrant:
    grant.status, grant.ending, grant.ended_by, grant.ended_at = (
        TrustGrant.Status.ENDED,
        ending,
        request.user,
        timezone.now(),
    )
    grant.save(update_fields=["status", "ending", "ended_by", "ended_at"])
    record(request, AuditEvent.Action.TRUST_ENDED, grant, ending=ending)
    return grant


def set_asked(request, gate: Gate, issuers: list[Community]) -> None:
    """What the gate form says: ask the communities ticked, withdraw from those unticked."""
    wanted = {c.pk for c in issuers}
    for grant in TrustGrant.objects.filter(gate=gate, status__in=OPEN).exclude(issuer__in=wanted):
        end(request, grant)
    open_now = set(TrustGrant.objects.filter(gate=gate, status__in=OPEN).values_list("issuer_id", flat=True))
    for issuer in issuers:
        if issuer.pk not in open_now:
            ask(request, gate, issuer)
