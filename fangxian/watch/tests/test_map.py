import colorsys
import datetime
import itertools
import subprocess

import pytest
from django.utils import timezone, translation

from fangxian.people.models import Resident
from fangxian.watch import census, mapping, observations
from fangxian.watch.models import Observation


def rgb(colour: str) -> list[float]:
    digits = colour.lstrip("#")
    digits = "".join(d * 2 for d in digits) if len(digits) == 3 else digits
    return [c / 255 for c in bytes.fromhex(digits)]


def luminance(colour: str) -> float:
    """WCAG 2 relative luminance."""
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    dark, light = sorted([luminance(a), luminance(b)])
    return (light + 0.05) / (dark + 0.05)


def status_of(world, room, entrance=1):
    dwelling = world.dwelling(world.xiangchang, "1", entrance, room)
    [found] = mapping.maps_for([dwelling.building])
    return next(c for _f, entrances in found.rows for cells in entrances for c in cells if c.dwelling == dwelling)


def start(resident, days_ago=0):
    return observations.start(resident, "home", timezone.localdate() - datetime.timedelta(days=days_ago), None)


def tag(world, room, value):
    resident = world.dwelling(world.xiangchang, "1", 1, room).residents.first()
    resident.tags = f",{value},"
    resident.save()
    return resident


def test_the_most_urgent_status_of_a_dwelling_wins(world):
    observed = start(tag(world, "101", "elderly_alone"), days_ago=4)
    cell = status_of(world, "101")
    assert cell.status == "observation" and cell.days_left == 10
    observations.report(observed, "38.1", [])
    assert status_of(world, "101").status == "fever"
    Resident.objects.filter(pk=observed.resident_id).update(tags=",close_contact,elderly_alone,")
    assert status_of(world, "101").status == "close_contact"
    Resident.objects.filter(pk=observed.resident_id).update(tags=",confirmed_case,")
    assert status_of(world, "101").status == "confirmed_case"


def test_released_vulnerable_vacant_and_not_visited(world):
    observations.release(start(world.dwelling(world.xiangchang, "1", 1, "102").residents.first(), 14), None)
    tag(world, "201", "dialysis")
    world.dwelling(world.xiangchang, "1", 1, "202").residents.all().delete()
    assert (status_of(world, "102").status, status_of(world, "201").status, status_of(world, "202").status) == (
        "released",
        "vulnerable",
        "vacant",
    )
    assert status_of(world, "301").status == "clear"
    today = timezone.localdate()
    census.create(world.xiangchang, "第一轮", today, today, [world.building(world.xiangchang, "1")], None)
    assert status_of(world, "301").status == "not_visited" and status_of(world, "201").status == "vulnerable"


def test_each_status_differs_from_every_other_in_letter_or_outline_so_a_greyscale_print_tells_them_apart():
    for language in ("zh-hans", "en"):
        with translation.override(language):
            marks = [(str(s.letter), s.border) for s in mapping.STATUSES]
        assert len(set(marks)) == len(marks), (language, marks)
        assert all(len(letter) <= 1 for letter, _border in marks)  # one character fits a cell beside the room


def test_fever_and_home_observation_differ_in_hue_and_in_lightness():
    fever, observation = mapping.BY_KEY["fever"].fill, mapping.BY_KEY["observation"].fill
    hues = [colorsys.rgb_to_hls(*rgb(c))[0] * 360 for c in (fever, observation)]
    assert min(abs(hues[0] - hues[1]), 360 - abs(hues[0] - hues[1])) > 90
    assert contrast(fever, observation) > 3  # the old pair of yellows was 1.2: one grey on paper


@pytest.mark.parametrize("status", mapping.STATUSES, ids=lambda s: s.key)
def test_a_cells_letter_and_room_number_stand_out_from_its_fill(status):
    assert contrast(status.ink, status.fill) >= 4.5


def test_no_two_statuses_share_a_fill():
    assert all(a.fill != b.fill for a, b in itertools.combinations(mapping.STATUSES, 2))


def test_the_map_page_counts_each_status_and_links_the_dwellings(world, client_for):
    start(world.dwelling(world.xiangchang, "1", 1, "101").residents.first())
    page = client_for("secretary").get(f"/watch/map/{world.xiangchang.id}/").content.decode()
    dwelling = world.dwelling(world.xiangchang, "1", 1, "101")
    assert (
        f'class="cell s-observation" href="/people/households/{dwelling.id}/" title="居家观察中"><b>观</b>101' in page
    )
    assert "居家观察中</a> <b>1</b>" in page and "无异常</a> <b>23</b>" in page


def test_the_legend_gives_each_status_its_colour_and_letter_in_the_users_language(world, client_for):
    client = client_for("secretary")
    page = client.get(f"/watch/map/{world.xiangchang.id}/").content.decode()
    for status, letter in zip(
        mapping.STATUSES, ["确", "密", "复", "热", "观", "返", "弱", "空", "未", ""], strict=True
    ):
        assert f".s-{status.key} {{ background: {status.fill}; color: {status.ink};" in page
        swatch = f'<a class="cell s-{status.key}" href="?show={status.key}" aria-hidden="true" tabindex="-1">'
        assert swatch + (f"<b>{letter}</b>" if letter else "") + "</a>" in page
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get(f"/watch/map/{world.xiangchang.id}/").content.decode()
    assert 'tabindex="-1"><b>O</b></a> <a href="?show=observation">under observation</a>' in page


@pytest.mark.needs("pango", "fonts", "pdftotext", "pdftoppm")
def test_the_map_prints_in_chinese_on_a4(world, client_for, tmp_path):
    start(world.dwelling(world.xiangchang, "1", 1, "101").residents.first())
    client = client_for("secretary")
    job = client.post(f"/watch/map/{world.xiangchang.id}/print.pdf")["Location"]  # printed as a job (fangxian/jobs)
    pdf = client.get(f"{job}file/")
    assert pdf["Content-Type"] == "application/pdf"
    content = b"".join(pdf.streaming_content)
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True
    ).stdout.decode()
    assert "疫情楼图" in text and "香厂路社区" in text and "居家观察中" in text
    assert "观 101" in text  # the cell, by its letter as well as its colour
    legend = text.split("格子里")[0]
    assert all(f"{s.letter} {s.label}" in legend for s in mapping.STATUSES if s.letter)
    (tmp_path / "map.pdf").write_bytes(content)
    subprocess.run(
        ["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", str(tmp_path / "map.pdf"), str(tmp_path / "page")],
        check=True,
    )
    from PIL import Image

    page = Image.open(next(tmp_path.glob("page*.png")))
    assert page.width > page.height  # landscape A4
    assert len(page.convert("RGB").getcolors(1 << 20)) > 10  # something is drawn, in colour


def test_the_building_map_api_gives_every_cell(world, api_for):
    start(world.dwelling(world.xiangchang, "1", 1, "101").residents.first())
    body = api_for("grid_worker").get(f"/api/v1/map/buildings/{world.building(world.xiangchang, '1').id}").json()
    assert len(body["cells"]) == 12 and body["counts"]["observation"] == 1
    assert next(c for c in body["cells"] if c["room"] == "101" and c["entrance"] == 1)["days_left"] == 14


def test_evening_numbers_roll_up_to_the_street(world, api_for, client_for):
    start(world.resident(world.xiangchang, "1"), days_ago=2)
    done = start(world.resident(world.yongan, "1"), days_ago=14)
    observations.release(done, None)
    body = api_for("street_admin").get("/api/v1/evening").json()
    rows = {r["code"]: r for r in body["communities"]}
    assert rows["110102015001"]["under_observation"] == 1 and rows["110102015001"]["missed_reports"] == 1
    assert rows["110102015002"]["released_today"] == 1 and rows["110102015002"]["under_observation"] == 0
    assert body["total"]["new_today"] == 2 and "110102011001" not in rows
    page = client_for("district_admin").get("/watch/evening/").content.decode()
    assert "天桥街道" in page and "椿树街道" in page and "合计" in page
    assert Observation.objects.count() == 2


def test_a_fever_found_at_the_door_colours_the_map(world):
    import uuid

    today = timezone.localdate()
    campaign = census.create(world.xiangchang, "第一轮", today, today, [world.building(world.xiangchang, "1")], None)
    door = world.dwelling(world.xiangchang, "1", 1, "101")
    found = census.record(
        campaign,
        [
            census.VisitIn(
                door.id,
                "confirmed",
                uuid.uuid4(),
                timezone.now(),
                present=[{"resident_id": door.residents.first().id, "temperature": "38.4"}],
            )
        ],
        None,
    )
    assert found[0]["visit_id"] and status_of(world, "101").status == "fever"
    phoned = world.dwelling(world.xiangchang, "1", 1, "102")
    census.record(
        campaign,
        [
            census.VisitIn(
                phoned.id, "absent", uuid.uuid4(), timezone.now(), absent={"where": "河北", "temperature": "36.5"}
            )
        ],
        None,
    )
    assert status_of(world, "102").status == "clear"
