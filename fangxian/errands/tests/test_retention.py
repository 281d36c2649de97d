import datetime
import io
import os

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from fangxian.accounts.models import AuditEvent
from fangxian.errands import requests
from fangxian.errands.models import Errand
from fangxian.people.models import Emergency

from .conftest import make_errand
from .test_rules import jpeg


def test_what_was_carried_for_whom_goes_with_the_emergency_and_the_counts_stay(world, settings):
    emergency = Emergency.objects.get()
    resident = world.resident(world.xiangchang)
    errand = requests.ask(
        resident.dwelling,
        resident,
        "medicine",
        "胰岛素 两支",
        "urgent",
        timezone.now() + datetime.timedelta(hours=1),
        "phone",
    )
    requests.deliver(errand, world.users["volunteer"], photo=SimpleUploadedFile("d.jpg", jpeg()), advanced=8800)
    errand.refresh_from_db()
    photo = errand.photo.path
    Errand.objects.filter(pk=errand.pk).update(created_at=timezone.now() - datetime.timedelta(days=70))
    later = make_errand(world, "102")  # asked after the emergency closed: kept
    emergency.closed_on = timezone.localdate() - datetime.timedelta(days=40)
    emergency.save()
    settings.RETENTION_DAYS = 30
    call_command("purge_personal_data", stdout=io.StringIO())
    errand.refresh_from_db()
    assert (errand.what, errand.photo.name, errand.resident, errand.code) == ("", "", None, "")
    assert (errand.kind, errand.state, errand.advanced, errand.delivered_by) == (
        "medicine",
        "delivered",
        8800,
        world.users["volunteer"],
    )
    assert not os.path.exists(photo)
    later.refresh_from_db()
    assert later.what == "降压药 两盒"
    assert AuditEvent.objects.get(action="purge").detail["fangxian.errands.retention"] == 1
