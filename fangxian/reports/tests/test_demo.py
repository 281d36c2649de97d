"""The demo's street day: every community of Tianqiao but one reported yesterday, one of them
a zero report, one corrected, one late; the missing one is counted as missing, not as zero."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from fangxian.places.models import Street
from fangxian.reports import reporting
from fangxian.reports.models import ReportVersion


@pytest.fixture
def demo(db):
    from fangxian.demo.management.commands.demo import delete_demo

    delete_demo()
    call_command("demo", "--residents", "40", stdout=io.StringIO())


def test_the_demo_street_day(demo):
    tianqiao = Street.objects.get(code="110102015")
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    rollup = reporting.rollup(tianqiao.communities.all(), yesterday)
    status = {r.community.name_zh: r.status for r in rollup.rows}
    assert status.pop("太平街社区") == reporting.Status.MISSING
    assert status.pop("留学路社区") == reporting.Status.LATE
    assert set(status.values()) == {reporting.Status.ON_TIME}
    street = rollup.streets[0]
    assert (street.reported, street.expected, street.zero_reports) == (7, 8, 1)
    corrected = ReportVersion.objects.get(report__community__name_zh="永安路社区", report__day=yesterday, number=2)
    assert "发热" in corrected.reason and corrected.figures["gate_fevers"] == corrected.prefilled["gate_fevers"] + 1
    today = {
        r.community.name_zh: r.version for r in reporting.rollup(tianqiao.communities.all(), timezone.localdate()).rows
    }
    assert today["香厂路社区"] is None  # left for demo-secretary to submit
