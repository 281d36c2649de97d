from fangxian.gate.models import Gate, TrustGrant


def test_a_secretary_sets_up_a_market_gate_that_asks_the_neighbours(world, client_for):
    client = client_for("secretary")
    data = {
        "name": "菜市场入口",
        "direction": "both",
        "asks": [world.yongan.id, world.liulichang.id],
        "keepers": [world.users["gate_keeper"].id],
    }
    assert client.post(f"/gate/manage/new/?community={world.xiangchang.id}", data).status_code == 302
    gate = Gate.objects.get(name="菜市场入口")
    # Asking is not being trusted: each neighbour decides, and until then only its own permits pass.
    assert set(gate.grants.values_list("issuer_id", "status")) == {
        (world.yongan.id, "asked"),
        (world.liulichang.id, "asked"),
    }
    assert gate.accepted_issuers() == {world.xiangchang.id}
    assert list(gate.keepers.all()) == [world.users["gate_keeper"]]
    assert client_for("gate_keeper").get(f"/gate/{gate.id}/").status_code == 200


def test_unticking_a_community_withdraws_the_request(world, client_for):
    client = client_for("secretary")
    gate = Gate.objects.create(community=world.xiangchang, name="门")
    client.post(f"/gate/manage/{gate.id}/", {"name": "门", "direction": "both", "asks": [world.yongan.id]})
    client.post(f"/gate/manage/{gate.id}/", {"name": "门", "direction": "both", "asks": []})
    assert list(gate.grants.values_list("status", "ending")) == [(TrustGrant.Status.ENDED, TrustGrant.Ending.WITHDRAWN)]


def test_only_the_communitys_gate_keepers_can_be_posted(world, client_for):
    data = {"name": "门", "direction": "in", "keepers": [world.users["health_worker"].id]}
    response = client_for("secretary").post(f"/gate/manage/new/?community={world.xiangchang.id}", data)
    assert "keepers" in response.context["form"].errors and not Gate.objects.exists()
