"""Trust between communities, lockouts and lost phones, done by people in the browser at
390 × 844: what the Django test client cannot show (the browser's CSRF origin check, the
real forms)."""

import json
import uuid

import pytest
from django.test import Client
from django.utils import timezone

from conftest import PASSWORD
from fangxian.accounts.models import ApiToken
from fangxian.gate import permits
from fangxian.gate.models import Gate, TrustGrant

from .conftest import shot


@pytest.fixture
def person(browser):
    """A phone of today's size; each person gets their own browser context (their own login)."""
    contexts = []

    def open_as(username, base):
        context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(f"{base}/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button.primary")
        page.wait_for_url(f"{base}/")
        return page

    yield open_as
    for context in contexts:
        context.close()


def test_a_market_gate_asks_a_neighbour_who_grants_and_its_permits_pass(live_server, world, person):
    base = live_server.url
    secretary = person("secretary", base)
    secretary.goto(f"{base}/gate/manage/new/?community={world.xiangchang.id}")
    secretary.fill("input[name=name]", "菜市场入口")
    secretary.check(f"input[name=asks][value='{world.liulichang.id}']")
    secretary.check(f"input[name=keepers][value='{world.users['gate_keeper'].id}']")
    secretary.click("button.primary")
    secretary.wait_for_url(f"{base}/gate/manage/")
    assert "琉璃厂社区" in secretary.content() and "已申请" in secretary.content()
    shot(secretary, "trust-asked")
    gate = Gate.objects.get(name="菜市场入口")
    assert gate.accepted_issuers() == {world.xiangchang.id}

    neighbour = person("outsider", base)
    neighbour.click("text=社区通行互认")
    shot(neighbour, "trust-to-decide")
    neighbour.click("button:has-text('同意')")
    neighbour.wait_for_url(f"{base}/gate/trust/")
    assert TrustGrant.objects.get(gate=gate, issuer=world.liulichang).status == "granted"

    permit = permits.issue(world.resident(world.liulichang), None)
    keeper = Client(headers={"Authorization": f"Bearer {ApiToken.issue(world.users['gate_keeper'])}"})
    body = {
        "gate_id": gate.id,
        "code": permit.code,
        "temperature": 36.5,
        "client_id": str(uuid.uuid4()),
        "scanned_at": timezone.now().isoformat(),
    }
    assert (
        keeper.post("/api/v1/gate/scans", json.dumps(body), content_type="application/json").json()["verdict"]
        == "admit"
    )

    neighbour.click("button:has-text('撤销')")
    neighbour.wait_for_url(f"{base}/gate/trust/")
    body["client_id"] = str(uuid.uuid4())
    assert (
        keeper.post("/api/v1/gate/scans", json.dumps(body), content_type="application/json").json()["verdict"]
        == "not_accepted_here"
    )


def test_wrong_passwords_lock_the_login_page_with_a_reason_in_chinese(live_server, world, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, locale="zh-CN")
    page = context.new_page()
    for _ in range(10):
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", "gate_keeper")
        page.fill("input[name=password]", "wrong-password")
        page.click("button.primary")
    page.fill("input[name=username]", "gate_keeper")
    page.fill("input[name=password]", PASSWORD)
    page.click("button.primary")
    assert "锁定" in page.content() and page.url.endswith("/login/")
    shot(page, "locked")
    context.close()


def test_a_secretary_revokes_the_token_of_a_lost_gate_phone(live_server, world, person):
    token = ApiToken.issue(world.users["gate_keeper"], "南门手机")
    phone = Client(headers={"Authorization": f"Bearer {token}"})
    assert phone.get("/api/v1/gates").status_code == 200
    secretary = person("secretary", live_server.url)
    secretary.click("text=设备与 API 令牌")
    assert "南门手机" in secretary.content()
    secretary.click("button:has-text('撤销')")
    secretary.wait_for_url(f"{live_server.url}/tokens/")
    assert "南门手机" not in secretary.content()
    assert phone.get("/api/v1/gates").status_code == 401
