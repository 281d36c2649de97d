"""Open311 GeoReport v2 as clients speak it: an existing client (the `georeport` package)
lists services and reads requests against a live server; filing is a form-encoded POST with
an api_key, as the specification defines it (that client has no POST)."""

from __future__ import annotations

import datetime
import xml.etree.ElementTree as ET

import pytest
import requests
from django.utils import timezone

from fangxian.accounts.models import ApiToken
from fangxian.casework import handling
from fangxian.casework.models import Case, Category

ROOT = "/open311/v2"


def token(world, actor: str) -> str:
    return ApiToken.issue(world.users[actor], "open311")


def category(code: str = "entrance-order") -> Category:
    return Category.objects.get(code=code)


def filed(client, key: str, **fields):
    return client.post(f"{ROOT}/requests.json", {"api_key": key, "service_code": "entrance-order", **fields})


@pytest.mark.django_db(transaction=True)
def test_an_existing_client_lists_services_files_and_reads_a_request(live_server, world):
    georeport = pytest.importorskip("georeport")
    client = georeport.GeoReport(f"{live_server.url}{ROOT}")
    services = client.get_service_list()
    codes = {s["service_code"] for s in services}
    assert {"entrance-order", "other", "noise"} <= codes
    assert all(s["metadata"] is False and s["type"] == "realtime" for s in services)
    assert client.get_service_definition("noise") == {"service_code": "noise", "attributes": []}

    # Filing as the specification says: form-encoded, the api_key among the fields.
    key = token(world, "secretary")
    response = requests.post(
        f"{live_server.url}{ROOT}/requests.json",
        data={
            "api_key": key,
            "service_code": "entrance-order",
            "address_id": str(world.building(world.xiangchang, "1").id),
            "description": "小区南门无人值守，外来人员随意进出",
            "first_name": "女士",
            "last_name": "张",
            "phone": "13812345678",
            "email": "zhang@example.com",
            "media_url": "https://example.com/gate.jpg",
        },
        timeout=10,
    )
    assert response.status_code == 200, response.text
    [answer] = response.json()
    case = Case.objects.get(pk=int(answer["service_request_id"]))
    assert case.source == "open311" and case.community == world.xiangchang and case.reporter_name == "张女士"
    assert answer["service_notice"]

    # Read back without a key, as the client does: the status, never the description or the reporter.
    read = client.get_service_request(answer["service_request_id"])
    assert read["status"] == "open" and read["service_code"] == "entrance-order"
    assert read["agency_responsible"] == "香厂路社区" and read["expected_datetime"]
    assert read["description"] is None and read["address"] is None
    assert "张" not in str(read) and "138" not in str(read)
    listed = client.get_service_requests(service_request_id=answer["service_request_id"])
    assert [r["service_request_id"] for r in listed] == [answer["service_request_id"]]
    # The XML the specification defines, read by the same client.
    xml_client = georeport.GeoReport(f"{live_server.url}{ROOT}", output_format="xml")
    assert xml_client.get_service_request(answer["service_request_id"])["status"] == "open"


def test_with_an_api_key_the_accounts_own_requests_show_in_full(world, client):
    case = handling.receive(
        street=world.tianqiao,
        category=category(),
        what="门口混乱",
        source="hotline",
        building=world.building(world.xiangchang, "1"),
        address="香厂路社区1号楼",
        reporter_name="张女士",
        reporter_phone="13812345678",
    )
    mine = client.get(f"{ROOT}/requests/{case.pk}.json", {"api_key": token(world, "secretary")}).json()[0]
    assert mine["description"] == "门口混乱" and mine["address"] == "香厂路社区1号楼"
    assert "张女士" not in str(mine) and "13812345678" not in str(mine)
    # Another street's secretary, with a key of her own, sees what anyone sees.
    theirs = client.get(f"{ROOT}/requests/{case.pk}.json", {"api_key": token(world, "outsider")}).json()[0]
    assert theirs["description"] is None and theirs["status"] == "open"


def test_the_list_filters_as_the_specification_says(world, client):
    def receive(code, days_ago):
        return handling.receive(
            street=world.tianqiao,
            category=category(code),
            what="x",
            source="phone",
            community=world.xiangchang,
            received_at=timezone.now() - datetime.timedelta(days=days_ago),
        )

    noise, old, rubbish = receive("noise", 1), receive("noise", 120), receive("environment", 2)
    handling.handle(rubbish, "resolve", None, "已清运")

    def ids(**params):
        return {int(r["service_request_id"]) for r in client.get(f"{ROOT}/requests.json", params).json()}

    assert ids() == {noise.pk, rubbish.pk}  # the last 90 days
    assert ids(service_code="noise") == {noise.pk}
    assert ids(status="closed") == {rubbish.pk}
    assert ids(status="open,closed", service_code="noise,environment") == {noise.pk, rubbish.pk}
    start = (timezone.now() - datetime.timedelta(days=130)).isoformat()
    end = (timezone.now() - datetime.timedelta(days=100)).isoformat()
    assert ids(start_date=start, end_date=end) == {old.pk}
    assert ids(service_request_id=f"{old.pk},{noise.pk}", service_code="environment") == {old.pk, noise.pk}


def test_refusals_are_the_specifications_error_list(world, client):
    key = token(world, "secretary")
    building = str(world.building(world.xiangchang, "1").id)

    def refusal(response, status):
        assert response.status_code == status
        [error] = response.json()
        assert error["code"] == status and error["description"]

    refusal(client.post(f"{ROOT}/requests.json", {"service_code": "noise", "address_id": building}), 403)
    refusal(filed(client, "not-a-token", address_id=building), 403)
    refusal(filed(client, key), 400)  # no location
    refusal(filed(client, key, service_code="", address_id=building), 400)
    refusal(filed(client, key, service_code="ufo", address_id=building), 404)
    refusal(filed(client, key, lat="39.88", address_id=building), 400)
    refusal(filed(client, key, lat="north", long="116.4"), 400)
    refusal(filed(client, key, address_id=building, phone="12"), 400)
    refusal(client.get(f"{ROOT}/requests/999999.json"), 404)
    refusal(client.get(f"{ROOT}/services/ufo.json"), 404)
    refusal(client.get(f"{ROOT}/requests.json", {"status": "pending"}), 400)
    refusal(client.get(f"{ROOT}/requests.json", {"start_date": "soon"}), 400)
    xml = client.get(f"{ROOT}/services/ufo.xml")
    assert xml.status_code == 404 and ET.fromstring(xml.content).find("error/code").text == "404"
    assert not Case.objects.exists()


def test_filing_where_the_account_may_not_is_refused(world, client):
    # A gate keeper handles no cases; the outsider's key does not reach Xiangchang's buildings.
    building = str(world.building(world.xiangchang, "1").id)
    assert filed(client, token(world, "gate_keeper"), address_id=building).status_code == 403
    assert filed(client, token(world, "outsider"), address_id=building).status_code == 403
    # An address her street does not know is filed with her own community, never into Tianqiao.
    answer = filed(client, token(world, "outsider"), address_string="香厂路社区2号楼").json()[0]
    assert Case.objects.get(pk=answer["service_request_id"]).community == world.liulichang
    # Xiangchang's grid worker files for her grid's building, not the other grid's.
    assert filed(client, token(world, "grid_worker"), address_id=building).status_code == 200
    other = str(world.building(world.xiangchang, "2").id)
    assert filed(client, token(world, "grid_worker"), address_id=other).status_code == 403


def test_an_address_string_routes_like_a_work_order(world, client):
    admin = token(world, "street_admin")
    answer = filed(client, admin, address_string="永安路社区2号楼门口", description="垃圾堆放").json()[0]
    case = Case.objects.get(pk=answer["service_request_id"])
    assert case.community == world.yongan and case.building == world.building(world.yongan, "2")
    unknown = filed(client, admin, lat="39.881", long="116.395", description="路口拥堵").json()[0]
    case = Case.objects.get(pk=unknown["service_request_id"])
    assert case.community is None and case.street == world.tianqiao and str(case.latitude) == "39.881000"


def test_discovery_names_the_endpoint_and_its_formats(world, client):
    found = client.get(f"{ROOT}/discovery.json").json()
    [endpoint] = found["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith(ROOT) and "text/xml" in endpoint["formats"]
    root = ET.fromstring(client.get(f"{ROOT}/services.xml").content)
    assert root.tag == "services" and root.find("service/service_code") is not None
