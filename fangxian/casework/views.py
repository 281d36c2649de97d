"""Casework pages."""

from __future__ import annotations

import datetime

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from fangxian.accounts import exports
from fangxian.lib.tabular import write_xlsx

from . import rates


def as_month(text: str | None, default: datetime.date) -> datetime.date:
    """A month as the browser's month field sends it (2026-11); anything else is the default."""
    try:
        year, month = (int(part) for part in (text or "").split("-"))
        return datetime.date(year, month, 1) if 2000 <= year <= 2099 else default
    except ValueError:
        return default


@login_required
def rate_table(request: HttpRequest) -> HttpResponse:
    """The three rates and overdue counts per place (or department) and month, as a page and
    as Excel. Counts only: no case, reporter or address is in it."""
    cases = rates.counted_cases(request.user)
    if cases is None:
        raise PermissionDenied
    this_month = timezone.localdate().replace(day=1)
    last = as_month(request.GET.get("to"), this_month)
    first = min(as_month(request.GET.get("from"), last), last)
    first = max(first, last.replace(year=last.year - 2))  # two years at most on one page
    choices = ["community", "street", "district", "city", "department"]
    by = request.GET.get("by") if request.GET.get("by") in choices else "community"
    rows = rates.figures(cases, by, first, last)
    if exports.wants_xlsx(request):
        communities = exports.counted(r.key if by == "community" else None for r in rows)
        exports.audit_export(request, "case_rates", communities, format="xlsx", by=by)
        headers = [str(rates.WORDS[by]), *(str(h) for h in rates.HEADERS)]
        data = write_xlsx(headers, rates.table_rows(rows), sheet_title=_("Complaint rates"))
        return exports.xlsx_response(data, f"case-rates-{by}-{first:%Y%m}-{last:%Y%m}.xlsx")
    return render(
        request,
        "casework/rates.html",
        {
            "rows": rows,
            "by": by,
            "choices": [(choice, rates.WORDS[choice]) for choice in choices],
            "first": first,
            "last": last,
            "total": rates.total(rows),
        },
    )
