"""Lab results and recalls under /api/v1/testing/: a file sent as base64 in JSON (the API takes
JSON only), its preview, applying it, and the recall list with phones masked."""

import base64
import binascii
import datetime

from django.conf import settings
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from fangxian.accounts.apikit import Id, Input, Page, answers, error
from fangxian.accounts.scoping import Can, get_visible_or_404, holds_community
from fangxian.places.models import Community

from . import recalls, results
from .models import Result, ResultImport

router = Router(tags=["testing"])


class ResultFileIn(Input):
    community_id: Id
    filename: str = Field("", max_length=200)
    content: str = Field(..., description="the file's bytes as base64 (a data: URL is accepted too)")


class ImportOut(Schema):
    id: int
    community_id: int
    kind: str
    filename: str
    status: str
    row_count: int
    report: dict
    summary: dict
    created_at: datetime.datetime
    applied_at: datetime.datetime | None


class RecallOut(Schema):
    id: int
    campaign_id: int
    pool: str = Field(..., alias="pool.barcode")
    resident_id: int
    name: str = Field(..., alias="resident.name")
    phone: str = Field(..., alias="resident.masked_phone")
    dwelling_id: int | None = Field(..., alias="resident.dwelling_id")
    dwelling: str
    outcome: str
    recalled_at: datetime.datetime
    cleared_at: datetime.datetime | None

    @staticmethod
    def resolve_dwelling(recall) -> str:
        dwelling = recall.resident.dwelling
        return dwelling.label if dwelling else ""


def decoded(text: str) -> bytes:
    if text.startswith("data:") and "," in text:
        text = text.split(",", 1)[1]
    if len(text) > settings.IMPORT_MAX_BYTES * 4 // 3 + 4:
        error(
            _("The file is larger than %(mb)s MB: split it.") % {"mb": settings.IMPORT_MAX_BYTES // (1024 * 1024)}, 413
        )
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        error(_("The file's content must be base64."), 422)


def visible_import(request, import_id: int) -> ResultImport:
    imp = get_visible_or_404(request.user, Can.RUN_TESTING, ResultImport.objects.defer("data"), pk=import_id)
    if not holds_community(request.user, Can.RUN_TESTING, imp.community_id):
        error(_("Not found, or not yours to see."), 404)
    return imp


@router.post("/testing/result-imports", response=answers({201: ImportOut}, 404, 413))
def upload_results(request, data: ResultFileIn):
    """Checks a lab file and stores its preview; `status` is previewed (apply it) or refused
    (`report.errors` names each row's problem, `report.file_error` the file's)."""
    community = get_visible_or_404(request.user, Can.RUN_TESTING, Community.objects.all(), pk=data.community_id)
    if not holds_community(request.user, Can.RUN_TESTING, community.pk):
        error(_("Not found, or not yours to see."), 404)
    return 201, results.upload(community, request.user, data.filename, decoded(data.content))


@router.get("/testing/result-imports/{import_id}", response=answers({200: ImportOut}, 404))
def get_result_import(request, import_id: Id):
    return visible_import(request, import_id)


@router.post("/testing/result-imports/{import_id}/apply", response=answers({200: ImportOut}, 404, 409))
def apply_results(request, import_id: Id):
    """All or nothing; applying again answers the same. 409 when the file has errors, or when
    results arrived for its tubes since the preview (the preview is fresh: look and apply)."""
    imp = visible_import(request, import_id)
    try:
        results.apply(imp, request.user)
    except results.NotApplied as refused:
        error(refused.message, 409)
    imp.refresh_from_db()
    return imp


@router.get("/testing/recalls", response=list[RecallOut])
@paginate(Page)
def list_recalls(request, campaign_id: Id | None = None, pending: bool = False):
    """The recall list, by building and dwelling; phones masked (the resident's reveal is audited)."""
    rows = recalls.recalls_for(request.user, campaign_id).select_related("resident__dwelling__building", "pool")
    if pending:
        rows = rows.filter(outcome=Result.PENDING)
    return rows.order_by("resident__dwelling__building__number", "resident__dwelling__room", "resident__name", "id")
