import io
import subprocess

import pytest
from PIL import Image

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


@pytest.mark.needs("pango", "fonts", "pdftotext", "pdftoppm", "zbarimg")
def test_the_card_sheet_is_a_chinese_pdf(world, client_for, tmp_path):
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
        ["pdftotext", str(tmp_path / "cards.pdf"), "-"], capture_output=True, check=True
    ).stdout.decode()
    assert "出入证" in text and "香厂路社区" in text
    # Printed and read back by an independent QR reader, as a gate camera would.
    subprocess.run(
        ["pdftoppm", "-png", "-r", "100", "-f", "1", "-l", "1", str(tmp_path / "cards.pdf"), str(tmp_path / "page")],
        check=True,
    )
    read = (
        subprocess.run(["zbarimg", "-q", "--raw", str(tmp_path / "page-1.png")], capture_output=True)
        .stdout.decode()
        .splitlines()
    )
    assert len(read) == 10 and set(read) <= set(Permit.objects.values_list("code", flat=True))  # ten cards a sheet


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
