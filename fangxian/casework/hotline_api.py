"""12345 work orders through the API: POST /work-orders takes a batch for one street, with
the Excel import's rules (routing, categories, deadlines, updates by 工单编号), all or nothing."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from ninja import Field, Router, Schema

from fangxian.accounts.apikit import Id, Input, answers
from fangxian.accounts.scoping import Can, holds_place, visible
from fangxian.places.models import Community, Street

from . import workorders
from .models import Case

router = Router(tags=["casework"])
MAX_ORDERS = 2000  # larger batches go through the Excel import, which runs as a job


class OrderIn(Input):
    number: str = Field(..., max_length=workorders.MAX_NUMBER, description="工单编号, the hotline's number.")
    received_at: str = Field(..., max_length=40, description="受理时间, like 2020-03-01T09:15:00+08:00.")
    what: str = Field(..., max_length=2000, description="诉求内容.")
    reporter_name: str = Field("", max_length=50)
    reporter_phone: str = Field("", max_length=20)
    category: str = Field("", max_length=100, description="问题分类: a category's name or code; else Other.")
    address: str = Field("", max_length=300)
    unit: str = Field("", max_length=100, description="承办单位: a community's name routes the order to it.")
    deadline: str = Field("", max_length=40, description="办理时限: a time, or 5个工作日 / 24小时.")


class BatchIn(Input):
    street_id: Id
    orders: list[OrderIn] = Field(..., min_length=1, max_length=MAX_ORDERS)


class OrderOut(Schema):
    number: str
    case_id: int
    result: str  # created, updated, unchanged, closed (a case closed here is left as it is)
    community_id: int | None


class BatchOut(Schema):
    created: int
    updated: int
    unchanged: int
    closed: int
    orders: list[OrderOut]


def street_for(user, street_id: int) -> Street:
    """The street, for whoever takes its orders in; 403 for a role inside it that does not,
    404 for anyone else."""
    street = Street.objects.filter(pk=street_id).first()
    if street is None:
        raise Http404
    if holds_place(user, Can.HANDLE_CASES, "street", street.pk):
        return street
    if visible(user, Can.VIEW_PLACES, Community.objects.filter(street=street)).exists():
        raise PermissionDenied
    raise Http404


@router.post("/work-orders", response=answers({200: BatchOut}, 404))
def take_work_orders(request, data: BatchIn):
    """Up to 2,000 work orders for one street. Every order is checked first: one refused order
    means none is written, and the answer names each (`orders.3.received_at`)."""
    street = street_for(request.user, data.street_id)
    orders = [o.model_dump() for o in data.orders]
    report, plans = workorders.import_orders(street, orders, request.user)
    if not report.ok:
        detail: dict[str, list[str]] = {}
        for e in report.errors:
            detail.setdefault(f"orders.{e.line}.{e.key}", []).append(e.message)
        raise ValidationError(detail)

    ids = dict(
        Case.objects.filter(street=street, hotline_number__in=[p.number for p in plans]).values_list(
            "hotline_number", "id"
        )
    )
    return {
        **report.summary,
        "orders": [
            {
                "number": p.number,
                "case_id": ids[p.number],
                "result": workorders.result_of(p),
                "community_id": p.values["community_id"]
                if p.current is None or p.routed
                else p.current["community_id"],
            }
            for p in plans
        ],
    }
