import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.formats import date_format
from PIL import Image

from fangxian.accounts.models import AuditEvent
from fangxian.people.models import Move, Resident


def form_data(world, **changes):
    data = {
        "building": world.building(world.xiangchang, "1").id,
        "entrance": 1,
        "room": "101",
        "name": "王芳",
        "sex": "",
        "id_type": "mainland",
        "id_number": "110102194912310020",
        "birth_date": "",
        "phone": "13900001111",
        "relation": "spouse",
        "residence": "here",
        "tags": ["dialysis"],
    }
    return data | changes


def test_a_grid_worker_registers_a_resident_whose_sex_and_birth_come_from_the_id(world, client_for):
    response = client_for("grid_worker").post("/people/residents/new/", form_data(world))
    resident = Resident.objects.get(name="王芳")
    assert response["Location"] == f"/people/residents/{resident.id}/"
    assert (resident.sex, str(resident.birth_date), resident.tag_list) == ("F", "1949-12-31", ["dialysis"])
    assert resident.emergency is not None  # collected for the open emergency, so it can be purged later


def test_a_wrong_check_digit_is_explained_in_chinese_on_the_form(world, client_for):
    response = client_for("secretary").post(
        "/people/residents/new/", form_data(world, id_number="110102194912310021", phone="1390000111")
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "校验码" in page and "11 位" in page
    assert not Resident.objects.filter(name="王芳").exists()


def test_a_birth_date_the_id_number_contradicts_is_explained_on_the_form(world, client_for):
    response = client_for("secretary").post("/people/residents/new/", form_data(world, birth_date="1985-05-05"))
    assert "出生日期取自身份证号码（1949-12-31）" in response.content.decode()
    assert not Resident.objects.filter(name="王芳").exists()


def test_a_grid_worker_cannot_register_into_another_grid(world, client_for):
    response = client_for("grid_worker").post(
        "/people/residents/new/", form_data(world, building=world.building(world.xiangchang, "2").id)
    )
    assert response.status_code == 200 and not Resident.objects.filter(name="王芳").exists()


def test_editing_never_shows_the_full_number_and_empty_keeps_it(world, client_for):
    resident = world.resident(world.xiangchang)
    client = client_for("secretary")
    page = client.get(f"/people/residents/{resident.id}/edit/").content.decode()
    assert resident.id_number not in page and resident.masked_id_number in page
    client.post(
        f"/people/residents/{resident.id}/edit/",
        form_data(world, name="改名", id_number="", phone="", sex=resident.sex),
    )
    resident.refresh_from_db()
    assert resident.name == "改名" and resident.id_number and resident.phone == "13812345678"


def test_a_duplicate_id_number_in_the_community_is_refused(world, client_for):
    existing = world.resident(world.xiangchang)
    response = client_for("secretary").post(
        "/people/residents/new/", form_data(world, id_number=existing.id_number, sex="")
    )
    assert "已登记" in response.content.decode()


def test_moving_out_keeps_the_resident_and_the_history(world, client_for):
    resident = world.resident(world.xiangchang)
    client_for("secretary").post(
        f"/people/residents/{resident.id}/move-out/", {"moved_on": "2020-03-01", "reason": "回老家"}
    )
    resident.refresh_from_db()
    assert str(resident.moved_out_on) == "2020-03-01"
    assert Move.objects.get(resident=resident).to_dwelling is None
    page = client_for("secretary").get("/people/residents/?status=moved_out").content.decode()
    assert resident.name in page


def test_a_photo_is_shrunk_and_stripped_of_its_metadata(world, client_for):
    image = Image.new("RGB", (2000, 3000), "red")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    raw = io.BytesIO()
    image.save(raw, format="JPEG", exif=exif)
    resident = world.resident(world.xiangchang)
    data = form_data(
        world,
        name=resident.name,
        id_number="",
        phone="",
        sex=resident.sex,
        photo=SimpleUploadedFile("p.jpg", raw.getvalue()),
    )
    client_for("secretary").post(f"/people/residents/{resident.id}/edit/", data)
    resident.refresh_from_db()
    stored = Image.open(resident.photo.open("rb"))
    assert max(stored.size) == 600
    assert not stored.getexif()


def test_a_file_that_is_not_a_photo_is_refused(world, client_for):
    resident = world.resident(world.xiangchang)
    data = form_data(
        world,
        name=resident.name,
        id_number="",
        phone="",
        sex=resident.sex,
        photo=SimpleUploadedFile("p.jpg", b"%PDF-1.4 not an image"),
    )
    response = client_for("secretary").post(f"/people/residents/{resident.id}/edit/", data)
    assert "不是照片" in response.content.decode()


def test_a_half_sent_photo_is_refused_even_after_a_pdf_was_printed(world, client_for):
    import weasyprint  # noqa: F401 - on import it makes Pillow load truncated images everywhere

    raw = io.BytesIO()
    Image.new("RGB", (800, 600), "red").save(raw, format="JPEG")
    resident = world.resident(world.xiangchang)
    half = SimpleUploadedFile("p.jpg", raw.getvalue()[: len(raw.getvalue()) // 2])
    data = form_data(world, name=resident.name, id_number="", phone="", sex=resident.sex, photo=half)
    response = client_for("secretary").post(f"/people/residents/{resident.id}/edit/", data)
    assert "不是照片" in response.content.decode()
    resident.refresh_from_db()
    assert not resident.photo


def test_search_by_initials_room_and_phone_tail(world, client_for):
    target = world.resident(world.xiangchang)
    target.name, target.name_initials, target.phone = "欧阳修", "oyx", "13600009876"
    target.save()
    client = client_for("secretary")
    for q in ("oyx", "欧阳", "9876"):
        assert "欧阳修" in client.get("/people/residents/", {"q": q}).content.decode(), q
    assert (
        client.get("/people/residents/", {"q": "101"}).context["page"].paginator.count == 4
    )  # room 101 in 4 entrances


def test_a_grid_worker_lists_only_their_grid(world, client_for):
    page = client_for("grid_worker").get("/people/residents/").context["page"]
    assert page.paginator.count == 12
    assert {r.dwelling.building.grid_id for r in page} == {world.grid1.id}


def test_an_outsider_lists_only_their_own_community(world, client_for):
    page = client_for("outsider").get(f"/people/residents/?community={world.xiangchang.id}").context["page"]
    assert page.paginator.count == 0
    page = client_for("outsider").get("/people/residents/").context["page"]
    assert {r.community_id for r in page} == {world.liulichang.id}


def test_a_reveal_is_audited_with_who_what_and_where(world, client_for):
    resident = world.resident(world.xiangchang)
    response = client_for("secretary").post(
        f"/people/residents/{resident.id}/reveal/id_number/", REMOTE_ADDR="10.1.2.3", HTTP_USER_AGENT="phone"
    )
    assert resident.id_number in response.content.decode()
    event = AuditEvent.objects.get(action="reveal_id")
    assert (event.username, event.target_id, event.ip, event.community_id, event.user_agent) == (
        "secretary",
        str(resident.id),
        "10.1.2.3",
        world.xiangchang.id,
        "phone",
    )


def test_the_resident_page_shows_masked_numbers(world, client_for):
    resident = world.resident(world.xiangchang)
    page = client_for("health_worker").get(f"/people/residents/{resident.id}/").content.decode()
    assert resident.id_number not in page and resident.phone not in page
    assert "138****5678" in page


@pytest.mark.parametrize("path", ["/people/residents/{id}/", "/people/residents/{id}/edit/"])
def test_no_page_puts_the_birth_date_beside_a_masked_mainland_number(world, client_for, path):
    resident = world.resident(world.xiangchang)
    page = client_for("secretary").get(path.format(id=resident.id)).content.decode()
    assert resident.masked_id_number in page
    for written in (
        resident.birth_date.isoformat(),
        resident.birth_date.strftime("%Y/%m/%d"),
        date_format(resident.birth_date),
    ):
        assert written not in page


def test_the_building_view_shows_entrances_floors_and_rooms(world, client_for):
    page = client_for("gate_keeper").get(f"/places/buildings/{world.building(world.xiangchang).id}/").content.decode()
    assert "2单元" in page and "302" in page


def test_a_forged_forwarded_for_header_does_not_reach_the_audit_log(world, client_for):
    resident = world.resident(world.xiangchang)
    client_for("secretary").post(
        f"/people/residents/{resident.id}/reveal/phone/", REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_FOR="1.1.1.1"
    )
    assert AuditEvent.objects.get(action="reveal_phone").ip == "10.1.2.3"


def test_a_phone_tail_finds_no_one_for_a_role_that_may_not_see_phones(world, client_for, api_for):
    resident = world.resident(world.xiangchang)
    tail = resident.phone[-4:]
    assert resident in client_for("secretary").get("/people/residents/", {"q": tail}).context["page"].object_list
    # The street office sees residents with masked phones: a tail search would confirm the number.
    assert not client_for("street_admin").get("/people/residents/", {"q": tail}).context["page"].object_list
    assert api_for("street_admin").get("/api/v1/residents", {"q": tail}).json()["count"] == 0
    assert api_for("secretary").get("/api/v1/residents", {"q": tail}).json()["count"] > 0


def test_a_missing_name_is_said_once(world, client_for):
    response = client_for("secretary").post("/people/residents/new/", form_data(world, name=""))
    assert len(response.context["form"].errors["name"]) == 1
