"""The rules of requests.py: what the pages, the API and the household's link all go through."""

import datetime
import io
import threading
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone
from PIL import Image

from fangxian.errands import requests
from fangxian.errands.models import Errand
from fangxian.people.models import Resident

from .conftest import make_errand


def jpeg(size=(1200, 900)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "blue").save(out, format="JPEG")
    return out.getvalue()


def test_a_new_errand_has_a_four_digit_code_and_is_open(world, errand):
    assert errand.state == "open" and len(errand.code) == 4 and errand.code.isdigit()
    assert errand.community == world.xiangchang and errand.taken_by == world.users["community_worker"]


def test_a_phone_call_without_what_or_with_a_past_time_is_refused_with_reasons(world):
    dwelling = world.dwelling(world.xiangchang)
    with pytest.raises(ValidationError) as refused:
        requests.ask(dwelling, None, "pizza", " ", "soon", timezone.now() - datetime.timedelta(hours=1), "fax")
    assert set(refused.value.message_dict) == {"kind", "what", "urgency", "needed_by", "via"}
    assert "已经过了" in " ".join(refused.value.message_dict["needed_by"])


def test_a_resident_of_another_household_is_refused(world):
    other = world.resident(world.xiangchang, "2")
    with pytest.raises(ValidationError) as refused:
        requests.ask(world.dwelling(world.xiangchang), other, "medicine", "药", "normal", soon(), "phone")
    assert "resident" in refused.value.message_dict


def soon(hours: float = 3) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(hours=hours)


def test_the_same_client_id_asks_once(world):
    client_id = uuid.uuid4()
    first = make_errand(world, client_id=client_id)
    again = make_errand(world, client_id=client_id)
    assert first.pk == again.pk and Errand.objects.count() == 1
    with pytest.raises(ValidationError):
        make_errand(world, "102", client_id=client_id)  # another household cannot reuse it


def test_second_claim_is_told_who_won(world, errand):
    requests.claim(errand, world.users["volunteer"])
    with pytest.raises(requests.Taken) as taken:
        requests.claim(errand, world.users["grid_worker"])
    assert "volunteer" in taken.value.messages[0]
    errand.refresh_from_db()
    assert errand.claimed_by == world.users["volunteer"]


@pytest.mark.django_db(transaction=True)
def test_two_deliverers_claiming_at_once_one_wins(world):
    errand = make_errand(world)
    barrier = threading.Barrier(2)
    results: dict[str, str] = {}

    def claim_as(name: str) -> None:
        user = world.users[name]
        try:
            barrier.wait()
            requests.claim(Errand.objects.get(pk=errand.pk), user)
            results[name] = "won"
        except requests.Taken:
            results[name] = "told"
        finally:
            connection.close()

    threads = [threading.Thread(target=claim_as, args=(n,)) for n in ("volunteer", "grid_worker")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results.values()) == ["told", "won"]
    errand.refresh_from_db()
    assert errand.claimed_by.username == next(n for n, r in results.items() if r == "won")


def test_a_claim_sent_again_with_its_client_id_answers_as_stored(world, errand):
    client_id = uuid.uuid4()
    first = requests.claim(errand, world.users["volunteer"], client_id)
    again = requests.claim(errand, world.users["volunteer"], str(client_id))
    assert first.claimed_at == again.claimed_at
    with pytest.raises(ValidationError):
        requests.claim(errand, world.users["grid_worker"], client_id)  # not someone else's


def test_wrong_code_is_refused_and_the_right_one_delivers(world, errand):
    volunteer = world.users["volunteer"]
    requests.claim(errand, volunteer)
    wrong = "0000" if errand.code != "0000" else "1111"
    with pytest.raises(ValidationError) as refused:
        requests.deliver(errand, volunteer, code=wrong)
    assert "不对" in " ".join(refused.value.message_dict["code"])
    done = requests.deliver(errand, volunteer, code=f" {errand.code} ", advanced=2350)
    assert done.state == "delivered" and done.delivered_by == volunteer and done.handover == "code"
    assert done.advanced == 2350 and done.delivered_at is not None


def test_full_width_digits_of_the_code_are_the_code(world, errand):
    full = "".join(chr(ord(c) + 0xFEE0) for c in errand.code)
    assert requests.deliver(errand, world.users["volunteer"], code=full).state == "delivered"


def test_five_wrong_codes_then_only_a_photo_hands_over(world, errand):
    volunteer = world.users["volunteer"]
    wrong = "0000" if errand.code != "0000" else "1111"
    for _ in range(requests.MAX_WRONG_CODES):
        with pytest.raises(ValidationError):
            requests.deliver(errand, volunteer, code=wrong)
    with pytest.raises(ValidationError) as refused:
        requests.deliver(errand, volunteer, code=errand.code)
    assert "拍照" in " ".join(refused.value.messages)
    photo = SimpleUploadedFile("door.jpg", jpeg())
    assert requests.deliver(errand, volunteer, photo=photo).handover == "photo"


def test_delivering_someone_elses_errand_is_refused_naming_them(world, errand):
    requests.claim(errand, world.users["volunteer"])
    with pytest.raises(requests.Taken):
        requests.deliver(errand, world.users["grid_worker"], code=errand.code)


def test_delivery_sent_twice_with_its_client_id_is_stored_once(world, errand):
    client_id = uuid.uuid4()
    volunteer = world.users["volunteer"]
    first = requests.deliver(errand, volunteer, code=errand.code, client_id=client_id)
    again = requests.deliver(errand, volunteer, code="wrong", client_id=client_id)
    assert again.pk == first.pk and again.delivered_at == first.delivered_at


def test_a_household_under_observation_gets_door_delivery_only(world):
    dwelling = world.dwelling(world.xiangchang)
    Resident.objects.filter(dwelling=dwelling).update(under_observation=True)
    errand = make_errand(world)
    assert errand.door_only
    with pytest.raises(ValidationError) as refused:
        requests.deliver(errand, world.users["volunteer"])
    assert "门口" in " ".join(refused.value.messages)


def test_observation_starting_after_the_call_makes_the_delivery_door_only(world, errand):
    assert not errand.door_only
    Resident.objects.filter(dwelling=errand.dwelling).update(under_observation=True)
    assert requests.deliver(errand, world.users["volunteer"], code=errand.code).door_only


def test_overdue_errands_come_first_and_say_so(world):
    later = make_errand(world, "101", hours=5)
    late = make_errand(world, "102", hours=1)
    Errand.objects.filter(pk=late.pk).update(needed_by=timezone.now() - datetime.timedelta(minutes=30))
    rows = list(requests.listing(world.users["secretary"], "open"))
    assert [r.pk for r in rows] == [late.pk, later.pk] and rows[0].is_overdue and not rows[1].is_overdue
    assert [r.pk for r in requests.listing(world.users["secretary"], "overdue")] == [late.pk]
    assert requests.counts(world.users["secretary"])["overdue"] == 1
    late.refresh_from_db()
    requests.deliver(late, world.users["volunteer"], code=late.code)
    assert requests.counts(world.users["secretary"])["overdue"] == 0  # delivered late is no longer overdue


def test_the_grid_worker_sees_their_grid_only(world):
    own = make_errand(world, building="1")
    other = make_errand(world, building="2")
    seen = {e.pk for e in requests.listing(world.users["grid_worker"], "open")}
    assert own.pk in seen and other.pk not in seen
    assert {e.pk for e in requests.listing(world.users["volunteer"], "open")} == {own.pk, other.pk}


def test_repayment_cannot_exceed_what_was_advanced(world, errand):
    requests.deliver(errand, world.users["volunteer"], code=errand.code, advanced=1000)
    with pytest.raises(ValidationError):
        requests.repaid(errand, 1200, world.users["secretary"])
    assert requests.repaid(errand, 1000, world.users["secretary"]).owed == 0


def test_closing_needs_a_delivery_and_cancelling_a_reason(world, errand):
    with pytest.raises(ValidationError):
        requests.close(errand, world.users["secretary"])
    with pytest.raises(ValidationError):
        requests.cancel(errand, world.users["secretary"], "  ")
    cancelled = requests.cancel(errand, world.users["secretary"], "家属自己买了")
    assert cancelled.state == "cancelled"
    with pytest.raises(ValidationError) as refused:
        requests.claim(cancelled, world.users["volunteer"])
    assert "家属自己买了" in refused.value.messages[0]


def test_of_household_lists_its_errands_newest_first(world):
    first = make_errand(world)
    second = make_errand(world)
    make_errand(world, "102")
    assert list(requests.of_household(first.dwelling)) == [second, first]


@pytest.mark.parametrize(
    ("typed", "fen"), [("12.5", 1250), ("12.50", 1250), ("0", 0), ("", 0), ("１２", 1200), ("¥3.05", 305)]
)
def test_yuan_typed_on_a_page_become_fen(typed, fen):
    assert requests.fen_from_yuan(typed) == fen


@pytest.mark.parametrize("typed", ["1.234", "-1", "abc", "NaN", "Infinity", "1e9", "100001"])
def test_amounts_that_are_not_money_are_refused(typed):
    with pytest.raises(ValidationError):
        requests.fen_from_yuan(typed)


def test_masked_names_and_phones_for_a_volunteer(world, errand):
    [row] = requests.shown([errand], world.users["volunteer"])
    person = Resident.objects.current().filter(dwelling=errand.dwelling).first()
    assert row["name"] == person.name[0] + "*" * (len(person.name) - 2) + person.name[-1]
    assert "****" in row["phone"] and row["code"] is None and row["address"] == errand.dwelling.label
    [staff] = requests.shown([errand], world.users["secretary"])
    assert staff["name"] == person.name and staff["code"] == errand.code


def test_delivering_twice_by_the_deliverer_answers_the_delivery(world, errand):
    volunteer = world.users["volunteer"]
    first = requests.deliver(errand, volunteer, code=errand.code)
    assert requests.deliver(errand, volunteer, code="9999").delivered_at == first.delivered_at
    with pytest.raises(ValidationError):
        requests.deliver(errand, world.users["grid_worker"], code=errand.code)


def test_a_phone_call_form_sent_twice_takes_one_errand(world, client_for):
    dwelling = world.dwelling(world.xiangchang)
    client = client_for("community_worker")
    form = client.get("/errands/new/", {"building": dwelling.building_id, "entrance": 1, "room": "101"})
    client_id = form.context["client_id"]
    data = {
        "building": dwelling.building_id,
        "entrance": 1,
        "room": "101",
        "client_id": client_id,
        "kind": "groceries",
        "what": "挂面 两把",
        "urgency": "normal",
        "needed_by": (timezone.localtime() + datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
    }
    for _ in range(2):
        assert client.post("/errands/new/", data).status_code == 302
    errand = Errand.objects.get()
    assert errand.via == "phone" and errand.dwelling == dwelling and errand.taken_by == world.users["community_worker"]


def test_a_phone_call_with_a_past_time_says_why_on_the_page(world, client_for):
    dwelling = world.dwelling(world.xiangchang)
    data = {
        "building": dwelling.building_id,
        "entrance": 1,
        "room": "101",
        "kind": "medicine",
        "what": "药",
        "urgency": "normal",
        "needed_by": "2020-02-01T08:00",
    }
    response = client_for("secretary").post("/errands/new/", data)
    assert response.status_code == 200 and "已经过了" in response.content.decode()
    assert not Errand.objects.exists()


def test_overdue_errands_stand_out_on_the_list_page(world, client_for):
    late = make_errand(world, "102")
    Errand.objects.filter(pk=late.pk).update(needed_by=timezone.now() - datetime.timedelta(hours=1))
    make_errand(world, "101")
    page = client_for("grid_worker").get("/errands/").content.decode()
    first = page.split('<ul class="rows errands">', 1)[1]
    assert first.lstrip().startswith('<li class="overdue') and "超时" in first


def test_the_home_page_counts_open_and_overdue_errands(world, client_for):
    late = make_errand(world, "102")
    Errand.objects.filter(pk=late.pk).update(needed_by=timezone.now() - datetime.timedelta(hours=1))
    make_errand(world, "101")
    make_errand(world, building="2")  # grid G2: not the grid worker's
    assert client_for("secretary").get("/").context["errands"]["open"] == 3
    seen = client_for("grid_worker").get("/").context["errands"]
    assert (seen["open"], seen["overdue"], [e.pk for e in seen["late"]]) == (2, 1, [late.pk])
    office = client_for("street_admin").get("/").context
    assert "errands" not in office and office["errand_totals"] == {"open": 3, "claimed": 0, "overdue": 1}


def test_whoever_carries_an_errand_never_sees_its_code(world):
    errand = make_errand(world, by=world.users["community_worker"])
    [grid] = requests.shown([errand], world.users["grid_worker"])
    [taker] = requests.shown([errand], world.users["community_worker"])
    assert grid["code"] is None and taker["code"] == errand.code  # the taker reads it to the household
    requests.claim(errand, world.users["community_worker"])
    errand.refresh_from_db()
    [claimer] = requests.shown([errand], world.users["community_worker"])
    [office] = requests.shown([errand], world.users["secretary"])
    assert claimer["code"] is None and office["code"] == errand.code
