"""A4 sheets of tube labels: 3 × 10 labels a page, each a Code 128 barcode with the tube number
in text under it. Numbers are allocated per community from one sequence, so two sheets never
repeat a number; a tube number is the community's code and a six-digit serial, all digits (so
Code 128 packs it two digits a symbol) and unique across communities."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from fangxian.accounts.exports import pdf_bytes
from fangxian.jobs.models import Job
from fangxian.lib import code128
from fangxian.places.models import Community

from .models import LabelSheet

PER_PAGE = 30
MAX_PAGES = 20


def allocate(community: Community, pages: int, user) -> LabelSheet:
    """The next free numbers of the community. Two sheets ordered at once read the same end:
    the second meets the unique start and reads again."""
    if not 1 <= pages <= MAX_PAGES:
        raise ValidationError(_("Between 1 and %(n)s pages.") % {"n": MAX_PAGES})
    for _attempt in range(5):
        end = LabelSheet.objects.filter(community=community).aggregate(end=Max(F("first") + F("count")))["end"] or 1
        try:
            with transaction.atomic():
                return LabelSheet.objects.create(
                    community=community, first=end, count=pages * PER_PAGE, ordered_by=user
                )
        except IntegrityError:
            continue
    raise ValidationError(_("Many sheets are being ordered at once: try again."))


def number(community: Community, serial: int) -> str:
    return f"{community.code}{serial:06d}"


def spaced(text: str) -> str:
    # Read out and typed by hand in groups of four.
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def sheet_html(sheet: LabelSheet) -> str:
    community = sheet.community
    labels = [
        {"svg": code128.svg(code, module=0.3, height=13, unit="mm"), "text": spaced(code)}
        for code in (number(community, n) for n in range(sheet.first, sheet.first + sheet.count))
    ]
    pages = [labels[i : i + PER_PAGE] for i in range(0, len(labels), PER_PAGE)]
    return render_to_string("testing/labels_print.html", {"pages": pages, "community": community})


def print_labels(job: Job) -> None:
    sheet = LabelSheet.objects.select_related("community").get(pk=job.params["sheet"])
    job.report(_("Printing %(n)s labels…") % {"n": sheet.count})
    job.attach(
        pdf_bytes(sheet_html(sheet)),
        f"tube-labels-{sheet.first}.pdf",
        "tube_labels",
        {sheet.community_id: sheet.count},
    )
