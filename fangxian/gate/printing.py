"""Printed permits: wallet-size cards (85.6 × 54 mm), ten to an A4 sheet, as PDF, and single
QR codes as PNG or SVG. The QR codes are real QR (not Micro QR) at error correction M."""

from __future__ import annotations

import base64
import io

import segno
from django.template.loader import render_to_string
from django.urls import reverse

from fangxian.people import links

from .models import Permit

CARDS_A_SHEET = 10


def qr(code: str) -> segno.QRCode:
    return segno.make_qr(code, error="m")


def qr_png(code: str, scale: int = 8) -> bytes:
    out = io.BytesIO()
    qr(code).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


def qr_svg(code: str, scale: int = 4) -> bytes:
    out = io.BytesIO()
    qr(code).save(out, kind="svg", scale=scale, border=4, xmldecl=False)
    return out.getvalue()


def link_qr(site: str, token: str) -> str:
    # Low error correction keeps the long address to the fewest, largest modules on a small code.
    return segno.make_qr(site + reverse("households:page", args=[token]), error="l").svg_data_uri(border=4)


def photo_data_uri(permit: Permit) -> str:
    photo = permit.resident.photo
    if not photo:
        return ""
    with photo.open("rb") as f:
        return "data:image/jpeg;base64," + base64.b64encode(f.read()).decode()


def cards_html(permits: list[Permit], site: str) -> str:
    """The cards, each with the small second code of its household's link when it has one."""
    tokens = links.live_tokens({p.resident.dwelling_id for p in permits})
    cards = [
        # The code carries its whole four-module quiet zone, so nothing beside it on the card can eat into it.
        {
            "permit": p,
            "qr": qr(p.code).svg_data_uri(border=4),
            "photo": photo_data_uri(p),
            "link": link_qr(site, tokens[p.resident.dwelling_id]) if p.resident.dwelling_id in tokens else "",
        }
        for p in permits
    ]
    # Each sheet its own page: left to flow, the eleventh card's top edge printed along the first sheet's foot.
    sheets = [cards[i : i + CARDS_A_SHEET] for i in range(0, len(cards), CARDS_A_SHEET)]
    return render_to_string("gate/cards.html", {"sheets": sheets})
