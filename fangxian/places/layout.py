"""A building as workers draw it: entrances side by side, top floor first."""

from __future__ import annotations

from collections.abc import Iterable


def floor_rows(dwellings: Iterable, entrances: int) -> tuple[list[int], list[tuple[int, list[list]]]]:
    """(entrance numbers, [(floor, [dwellings of entrance 1, of entrance 2, ...]), ...])."""
    floors: dict[int, dict[int, list]] = {}
    for dwelling in dwellings:
        floors.setdefault(dwelling.floor, {}).setdefault(dwelling.entrance, []).append(dwelling)
    numbers = list(range(1, entrances + 1))
    return numbers, [(floor, [floors[floor].get(e, []) for e in numbers]) for floor in sorted(floors, reverse=True)]
