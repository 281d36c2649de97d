"""The household's own link: what it opens, for whom, and what it keeps to itself."""

import datetime
import subprocess
import uuid
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from fangxian.accounts.models import AuditEvent
from fangxian.errands import requests as errands
from fangxian.errands.models import Errand
from fangxian.errands.tests.conftest import make_errand
from fangxian.gate import permits
from fangxian.people.models import HouseholdLink
from fangxian.stations.models import Order, Package, Round
from fangxian.watch import observations


@pytest.fixture
def household(world):
    return world.dwelling(world.xiangchang, "1")


def give_link(client_for, household, actor="secretary") -> HouseholdLink:
    response = client_for(actor).post(f"/people/households/{household.pk}/link/issue/")
    assert response.status_code == 302
    return HouseholdLink.objects.get(dwelling=household, revoked_at__isnull=True)


def test_a_link_opens_the_households_page_without_an_account(world, client_for, household):
    resident = household.residents.first()
    permits.issue(resident, None)
    link = give_link(client_for, household)
    response = Client().get(f"/h/{link.token}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert household.label in page and "permit-qr" in page
    assert resident.name not in page  # masked: 张*
    assert not resident.phone or resident.phone not in page
    assert response["Cache-Control"] == "private, no-store"


def test_the_new_link_is_shown_once_to_whoever_gave_it(world, client_for, household):
    client = client_for("secretary")
    client.post(f"/people/households/{household.pk}/link/issue/")
    link = HouseholdLink.objects.get(dwelling=household)
    assert link.token in client.get(f"/people/households/{household.pk}/").content.decode()
    assert link.token not in client.get(f"/people/households/{household.pk}/").content.decode()


def test_a_new_link_stops_the_old_one(world, client_for, household):
    old = give_link(client_for, household)
    new = give_link(client_for, household)
    assert Client().get(f"/h/{old.token}/").status_code == 404
    assert Client().get(f"/h/{new.token}/").status_code == 200


def test_a_revoked_link_opens_nothing_and_both_are_audited(world, client_for, household):
    link = give_link(client_for, household)
    client_for("secretary").post(f"/people/households/{household.pk}/link/revoke/")
    assert Client().get(f"/h/{link.token}/").status_code == 404
    actions = list(AuditEvent.objects.filter(target_type="dwelling").values_list("action", flat=True))
    assert sorted(actions) == ["link_issued", "link_revoked"]


def test_an_unknown_token_opens_nothing(world):
    assert Client().get("/h/not-a-token/").status_code == 404


def test_a_link_shows_only_its_own_household(world, client_for, household):
    neighbour = world.dwelling(world.xiangchang, "1", 1, "102")
    other = neighbour.residents.first()
    permits.issue(other, None)
    link = give_link(client_for, household)
    page = Client().get(f"/h/{link.token}/").content.decode()
    assert neighbour.label not in page


def test_a_resident_under_observation_reports_through_the_households_link_until_it_is_revoked(
    world, client_for, household
):
    resident = household.residents.first()
    observation = observations.start(resident, "home", timezone.localdate(), None)
    link = give_link(client_for, household)
    browser = Client()
    page = browser.get(f"/h/{link.token}/").content.decode()
    report = f"/h/{link.token}/report/{observation.pk}/"
    assert report in page and observation.report_token not in page  # the observation's own link stays its own
    sent = browser.post(report, {"temperature": "36.6"})
    assert sent.status_code == 302 and observation.reports.get().temperature == Decimal("36.6")
    client_for("secretary").post(f"/people/households/{household.pk}/link/revoke/")
    assert browser.get(report).status_code == 404


def test_a_link_reaches_no_other_households_observation(world, client_for, household):
    neighbour = world.dwelling(world.xiangchang, "1", 1, "102").residents.first()
    observation = observations.start(neighbour, "home", timezone.localdate(), None)
    link = give_link(client_for, household)
    assert Client().get(f"/h/{link.token}/report/{observation.pk}/").status_code == 404


def test_another_communitys_secretary_cannot_give_a_link(world, client_for, household):
    assert client_for("outsider").post(f"/people/households/{household.pk}/link/issue/").status_code == 404
    assert not HouseholdLink.objects.exists()


@pytest.mark.needs("pango", "fonts", "pdftoppm", "zbarimg")
def test_the_permit_card_carries_the_households_link_as_a_second_code_that_scans(
    world, client_for, household, tmp_path
):
    permit = permits.issue(household.residents.first(), None)
    link = give_link(client_for, household)
    response = client_for("secretary").get(f"/gate/permits/print.pdf?permit={permit.pk}")
    (tmp_path / "card.pdf").write_bytes(response.content)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "300", "-f", "1", "-l", "1", tmp_path / "card.pdf", tmp_path / "p"], check=True
    )
    read = subprocess.run(
        ["zbarimg", "-q", "--raw", "-Sdisable", "-Sqrcode.enable", tmp_path / "p-1.png"], capture_output=True
    ).stdout.decode()
    assert set(read.splitlines()) == {permit.code, f"http://testserver/h/{link.token}/"}


@pytest.fixture
def vegetables(world):
    now = timezone.now()
    row = Round.objects.create(
        community=world.xiangchang,
        name="第三期",
        supplier_name="新发地",
        opens_at=now - datetime.timedelta(hours=1),
        closes_at=now + datetime.timedelta(days=1),
        delivery_day=timezone.localdate() + datetime.timedelta(days=2),
    )
    return Package.objects.create(round=row, name="蔬菜包 A", price=3000, stock=5, cap=2)


def test_a_household_asks_for_an_errand_through_its_link(world, client_for, household):
    link = give_link(client_for, household)
    browser = Client()
    form = {"kind": "medicine", "what": "降压药 两盒", "when": "later", "client_id": str(uuid.uuid4())}
    response = browser.post(f"/h/{link.token}/errand/", form)
    assert response.status_code == 302
    browser.post(f"/h/{link.token}/errand/", form)  # sent twice: one errand
    errand = Errand.objects.get()
    assert errand.dwelling == household and errand.via == "link" and errand.taken_by is None
    page = browser.get(response["Location"]).content.decode()
    assert "降压药 两盒" in page and errand.code in page


def test_an_errand_refused_keeps_what_was_typed(world, client_for, household):
    link = give_link(client_for, household)
    response = Client().post(f"/h/{link.token}/errand/", {"kind": "medicine", "what": "降压药", "when": "yesterday"})
    assert response.status_code == 422
    assert "降压药" in response.content.decode() and not Errand.objects.exists()


def test_a_household_orders_a_package_within_its_cap(world, client_for, household, vegetables):
    link = give_link(client_for, household)
    browser = Client()
    field = f"package-{vegetables.pk}"
    first = {"round": vegetables.round_id, field: "2", "client_id": str(uuid.uuid4())}
    assert browser.post(f"/h/{link.token}/order/", first).status_code == 302
    again = {"round": vegetables.round_id, field: "1", "client_id": str(uuid.uuid4())}
    refused = browser.post(f"/h/{link.token}/order/", again)
    assert refused.status_code == 422
    assert Order.objects.get().dwelling == household
    vegetables.refresh_from_db()
    assert vegetables.stock == 3


def test_a_link_cannot_order_from_another_communitys_round(world, client_for, household, vegetables):
    vegetables.round.community = world.liulichang
    vegetables.round.save()
    link = give_link(client_for, household)
    response = Client().post(f"/h/{link.token}/order/", {"round": vegetables.round_id, f"package-{vegetables.pk}": "1"})
    assert response.status_code == 422 and not Order.objects.exists()


def test_a_leaked_link_cannot_bury_the_office_in_errands(world, client_for, household):
    link = give_link(client_for, household)
    browser = Client()
    for n in range(11):
        browser.post(f"/h/{link.token}/errand/", {"kind": "other", "what": f"第{n}件", "when": "later"})
    assert Errand.objects.count() == 10


def test_the_same_request_sent_again_soon_after_is_the_first_one(world, client_for, household):
    link = give_link(client_for, household)
    browser = Client()
    for _ in range(2):  # back, and send again: a new form, a new client_id
        form = {"kind": "medicine", "what": "降压药 两盒", "when": "later", "client_id": str(uuid.uuid4())}
        assert browser.post(f"/h/{link.token}/errand/", form).status_code == 302
    assert Errand.objects.count() == 1


def test_a_resident_not_of_the_household_is_refused_not_ignored(world, client_for, household):
    link = give_link(client_for, household)
    stranger = world.dwelling(world.xiangchang, "1", 1, "102").residents.first()
    form = {"kind": "medicine", "what": "降压药", "when": "later", "resident": stranger.pk}
    response = Client().post(f"/h/{link.token}/errand/", form)
    assert response.status_code == 422 and not Errand.objects.exists()


def test_a_household_calls_off_its_request_until_someone_takes_it(world, client_for, household):
    link = give_link(client_for, household)
    browser = Client()
    for what in ("降压药", "大米"):
        browser.post(f"/h/{link.token}/errand/", {"kind": "groceries", "what": what, "when": "later"})
    first, second = Errand.objects.order_by("id")
    assert browser.post(f"/h/{link.token}/errands/{first.pk}/call-off/").status_code == 302
    first.refresh_from_db()
    assert first.state == "cancelled"
    errands.claim(second, world.users["volunteer"])
    refused = browser.post(f"/h/{link.token}/errands/{second.pk}/call-off/")
    second.refresh_from_db()
    assert refused.status_code == 409 and second.state == "claimed"
    assert "已有人接单" in refused.content.decode()


def test_a_household_cancels_its_order_and_the_stock_goes_back(world, client_for, household, vegetables):
    link = give_link(client_for, household)
    browser = Client()
    browser.post(f"/h/{link.token}/order/", {"round": vegetables.round_id, f"package-{vegetables.pk}": "2"})
    placed = Order.objects.get()
    assert browser.post(f"/h/{link.token}/orders/{placed.pk}/call-off/").status_code == 302
    vegetables.refresh_from_db()
    placed.refresh_from_db()
    assert placed.state == "cancelled" and vegetables.stock == 5


def test_another_households_errand_cannot_be_called_off(world, client_for, household):
    link = give_link(client_for, household)
    theirs = make_errand(world, "102")
    assert Client().post(f"/h/{link.token}/errands/{theirs.pk}/call-off/").status_code == 404


def test_an_order_for_a_closed_round_says_why(world, client_for, household, vegetables):
    vegetables.round.state = "closed"
    vegetables.round.save()
    link = give_link(client_for, household)
    response = Client().post(f"/h/{link.token}/order/", {"round": vegetables.round_id, f"package-{vegetables.pk}": "1"})
    assert response.status_code == 422 and "本期已截止" in response.content.decode()
