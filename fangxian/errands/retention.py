"""What errands keep of people once an emergency's data are anonymised: what was bought or
done for whom (medicines say what someone is ill with), photos of doors, the reasons given
and the household's code go; kinds, stages, times, who carried them and the money stay, so
the counts of what was carried, and for how much, remain."""

from fangxian.people.models import Emergency

from .models import Errand


def purge_errands(emergency: Emergency) -> int:
    # Every errand says what it is for; an empty one has been purged already.
    asked = Errand.objects.filter(
        community__street__district__city_id=emergency.city_id, created_at__date__lte=emergency.closed_on
    ).exclude(what="")
    for errand in asked.exclude(photo=""):
        errand.photo.delete(save=False)
    return asked.update(what="", photo="", resident=None, cancel_reason="", code="")
