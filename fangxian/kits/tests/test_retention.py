import datetime
import io
import os

from django.core.management import call_command
from django.utils import timezone

from fangxian.accounts.models import AuditEvent
from fangxian.kits import distributing
from fangxian.kits.models import Distribution
from fangxian.people.models import Emergency

from .conftest import signature_url


def test_signatures_and_whom_a_kit_was_for_go_with_the_emergency_and_the_hand_overs_stay(world, settings, distribution):
    signed, left_out, *_ = distribution.recipients.order_by("id")
    distributing.hand_over(signed, world.users["volunteer"], signature=signature_url())
    distributing.leave_out(left_out, "住院了", world.users["volunteer"])
    signed.refresh_from_db()
    proof = signed.proof.path
    Distribution.objects.filter(pk=distribution.pk).update(created_at=timezone.now() - datetime.timedelta(days=70))
    emergency = Emergency.objects.get()
    emergency.closed_on = timezone.localdate() - datetime.timedelta(days=40)
    emergency.save()
    settings.RETENTION_DAYS = 30
    call_command("purge_personal_data", stdout=io.StringIO())
    signed.refresh_from_db()
    left_out.refresh_from_db()
    assert (signed.proof.name, signed.resident) == ("", None) and not os.path.exists(proof)
    assert (signed.state, signed.handed_over_by, signed.dwelling_id) == (
        "handed_over",
        world.users["volunteer"],
        signed.dwelling_id,
    )
    assert (left_out.reason, left_out.state) == ("", "left_out")
    assert AuditEvent.objects.get(action="purge").detail["fangxian.kits.retention"] >= 2
