import datetime
import json
import uuid

import pytest
from django.utils import timezone

from fangxian.gate import bundle, permits
from fangxian.gate.models import Gate
from fangxian.people.models import Resident
from fangxian.watch.models import Observation, Policy


def post(client, path, body):
    return client.post(path, json.dumps(body), content_type="application/json")


@pytest.fixture
def gate(world):
    gate = Gate.objects.create(community=world.xiangchang, name="南门")
    gate.accepts.add(world.xiangchang)
    gate.keepers.add(world.users["gate_keeper"])
    return gate


def scan(api_for, gate, code):
    body = {"gate_id": gate.id, "code": code, "temperature": 36.5, "client_id": str(uuid.uuid4()), "scanned_at": timezone.now().isoformat()}
    return post(api_for("gate_keeper"), "/api/v1/gate/scans", body).json()["verdict"]


def test_a_returnee_is_stopped_at_the_gate_while_observed_and_admitted_after_release(world, gate, api_for):
    resident = world.resident(world.xiangchang)
    code = permits.issue(resident, None).code
    assert scan(api_for, gate, code) == "admit"
    started = post(api_for("health_worker"), "/api/v1/observations", {"resident_id": resident.id, "kind": "home", "start": str(timezone.localdate())})
    assert started.status_code == 201 and started.json()["days_left"] == 14
    assert scan(api_for, gate, code) == "under_observation"
    assert [permits_id for permits_id in bundle.build(gate)["observed"]] == [codec_id(code)]
    early = post(api_for("health_worker"), f"/api/v1/observations/{started.json()['id']}/release", {})
    assert early.status_code == 422  # before its end, a release needs a reason
    released = post(api_for("health_worker"), f"/api/v1/observations/{started.json()['id']}/release", {"reason": "核酸阴性，专家组同意"})
    assert released.status_code == 200
    assert scan(api_for, gate, code) == "admit"
    assert not Resident.objects.get(pk=resident.pk).under_observation


def codec_id(code):
    from fangxian.lib import permit

    return permit.parse(code).permit.permit_id


def test_the_period_comes_from_the_citys_policy(world, api_for):
    Policy.objects.create(city=world.city, name="14+7", days=14, extra_home_days=7, is_default=True)
    resident = world.resident(world.xiangchang)
    start = timezone.localdate() - datetime.timedelta(days=3)
    body = post(api_for("secretary"), "/api/v1/observations", {"resident_id": resident.id, "kind": "central", "start": str(start)}).json()
    assert body["ends_on"] == str(start + datetime.timedelta(days=21)) and body["policy"] == "14+7"


def test_a_finished_period_is_released_without_a_reason(world, api_for):
    resident = world.resident(world.xiangchang)
    start = timezone.localdate() - datetime.timedelta(days=14)
    observation = post(api_for("secretary"), "/api/v1/observations", {"resident_id": resident.id, "start": str(start)}).json()
    assert post(api_for("secretary"), f"/api/v1/observations/{observation['id']}/release", {}).status_code == 200


@pytest.mark.parametrize("start, words", [(1, "今天或更早"), (0, None)])
def test_an_observation_cannot_start_in_the_future(world, api_for, start, words):
    resident = world.resident(world.xiangchang)
    response = post(api_for("secretary"), "/api/v1/observations", {"resident_id": resident.id, "start": str(timezone.localdate() + datetime.timedelta(days=start))})
    if words:
        assert response.status_code == 422 and words in json.dumps(response.json(), ensure_ascii=False)
    else:
        assert response.status_code == 201


def test_one_running_observation_per_resident(world, api_for):
    resident = world.resident(world.xiangchang)
    body = {"resident_id": resident.id, "start": str(timezone.localdate())}
    assert post(api_for("secretary"), "/api/v1/observations", body).status_code == 201
    second = post(api_for("secretary"), "/api/v1/observations", body)
    assert second.status_code == 422 and Observation.objects.count() == 1


def test_the_page_starts_and_releases(world, client_for):
    resident = world.resident(world.xiangchang)
    client = client_for("grid_worker")
    assert resident.name in client.get("/watch/observations/", {"q": resident.name}).content.decode()
    client.post(f"/watch/observations/start/{resident.id}/", {"kind": "home", "start": str(timezone.localdate())})
    observation = Observation.objects.get()
    assert resident.name in client.get("/watch/observations/").content.decode()
    client.post(f"/watch/observations/{observation.id}/release/", {"reason": "误登记"})
    observation.refresh_from_db()
    assert observation.released_at is not None and observation.release_reason == "误登记"
