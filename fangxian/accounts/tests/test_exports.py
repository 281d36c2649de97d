"""Every file that leaves is permitted and audited, per community whose data is in it."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from fangxian.accounts.models import AuditEvent
from fangxian.people.models import ImportBatch


def export_events(**filters):
    return AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT, **filters)


def test_a_secretarys_export_shows_on_her_communitys_audit_log(world, client_for):
    client = client_for("secretary")
    assert client.get("/people/residents/?format=xlsx").status_code == 200
    event = export_events(community=world.xiangchang).get()
    assert event.detail["list"] == "residents" and event.detail["rows"] == 24
    assert "residents" in client.get("/audit/?action=export").content.decode()


def test_a_street_export_is_written_once_for_each_community_in_it(world, client_for):
    assert client_for("street_admin").get("/people/residents/?format=xlsx").status_code == 200
    rows = dict(export_events().values_list("community__code", "detail__rows"))
    assert rows == {world.xiangchang.code: 24, world.yongan.code: 24}
    # The street's own secretary sees the street taking her residents away.
    page = client_for("secretary").get("/audit/?action=export").content.decode()
    assert "street_admin" in page


def test_a_grid_worker_may_not_export_the_roster_or_the_gate_records(world, client_for):
    client = client_for("grid_worker")
    assert client.get("/gate/records/?format=xlsx").status_code == 403
    assert not export_events().exists()


def test_the_import_error_report_is_audited(world, client_for):
    client = client_for("secretary")
    upload = SimpleUploadedFile("a.csv", "楼号,单元,房号,姓名,证件号码\n1,1,101,张三,123\n".encode())
    client.post("/people/import/", {"community": world.xiangchang.id, "kind": "residents", "file": upload})
    batch = ImportBatch.objects.get(status="invalid")
    response = client.get(f"/people/import/{batch.pk}/errors.xlsx")
    assert response.status_code == 200
    event = export_events(community=world.xiangchang).get()
    assert event.detail == {"list": "import_errors", "rows": 1, "batch": batch.pk}


@pytest.mark.needs("pango")
def test_printing_permit_cards_is_audited(world, client_for):
    from fangxian.gate import permits

    permit = permits.issue(world.resident(world.xiangchang), None)
    response = client_for("secretary").get(f"/gate/permits/print.pdf?permit={permit.pk}")
    assert response.status_code == 200
    assert export_events(community=world.xiangchang, detail__format="pdf").get().detail["list"] == "permit_cards"


def test_the_audit_log_says_what_was_touched_in_the_readers_words(world, client_for):
    client = client_for("secretary")
    client.get("/people/residents/?format=xlsx")
    client.post(
        "/staff/",
        {
            "username": "new-vol",
            "password": "a-long-password-9",
            "kind": "volunteer",
            "place": f"community:{world.xiangchang.id}",
        },
    )
    page = client.get("/audit/").content.decode()
    assert "居民，24 行" in page and "角色 " in page and "role " not in page
    book = load_workbook(io.BytesIO(client.get("/audit/?format=xlsx").content))
    header, *rows = book.active.iter_rows(values_only=True)
    assert header[:3] == ("时间", "操作人", "操作")
    assert rows[0][2] in {str(AuditEvent.Action.EXPORT.label), str(AuditEvent.Action.GRANT.label)}
    assert "T" not in rows[0][0] and "+00:00" not in rows[0][0]
