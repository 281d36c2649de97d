"""Tubes and lab files for the results tests: a campaign, closed pools of named residents, and
files that report on them (CSV, Excel, HL7)."""

from __future__ import annotations

import datetime
import uuid

from django.utils import timezone

from fangxian.lib.tabular import write_xlsx
from fangxian.people.models import Resident
from fangxian.testing.models import Campaign, Sample, Tube


def campaign(community, pool_size: int = 10) -> Campaign:
    now = timezone.now()
    return Campaign.objects.create(
        community=community,
        name="全员核酸",
        starts_at=now - datetime.timedelta(days=1),
        ends_at=now + datetime.timedelta(days=1),
        pool_size=pool_size,
    )


def tube(camp: Campaign, barcode: str, residents: list[Resident], closed: bool = True, sampled_at=None) -> Tube:
    """A tube holding these residents' swabs, closed unless told (a pool of one is a single test)."""
    sampled_at = sampled_at or timezone.now() - datetime.timedelta(hours=3)
    t = Tube.objects.create(
        campaign=camp,
        barcode=barcode,
        capacity=1 if len(residents) <= 1 else max(camp.pool_size, len(residents)),
        size=len(residents),
        retest=len(residents) == 1,
        status=Tube.Status.CLOSED if closed else Tube.Status.OPEN,
        closed_at=sampled_at if closed else None,
    )
    for position, resident in enumerate(residents, start=1):
        Sample.objects.create(
            campaign=camp,
            tube=t,
            resident=resident,
            position=position,
            sampled_at=sampled_at,
            client_id=uuid.uuid4(),
        )
    return t


def residents_of(community, n: int) -> list[Resident]:
    return list(Resident.objects.filter(community=community).order_by("id")[:n])


def when(hours_ago: float = 1) -> str:
    return timezone.localtime(timezone.now() - datetime.timedelta(hours=hours_ago)).strftime("%Y-%m-%d %H:%M")


def csv_file(rows: list[tuple], header=("管号", "结果", "时间")) -> bytes:
    lines = [",".join(header)] + [",".join(str(c) for c in row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def xlsx_file(rows: list[tuple], header=("tube barcode", "result", "time")) -> bytes:
    return write_xlsx(list(header), [list(r) for r in rows])


def hl7_file(results: list[tuple[str, str, str]], code: str = "94533-7", status: str = "F") -> bytes:
    """One ORU^R01 message per tube: (tube, OBX-5 coded result, OBX-14 time as HL7 TS)."""
    messages = []
    for i, (barcode, result, at) in enumerate(results, start=1):
        messages.append(
            "\r".join(
                [
                    f"MSH|^~\\&|LAB|CDC|FANGXIAN|XC|{at}||ORU^R01^ORU_R01|{i}|P|2.5.1",
                    "PID|1||POOL",
                    f"OBR|1||{barcode}|{code}^SARS-CoV-2 RNA^LN|||{at}",
                    f"SPM|1|{barcode}||119342007^Saliva^SCT",
                    f"OBX|1|CWE|{code}^SARS-CoV-2 RNA Resp Ql NAA+probe^LN||{result}||||||{status}|||{at}",
                ]
            )
        )
    return ("\r".join(messages) + "\r").encode()


def hl7_time(hours_ago: float = 1) -> str:
    return timezone.localtime(timezone.now() - datetime.timedelta(hours=hours_ago)).strftime("%Y%m%d%H%M%S%z")
