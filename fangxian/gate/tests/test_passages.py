"""One person passing is one pass, holding its temperature or why none was taken; a pass
recorded by mistake is undone by its keeper within a minute."""

import datetime
import json
import uuid

import pytest
from django.utils import timezone

from fangxian.accounts.models import AuditEvent
from fangxian.gate.models import Gate, Pass

from .test_scans import issued, scan


def post(client, path, body):
    return client.post(path, json.dumps(body), content_type="application/json")


def visitor_body(gate, **fields):
    return {
        "gate_id": gate.id,
        "name": "王师傅",
        "temperature": 36.5,
        "client_id": str(uuid.uuid4()),
        "scanned_at": timezone.now().isoformat(),
        **fields,
    }


def test_a_card_left_before_the_camera_is_one_pass(world, gate, api_for):
    code = issued(world).code
    first = scan(api_for("gate_keeper"), gate, code).json()
    again = scan(api_for("gate_keeper"), gate, code, at=timezone.now() + datetime.timedelta(seconds=4)).json()
    assert (again["pass_id"], again["repeat"], first["repeat"]) == (first["pass_id"], True, False)
    assert Pass.objects.count() == 1


def test_the_keeper_says_it_is_a_new_passage(world, gate, api_for):
    body = {
        "gate_id": gate.id,
        "code": issued(world).code,
        "temperature": 36.5,
        "scanned_at": timezone.now().isoformat(),
    }
    post(api_for("gate_keeper"), "/api/v1/gate/scans", body | {"client_id": str(uuid.uuid4())})
    again = post(
        api_for("gate_keeper"), "/api/v1/gate/scans", body | {"client_id": str(uuid.uuid4()), "new_passage": True}
    )
    assert again.json()["repeat"] is False and Pass.objects.count() == 2


def test_the_same_card_after_the_window_is_a_new_pass(world, gate, api_for, settings):
    code = issued(world).code
    scan(
        api_for("gate_keeper"),
        gate,
        code,
        at=timezone.now() - datetime.timedelta(seconds=settings.GATE_REPEAT_SECONDS + 1),
    )
    assert scan(api_for("gate_keeper"), gate, code).json()["repeat"] is False
    assert Pass.objects.count() == 2


def test_the_repeat_window_is_a_setting(world, gate, api_for, settings):
    settings.GATE_REPEAT_SECONDS = 0
    code = issued(world).code
    scan(api_for("gate_keeper"), gate, code)
    scan(api_for("gate_keeper"), gate, code)
    assert Pass.objects.count() == 2


def test_a_fever_taken_again_after_an_admission_is_kept(world, gate, api_for):
    code = issued(world).code
    scan(api_for("gate_keeper"), gate, code, temperature=36.5)
    assert scan(api_for("gate_keeper"), gate, code, temperature=37.9).json()["verdict"] == "fever"
    assert Pass.objects.count() == 2


def test_the_same_card_at_another_gate_is_another_pass(world, gate, api_for):
    north = Gate.objects.create(community=world.xiangchang, name="北门")
    north.keepers.add(world.users["gate_keeper"])
    code = issued(world).code
    scan(api_for("gate_keeper"), gate, code)
    assert scan(api_for("gate_keeper"), north, code).json()["repeat"] is False


def test_a_resent_pass_answers_as_stored_not_as_its_own_repeat(world, gate, api_for):
    client_id = uuid.uuid4()
    code = issued(world).code
    scan(api_for("gate_keeper"), gate, code, client_id=client_id)
    assert scan(api_for("gate_keeper"), gate, code, client_id=client_id).json()["repeat"] is False


def test_a_batch_holding_one_card_seen_twice_stores_it_once(world, gate, api_for):
    code = issued(world).code
    at = timezone.now()
    scans = [
        {
            "gate_id": gate.id,
            "code": code,
            "temperature": 36.5,
            "client_id": str(uuid.uuid4()),
            "scanned_at": (at + datetime.timedelta(seconds=s)).isoformat(),
        }
        for s in (0, 5, 120)
    ]
    results = post(api_for("gate_keeper"), "/api/v1/gate/scans/batch", {"scans": scans}).json()["results"]
    assert [r["repeat"] for r in results] == [False, True, False]
    assert results[1]["pass_id"] == results[0]["pass_id"] and Pass.objects.count() == 2


def test_a_scan_without_a_temperature_or_why_is_refused(world, gate, api_for):
    body = {"gate_id": gate.id, "code": issued(world).code, "client_id": str(uuid.uuid4())}
    response = post(api_for("gate_keeper"), "/api/v1/gate/scans", body | {"scanned_at": timezone.now().isoformat()})
    assert response.status_code == 422
    assert response.json()["detail"]["__all__"] == ["请填写所测体温，或说明为何未测：二者填一。"]
    assert not Pass.objects.exists()


def test_a_temperature_and_a_reason_for_none_at_once_are_refused(world, gate, api_for):
    body = visitor_body(gate, no_temperature="thermometer_failed")
    assert post(api_for("gate_keeper"), "/api/v1/gate/visitors", body).status_code == 422


def test_an_unknown_reason_for_no_temperature_is_refused(world, gate, api_for):
    body = visitor_body(gate, temperature=None, no_temperature="forgot")
    assert "no_temperature" in post(api_for("gate_keeper"), "/api/v1/gate/visitors", body).json()["detail"]


def test_a_failed_thermometer_is_kept_and_shown_in_the_records(world, gate, api_for, client_for):
    body = visitor_body(gate, temperature=None, no_temperature="thermometer_failed")
    assert post(api_for("gate_keeper"), "/api/v1/gate/visitors", body).status_code == 200
    assert Pass.objects.get().no_temperature == "thermometer_failed"
    assert "未测：体温计失灵" in client_for("secretary").get("/gate/records/").content.decode()


@pytest.mark.parametrize("phone", ["1380013800013900001111", "138 abc", "="])
def test_a_visitor_phone_that_is_no_phone_is_refused(world, gate, api_for, phone):
    response = post(api_for("gate_keeper"), "/api/v1/gate/visitors", visitor_body(gate, phone=phone))
    assert response.status_code == 422 and "phone" in response.json()["detail"]


def test_a_visitor_phone_is_kept_as_plain_digits(world, gate, api_for):
    post(api_for("gate_keeper"), "/api/v1/gate/visitors", visitor_body(gate, phone=" １７０１２３４５６７８转12 "))
    assert Pass.objects.get().phone == "17012345678转12"


def test_the_gate_page_checks_with_the_words_the_api_answers(world, gate, api_for, client_for):
    page = client_for("gate_keeper").get(f"/gate/{gate.id}/").content.decode()
    rules = json.loads(page.split('id="gate-rules" type="application/json">')[1].split("</script>")[0])
    limit, words = rules["visitor"]["name"]["maxLength"]
    refused = post(api_for("gate_keeper"), "/api/v1/gate/visitors", visitor_body(gate, name="王" * (limit + 1)))
    assert refused.json()["detail"]["name"] == [words]
    low, high, said = rules["visitor"]["temperature"]["temperature"]
    hot = post(api_for("gate_keeper"), "/api/v1/gate/visitors", visitor_body(gate, temperature=high + 1))
    assert hot.json()["detail"] == {"temperature": [said]}


def undo(client, gate, client_id, at=None):
    body = {"gate_id": gate.id, "client_id": str(client_id), "undone_at": (at or timezone.now()).isoformat()}
    return post(client, "/api/v1/gate/passes/undo", body)


def test_a_keeper_undoes_a_pass_within_the_minute_and_the_audit_keeps_it(world, gate, api_for):
    client_id = uuid.uuid4()
    scan(api_for("gate_keeper"), gate, issued(world).code, temperature=37.8, client_id=client_id)
    assert undo(api_for("gate_keeper"), gate, client_id).json() == {"client_id": str(client_id), "undone": True}
    assert not Pass.objects.exists()
    event = AuditEvent.objects.get(action=AuditEvent.Action.PASS_UNDONE)
    assert (event.detail["verdict"], event.detail["temperature"], event.community_id) == (
        "fever",
        "37.8",
        world.xiangchang.id,
    )


def test_an_undo_after_the_minute_is_refused(world, gate, api_for, settings):
    client_id = uuid.uuid4()
    scan(api_for("gate_keeper"), gate, issued(world).code, client_id=client_id)
    later = timezone.now() + datetime.timedelta(seconds=settings.GATE_UNDO_SECONDS + 30)
    assert undo(api_for("gate_keeper"), gate, client_id, at=later).status_code in (422,)
    assert Pass.objects.count() == 1


def test_only_the_keeper_who_recorded_a_pass_undoes_it(world, gate, api_for):
    client_id = uuid.uuid4()
    scan(api_for("gate_keeper"), gate, issued(world).code, client_id=client_id)
    assert undo(api_for("secretary"), gate, client_id).status_code == 403
    assert Pass.objects.count() == 1


def test_another_communitys_secretary_cannot_undo_a_pass(world, gate, api_for):
    client_id = uuid.uuid4()
    scan(api_for("gate_keeper"), gate, issued(world).code, client_id=client_id)
    assert undo(api_for("outsider"), gate, client_id).status_code == 404
    assert Pass.objects.count() == 1


def test_an_undo_of_a_pass_never_stored_finds_nothing(world, gate, api_for):
    assert undo(api_for("gate_keeper"), gate, uuid.uuid4()).status_code == 404


def test_a_refusal_reason_shows_in_the_records(world, gate, api_for, client_for):
    body = {"gate_id": gate.id, "refusal": "no_mask", "client_id": str(uuid.uuid4())}
    post(api_for("gate_keeper"), "/api/v1/gate/refusals", body | {"scanned_at": timezone.now().isoformat()})
    assert "未戴口罩" in client_for("secretary").get("/gate/records/").content.decode()
