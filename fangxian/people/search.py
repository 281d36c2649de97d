"""Finding a resident the way workers ask: a name, pinyin initials, a room, a phone's tail."""

from django.db.models import Q, QuerySet

from fangxian.accounts.scoping import Can, visible

from .models import Resident


def search_residents(user, residents: QuerySet, q: str) -> QuerySet:
    """A phone's tail finds only residents whose phone the user may see in full: for anyone
    else a match would confirm the number that the mask hides."""
    q = q.strip()
    if not q:
        return residents
    condition = Q(name__contains=q)
    if q.isascii() and q.isalpha():
        condition |= Q(name_initials__startswith=q.lower())
    if q.isascii() and q.replace("-", "").isalnum():
        condition |= Q(dwelling__room=q)
    if q.isascii() and q.isdigit() and len(q) >= 4:
        condition |= Q(phone__endswith=q, pk__in=visible(user, Can.REVEAL_PHONE, Resident.objects.all()).values("pk"))
    return residents.filter(condition)
