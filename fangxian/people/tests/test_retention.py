import datetime

from django.core.files.base import ContentFile
from django.core.management import call_command

from fangxian.accounts.models import AuditEvent
from fangxian.people.models import Emergency, Resident, Tally


def close(days_ago: int) -> Emergency:
    emergency = Emergency.objects.get()
    emergency.closed_on = datetime.date.today() - datetime.timedelta(days=days_ago)
    emergency.save()
    return emergency


def test_personal_data_is_kept_while_the_emergency_is_open_or_recent(world, settings):
    settings.RETENTION_DAYS = 30
    Resident.objects.update(emergency=Emergency.objects.get())
    call_command("purge_personal_data")
    close(days_ago=10)
    call_command("purge_personal_data")
    assert not Resident.objects.filter(anonymised=True).exists()


def test_an_old_closed_emergency_is_anonymised_and_its_counts_kept(world, settings):
    settings.RETENTION_DAYS = 30
    emergency = Emergency.objects.get()
    Resident.objects.update(emergency=emergency)
    someone = world.resident(world.xiangchang)
    someone.tag_list = ["elderly_alone"]
    someone.photo.save("x.jpg", ContentFile(b"jpeg"))
    photo_path = someone.photo.path
    before = Resident.objects.filter(community=world.xiangchang).count()
    close(days_ago=31)
    call_command("purge_personal_data")
    someone.refresh_from_db()
    assert someone.name == f"#{someone.id}" and someone.id_number == "" and someone.phone == "" and not someone.photo
    assert someone.birth_date == datetime.date(1950, 1, 1)
    assert not Resident.objects.exclude(id_number="").exists()
    tally = Tally.objects.get(emergency=emergency, community=world.xiangchang)
    assert tally.counts["residents"] == before and tally.counts["elderly_alone"] == 1
    assert AuditEvent.objects.filter(action="purge").exists()
    import os
    assert not os.path.exists(photo_path)
    emergency.refresh_from_db()
    assert emergency.purged_at is not None


def test_a_dry_run_changes_nothing(world, settings):
    Resident.objects.update(emergency=Emergency.objects.get())
    close(days_ago=400)
    call_command("purge_personal_data", "--dry-run")
    assert not Resident.objects.filter(anonymised=True).exists()
