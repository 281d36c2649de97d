"""Testing under /api/v1/testing/...: registering swabs at the table (a batch, answered in
order, each item accepted or refused with its reason), a tube's state, closing a tube by
hand, ordering a sheet of tube labels. Other parts of testing add their routers here."""

from __future__ import annotations

import datetime
import uuid
from typing import Annotated, Any

from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.responses import NinjaJSONEncoder

from fangxian.accounts.apikit import (
    NOT_TRUE_OR_FALSE,
    Id,
    Input,
    Moment,
    Refused,
    answers,
    batch_item,
    error,
    not_found,
)
from fangxian.accounts.scoping import Can, can, get_visible_or_404, visible
from fangxian.gate.api import short
from fangxian.lib.masking import mask_name

from . import labels, sampling
from .campaigns_api import router as campaigns_router
from .models import Campaign, LabelSheet, Tube
from .results_api import router as results_router
from .table_views import label_communities, order_labels

router = Router(tags=["testing"])
router.add_router("", campaigns_router)
router.add_router("", results_router)


class SampleIn(Input):
    campaign_id: Id
    client_id: uuid.UUID
    tube: str = Field(..., min_length=1, max_length=64)
    permit_code: str = Field("", max_length=1000)
    id_number: str = Field("", max_length=40)
    sampled_at: Moment
    site_id: Id | None = None


class SamplesIn(Schema):
    samples: list[Any] = Field(..., max_length=sampling.MAX_BATCH)  # each checked on its own


class TubeOut(Schema):
    barcode: str
    size: int
    capacity: int
    status: str
    retest: bool
    members: list[str]
    opened_at: datetime.datetime
    closed_at: datetime.datetime | None


def sampled_campaigns(request):
    return visible(request.user, Can.SAMPLE, Campaign.objects.all())


@router.post("/testing/samples", response=answers({200: dict}, 403))
def register_samples(request, data: SamplesIn):
    """Up to 500 registrations, answered in order: `accepted` with the tube as it now is, or
    refused with the reason in the user's words. Sent again, a registration is answered as it
    was stored (`replay`)."""
    if not can(request.user, Can.SAMPLE):
        error(_("Registering swabs is not part of your role."), 403)
    slots: list[dict | None] = [None] * len(data.samples)
    runs: list[tuple[Campaign, list[tuple[int, sampling.Registration]]]] = []
    campaigns: dict[int, Campaign | None] = {}
    for index, raw in enumerate(data.samples):
        try:
            item = batch_item(SampleIn, raw)
        except Refused as exc:
            client_id = raw.get("client_id") if isinstance(raw, dict) else None
            slots[index] = sampling.refused(client_id if isinstance(client_id, str) else None, short(exc))
            continue
        if item.campaign_id not in campaigns:
            campaigns[item.campaign_id] = sampled_campaigns(request).filter(pk=item.campaign_id).first()
        campaign = campaigns[item.campaign_id]
        if campaign is None:
            slots[index] = sampling.refused(item.client_id, _("Not found, or not yours to see."))
            continue
        registration = sampling.Registration(
            client_id=item.client_id,
            tube=item.tube,
            sampled_at=item.sampled_at,
            permit_code=item.permit_code,
            id_number=item.id_number,
            site_id=item.site_id,
        )
        # Consecutive items of one campaign go together: order is kept, the campaign read once.
        if runs and runs[-1][0].pk == campaign.pk:
            runs[-1][1].append((index, registration))
        else:
            runs.append((campaign, [(index, registration)]))
    for campaign, items in runs:
        for (index, _item), answer in zip(
            items, sampling.register(campaign, [i for _index, i in items], request.user), strict=True
        ):
            slots[index] = answer
    # Built here in its final shape: validating every answer again would cost a tenth of a registration.
    return JsonResponse({"results": slots}, encoder=NinjaJSONEncoder)


def tube_of(request, campaign_id: int, barcode: str) -> Tube:
    try:
        campaign = get_visible_or_404(request.user, Can.SAMPLE, Campaign.objects.all(), pk=campaign_id)
    except Http404:
        not_found()
    tube = Tube.objects.filter(campaign=campaign, barcode="".join(barcode.split()).upper()[:64]).first()
    if tube is None:
        not_found()
    return tube


def tube_out(tube: Tube) -> dict:
    members = [s.resident.name for s in tube.samples.select_related("resident")]
    return {
        **sampling.tube_out(tube),
        "members": [mask_name(n) for n in members],
        "opened_at": tube.opened_at,
        "closed_at": tube.closed_at,
    }


@router.get("/testing/campaigns/{campaign_id}/tubes/{barcode}", response=answers({200: TubeOut}))
def tube_state(request, campaign_id: Id, barcode: str):
    """A tube of the campaign: how full it is, who is in it (names masked), open or closed."""
    return tube_out(tube_of(request, campaign_id, barcode))


@router.post("/testing/campaigns/{campaign_id}/tubes/{barcode}/close", response=answers({200: TubeOut}, 409))
def close_tube(request, campaign_id: Id, barcode: str):
    """Closes a tube before it is full: the last of a household, the end of a morning."""
    tube = tube_of(request, campaign_id, barcode)
    try:
        sampling.close_tube(tube)
    except sampling.Refusal as exc:
        error(exc.reason, 409)
    return Status(200, tube_out(tube))


class LabelsIn(Input):
    community_id: Id
    pages: Annotated[int, Field(ge=1, le=labels.MAX_PAGES), NOT_TRUE_OR_FALSE] = 1


class LabelsOut(Schema):
    job_id: int
    first: str
    last: str
    count: int


@router.post("/testing/label-sheets", response=answers({202: LabelsOut}, 404))
def order_label_sheet(request, data: LabelsIn):
    """New tube numbers on A4 label sheets (30 a page), printed as a job: its file is at
    /jobs/{job_id}/file/ once GET /api/v1/jobs/{job_id} says it is done."""
    community = label_communities(request.user).filter(pk=data.community_id).first()
    if community is None:
        not_found()
    job = order_labels(request.user, community, data.pages)
    sheet = LabelSheet.objects.get(pk=job.params["sheet"])
    return Status(
        202,
        {
            "job_id": job.pk,
            "first": labels.number(community, sheet.first),
            "last": labels.number(community, sheet.first + sheet.count - 1),
            "count": sheet.count,
        },
    )
