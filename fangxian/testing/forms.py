"""What the campaign pages post, turned into the arguments of campaigns.py's rules (which
check them; the API sends the same arguments)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.translation import gettext as _

from fangxian.kits.distributing import buildings_of
from fangxian.lib.ids import as_id
from fangxian.places.models import Community
from fangxian.whistle.views import moment

from .models import POOL_SIZES, Campaign


def ids(post: QueryDict, name: str) -> list[int]:
    return [i for i in map(as_id, post.getlist(name)) if i]


def whole(post: QueryDict, name: str, message: str) -> int:
    value = as_id(post.get(name))
    if value is None:
        raise ValidationError({name: [message]})
    return value


def moments(post: QueryDict) -> tuple:
    """Both ends of a span, every problem at once."""
    errors, found = {}, []
    for name in ("starts_at", "ends_at"):
        try:
            found.append(moment(post.get(name), name))
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return tuple(found)


def campaign_arguments(post: QueryDict, community: Community) -> dict:
    starts_at, ends_at = moments(post)
    pool_size = as_id(post.get("pool_size"))
    target = post.get("target", Campaign.Target.COMMUNITY)
    return {
        "name": post.get("name", ""),
        "starts_at": starts_at,
        "ends_at": ends_at,
        "pool_size": pool_size if pool_size in POOL_SIZES else 0,
        "households_together": bool(post.get("households_together")),
        "target": target,
        "buildings": buildings_of(community, ids(post, "buildings")) if target == Campaign.Target.BUILDINGS else [],
        "residents": ids(post, "residents") if target == Campaign.Target.LIST else [],
    }


def slot_arguments(post: QueryDict) -> dict:
    starts_at, ends_at = moments(post)
    return {
        "starts_at": starts_at,
        "ends_at": ends_at,
        "minutes": whole(post, "minutes", _("A slot lasts from 5 minutes to a day.")),
        "capacity": whole(post, "capacity", _("A slot takes from 1 to 10,000 people.")),
    }
