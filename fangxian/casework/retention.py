"""What casework keeps of people once an emergency's data are anonymised: who complained and
their number, photos taken on site, and 12345 uploads never confirmed go; categories,
places, steps, times and outcomes stay, so the three rates of past months still add up."""

from fangxian.people.models import Emergency

from . import workorders
from .models import Case, Photo, WorkOrderImport


def purge_cases(emergency: Emergency) -> int:
    cases = Case.objects.filter(
        street__district__city_id=emergency.city_id, received_at__date__lte=emergency.closed_on
    ).exclude(reporter_name="", reporter_phone="")
    for photo in Photo.objects.filter(step__case__street__district__city_id=emergency.city_id).filter(
        step__case__received_at__date__lte=emergency.closed_on
    ):
        photo.image.delete(save=False)
        photo.delete()
    workorders.clear(WorkOrderImport.objects.filter(street__district__city_id=emergency.city_id))
    return cases.update(reporter_name="", reporter_phone="")
