import datetime
import io
import os

from django.core.management import call_command
from django.utils import timezone

from fangxian.casework.models import Case, Photo
from fangxian.inspections.models import Staff
from fangxian.inspections.tests.conftest import make_business
from fangxian.people.models import Emergency

from .conftest import make_case, unfounded_case


def test_who_complained_goes_with_the_emergency_and_the_rates_stay(world, settings):
    emergency = Emergency.objects.get()
    case = unfounded_case(world)
    photo = Photo.objects.get(step__case=case).image.path
    Case.objects.filter(pk=case.pk).update(received_at=timezone.now() - datetime.timedelta(days=70))
    later = make_case(world, "楼道堆物")  # received after the emergency closed: kept
    staff = Staff.objects.create(
        business=make_business(world), name="张三", phone="13812345678", id_number="110102195003011234"
    )
    emergency.closed_on = timezone.localdate() - datetime.timedelta(days=40)
    emergency.save()
    settings.RETENTION_DAYS = 30
    call_command("purge_personal_data", stdout=io.StringIO())
    case.refresh_from_db()
    later.refresh_from_db()
    assert (case.reporter_name, case.reporter_phone, case.handled_as, case.category.code) == (
        "",
        "",
        "unfounded",
        "entrance-order",
    )
    assert not Photo.objects.filter(step__case=case).exists() and not os.path.exists(photo)
    assert later.reporter_phone == "13911112222"
    assert not Staff.objects.filter(pk=staff.pk).exists()
