"""What the watch keeps of people once an emergency's data are anonymised: where returnees
came from and how, quarantine rooms, reasons, and what census visits noted (where absent
people were). Outcomes, dates, temperatures and counts stay, tied to anonymised residents."""

from fangxian.people.models import Emergency, Resident

from .models import Arrival, Observation, Visit


def purge_watch(emergency: Emergency) -> int:
    residents = Resident.objects.filter(emergency=emergency, anonymised=True)
    arrivals = (
        Arrival.objects.filter(resident__in=residents)
        .exclude(came_from="", transport_number="", reason="")
        .update(came_from="", transport_number="", reason="")
    )
    Observation.objects.filter(resident__in=residents).update(facility="", room="", release_reason="")
    Visit.objects.filter(
        assignment__campaign__community__street__district__city_id=emergency.city_id,
        visited_at__date__lte=emergency.closed_on,
    ).exclude(note="", absent={}).update(note="", absent={})
    return arrivals
