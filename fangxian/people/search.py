"""Finding a resident the way workers ask: a name, pinyin initials, a room, a phone's tail."""

from django.db.models import Q, QuerySet


def search_residents(residents: QuerySet, q: str) -> QuerySet:
    q = q.strip()
    if not q:
        return residents
    condition = Q(name__contains=q)
    if q.isascii() and q.isalpha():
        condition |= Q(name_initials__startswith=q.lower())
    if q.isascii() and q.replace("-", "").isalnum():
        condition |= Q(dwelling__room=q)
    if q.isdigit() and len(q) >= 4:
        condition |= Q(phone__endswith=q)
    return residents.filter(condition)
