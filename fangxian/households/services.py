"""Services of the apps above households offer themselves on the household's page through
here: the page links to them without importing them (households sits below them)."""

from __future__ import annotations

from collections.abc import Callable

from fangxian.people.models import HouseholdLink

# Each takes the household's link and answers [{"label": …, "url": …}] for its page.
OFFERS: list[Callable[[HouseholdLink], list[dict]]] = []


def offer(make: Callable[[HouseholdLink], list[dict]]) -> None:
    if make not in OFFERS:
        OFFERS.append(make)


def offers(link: HouseholdLink) -> list[dict]:
    return [entry for make in OFFERS for entry in make(link)]
