from fangxian.gate.models import Gate


def test_a_secretary_sets_up_a_market_gate_that_trusts_the_neighbours(world, client_for):
    client = client_for("secretary")
    data = {"name": "菜市场入口", "direction": "both", "accepts": [world.xiangchang.id, world.yongan.id, world.liulichang.id],
            "keepers": [world.users["gate_keeper"].id]}
    assert client.post(f"/gate/manage/new/?community={world.xiangchang.id}", data).status_code == 302
    gate = Gate.objects.get(name="菜市场入口")
    assert set(gate.accepts.all()) == {world.xiangchang, world.yongan, world.liulichang}
    assert list(gate.keepers.all()) == [world.users["gate_keeper"]]
    assert client_for("gate_keeper").get(f"/gate/{gate.id}/").status_code == 200


def test_only_the_communitys_gate_keepers_can_be_posted(world, client_for):
    data = {"name": "门", "direction": "in", "accepts": [world.xiangchang.id], "keepers": [world.users["health_worker"].id]}
    response = client_for("secretary").post(f"/gate/manage/new/?community={world.xiangchang.id}", data)
    assert "keepers" in response.context["form"].errors and not Gate.objects.exists()
