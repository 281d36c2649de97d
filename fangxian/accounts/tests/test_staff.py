from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.test import Client

from fangxian.accounts.models import ApiToken, AuditEvent, Role


def grant(client, **data):
    return client.post(
        "/staff/", {"username": "new-grid", "full_name": "刘网格", "password": "a-long-password-9", **data}
    )


def test_a_secretary_makes_a_grid_worker_who_can_log_in_and_see_the_grid(world, client_for):
    response = grant(client_for("secretary"), kind="grid_worker", place=f"grid:{world.grid2.id}")
    assert response.status_code == 302
    role = Role.objects.get(user__username="new-grid")
    assert (role.kind, role.grid) == ("grid_worker", world.grid2)
    assert AuditEvent.objects.filter(action="grant", username="secretary", community=world.xiangchang).exists()
    client = Client()
    assert client.login(request=HttpRequest(), username="new-grid", password="a-long-password-9")
    residents = client.get("/people/residents/").context["page"]
    assert {r.dwelling.building.grid_id for r in residents} == {world.grid2.id}


def test_a_secretary_cannot_make_another_secretary(world, client_for):
    form = client_for("secretary").get("/staff/").context["form"]
    assert "secretary" not in dict(form.fields["kind"].choices)
    response = grant(client_for("secretary"), kind="secretary", place=f"community:{world.xiangchang.id}")
    assert response.status_code == 200 and not Role.objects.filter(user__username="new-grid").exists()


def test_a_secretary_cannot_give_roles_in_another_community(world, client_for):
    response = grant(client_for("secretary"), kind="gate_keeper", place=f"community:{world.yongan.id}")
    assert response.status_code == 200 and not get_user_model().objects.filter(username="new-grid").exists()


def test_a_street_administrator_makes_secretaries_only_in_their_street(world, client_for):
    client = client_for("street_admin")
    assert (
        grant(client, username="sec-yongan", kind="secretary", place=f"community:{world.yongan.id}").status_code == 302
    )
    assert (
        grant(client, username="sec-liuli", kind="secretary", place=f"community:{world.liulichang.id}").status_code
        == 200
    )
    assert not get_user_model().objects.filter(username="sec-liuli").exists()


def test_an_existing_account_gets_another_role_and_keeps_its_password(world, client_for):
    grant(
        client_for("secretary"),
        username="health_worker",
        password="",
        kind="volunteer",
        place=f"community:{world.xiangchang.id}",
    )
    assert set(Role.objects.filter(user__username="health_worker").values_list("kind", flat=True)) == {
        "health_worker",
        "volunteer",
    }
    assert Client().login(request=HttpRequest(), username="health_worker", password="test-password-1")


def test_another_streets_secretary_cannot_draw_our_keeper_into_her_community(world, client_for):
    response = grant(
        client_for("outsider"),
        username="gate_keeper",
        password="",
        kind="volunteer",
        place=f"community:{world.liulichang.id}",
    )
    assert response.status_code == 200 and "username" in response.context["form"].errors
    assert set(Role.objects.filter(user__username="gate_keeper").values_list("kind", flat=True)) == {"gate_keeper"}
    assert "gate_keeper" not in {r.user.username for r in client_for("outsider").get("/staff/").context["roles"]}


def test_an_account_with_a_role_outside_the_secretarys_community_is_not_hers_to_extend(world, client_for):
    response = grant(
        client_for("secretary"),
        username="street_admin",
        password="",
        kind="volunteer",
        place=f"community:{world.xiangchang.id}",
    )
    assert response.status_code == 200 and "username" in response.context["form"].errors
    assert not Role.objects.filter(user__username="street_admin", kind="volunteer").exists()


def test_a_new_account_needs_a_password_that_is_not_weak(world, client_for):
    response = grant(
        client_for("secretary"), password="123", kind="gate_keeper", place=f"community:{world.xiangchang.id}"
    )
    assert response.status_code == 200 and "password" in response.context["form"].errors
    assert not get_user_model().objects.filter(username="new-grid").exists()


def test_nobody_removes_their_own_role(world, client_for):
    own = world.users["secretary"].roles.get()
    client_for("secretary").post(f"/staff/roles/{own.id}/remove/")
    assert Role.objects.filter(pk=own.pk).exists()


def test_removing_a_role_is_audited(world, client_for):
    gate = world.users["gate_keeper"].roles.get()
    client_for("secretary").post(f"/staff/roles/{gate.id}/remove/")
    assert not Role.objects.filter(pk=gate.pk).exists()
    assert AuditEvent.objects.filter(action="revoke", detail__username="gate_keeper").exists()


def test_an_account_whose_last_role_is_removed_is_switched_off_with_its_tokens(world, client_for):
    keeper = world.users["gate_keeper"]
    token = ApiToken.issue(keeper)
    client_for("secretary").post(f"/staff/roles/{keeper.roles.get().id}/remove/")
    keeper.refresh_from_db()
    assert not keeper.is_active and not ApiToken.objects.filter(user=keeper).exists()
    assert Client(headers={"Authorization": f"Bearer {token}"}).get("/api/v1/residents").status_code == 401
    assert AuditEvent.objects.filter(action="deactivate", detail__username="gate_keeper").exists()


def test_an_account_with_another_role_left_stays_on(world, client_for):
    health = world.users["health_worker"]
    extra = Role.objects.create(user=health, kind="volunteer", community=world.xiangchang)
    client_for("secretary").post(f"/staff/roles/{extra.id}/remove/")
    health.refresh_from_db()
    assert health.is_active


def test_the_menu_offers_residents_only_to_roles_that_may_see_them(world, client_for):
    assert 'href="/people/residents/"' in client_for("secretary").get("/places/").content.decode()
    assert 'href="/people/residents/"' not in client_for("gate_keeper").get("/places/").content.decode()
