import datetime
import io
import uuid

from django.utils import timezone
from openpyxl import load_workbook

from fangxian.accounts.models import AuditEvent
from fangxian.gate import permits
from fangxian.gate.models import Gate, Pass


def add_pass(gate, hour, **fields):
    at = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time(hour, 5)))
    values = {
        "kind": "visitor",
        "verdict": "admit",
        "direction": "both",
        "scanned_at": at,
        "client_id": uuid.uuid4(),
    } | fields
    return Pass.objects.create(gate=gate, **values)


def test_passes_are_found_by_person_room_and_gate_and_charted_by_hour(world, client_for):
    gate = Gate.objects.create(community=world.xiangchang, name="南门")
    resident = world.resident(world.xiangchang)
    row = permits.issue(resident, None)
    add_pass(gate, 8, kind="permit", permit=row, holder="张*明")
    add_pass(gate, 8, holder="王师傅", phone="13900001234", visiting=world.dwelling(world.xiangchang, room="202"))
    add_pass(gate, 19, kind="refusal", verdict="refused", refusal="no_mask")
    client = client_for("secretary")
    assert client.get("/gate/records/", {"who": "王师傅"}).context["page"].paginator.count == 1
    assert client.get("/gate/records/", {"who": "1234"}).context["page"].paginator.count == 1
    assert client.get("/gate/records/", {"room": resident.dwelling.room}).context["page"].paginator.count == 1
    hourly = client.get("/gate/records/", {"gate": gate.id}).context["hourly"]
    by_name = {s["name"]: s["data"] for s in hourly["series"]}
    assert by_name["出入证"][8] == 1 and by_name["访客"][8] == 1 and by_name["拒绝配合"][19] == 1


def test_the_export_is_audited_and_masks_phones(world, client_for):
    gate = Gate.objects.create(community=world.xiangchang, name="南门")
    add_pass(gate, 9, holder="王师傅", phone="13900001234")
    content = client_for("secretary").get("/gate/records/", {"format": "xlsx"}).content
    rows = list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    assert rows[1][4] == "王师傅" and rows[1][7] == "139****1234"
    assert AuditEvent.objects.filter(action="export", detail__list="passes").exists()


def test_records_name_the_person_passing_and_the_keeper_who_recorded_them(world, client_for):
    gate = Gate.objects.create(community=world.xiangchang, name="南门")
    add_pass(gate, 9, holder="王师傅", keeper=world.users["gate_keeper"])
    client = client_for("secretary")
    page = client.get("/gate/records/").content.decode()
    assert "通行人" in page and "记录人" in page and "gate_keeper" in page
    content = client.get("/gate/records/", {"format": "xlsx"}).content
    header, first = list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))[:2]
    assert (header[4], first[4]) == ("通行人", "王师傅") and (header[-1], first[-1]) == ("记录人", "gate_keeper")


def test_an_outsider_sees_no_passes_of_another_community(world, client_for):
    gate = Gate.objects.create(community=world.xiangchang, name="南门")
    add_pass(gate, 9, holder="王师傅")
    assert client_for("outsider").get("/gate/records/").context["page"].paginator.count == 0


def test_a_fever_at_the_gate_reaches_the_health_workers_home_page(world, client_for):
    gate = Gate.objects.create(community=world.xiangchang, name="南门")
    add_pass(gate, 0, verdict="fever", holder="李*", temperature="38.2")
    page = client_for("health_worker").get("/gate/fevers/").content.decode()
    assert "38.2" in page and "南门" in page
    assert 'hx-get="/gate/fevers/"' in client_for("health_worker").get("/").content.decode()
    assert "38.2" not in client_for("outsider").get("/gate/fevers/").content.decode()


def test_visitor_details_are_purged_with_the_emergency(world, settings):
    from django.core.management import call_command

    from fangxian.people.models import Emergency

    gate = Gate.objects.create(community=world.xiangchang, name="南门")
    visit = add_pass(
        gate,
        9,
        holder="王师傅",
        phone="13900001234",
        reason="送菜",
        scanned_at=timezone.now() - datetime.timedelta(days=60),
    )
    emergency = Emergency.objects.get()
    emergency.closed_on = timezone.localdate() - datetime.timedelta(days=40)
    emergency.save()
    settings.RETENTION_DAYS = 30
    call_command("purge_personal_data", stdout=io.StringIO())
    visit.refresh_from_db()
    assert (visit.holder, visit.phone, visit.reason, visit.verdict) == ("", "", "", "admit")
    assert AuditEvent.objects.get(action="purge").detail["fangxian.gate.retention"] == 1


def test_records_search_confirms_only_residents_of_ones_own_registry(world, client_for):
    # Xiangchang's market gate records a Yong'an resident passing; Xiangchang's secretary may
    # not learn by searching that a full name or a room belongs to Yong'an's registry.
    gate = Gate.objects.create(community=world.xiangchang, name="菜市场门")
    neighbour = world.resident(world.yongan)
    add_pass(gate, 8, kind="permit", permit=permits.issue(neighbour, None), holder="永*居")
    client = client_for("secretary")
    assert client.get("/gate/records/", {"who": neighbour.name}).context["page"].paginator.count == 0
    assert client.get("/gate/records/", {"room": neighbour.dwelling.room}).context["page"].paginator.count == 0
    assert (
        client.get("/gate/records/", {"who": "永*居"}).context["page"].paginator.count == 1
    )  # what the pass itself says
    rows = list(
        load_workbook(io.BytesIO(client.get("/gate/records/", {"format": "xlsx"}).content)).active.iter_rows(
            values_only=True
        )
    )
    assert rows[1][5] in ("", None)  # no dwelling of another community's resident in the export
    # The street above both sees both registries, so for it the same search finds the pass.
    assert (
        client_for("street_admin").get("/gate/records/", {"who": neighbour.name}).context["page"].paginator.count == 1
    )


def test_records_search_by_phone_tail_is_for_roles_that_may_see_phones(world, client_for):
    gate = Gate.objects.create(community=world.xiangchang, name="南门")
    add_pass(gate, 9, holder="王师傅", phone="13900001234")
    assert client_for("secretary").get("/gate/records/", {"who": "1234"}).context["page"].paginator.count == 1
    assert client_for("street_admin").get("/gate/records/", {"who": "1234"}).context["page"].paginator.count == 0
