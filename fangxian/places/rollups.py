"""Counts made per community, summed upwards for the offices: a street or a district sees its
communities' errands, census progress or kits side by side or in one line."""

from __future__ import annotations

from collections.abc import Iterable

from .models import Community

# From a community, the lookup to the place of each level it belongs to.
LEVELS = {
    "community": "id",
    "street": "street_id",
    "district": "street__district_id",
    "city": "street__district__city_id",
}


def roll_up(per_community: dict[int, dict], keys: Iterable[str], level: str) -> list[dict]:
    """{community id: {key: count}} summed into the places of `level` those communities belong
    to: one row `{"id": place id, key: sum, …}` a place, by id. Counted per community in the
    database, summed here over a few thousand rows."""
    keys = list(keys)
    totals: dict[int, dict] = {}
    for community_id, parent in Community.objects.filter(pk__in=per_community).values_list("id", LEVELS[level]):
        row = totals.setdefault(parent, {"id": parent, **dict.fromkeys(keys, 0)})
        for key in keys:
            row[key] += per_community[community_id][key]
    return sorted(totals.values(), key=lambda r: r["id"])
