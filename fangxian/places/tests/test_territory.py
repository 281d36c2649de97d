import json

import pytest

from fangxian.places.models import Building, Community, Grid


def test_a_secretary_adds_a_grid_and_moves_a_building_into_it(world, client_for):
    client = client_for("secretary")
    client.post(f"/places/communities/{world.xiangchang.id}/", {"code": "G3", "name_zh": "第3网格"})
    grid = Grid.objects.get(community=world.xiangchang, code="G3")
    building = world.building(world.xiangchang, "2")
    data = {"number": "2", "name": "", "kind": "residential", "floors": 3, "entrances": 2, "grid": grid.id}
    assert client.post(f"/places/buildings/{building.id}/edit/", data).status_code == 302
    assert Building.objects.get(pk=building.pk).grid == grid


def test_a_duplicate_grid_code_is_refused(world, client_for):
    response = client_for("secretary").post(
        f"/places/communities/{world.xiangchang.id}/", {"code": "g1", "name_zh": "重复"}
    )
    assert response.status_code == 200 and "已有" in response.content.decode()


def test_a_building_cannot_shrink_below_its_dwellings(world, client_for):
    building = world.building(world.xiangchang)
    data = {"number": "1", "name": "", "kind": "residential", "floors": 2, "entrances": 1, "grid": world.grid1.id}
    response = client_for("secretary").post(f"/places/buildings/{building.id}/edit/", data)
    errors = response.context["form"].errors
    assert "floors" in errors and "entrances" in errors


def test_a_building_cannot_join_another_communitys_grid(world, client_for):
    other = Grid.objects.create(community=world.yongan, code="Y1", name_zh="永安1")
    building = world.building(world.xiangchang)
    data = {"number": "1", "name": "", "kind": "residential", "floors": 3, "entrances": 2, "grid": other.id}
    assert "grid" in client_for("secretary").post(f"/places/buildings/{building.id}/edit/", data).context["form"].errors


def test_a_street_administrator_adds_a_community_to_their_street_only(world, api_for):
    client = api_for("street_admin")
    body = {"street_id": world.tianqiao.id, "code": "110102015009", "name_zh": "新社区"}
    assert client.post("/api/v1/communities", json.dumps(body), content_type="application/json").status_code == 201
    body = {"street_id": world.chunshu.id, "code": "110102011009", "name_zh": "别的街道"}
    assert client.post("/api/v1/communities", json.dumps(body), content_type="application/json").status_code == 403
    assert not Community.objects.filter(code="110102011009").exists()


def test_the_buildings_list_exports_for_the_secretary_not_the_gate_keeper(world, client_for):
    response = client_for("secretary").get(f"/places/communities/{world.xiangchang.id}/?format=xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client_for("gate_keeper").get(f"/places/communities/{world.xiangchang.id}/?format=xlsx").status_code == 403


def patch(client, path, body):
    return client.patch(path, json.dumps(body), content_type="application/json")


def test_a_building_patch_refuses_a_null_it_cannot_hold_and_a_null_grid_takes_it_out(world, api_for):
    building = world.building(world.xiangchang)
    path = f"/api/v1/buildings/{building.id}"
    for body in ({"number": None}, {"floors": None}, {"kind": None}, {"shoe": 1}):
        response = patch(api_for("secretary"), path, body)
        assert response.status_code == 422 and list(response.json()["detail"]) == list(body)
    assert patch(api_for("secretary"), path, {"grid_id": None}).status_code == 200
    assert Building.objects.get(pk=building.pk).grid is None and Building.objects.get(pk=building.pk).number == "1"


def test_a_community_patch_refuses_a_null_name(world, api_for):
    response = patch(api_for("street_admin"), f"/api/v1/communities/{world.xiangchang.id}", {"name_zh": None})
    assert response.status_code == 422 and "null" in response.json()["detail"]["name_zh"][0]
    assert Community.objects.get(pk=world.xiangchang.pk).name_zh == "香厂路社区"


def post(client, path, body):
    return client.post(path, json.dumps(body), content_type="application/json")


@pytest.mark.parametrize("number", ["1 ", "１", " 1", "1\u3000", "\u30001\xa0"])
def test_a_building_number_that_looks_the_same_is_the_same_building(world, api_for, number):
    body = {"community_id": world.xiangchang.id, "number": number, "floors": 3}
    assert post(api_for("secretary"), "/api/v1/buildings", body).status_code == 409


@pytest.mark.parametrize("room", ["101 ", "１０１", "101\u3000"])
def test_a_room_that_looks_the_same_is_the_same_room(world, api_for, room):
    body = {"building_id": world.building(world.xiangchang).id, "entrance": 1, "floor": 1, "room": room}
    assert post(api_for("secretary"), "/api/v1/dwellings", body).status_code == 409


@pytest.mark.parametrize("number", ["9\n1", "9\t1", "   ", "\u3000"])
def test_a_label_with_a_break_inside_or_only_spaces_is_refused_in_the_users_words(world, api_for, client_for, number):
    body = {"community_id": world.xiangchang.id, "number": number, "floors": 3}
    response = post(api_for("secretary"), "/api/v1/buildings", body)
    assert response.status_code == 422 and ("换行" in str(response.json()) or "空格" in str(response.json()))
    assert (
        patch(api_for("street_admin"), f"/api/v1/communities/{world.xiangchang.id}", {"name_zh": number}).status_code
        == 422
    )
    data = {"number": number, "name": "", "kind": "residential", "floors": 3, "entrances": 2}
    page = client_for("secretary").post(f"/places/buildings/{world.building(world.xiangchang).id}/edit/", data)
    assert "number" in page.context["form"].errors


def test_the_api_cannot_shrink_a_building_below_its_dwellings_either(world, api_for):
    building = world.building(world.xiangchang)
    response = patch(api_for("secretary"), f"/api/v1/buildings/{building.id}", {"floors": 1, "entrances": 1})
    assert response.status_code == 422
    building.refresh_from_db()
    assert (building.floors, building.entrances) == (3, 2)
