"""The daily report: what the system pre-fills from each app, zero reports, versions that never
overwrite, the deadline, the roll-up where missing is never zero, the prints, the Excel, the
API's refusals and the cron reminder."""

from __future__ import annotations

import datetime
import io
import json
import uuid
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone
from django.utils.translation import gettext

from fangxian.accounts.models import AuditEvent
from fangxian.casework.models import Case
from fangxian.casework.tests.conftest import make_case
from fangxian.gate.models import Gate, Pass, Verdict
from fangxian.reports import reporting
from fangxian.reports.counting import prefill
from fangxian.reports.models import FIGURES, DailyReport, Deadline, ReportVersion
from fangxian.supplies.models import Item
from fangxian.supplies.tests.test_documents import pdf_text
from fangxian.testing.models import Campaign, Result, Sample, Tube
from fangxian.watch import observations

pytestmark = pytest.mark.django_db

ONES = dict.fromkeys(FIGURES, 1)


def at_local(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


@pytest.fixture
def clock(monkeypatch):
    """Sets the time of day: clock(15) is 15:00 today, local."""
    real_now = timezone.now
    today = timezone.localdate()

    def set_to(hour: int, minute: int = 0, day: datetime.date | None = None) -> datetime.datetime:
        moment = at_local(day or today, hour, minute)
        monkeypatch.setattr(timezone, "now", lambda: moment)
        return moment

    yield set_to
    monkeypatch.setattr(timezone, "now", real_now)


def counted(world, day=None) -> dict[str, int]:
    return prefill([world.xiangchang.pk, world.yongan.pk], day or timezone.localdate())[world.xiangchang.pk]


def test_nothing_happened_counts_zero_everywhere(world):
    assert counted(world) == dict.fromkeys(FIGURES, 0)


def test_observations_running_new_and_released_today(world):
    someone, other = world.resident(world.xiangchang, "1"), world.resident(world.xiangchang, "2")
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    kept = observations.start(someone, "home", timezone.localdate(), world.users["secretary"])
    released = observations.start(other, "home", timezone.localdate(), world.users["secretary"])
    Observation = type(kept)
    Observation.objects.filter(pk=released.pk).update(created_at=at_local(yesterday, 9))
    observations.release(released, world.users["secretary"], "期满")
    observations.start(world.resident(world.yongan), "home", timezone.localdate(), world.users["secretary"])
    numbers = counted(world)
    assert (numbers["under_observation"], numbers["new_observations"], numbers["released"]) == (1, 1, 1)
    # Yesterday, before the release: both were under observation, one of them new.
    before = counted(world, yesterday)
    assert (before["under_observation"], before["new_observations"], before["released"]) == (1, 1, 0)


def scan(gate: Gate, temperature: str | None, when: datetime.datetime | None = None) -> Pass:
    return Pass.objects.create(
        gate=gate,
        kind=Pass.Kind.PERMIT,
        verdict=Verdict.FEVER if temperature and Decimal(temperature) >= Decimal("37.3") else Verdict.ADMIT,
        direction="in",
        temperature=Decimal(temperature) if temperature else None,
        no_temperature="" if temperature else Pass.NoTemperature.GOING_OUT,
        scanned_at=when or timezone.now(),
        client_id=uuid.uuid4(),
    )


def test_fevers_at_the_gates_of_the_community_today(world):
    gate = Gate.objects.create(community=world.xiangchang, name="东门")
    scan(gate, "37.3")
    scan(gate, "38.1")
    scan(gate, "37.2")
    scan(gate, None)
    scan(gate, "39.0", timezone.now() - datetime.timedelta(days=1))
    scan(Gate.objects.create(community=world.yongan, name="南门"), "38.5")
    assert counted(world)["gate_fevers"] == 2


def test_swabs_positive_tubes_and_confirmed_positives(world):
    now = timezone.now()
    campaign = Campaign.objects.create(
        community=world.xiangchang, name="全员核酸", starts_at=now - datetime.timedelta(hours=3), ends_at=now
    )
    pool = Tube.objects.create(
        campaign=campaign, barcode="P001", capacity=10, size=2, result=Result.POSITIVE, result_at=now
    )
    single = Tube.objects.create(
        campaign=campaign, barcode="S001", capacity=1, size=1, retest=True, result=Result.POSITIVE, result_at=now
    )
    negative = Tube.objects.create(
        campaign=campaign, barcode="N001", capacity=10, size=1, result=Result.NEGATIVE, result_at=now
    )
    first, second = world.resident(world.xiangchang, "1"), world.resident(world.xiangchang, "2")
    for tube, resident, outcome in (
        (pool, first, Sample.Outcome.RECALLED),
        (pool, second, Sample.Outcome.RECALLED),
        (single, first, Sample.Outcome.POSITIVE),
        (negative, world.resident(world.xiangchang, "1"), Sample.Outcome.NEGATIVE),
    ):
        Sample.objects.create(
            campaign=campaign,
            tube=tube,
            resident=resident,
            position=tube.samples.count() + 1,
            sampled_at=now,
            client_id=uuid.uuid4(),
            outcome=outcome,
        )
    numbers = counted(world)
    assert (numbers["samples"], numbers["positive_tubes"], numbers["positives"]) == (4, 2, 1)


def test_cases_and_complaints_open(world):
    make_case(world)  # a hotline work order: a complaint
    make_case(world, source="patrol")  # the community's own finding: a case, not a complaint
    closed = make_case(world, source="phone")
    Case.objects.filter(pk=closed.pk).update(state=Case.State.RESOLVED, handled_at=timezone.now())
    numbers = counted(world)
    assert (numbers["cases_open"], numbers["complaints_open"]) == (2, 1)


def test_supplies_below_their_minimum(world):
    Item.objects.create(community=world.xiangchang, name="口罩", unit="个", minimum=100)
    Item.objects.create(community=world.xiangchang, name="酒精", unit="斤")  # no minimum: never short
    Item.objects.create(community=world.yongan, name="口罩", unit="个", minimum=100)
    assert counted(world)["supplies_short"] == 1


def test_a_correction_is_a_new_version_and_the_first_stays(world):
    secretary = world.users["secretary"]
    today = timezone.localdate()
    first = reporting.submit(world.xiangchang, today, secretary, figures=ONES, notes="正常")
    with pytest.raises(ValidationError) as refused:
        reporting.submit(world.xiangchang, today, secretary, figures={**ONES, "gate_fevers": 3})
    assert "reason" in refused.value.message_dict
    second = reporting.submit(world.xiangchang, today, secretary, figures={**ONES, "gate_fevers": 3}, reason="复测")
    first.refresh_from_db()
    assert (first.number, first.figures["gate_fevers"], first.reason) == (1, 1, "")
    assert (second.number, second.figures["gate_fevers"], second.reason) == (2, 3, "复测")
    assert second.changed == FIGURES  # the system counted zeros: every figure was set by hand
    assert DailyReport.objects.get().versions.count() == 2
    rollup = reporting.rollup(world.xiangchang.street.communities.all(), today)
    assert rollup.rows[0].version.number == 2 and rollup.total.sums["gate_fevers"] == 3


def test_a_zero_report_is_flagged_not_merely_zeros(world):
    today = timezone.localdate()
    zero = reporting.submit(world.xiangchang, today, world.users["secretary"], figures=None, zero_report=True)
    zeros = reporting.submit(world.yongan, today, world.users["secretary"], figures=dict.fromkeys(FIGURES, 0))
    assert zero.zero_report and zero.figures == dict.fromkeys(FIGURES, 0)
    assert not zeros.zero_report
    assert reporting.rollup(world.tianqiao.communities.all(), today).total.zero_reports == 1


def test_a_zero_report_against_what_the_system_counted_says_why(world):
    Item.objects.create(community=world.xiangchang, name="口罩", unit="个", minimum=100)
    today = timezone.localdate()
    with pytest.raises(ValidationError) as refused:
        reporting.submit(world.xiangchang, today, world.users["secretary"], figures=None, zero_report=True)
    assert "notes" in refused.value.message_dict
    version = reporting.submit(
        world.xiangchang, today, world.users["secretary"], figures=None, zero_report=True, notes="口罩已到货未入账"
    )
    assert version.prefilled["supplies_short"] == 1 and version.figures["supplies_short"] == 0


@pytest.mark.parametrize("bad", [-1, 1_000_001, "12a", "", None, True, 1.5, "１２"])
def test_figures_are_whole_numbers(world, bad):
    with pytest.raises(ValidationError) as refused:
        reporting.submit(
            world.xiangchang, timezone.localdate(), world.users["secretary"], figures={**ONES, "samples": bad}
        )
    assert list(refused.value.message_dict) == ["samples"]
    assert not DailyReport.objects.exists()


def test_no_report_for_a_day_to_come(world):
    with pytest.raises(ValidationError):
        reporting.submit(
            world.xiangchang, timezone.localdate() + datetime.timedelta(days=1), world.users["secretary"], figures=ONES
        )


def test_the_deadline_makes_a_report_late_and_a_corrected_one_stays_on_time(world, clock):
    Deadline.objects.create(street=world.tianqiao, due=datetime.time(12, 0))
    today = timezone.localdate()
    clock(11, 59)
    reporting.submit(world.xiangchang, today, world.users["secretary"], figures=ONES)
    clock(12, 1)
    reporting.submit(world.yongan, today, world.users["secretary"], figures=ONES)
    clock(18)
    reporting.submit(world.xiangchang, today, world.users["secretary"], figures=ONES, reason="更正")
    statuses = {r.community.pk: r.status for r in reporting.rollup(world.tianqiao.communities.all(), today).rows}
    assert statuses == {world.xiangchang.pk: reporting.Status.ON_TIME, world.yongan.pk: reporting.Status.LATE}


def test_missing_only_after_the_deadline_and_never_summed(world, clock):
    today = timezone.localdate()
    clock(10)
    reporting.submit(world.xiangchang, today, world.users["secretary"], figures={**ONES, "samples": 40})
    communities = world.tianqiao.communities.all()
    before = reporting.rollup(communities, today)
    assert [r.status for r in before.rows] == [reporting.Status.ON_TIME, reporting.Status.AWAITED]
    clock(16, 1)  # the default deadline, 16:00, has passed
    after = reporting.rollup(communities, today)
    street = after.streets[0]
    assert [r.status for r in after.rows] == [reporting.Status.ON_TIME, reporting.Status.MISSING]
    assert (street.reported, street.expected, street.missing, street.sums["samples"]) == (1, 2, 1, 40)
    assert after.rows[1].values == []  # no figures at all, not zeros


def test_a_street_where_no_one_reported_has_no_sums(world):
    rollup = reporting.rollup(world.tianqiao.communities.all(), timezone.localdate())
    assert rollup.total.reported == 0 and set(rollup.total.sums.values()) == {None}


def test_rolled_up_to_streets_and_district(world):
    today = timezone.localdate()
    reporting.submit(world.xiangchang, today, world.users["secretary"], figures={**ONES, "samples": 5})
    reporting.submit(world.liulichang, today, world.users["outsider"], figures={**ONES, "samples": 7})
    rollup = reporting.rollup(reporting.readable_communities(world.users["district_admin"]), today)
    by_street = {t.place_id: (t.reported, t.expected, t.sums["samples"]) for t in rollup.streets}
    assert by_street == {world.tianqiao.pk: (1, 2, 5), world.chunshu.pk: (1, 1, 7)}
    assert [(d.reported, d.expected, d.sums["samples"]) for d in rollup.districts] == [(2, 3, 12)]


def test_the_day_page_says_n_of_m_and_missing(world, client_for, clock):
    clock(17)
    reporting.submit(world.xiangchang, timezone.localdate(), world.users["secretary"], figures=ONES)
    page = client_for("street_admin").get("/daily-reports/").content.decode()
    assert "应报 2 个社区，已报 1 个" in page and "未报 1 个" in page
    assert f'class="missing" data-community="{world.yongan.pk}"' in page


def test_the_secretary_submits_through_the_form(world, client_for):
    url = f"/daily-reports/communities/{world.xiangchang.pk}/"
    client = client_for("secretary")
    form = client.get(url)
    assert 'name="samples" value="0"' in form.content.decode()
    refused = client.post(url, {**ONES, "samples": "abc"})
    assert refused.status_code == 400 and not DailyReport.objects.exists()
    assert 'value="abc"' in refused.content.decode()  # what was typed is kept
    assert client.post(url, {**ONES, "notes": "正常"}).status_code == 302
    assert client.post(url, {**ONES, "zero_report": "on"}).status_code == 400  # a correction needs its reason
    assert client.post(url, {**ONES, "zero_report": "on", "reason": "误报"}).status_code == 302
    versions = list(ReportVersion.objects.order_by("number"))
    assert [(v.number, v.zero_report) for v in versions] == [(1, False), (2, True)]
    assert versions[0].submitted_by == world.users["secretary"]


def test_the_community_worker_sees_the_counts_but_cannot_submit(world, client_for):
    url = f"/daily-reports/communities/{world.xiangchang.pk}/"
    page = client_for("community_worker").get(url).content.decode()
    assert 'id="counted"' in page and '<form method="post" class="stack report-form"' not in page
    assert client_for("community_worker").post(url, ONES).status_code == 403


def test_a_bad_day_in_the_address_is_said_and_today_shown(world, client_for):
    response = client_for("street_admin").get("/daily-reports/?day=2026-02-30")
    assert response.status_code == 200 and timezone.localdate().isoformat() in response.content.decode()


@pytest.mark.needs("pango", "fonts", "pdftotext")
def test_community_print(world, client_for):
    today = timezone.localdate()
    reporting.submit(world.xiangchang, today, world.users["secretary"], figures={**ONES, "samples": 321})
    reporting.submit(world.xiangchang, today, world.users["secretary"], figures=ONES, reason="重复登记已剔除")
    response = client_for("street_admin").get(f"/daily-reports/communities/{world.xiangchang.pk}/pdf/")
    text = pdf_text(response)
    assert "香厂路社区" in text and "重复登记已剔除" in text and "321" not in text
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert event.community_id == world.xiangchang.pk and event.detail["list"] == "daily_report"


def test_no_print_of_a_report_there_is_not(world, client_for):
    response = client_for("street_admin").get(f"/daily-reports/communities/{world.xiangchang.pk}/pdf/")
    assert response.status_code == 404


@pytest.mark.needs("pango", "fonts", "pdftotext")
def test_street_print_marks_the_missing(world, client_for, clock):
    clock(17)
    reporting.submit(world.xiangchang, timezone.localdate(), world.users["secretary"], figures={**ONES, "samples": 77})
    text = pdf_text(client_for("street_admin").get(f"/daily-reports/streets/{world.tianqiao.pk}/pdf/"))
    text = text.replace("\n", "")  # names wrap in the table's narrow cells
    assert "香厂路社区" in text and "永安路社区" in text and "77" in text
    assert str(reporting.STATUS_LABELS[reporting.Status.MISSING]) in text


def test_the_districts_excel_one_row_per_community_numbers_as_numbers(world, client_for, clock):
    clock(17)
    today = timezone.localdate()
    reporting.submit(world.xiangchang, today, world.users["secretary"], figures={**ONES, "samples": 12})
    reporting.submit(world.liulichang, today, world.users["outsider"], figures=None, zero_report=True)
    response = client_for("district_admin").get(f"/daily-reports/?day={today.isoformat()}&format=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header, body, total = rows[0], rows[1:-1], rows[-1]
    samples = header.index(str(reporting.LABELS["samples"]))
    status = header.index(gettext("status"))
    by_code = {r[3]: r for r in body}
    assert set(by_code) == {world.xiangchang.code, world.yongan.code, world.liulichang.code}
    assert by_code[world.xiangchang.code][samples] == 12 and isinstance(by_code[world.xiangchang.code][samples], int)
    assert by_code[world.liulichang.code][samples] == 0
    missing = by_code[world.yongan.code]
    assert missing[status] == str(reporting.STATUS_LABELS[reporting.Status.MISSING]) and missing[samples] is None
    assert total[samples] == 12
    events = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT)
    assert {e.community_id for e in events} == {world.xiangchang.pk, world.yongan.pk, world.liulichang.pk}


def api_post(client, community, body):
    return client.post(
        f"/api/v1/daily-reports/communities/{community.pk}", data=json.dumps(body), content_type="application/json"
    )


def test_api_submit_correct_and_read(world, api_for):
    client = api_for("secretary")
    today = timezone.localdate().isoformat()
    made = api_post(client, world.xiangchang, {"day": today, "figures": ONES})
    assert made.status_code == 201 and made.json()["versions"][0]["number"] == 1
    fixed = api_post(client, world.xiangchang, {"day": today, "figures": {**ONES, "positives": 0}, "reason": "复核"})
    assert [v["number"] for v in fixed.json()["versions"]] == [2, 1]
    assert fixed.json()["figures"]["positives"] == 0
    day = api_for("street_admin").get(f"/api/v1/daily-reports?day={today}").json()
    yongan = next(c for c in day["communities"] if c["community_id"] == world.yongan.pk)
    assert yongan["figures"] is None and yongan["status"] in ("missing", "awaited")
    assert day["total"]["reported"] == 1 and day["total"]["expected"] == 2


@pytest.mark.parametrize(
    "body, status, field",
    [
        ({"day": "2026-02-30", "figures": ONES}, 422, "day"),
        ({"day": "TODAY", "figures": {**ONES, "samples": -1}}, 422, "figures"),
        ({"day": "TODAY", "figures": {**ONES, "samples": True}}, 422, "figures"),
        ({"day": "TODAY"}, 422, "samples"),
        ({"day": "TODAY", "figures": dict.fromkeys(FIGURES[:3], 1)}, 422, "figures"),
        ({"day": "TOMORROW", "figures": ONES}, 422, "day"),
        ({"day": "TODAY", "figures": ONES, "notes": "x" * 2001}, 422, "notes"),
        ({"day": "TODAY", "figures": ONES, "zero_report": "maybe"}, 422, "zero_report"),
    ],
)
def test_api_refusals_are_4xx_and_keep_nothing(world, api_for, body, status, field):
    days = {"TODAY": timezone.localdate(), "TOMORROW": timezone.localdate() + datetime.timedelta(days=1)}
    body = {**body, "day": days[body["day"]].isoformat() if body["day"] in days else body["day"]}
    response = api_post(api_for("secretary"), world.xiangchang, body)
    assert response.status_code == status, response.content
    assert field in json.dumps(response.json()["detail"])
    assert not DailyReport.objects.exists()


def test_api_a_correction_without_reason(world, api_for):
    body = {"day": timezone.localdate().isoformat(), "figures": ONES}
    assert api_post(api_for("secretary"), world.xiangchang, body).status_code == 201
    again = api_post(api_for("secretary"), world.xiangchang, body)
    assert again.status_code == 422 and "reason" in again.json()["detail"]
    assert ReportVersion.objects.count() == 1


def test_api_unknown_community_and_bad_day(world, api_for):
    assert api_for("street_admin").get("/api/v1/daily-reports/communities/999999").status_code == 404
    assert api_for("street_admin").get("/api/v1/daily-reports?day=yesterday").status_code == 422


def test_reminder_lists_the_missing_after_the_deadline(world, clock):
    clock(17)
    reporting.submit(world.xiangchang, timezone.localdate(), world.users["secretary"], figures=ONES)
    out = io.StringIO()
    call_command("daily_report_reminders", stdout=out)
    text = out.getvalue()
    assert world.yongan.name_zh in text and world.liulichang.name_zh in text and world.xiangchang.name_zh not in text


def test_the_street_office_sets_the_deadline_and_sent_reports_keep_theirs(world, client_for, api_for, clock):
    today = timezone.localdate()
    clock(15)
    reporting.submit(world.xiangchang, today, world.users["secretary"], figures=ONES)
    office = client_for("street_admin")
    assert office.post(f"/daily-reports/streets/{world.tianqiao.pk}/deadline/", {"due": "4pm"}).status_code == 302
    assert not Deadline.objects.exists()
    office.post(f"/daily-reports/streets/{world.tianqiao.pk}/deadline/", {"due": "14:30"})
    assert Deadline.objects.get(street=world.tianqiao).due == datetime.time(14, 30)
    statuses = {r.community.pk: r.status for r in reporting.rollup(world.tianqiao.communities.all(), today).rows}
    assert statuses == {world.xiangchang.pk: reporting.Status.ON_TIME, world.yongan.pk: reporting.Status.MISSING}
    answer = api_for("district_admin").post(
        f"/api/v1/daily-reports/streets/{world.tianqiao.pk}/deadline",
        data=json.dumps({"due": "25:00"}),
        content_type="application/json",
    )
    assert answer.status_code == 422
