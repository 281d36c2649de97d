import io
import uuid

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from fangxian.kits.models import Distribution, Recipient
from fangxian.supplies import ledger
from fangxian.supplies.models import Movement

from .conftest import signature_url


def said(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def jpeg(size=(800, 600)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 10)).save(out, format="JPEG")
    return out.getvalue()


def test_a_secretary_counts_then_makes_a_distribution(world, client_for, kit):
    client = client_for("secretary")
    form = {
        "community": world.xiangchang.pk,
        "name": "独居老人应急包",
        "store": kit["office"].pk,
        "item-0": kit["thermometer"].pk,
        "amount-0": "1",
        "item-1": kit["masks"].pk,
        "amount-1": "0.5",
        "unit-1": "箱",
        "tags": ["elderly_alone"],
    }
    counted = client.post("/kits/new/", form | {"action": "preview"})
    assert counted.status_code == 200 and "3" in counted.content.decode().split('id="preview"')[1][:80]
    assert not Distribution.objects.exists()
    made = client.post("/kits/new/", form | {"action": "create"})
    distribution = Distribution.objects.get()
    assert made.status_code == 302 and made["Location"] == f"/kits/{distribution.pk}/"
    assert {c.item.name: c.quantity for c in distribution.contents.select_related("item")} == {"体温计": 1, "口罩": 10}
    page = client.get(made["Location"]).content.decode()
    assert kit["alone"][0].dwelling.label in page


def test_the_form_says_what_is_wrong_and_keeps_what_was_typed(world, client_for, kit):
    answer = client_for("secretary").post(
        "/kits/new/",
        {
            "community": world.xiangchang.pk,
            "name": "包",
            "store": kit["office"].pk,
            "item-0": kit["masks"].pk,
            "amount-0": "1/3",
            "unit-0": "箱",
            "tags": ["elderly_alone"],
        },
    )
    assert answer.status_code == 200 and not Distribution.objects.exists()
    assert any("口罩" in m for m in said(answer))
    assert 'value="1/3"' in answer.content.decode()


def test_the_pending_list_walks_the_stairs_and_masks_names_for_volunteers(world, client_for, kit, distribution):
    page = client_for("volunteer").get(f"/kits/{distribution.pk}/").content.decode()
    pending = page.split('id="pending"')[1]
    labels = [r.dwelling.label for r in kit["alone"]]
    assert [pending.index(label) for label in labels] == sorted(pending.index(label) for label in labels)
    name = kit["alone"][0].name
    assert name not in page and name[0] + "*" in page


def test_a_volunteer_hands_a_kit_over_with_a_signature(world, client_for, kit, distribution):
    recipient = distribution.recipients.first()
    client = client_for("volunteer")
    screen = client.get(f"/kits/recipients/{recipient.pk}/")
    assert screen.status_code == 200 and b'id="pad"' in screen.content
    answer = client.post(
        f"/kits/recipients/{recipient.pk}/", {"signature": signature_url(), "client_id": str(uuid.uuid4())}
    )
    assert answer.status_code == 302
    recipient.refresh_from_db()
    assert recipient.state == "handed_over" and recipient.handed_over_by == world.users["volunteer"]
    assert Movement.objects.filter(kind="issue", source=f"kit:{distribution.pk}").count() == 3
    proof = client.get(f"/kits/recipients/{recipient.pk}/proof/")
    assert proof.status_code == 200 and proof["Content-Type"] == "image/png"
    assert f"/kits/recipients/{recipient.pk}/proof/".encode() in client.get(f"/kits/recipients/{recipient.pk}/").content


def test_a_photo_at_the_door_is_cleaned(world, client_for, distribution):
    recipient = distribution.recipients.first()
    client_for("volunteer").post(
        f"/kits/recipients/{recipient.pk}/", {"photo": SimpleUploadedFile("door.jpg", jpeg(), "image/jpeg")}
    )
    recipient.refresh_from_db()
    assert recipient.how == "photo" and recipient.proof.name.endswith(".jpg")


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("x.jpg", b"<?php system($_GET['c']); ?>", "image/jpeg"),  # not an image
        SimpleUploadedFile("x.jpg", jpeg()[:300], "image/jpeg"),  # truncated
        SimpleUploadedFile(
            "x.svg", b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "image/svg+xml"
        ),
    ],
    ids=["php", "truncated", "svg"],
)
def test_hostile_uploads_are_refused_and_nothing_is_issued(world, client_for, distribution, upload):
    recipient = distribution.recipients.first()
    answer = client_for("volunteer").post(f"/kits/recipients/{recipient.pk}/", {"photo": upload})
    assert answer.status_code == 200 and said(answer)
    assert Recipient.objects.get(pk=recipient.pk).state == "pending"
    assert not Movement.objects.filter(kind="issue").exists()


def test_a_huge_upload_is_refused(world, client_for, distribution, settings):
    settings.PHOTO_MAX_BYTES = 10_000
    recipient = distribution.recipients.first()
    answer = client_for("volunteer").post(
        f"/kits/recipients/{recipient.pk}/", {"photo": SimpleUploadedFile("big.jpg", jpeg((3000, 3000)), "image/jpeg")}
    )
    assert answer.status_code == 200 and said(answer)
    assert Recipient.objects.get(pk=recipient.pk).state == "pending"


def test_a_second_hand_over_on_the_page_is_told_who(world, client_for, distribution):
    recipient = distribution.recipients.first()
    client_for("volunteer").post(f"/kits/recipients/{recipient.pk}/", {"signature": signature_url()})
    answer = client_for("secretary").post(f"/kits/recipients/{recipient.pk}/", {"signature": signature_url()})
    assert answer.status_code == 302 and any("volunteer" in m for m in said(answer))


def test_closing_on_the_page_asks_a_reason_for_each_pending_household(world, client_for, distribution):
    client = client_for("secretary")
    refused = client.post(f"/kits/{distribution.pk}/close/", {})
    assert refused.status_code == 200 and any("3" in m for m in said(refused))
    first, *others = distribution.recipients.all()
    answer = client.post(f"/kits/{distribution.pk}/close/", {f"reason-{first.pk}": "住院", "reason_all": "拒收"})
    assert answer.status_code == 302
    assert dict(distribution.recipients.values_list("id", "reason")) == {first.pk: "住院"} | {
        r.pk: "拒收" for r in others
    }


def test_other_communities_pages_are_404(world, client_for, distribution):
    recipient = distribution.recipients.first()
    client = client_for("outsider")
    for path in (f"/kits/{distribution.pk}/", f"/kits/{distribution.pk}/close/", f"/kits/recipients/{recipient.pk}/"):
        assert client.get(path).status_code == 404
    assert client.post(f"/kits/recipients/{recipient.pk}/", {"signature": signature_url()}).status_code == 404


def test_the_distribution_page_says_when_the_store_holds_fewer_kits_than_households_wait(
    world, client_for, kit, distribution
):
    page = client_for("secretary").get(f"/kits/{distribution.pk}/").content.decode()
    assert 'id="store-short"' not in page  # ten of each, three households
    ledger.issue(kit["thermometer"], kit["office"], 9, to_person="南门")
    page = client_for("secretary").get(f"/kits/{distribution.pk}/").content.decode()
    assert "社区办公室现在只够 1 份" in page
