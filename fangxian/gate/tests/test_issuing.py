import io
import subprocess

import numpy
import pytest
from django.utils import timezone
from PIL import Image, ImageOps

from fangxian.gate import permits
from fangxian.gate.models import Permit
from fangxian.lib import permit as codec
from fangxian.people.models import Resident


def test_a_whole_entrance_gets_permits_once(world, client_for):
    building = world.building(world.xiangchang)
    client = client_for("secretary")
    client.post("/gate/permits/issue/", {"building": building.id, "entrance": 1})
    assert Permit.objects.count() == 6
    client.post("/gate/permits/issue/", {"building": building.id, "entrance": 1})
    assert Permit.objects.count() == 6  # those with a valid permit are skipped
    client.post("/gate/permits/issue/", {"building": building.id})
    assert Permit.objects.count() == 12


def test_a_grid_worker_issues_only_in_their_grid(world, client_for):
    client_for("grid_worker").post("/gate/permits/issue/", {"building": world.building(world.xiangchang, "2").id})
    assert not Permit.objects.exists()


def test_revoke_and_reissue_keep_the_history(world, client_for):
    first = permits.issue(world.resident(world.xiangchang), None)
    client = client_for("secretary")
    client.post(f"/gate/permits/{first.id}/reissue/")
    first.refresh_from_db()
    second = Permit.objects.exclude(pk=first.pk).get()
    assert first.revoke_reason == "reissued" and second.revoked_at is None
    client.post(f"/gate/permits/{second.id}/revoke/", {"reason": "moved_out"})
    second.refresh_from_db()
    assert second.revoke_reason == "moved_out"


@pytest.mark.parametrize("how", ["page", "api"])
def test_a_new_permit_revokes_the_one_still_valid(world, client_for, api_for, how):
    resident = world.resident(world.xiangchang)
    first = permits.issue(resident, None)
    if how == "page":
        client_for("secretary").post(f"/gate/residents/{resident.id}/issue/")
    else:
        assert (
            api_for("secretary")
            .post("/api/v1/permits", {"resident_id": resident.id}, content_type="application/json")
            .status_code
            == 201
        )
    first.refresh_from_db()
    assert first.revoke_reason == "reissued"
    assert Permit.objects.filter(resident=resident, revoked_at=None).count() == 1


def test_the_permit_carries_the_masked_name_and_compact_dwelling(world):
    resident = world.resident(world.xiangchang)
    payload = codec.parse(permits.issue(resident, None).code).permit
    assert payload.name == resident.name[0] + "*" * (len(resident.name) - 2) + resident.name[-1]
    assert payload.dwelling == "1-1-101" and payload.issuer == world.xiangchang.code


@pytest.mark.needs("zbarimg")
def test_qr_images_decode_back_to_the_code(world, client_for):
    row = permits.issue(world.resident(world.xiangchang), None)
    png = client_for("secretary").get(f"/gate/permits/{row.id}/qr.png")
    assert png["Content-Type"] == "image/png" and Image.open(io.BytesIO(png.content)).size[0] > 200
    assert b"<svg" in client_for("secretary").get(f"/gate/permits/{row.id}/qr.svg").content
    out = (
        subprocess.run(["zbarimg", "-q", "--raw", "-"], input=png.content, capture_output=True, check=True)
        .stdout.decode()
        .strip()
    )
    assert out == row.code


def runs(inked: numpy.ndarray, bridge: int = 0) -> list[tuple[int, int]]:
    """The stretches of True, across gaps no longer than `bridge`, as (start, end)."""
    found: list[list[int]] = []
    for i in numpy.flatnonzero(inked):
        if found and i - found[-1][1] <= bridge:
            found[-1][1] = i + 1
        else:
            found.append([i, i + 1])
    return [(a, b) for a, b in found]


def cards_on(page: Image.Image) -> list[Image.Image]:
    """Each card of a printed sheet, cut out along the white paper between them."""
    inked = numpy.asarray(page.convert("L")) < 240
    return [
        ImageOps.expand(page.crop((left, top, right, bottom)), border=20, fill="white")
        for top, bottom in runs(inked.any(axis=1))
        for left, right in runs(inked[top:bottom].any(axis=0))
    ]


def code_mm(card: Image.Image, dpi: int) -> tuple[float, float]:
    """Width and height of a card's code, from its black modules. The text is black too but
    stands apart from the code by the code's quiet zone; the title band is red."""
    black = (numpy.asarray(card.convert("RGB")) < 100).all(axis=2)
    bridge = round(dpi / 25.4)  # gaps under 1 mm are inside a code, or between letters
    left, right = max(runs(black.any(axis=0), bridge), key=lambda r: r[1] - r[0])
    top, bottom = max(runs(black[:, left:right].any(axis=1), bridge), key=lambda r: r[1] - r[0])
    return (right - left) * 25.4 / dpi, (bottom - top) * 25.4 / dpi


@pytest.mark.needs("pango", "fonts", "pdftotext", "pdftoppm", "zbarimg")
def test_the_card_sheet_is_a_chinese_pdf_whose_codes_fill_the_cards_height_and_scan(world, client_for, tmp_path):
    building = world.building(world.xiangchang)
    for resident in Resident.objects.filter(dwelling__building=building):
        permits.issue(resident, None)
    client = client_for("secretary")
    job = client.post("/gate/permits/print.pdf", {"building": building.id})[
        "Location"
    ]  # a building's cards print as a job
    response = client.get(f"{job}file/")
    content = b"".join(response.streaming_content)
    assert response["Content-Type"] == "application/pdf" and content.startswith(b"%PDF")
    (tmp_path / "cards.pdf").write_bytes(content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(tmp_path / "cards.pdf"), "-"], capture_output=True, check=True
    ).stdout.decode()
    first = Permit.objects.order_by("id").select_related("resident__dwelling").first()
    assert "出入证" in text and "香厂路社区" in text and first.resident.name in text
    assert (
        first.resident.dwelling.label in text and f"有效期至 {timezone.localtime(first.valid_until):%Y-%m-%d}" in text
    )
    assert f"编号 {first.id}" in text
    subprocess.run(
        ["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", str(tmp_path / "cards.pdf"), str(tmp_path / "page")],
        check=True,
    )
    cards = cards_on(Image.open(tmp_path / "page-1.png"))
    assert len(cards) == 10  # ten cards a sheet
    for n, card in enumerate(cards):
        card.save(tmp_path / f"card-{n}.png")
        width, height = code_mm(card, 150)
        assert abs(width - height) < 0.5 and width > 0.8 * 54  # of the card's 54 mm, the code proper, not its margin
    # Each card read back on its own by an independent QR reader, as at the gate. (Read as one page, ten
    # codes in a grid now and then lose one to zbar, whose other symbologies also find a DataBar in them.)
    read = subprocess.run(
        [
            "zbarimg",
            "-q",
            "--raw",
            "-Sdisable",
            "-Sqrcode.enable",
            *(str(tmp_path / f"card-{n}.png") for n in range(10)),
        ],
        capture_output=True,
    ).stdout.decode()
    assert len(set(read.splitlines())) == 10 and set(read.splitlines()) <= set(
        Permit.objects.values_list("code", flat=True)
    )


@pytest.mark.parametrize("actor, status", [("secretary", 200), ("gate_keeper", 403), ("outsider", 200)])
def test_the_permit_list_is_for_registry_roles(world, client_for, actor, status):
    assert client_for(actor).get("/gate/permits/").status_code == status


def test_a_permit_is_revoked_only_with_a_reason_chosen(world, client_for):
    row = permits.issue(world.resident(world.xiangchang), None)
    client = client_for("secretary")
    page = client.post(f"/gate/permits/{row.id}/revoke/", {}, follow=True).content.decode()
    row.refresh_from_db()
    assert row.revoked_at is None and "没有改动" in page
    client.post(f"/gate/permits/{row.id}/revoke/", {"reason": "lost"})
    row.refresh_from_db()
    assert row.revoke_reason == "lost"
