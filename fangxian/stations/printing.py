"""The pick list as the station prints it: each entrance a block of aligned lines in a
monospaced CJK font. WeasyPrint lays out a table cell by cell, which for 5,000 households
(50,000 cells) took most of a minute; lines of text take seconds."""

from __future__ import annotations

import unicodedata

from django.utils.translation import gettext as _


def width(text: str) -> int:
    """Columns a text takes in a monospaced CJK font: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, columns: int, right: bool = False) -> str:
    gap = " " * max(columns - width(text), 0)
    return gap + text if right else text + gap


def lay_out(listed: dict) -> None:
    """Adds to each group of the pick list its `header`, `lines` and `footer` as aligned text."""
    names = [p.name for p in listed["packages"]]
    titles = [_("floor"), _("room"), _("order"), *names, _("amount (yuan)"), _("paid"), "✓"]
    rows_of = []
    for group in listed["groups"]:
        rows = [
            [
                str(item["order"].dwelling.floor),
                item["order"].dwelling.room,
                f"#{item['order'].pk}",
                *[str(q) if q else "-" for q in item["quantities"]],
                item["total_yuan"],
                _("paid") if item["order"].paid else "",
                "[ ]",
            ]
            for item in group["orders"]
        ]
        footer = [_("all"), "", str(len(rows)), *[str(s) for s in group["sums"]], group["money_yuan"], "", ""]
        rows_of.append((group, rows, footer))
    widths = [width(t) for t in titles]
    for _group, rows, footer in rows_of:
        for row in [*rows, footer]:
            widths = [max(w, width(c)) for w, c in zip(widths, row, strict=True)]
    numeric = {2, *range(3, 3 + len(names)), 3 + len(names)}  # order, quantities, money

    def line(cells: list[str]) -> str:
        return "  ".join(pad(c, w, right=i in numeric) for i, (c, w) in enumerate(zip(cells, widths, strict=True)))

    for group, rows, footer in rows_of:
        group["header"] = line(titles)
        group["lines"] = [line(r) for r in rows]
        group["footer"] = line(footer)
