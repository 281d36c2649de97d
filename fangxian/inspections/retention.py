"""What inspections keep of people once an emergency's data are anonymised: the staff lists
businesses gave (names, phones, ID numbers) go; findings keep only what they already say
(names masked), so what was inspected and fixed stays."""

from fangxian.people.models import Emergency

from .models import Staff


def purge_staff(emergency: Emergency) -> int:
    deleted, _ = Staff.objects.filter(business__community__street__district__city_id=emergency.city_id).delete()
    return deleted
