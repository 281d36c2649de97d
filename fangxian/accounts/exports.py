"""What leaves as a file: every list a user may see as .xlsx (each export written to the
audit log), and printed pages as PDF."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from fangxian.lib.tabular import write_xlsx

from . import audit
from .models import AuditEvent

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename=\"{filename}\""
    return response


def pdf_bytes(html: str) -> bytes:
    from weasyprint import HTML  # loading Pango costs ~0.5 s; only printing needs it

    return HTML(string=html).write_pdf()


def pdf_response(html: str, filename: str) -> HttpResponse:
    """Opened in the browser's viewer, ready to print."""
    response = HttpResponse(pdf_bytes(html), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def export_list(request: HttpRequest, name: str, headers: list[str], rows: list[list], community_id=None, **detail) -> HttpResponse:
    audit.record(request, AuditEvent.Action.EXPORT, community_id=community_id, list=name, rows=len(rows), **detail)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return xlsx_response(write_xlsx([str(h) for h in headers], rows, sheet_title=name), f"{name}-{stamp}.xlsx")


def wants_xlsx(request: HttpRequest) -> bool:
    return request.GET.get("format") == "xlsx"
