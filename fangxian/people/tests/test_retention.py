import datetime

from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone

from fangxian.accounts.models import AuditEvent
from fangxian.people.models import Emergency, Resident, Tally


def close(days_ago: int) -> Emergency:
    emergency = Emergency.objects.get()
    emergency.closed_on = timezone.localdate() - datetime.timedelta(days=days_ago)
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


def abandoned(world, days_ago: int, status: str = "previewed"):
    from fangxian.people.models import ImportBatch

    return ImportBatch.objects.create(
        community=world.xiangchang,
        kind="residents",
        filename="r.csv",
        data=b"name,id\n\xe5\xbc\xa0,110102198001010017",
        status=status,
        row_count=1,
        report={"preview": [{"line": 2, "cells": ["张三", "110102198001010017"]}]},
        created_at=timezone.now() - datetime.timedelta(days=days_ago),
    )


def test_an_import_never_confirmed_is_cleared_after_the_keep_days_with_an_audit_event(world, settings, client_for):
    settings.IMPORT_KEEP_DAYS = 7
    old, invalid, recent = abandoned(world, 8), abandoned(world, 30, "invalid"), abandoned(world, 6)
    call_command("purge_personal_data")
    for batch in (old, invalid, recent):
        batch.refresh_from_db()
    assert (bytes(old.data), old.report, bytes(invalid.data)) == (b"", {}, b"")
    assert old.cleared_at is not None and old.row_count == 1 and old.filename == "r.csv"
    assert bytes(recent.data) and recent.cleared_at is None
    event = AuditEvent.objects.get(action="purge")
    assert (event.community, event.detail) == (world.xiangchang, {"imports": 2, "kept_days": 7})
    page = client_for("secretary").get(f"/people/import/{old.id}/").content.decode()
    assert "未导入" in page and "7 天后" in page and "110102198001010017" not in page
    response = client_for("secretary").post(f"/people/import/{old.id}/confirm/", follow=True)
    assert "重新上传" in response.content.decode()


def test_a_dry_run_clears_no_import(world, settings):
    batch = abandoned(world, 100)
    call_command("purge_personal_data", "--dry-run")
    batch.refresh_from_db()
    assert bytes(batch.data) and batch.cleared_at is None


def test_apps_register_their_retention_hooks_without_importing_the_command():
    from pathlib import Path

    from fangxian.people import retention

    assert {h.__module__ for h in retention.PURGE_HOOKS} == {
        "fangxian.gate.retention",
        "fangxian.watch.retention",
        "fangxian.duty.retention",
        "fangxian.errands.retention",
        "fangxian.kits.retention",
        "fangxian.casework.retention",
        "fangxian.inspections.retention",
    }
    root = Path(__file__).resolve().parents[2]
    for app in ("gate", "watch", "duty", "errands", "kits", "casework", "inspections"):
        assert "management" not in (root / app / "apps.py").read_text()


def test_the_stored_tag_format_is_spelled_out_only_in_the_resident_model():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    spelled = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "tests" not in path.parts
        and "migrations" not in path.parts
        and ("tags__contains" in (text := path.read_text()) or '"," + "".join' in text)
    ]
    assert spelled == ["people/models.py"]
