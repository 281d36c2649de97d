"""What the gate keeps of people: visitors' and couriers' names, phones and reasons, and the
masked names on permit passes. Counts, times, gates and verdicts stay."""

from fangxian.people.models import Emergency

from .models import Pass


def purge_passes(emergency: Emergency) -> int:
    return (
        Pass.objects.filter(
            gate__community__street__district__city_id=emergency.city_id, scanned_at__date__lte=emergency.closed_on
        )
        .exclude(holder="", phone="", reason="")
        .update(holder="", phone="", reason="")
    )
