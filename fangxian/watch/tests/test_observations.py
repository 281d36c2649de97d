import datetime
import json
import uuid

import pytest
from django.utils import timezone

from fangxian.gate import bundle, permits
from fangxian.gate.models import Gate
from fangxian.people.models import Resident
from fangxian.watch.models import HealthReport, Observation, Policy


def post(client, path, body):
    return client.post(path, json.dumps(body), content_type="application/json")


@pytest.fixture
def gate(world):
    gate = Gate.objects.create(community=world.xiangchang, name="南门")
    gate.keepers.add(world.users["gate_keeper"])
    return gate


def scan(api_for, gate, code):
    body = {
        "gate_id": gate.id,
        "code": code,
        "temperature": 36.5,
        "client_id": str(uuid.uuid4()),
        "scanned_at": timezone.now().isoformat(),
    }
    return post(api_for("gate_keeper"), "/api/v1/gate/scans", body).json()["verdict"]


def test_a_returnee_is_stopped_at_the_gate_while_observed_and_admitted_after_release(world, gate, api_for):
    resident = world.resident(world.xiangchang)
    code = permits.issue(resident, None).code
    assert scan(api_for, gate, code) == "admit"
    started = post(
        api_for("health_worker"),
        "/api/v1/observations",
        {"resident_id": resident.id, "kind": "home", "start": str(timezone.localdate())},
    )
    assert started.status_code == 201 and started.json()["days_left"] == 14
    assert scan(api_for, gate, code) == "under_observation"
    assert list(bundle.build(gate)["observed"]) == [codec_id(code)]
    early = post(api_for("health_worker"), f"/api/v1/observations/{started.json()['id']}/release", {})
    assert early.status_code == 422  # before its end, a release needs a reason
    released = post(
        api_for("health_worker"),
        f"/api/v1/observations/{started.json()['id']}/release",
        {"reason": "核酸阴性，专家组同意"},
    )
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
    body = post(
        api_for("secretary"),
        "/api/v1/observations",
        {"resident_id": resident.id, "kind": "central", "start": str(start), "facility": "前门饭店"},
    ).json()
    assert body["ends_on"] == str(start + datetime.timedelta(days=21)) and body["policy"] == "14+7"


def test_a_finished_period_is_released_without_a_reason(world, api_for):
    resident = world.resident(world.xiangchang)
    start = timezone.localdate() - datetime.timedelta(days=14)
    observation = post(
        api_for("secretary"), "/api/v1/observations", {"resident_id": resident.id, "start": str(start)}
    ).json()
    assert post(api_for("secretary"), f"/api/v1/observations/{observation['id']}/release", {}).status_code == 200


@pytest.mark.parametrize("days_ago", [10_000, 14 + 31])
def test_a_period_that_ended_long_ago_is_refused_and_marks_no_one(world, api_for, days_ago):
    resident = world.resident(world.xiangchang)
    start = timezone.localdate() - datetime.timedelta(days=days_ago)
    response = post(api_for("health_worker"), "/api/v1/observations", {"resident_id": resident.id, "start": str(start)})
    assert response.status_code == 422 and "start" in response.json()["detail"]
    resident.refresh_from_db()
    assert not resident.under_observation


@pytest.mark.parametrize("start, words", [(1, "今天或更早"), (0, None)])
def test_an_observation_cannot_start_in_the_future(world, api_for, start, words):
    resident = world.resident(world.xiangchang)
    response = post(
        api_for("secretary"),
        "/api/v1/observations",
        {"resident_id": resident.id, "start": str(timezone.localdate() + datetime.timedelta(days=start))},
    )
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


def start_days_ago(resident, days: int) -> Observation:
    from fangxian.watch import observations

    return observations.start(resident, "home", timezone.localdate() - datetime.timedelta(days=days), None)


def test_the_arrival_form_registers_the_arrival_and_starts_from_its_date(world, client_for):
    resident = world.resident(world.xiangchang)
    arrived = timezone.localdate() - datetime.timedelta(days=2)
    response = client_for("grid_worker").post(
        f"/watch/observations/start/{resident.id}/",
        {
            "came_from": "武汉",
            "arrived_on": str(arrived),
            "transport": "train",
            "transport_number": "G512",
            "reason": "返京复工",
            "kind": "home",
        },
    )
    observation = Observation.objects.select_related("arrival").get()
    assert response["Location"] == f"/watch/observations/{observation.id}/"
    assert (
        observation.start == arrived
        and observation.arrival.came_from == "武汉"
        and observation.arrival.transport_number == "G512"
    )


def test_an_arrival_in_the_future_is_refused(world, api_for):
    resident = world.resident(world.xiangchang)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = post(
        api_for("grid_worker"),
        "/api/v1/arrivals",
        {"resident_id": resident.id, "came_from": "武汉", "arrived_on": str(tomorrow)},
    )
    assert response.status_code == 422 and "未来" in json.dumps(response.json(), ensure_ascii=False)


def test_an_extension_moves_the_end_and_records_the_approver(world, api_for):
    observation = start_days_ago(world.resident(world.xiangchang), 10)
    url = f"/api/v1/observations/{observation.id}/extend"
    assert post(api_for("health_worker"), url, {"days": 7, "reason": "", "approved_by": ""}).status_code == 422
    body = post(
        api_for("health_worker"), url, {"days": 7, "reason": "同住人确诊", "approved_by": "区疾控王医生"}
    ).json()
    assert body["ends_on"] == str(observation.ends_on + datetime.timedelta(days=7))
    assert observation.extensions.get().approved_by == "区疾控王医生"


@pytest.mark.parametrize("temperature", [3.66, 366, "36,6", "abc", None, 33.9, 43.1])
def test_a_report_with_an_impossible_temperature_is_refused(world, api_for, temperature):
    observation = start_days_ago(world.resident(world.xiangchang), 1)
    response = post(
        api_for("grid_worker"), f"/api/v1/observations/{observation.id}/reports", {"temperature": temperature}
    )
    assert response.status_code == 422 and not observation.reports.exists()


def test_a_report_for_a_released_person_is_refused(world, api_for):
    from fangxian.watch import observations

    observation = observations.release(start_days_ago(world.resident(world.xiangchang), 14), None)
    response = post(api_for("grid_worker"), f"/api/v1/observations/{observation.id}/reports", {"temperature": 36.5})
    assert response.status_code == 422 and "解除" in json.dumps(response.json(), ensure_ascii=False)


def test_an_unknown_symptom_is_refused(world, api_for):
    observation = start_days_ago(world.resident(world.xiangchang), 1)
    response = post(
        api_for("grid_worker"),
        f"/api/v1/observations/{observation.id}/reports",
        {"temperature": 36.5, "symptoms": ["headache!"]},
    )
    assert response.status_code == 422


def test_the_private_link_takes_a_report_without_an_account_and_expires_with_the_release(world, client):
    from fangxian.watch import observations

    observation = start_days_ago(world.resident(world.xiangchang), 14)
    link = f"/watch/r/{observation.report_token}/"
    sent = client.post(link, {"temperature": "36.6", "typed": "", "symptoms": ["cough"]})
    assert sent.status_code == 302  # answered by a page of its own, which a reload only shows again
    shown = client.get(sent.url).content.decode()
    assert "36.6" in shown and "120" in shown  # a symptom: what to do now
    report = observation.reports.get()
    assert report.by_self and str(report.temperature) == "36.6" and report.symptoms == ["cough"]
    observations.release(observation, None)
    assert client.post(link, {"typed": "36.5"}).status_code == 410
    assert observation.reports.count() == 1
    assert "已失效" in client.get(link).content.decode()
    assert client.get("/watch/r/not-a-token/").status_code == 404


def test_fevers_symptoms_and_missed_reports_reach_the_grid_and_health_workers_home(world, client_for):
    from fangxian.watch import observations

    residents = list(Resident.objects.filter(dwelling__building__grid=world.grid1)[:3])
    feverish, coughing, silent = (start_days_ago(r, 3) for r in residents)
    observations.report(feverish, "38.2", [])
    observations.report(coughing, "36.5", ["cough"])
    for actor in ("grid_worker", "health_worker"):
        page = client_for(actor).get("/").content.decode()
        assert "发热 38.2" in page and "咳嗽" in page and residents[2].name in page and "未报告" in page
    assert "发热 38.2" not in client_for("volunteer").get("/").content.decode()
    # Each says which half day it is about: "刘刚 · 未报告" alone does not say when.
    day, half = observations.half_of(timezone.now())
    label = f"{day:%m-%d} {HealthReport.Half(half).label}"
    assert client_for("health_worker").get("/").content.decode().count(label) >= 2
    missed_day, missed_half = observations.last_ended_half()
    assert f"{missed_day:%m-%d} {HealthReport.Half(missed_half).label}" in page
    api = {a["kind"]: a for a in client_for("health_worker").get("/api/v1/alerts").json()}
    assert (api["fever"]["day"], api["fever"]["half"]) == (str(day), half)


@pytest.mark.needs("pango", "fonts", "pdftotext")
def test_release_prints_a_numbered_notice_in_chinese_and_english(world, client_for):
    import subprocess

    from fangxian.watch import observations

    first = observations.release(start_days_ago(world.resident(world.xiangchang, "1"), 14), None)
    second = observations.release(start_days_ago(world.resident(world.xiangchang, "2"), 14), None)
    year = timezone.localdate().year
    assert (first.notice_number, second.notice_number) == (f"110102015001-{year}-0001", f"110102015001-{year}-0002")
    client = client_for("secretary")
    for query, words in (("", "解除医学观察通知书"), ("?lang=en", "Release from Medical Observation")):
        pdf = client.get(f"/watch/observations/{first.id}/notice.pdf{query}")
        assert pdf["Content-Type"] == "application/pdf"
        text = subprocess.run(
            ["pdftotext", "-", "-"], input=pdf.content, capture_output=True, check=True
        ).stdout.decode()
        assert words in text.replace("\n", " ") and first.notice_number in text


def test_a_refused_report_keeps_what_was_typed_and_ticked(world, client_for):
    observation = start_days_ago(world.resident(world.xiangchang), 2)
    client = client_for("grid_worker")
    page = client.post(
        f"/watch/observations/{observation.id}/report/", {"typed": "45.0", "symptoms": ["cough"]}, follow=True
    ).content.decode()
    assert 'value="45.0"' in page and 'value="cough" checked' in page and not observation.reports.exists()
    own = client_for("nobody").post(f"/watch/r/{observation.report_token}/", {"typed": "3.66"}).content.decode()
    assert 'value="3.66"' in own and not observation.reports.exists()
