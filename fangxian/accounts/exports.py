"""What leaves as a file: every list a user may see as .xlsx, and printed pages as PDF.

One path for all of them: `export_list` and `pdf_response` check that the user may export
the data of every community in the file, and write one audit event per community, so that
each community's secretary sees on /audit/ who took its data away, and the offices above see
it too."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from fangxian.lib.tabular import write_xlsx
from fangxian.places.models import Community

from . import audit
from .models import AuditEvent
from .scoping import Can, scope_for

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# community id -> rows of that community in the file; None for rows of no community
# (events of the whole city in an audit-log export), which only a steward may take.
Counts = Mapping[int | None, int]


def counted(community_ids: Iterable[int | None]) -> Counter:
    """Rows per community, from the community id of each row."""
    return Counter(community_ids)


def require_export(request: HttpRequest, communities: Counts, capability: Can = Can.EXPORT) -> None:
    """PermissionDenied unless the user holds the capability over every community named."""
    scope = scope_for(request.user, capability)
    if scope.empty:
        raise PermissionDenied
    if scope.everything:
        return
    ids = {c for c in communities if c is not None}
    if None in communities or len(ids) != scope.filter(Community.objects.filter(id__in=ids)).count():
        raise PermissionDenied


def audit_export(request: HttpRequest, name: str, communities: Counts, **detail) -> None:
    """One event per community whose data leaves in this file."""
    for community_id, rows in sorted(communities.items(), key=lambda item: (item[0] is None, item[0] or 0)):
        audit.record(request, AuditEvent.Action.EXPORT, community_id=community_id, list=name, rows=rows, **detail)


def xlsx_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def pdf_bytes(html: str) -> bytes:
    from weasyprint import HTML  # loading Pango costs ~0.5 s; only printing needs it

    return HTML(string=html).write_pdf()


def pdf_response(
    request: HttpRequest, name: str, html: str, filename: str, communities: Counts, **detail
) -> HttpResponse:
    """A printed page, opened in the browser's viewer, ready to print. Printing is part of the
    work of whoever may open the page, so no export capability is asked; it is audited."""
    response = HttpResponse(pdf_bytes(html), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    audit_export(request, name, communities, format="pdf", **detail)
    return response


def export_list(
    request: HttpRequest, name: str, headers: list[str], rows: list[list], communities: Counts, **detail
) -> HttpResponse:
    """A list as .xlsx, for users who may export every community's rows in it."""
    require_export(request, communities)
    audit_export(request, name, communities, **detail)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return xlsx_response(write_xlsx([str(h) for h in headers], rows, sheet_title=name), f"{name}-{stamp}.xlsx")


def wants_xlsx(request: HttpRequest) -> bool:
    return request.GET.get("format") == "xlsx"
