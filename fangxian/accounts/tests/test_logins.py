"""Logins and tokens: wrong passwords are throttled and audited, tokens can be listed and
revoked, and a revoked token or a switched-off account stops at once."""

import json

from django.test import Client

from conftest import PASSWORD
from fangxian.accounts.models import ApiToken, AuditEvent

LIMIT = 10  # FANGXIAN_LOGIN_FAILURES


def wrong_login(client, username="gate_keeper"):
    return client.post("/login/", {"username": username, "password": "not-the-password"})


def take_token(client, username="gate_keeper", password=PASSWORD):
    return client.post(
        "/api/v1/auth/token",
        json.dumps({"username": username, "password": password, "device": "南门手机"}),
        content_type="application/json",
    )


def test_repeated_wrong_passwords_lock_the_account_on_the_login_page(world):
    client = Client()
    for _ in range(LIMIT - 1):
        assert wrong_login(client).status_code == 200
    assert wrong_login(client).status_code == 429  # the tenth wrong password locks
    locked = client.post("/login/", {"username": "gate_keeper", "password": PASSWORD})
    assert locked.status_code == 429 and "锁定" in locked.content.decode() and int(locked["Retry-After"]) > 0
    failures = AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_FAILED, username="gate_keeper")
    assert failures.count() == LIMIT + 1 and failures.first().community == world.xiangchang


def test_many_accounts_tried_from_one_address_lock_the_address(world):
    client = Client()
    for n in range(LIMIT):
        wrong_login(client, f"guess{n}")
    assert client.post("/login/", {"username": "secretary", "password": PASSWORD}).status_code == 429


def test_the_token_endpoint_is_throttled_the_same_way(world):
    client = Client()
    for _ in range(LIMIT - 1):
        assert take_token(client, password="wrong").status_code == 401
    assert take_token(client, password="wrong").status_code == 429
    locked = take_token(client)
    assert locked.status_code == 429 and "detail" in locked.json() and "Traceback" not in locked.content.decode()


def test_a_correct_login_resets_the_count(world):
    client = Client()
    for _ in range(LIMIT - 1):
        wrong_login(client)
    assert client.post("/login/", {"username": "gate_keeper", "password": PASSWORD}).status_code == 302
    assert wrong_login(Client()).status_code == 200


def test_a_revoked_token_stops_at_once(world):
    token = take_token(Client()).json()["token"]
    device = Client(headers={"Authorization": f"Bearer {token}"})
    assert device.get("/api/v1/gates").status_code == 200
    [listed] = device.get("/api/v1/auth/tokens").json()
    assert listed["device"] == "南门手机" and listed["username"] == "gate_keeper"
    assert device.delete(f"/api/v1/auth/tokens/{listed['id']}").status_code == 204
    assert device.get("/api/v1/gates").status_code == 401
    assert AuditEvent.objects.filter(action=AuditEvent.Action.TOKEN_REVOKED, community=world.xiangchang).exists()


def test_a_secretary_revokes_her_keepers_token_on_the_page_but_an_outsider_cannot(world, client_for):
    token = ApiToken.issue(world.users["gate_keeper"], "南门手机")
    row = ApiToken.objects.get(user=world.users["gate_keeper"])
    assert client_for("outsider").post(f"/tokens/{row.pk}/revoke/").status_code == 404
    assert "南门手机" in client_for("secretary").get("/tokens/").content.decode()
    assert client_for("secretary").post(f"/tokens/{row.pk}/revoke/").status_code == 302
    assert Client(headers={"Authorization": f"Bearer {token}"}).get("/api/v1/gates").status_code == 401


def test_a_switched_off_account_stops_at_once_on_the_api_and_the_pages(world, client_for):
    token = ApiToken.issue(world.users["gate_keeper"])
    device = Client(headers={"Authorization": f"Bearer {token}"})
    page = client_for("gate_keeper")
    assert device.get("/api/v1/gates").status_code == 200 and page.get("/").status_code == 200
    assert client_for("outsider").post(f"/staff/users/{world.users['gate_keeper'].pk}/deactivate/").status_code == 404
    assert client_for("secretary").post(f"/staff/users/{world.users['gate_keeper'].pk}/deactivate/").status_code == 302
    assert device.get("/api/v1/gates").status_code == 401
    assert page.get("/").status_code == 302  # back to the login page
    assert AuditEvent.objects.filter(action=AuditEvent.Action.DEACTIVATE, community=world.xiangchang).exists()


def test_a_role_removed_reaches_the_next_api_request(world, client_for):
    token = ApiToken.issue(world.users["secretary"])
    device = Client(headers={"Authorization": f"Bearer {token}"})
    assert device.get("/api/v1/residents").json()["count"] > 0
    world.users["secretary"].roles.all().delete()
    assert device.get("/api/v1/residents").json()["count"] == 0
