import datetime
import json
import uuid

import pytest
from django.utils import timezone

from fangxian.accounts.models import AuditEvent
from fangxian.lib import idnumber
from fangxian.people.models import Resident
from fangxian.watch import census
from fangxian.watch.models import Assignment, Campaign, Visit


def post(client, path, body):
    return client.post(path, json.dumps(body), content_type="application/json")


@pytest.fixture
def campaign(world) -> Campaign:
    today = timezone.localdate()
    return census.create(
        world.xiangchang,
        "第一轮",
        today,
        today + datetime.timedelta(days=2),
        list(world.xiangchang.buildings.all()),
        world.users["secretary"],
    )


def visit(dwelling_id, outcome="confirmed", **extra):
    return {
        "dwelling_id": dwelling_id,
        "outcome": outcome,
        "client_id": str(uuid.uuid4()),
        "visited_at": timezone.now().isoformat(),
        **extra,
    }


def send(api_for, actor, campaign, *visits):
    response = post(api_for(actor), f"/api/v1/campaigns/{campaign.id}/visits", {"visits": list(visits)})
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_each_dwelling_goes_to_the_grid_worker_of_its_grid(world, campaign):
    assert campaign.assignments.count() == 24
    assert set(
        campaign.assignments.filter(dwelling__building__grid=world.grid1).values_list("worker__username", flat=True)
    ) == {"grid_worker"}
    assert set(
        campaign.assignments.filter(dwelling__building__grid=world.grid2).values_list("worker_id", flat=True)
    ) == {None}


def test_the_worklist_climbs_each_stairwell_and_lists_who_lives_there(world, campaign, api_for):
    doors = api_for("grid_worker").get(f"/api/v1/campaigns/{campaign.id}/worklist").json()
    assert len(doors) == 12  # a grid worker sees the doors of their grid only
    assert [(d["entrance"], d["floor"]) for d in doors[:3]] == [(1, 1), (1, 1), (1, 2)]
    assert doors[0]["residents"][0]["name"].startswith("香厂")


def test_a_visit_sent_twice_is_stored_once(world, campaign, api_for):
    dwelling = world.dwelling(world.xiangchang)
    one = visit(dwelling.id, present=[{"resident_id": dwelling.residents.first().id, "temperature": 36.4}])
    first = send(api_for, "grid_worker", campaign, one)
    again = send(api_for, "grid_worker", campaign, one)
    assert first == again and Visit.objects.count() == 1
    assert Assignment.objects.get(campaign=campaign, dwelling=dwelling).outcome == "confirmed"


def test_a_dwelling_outside_the_campaign_is_refused_and_the_good_visits_kept(world, campaign, api_for):
    elsewhere = world.dwelling(world.yongan)
    results = send(
        api_for, "secretary", campaign, visit(elsewhere.id), visit(world.dwelling(world.xiangchang).id, "vacant")
    )
    assert "不在本次排查范围" in json.dumps(results[0], ensure_ascii=False) and results[1]["visit_id"]
    assert Visit.objects.count() == 1


def test_a_grid_worker_cannot_record_another_grids_door(world, campaign, api_for):
    other_grid = world.dwelling(world.xiangchang, "2")
    [result] = send(api_for, "grid_worker", campaign, visit(other_grid.id))
    assert "error" in result and not Visit.objects.exists()


@pytest.mark.parametrize(
    "bad",
    [
        {"outcome": "asleep"},
        {"visited_at": (timezone.now() + datetime.timedelta(days=1)).isoformat()},
        {"present": [{"resident_id": 0}]},
        {"present": [{"resident_id": None, "temperature": 366}]},
        {"outcome": "unknown_occupants"},
        {"outcome": "absent", "absent": {"temperature": "3,66"}},
    ],
)
def test_a_bad_visit_gets_its_own_error(world, campaign, api_for, bad):
    [result] = send(api_for, "secretary", campaign, visit(world.dwelling(world.xiangchang).id) | bad)
    assert "error" in result and not Visit.objects.exists()


def test_unknown_occupants_are_registered_pending_verification(world, campaign, api_for):
    dwelling = world.dwelling(world.xiangchang)
    number = idnumber.make("420102", datetime.date(1988, 5, 4), 77, "F")
    [result] = send(
        api_for,
        "grid_worker",
        campaign,
        visit(
            dwelling.id,
            "unknown_occupants",
            occupants=[{"name": "陌生人", "id_number": number, "phone": "13911112222"}],
        ),
    )
    added = Resident.objects.get(name="陌生人")
    assert result["visit_id"] and added.dwelling == dwelling and "unverified" in added.tag_list and added.sex == "F"


def test_listed_but_absent_keeps_where_and_the_phoned_temperature(world, campaign, api_for):
    dwelling = world.dwelling(world.xiangchang)
    back_on = str(timezone.localdate() + datetime.timedelta(days=7))
    send(
        api_for,
        "grid_worker",
        campaign,
        visit(dwelling.id, "absent", absent={"where": "河北老家", "back_on": back_on, "temperature": 36.3}),
    )
    assert Visit.objects.get().absent == {"where": "河北老家", "back_on": back_on, "temperature": "36.3"}


def test_two_workers_recording_one_door_at_once_are_both_kept_and_flagged(world, campaign, api_for):
    dwelling = world.dwelling(world.xiangchang)
    send(api_for, "grid_worker", campaign, visit(dwelling.id, "confirmed"))
    [second] = send(api_for, "volunteer", campaign, visit(dwelling.id, "no_answer"))  # had not seen the first
    assert second["conflict"] and Visit.objects.count() == 2
    assert Assignment.objects.get(campaign=campaign, dwelling=dwelling).conflict
    seen = Assignment.objects.get(campaign=campaign, dwelling=dwelling).last_visit_id
    [third] = send(api_for, "grid_worker", campaign, visit(dwelling.id, "confirmed", seen_visit_id=seen))
    assert not third["conflict"] and not Assignment.objects.get(campaign=campaign, dwelling=dwelling).conflict


def test_the_campaign_page_shows_conflicts(world, campaign, api_for, client_for):
    dwelling = world.dwelling(world.xiangchang)
    send(api_for, "grid_worker", campaign, visit(dwelling.id, "confirmed"))
    send(api_for, "volunteer", campaign, visit(dwelling.id, "no_answer"))
    page = client_for("secretary").get(f"/watch/campaigns/{campaign.id}/").content.decode()
    assert "同时被两人记录" in page and "grid_worker" in page and "volunteer" in page


def test_a_campaign_closes_only_when_every_door_has_an_outcome_and_reopening_is_audited(world, campaign, api_for):
    client = api_for("secretary")
    refused = post(client, f"/api/v1/campaigns/{campaign.id}/close", {})
    assert refused.status_code == 422 and "24" in json.dumps(refused.json(), ensure_ascii=False)
    send(api_for, "secretary", campaign, *[visit(a.dwelling_id, "vacant") for a in campaign.assignments.all()])
    assert post(client, f"/api/v1/campaigns/{campaign.id}/close", {}).status_code == 200
    [late] = send(api_for, "secretary", campaign, visit(world.dwelling(world.xiangchang).id))
    assert "已结束" in json.dumps(late, ensure_ascii=False)
    assert post(client, f"/api/v1/campaigns/{campaign.id}/reopen", {"reason": ""}).status_code == 422
    assert post(client, f"/api/v1/campaigns/{campaign.id}/reopen", {"reason": "漏查3号楼"}).status_code == 200
    event = AuditEvent.objects.get(action="campaign_reopened")
    assert event.detail == {"reason": "漏查3号楼"} and event.username == "secretary"


def test_progress_by_grid_and_worker_with_todays_leaderboard(world, campaign, api_for):
    doors = list(campaign.assignments.filter(dwelling__building__grid=world.grid1)[:3])
    send(api_for, "grid_worker", campaign, *[visit(a.dwelling_id) for a in doors])
    body = api_for("street_admin").get(f"/api/v1/campaigns/{campaign.id}/progress").json()
    assert body["total"]["done"] == 3 and body["total"]["total"] == 24 and body["total"]["confirmed"] == 3
    assert {g["dwelling__building__grid__code"]: g["done"] for g in body["grids"]} == {"G1": 3, "G2": 0}
    assert body["today"] == [{"worker": "grid_worker", "dwellings": 3}]


def test_rounds_roll_up_by_street(world, api_for):
    today = timezone.localdate()
    for community in (world.xiangchang, world.yongan):
        census.create(community, "全街道第一轮", today, today, list(community.buildings.all()), None)
    first = Assignment.objects.filter(community_id=world.yongan.id).first()
    census.record(
        first.campaign,
        [census.VisitIn(first.dwelling_id, "vacant", uuid.uuid4(), timezone.now())],
        world.users["secretary"],
    )
    body = api_for("street_admin").get("/api/v1/campaigns/rollup", {"name": "全街道第一轮", "by": "street"}).json()
    assert body["rows"] == [{"id": world.tianqiao.id, "total": 48, "done": 1}]
    by_community = api_for("street_admin").get("/api/v1/campaigns/rollup", {"name": "全街道第一轮"}).json()["rows"]
    assert [r["done"] for r in by_community] == [0, 1]
    assert api_for("outsider").get("/api/v1/campaigns/rollup", {"name": "全街道第一轮"}).json()["rows"] == []


def test_the_page_starts_a_campaign_for_a_grid(world, client_for):
    response = client_for("secretary").post(
        "/watch/campaigns/",
        {
            "community": world.xiangchang.id,
            "name": "第二轮",
            "grids": [world.grid1.id],
            "starts_on": str(timezone.localdate()),
            "ends_on": str(timezone.localdate()),
        },
    )
    campaign = Campaign.objects.get()
    assert response["Location"] == f"/watch/campaigns/{campaign.id}/" and campaign.assignments.count() == 12


def test_doors_go_to_a_volunteer_team_and_only_to_people_of_the_community(world, campaign, api_for):
    url = f"/api/v1/campaigns/{campaign.id}/assign"
    building = world.building(world.xiangchang, "2")
    body = post(
        api_for("secretary"), url, {"building_ids": [building.id], "worker": "volunteer", "team": "党员志愿队"}
    ).json()
    assert body == {"assigned": 12}
    assert set(campaign.assignments.filter(dwelling__building=building).values_list("worker__username", "team")) == {
        ("volunteer", "党员志愿队")
    }
    assert post(api_for("secretary"), url, {"building_ids": [building.id], "worker": "outsider"}).status_code == 422
    assert post(api_for("secretary"), url, {"building_ids": [world.building(world.yongan, "1").id]}).status_code == 422
    doors = api_for("volunteer").get(f"/api/v1/campaigns/{campaign.id}/worklist", {"mine": True}).json()
    assert len(doors) == 12


def test_where_an_absent_resident_is_is_refused_when_too_long_not_cut(world, campaign, api_for):
    dwelling = world.dwelling(world.xiangchang)
    [result] = send(api_for, "grid_worker", campaign, visit(dwelling.id, "absent", absent={"where": "河" * 101}))
    assert result["error"] == {"absent": ["最多 100 个字。"]} and not Visit.objects.exists()


def test_the_walk_page_checks_an_absence_with_the_words_the_api_answers(world, campaign, api_for, client_for):
    page = client_for("grid_worker").get(f"/watch/campaigns/{campaign.id}/walk/").content.decode()
    rules = json.loads(page.split('id="absent-rules" type="application/json">')[1].split("</script>")[0])
    limit, words = rules["where"]["maxLength"]
    dwelling = world.dwelling(world.xiangchang)
    [result] = send(
        api_for, "grid_worker", campaign, visit(dwelling.id, "absent", absent={"where": "河" * (limit + 1)})
    )
    assert result["error"]["absent"] == [words]
    assert rules["temperature"]["temperature"][:2] == [34.0, 43.0]


def test_a_return_date_before_the_visit_is_refused(world, campaign, api_for):
    dwelling = world.dwelling(world.xiangchang)
    [result] = send(api_for, "grid_worker", campaign, visit(dwelling.id, "absent", absent={"back_on": "2020-01-01"}))
    assert "返回日期" in result["error"]["absent"][0] and not Visit.objects.exists()
