"""What duty keeps of people once an emergency's data are anonymised: names, phones, units,
skills and years of birth of those who served in it (and not since). Kinds, levels, shifts
and hours stay, so the counts of who held the line remain."""

from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat

from fangxian.people.models import Emergency

from .models import Person


def purge_people(emergency: Emergency) -> int:
    served = Person.objects.filter(
        community__street__district__city_id=emergency.city_id, created_at__date__lte=emergency.closed_on
    )
    return (
        served.exclude(assignments__shift__day__gt=emergency.closed_on)
        .exclude(name__startswith="#")
        .update(
            name=Concat(Value("#"), Cast("id", CharField())),
            phone="",
            sending_unit="",
            skills="",
            languages="",
            birth_year=None,
            user=None,
        )
    )
