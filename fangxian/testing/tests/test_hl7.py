"""HL7 v2 ORU^R01 from a lab system, read by python-hl7: specimen, result, time."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from fangxian.testing import results
from fangxian.testing.models import Result, ResultImport, Tube

from .lab import campaign, hl7_file, hl7_time, residents_of, tube


@pytest.fixture
def pools(world):
    camp = campaign(world.xiangchang)
    people = residents_of(world.xiangchang, 20)
    return tube(camp, "XC0001", people[:10]), tube(camp, "XC0002", people[10:])


def upload(world, data: bytes) -> ResultImport:
    return results.upload(world.xiangchang, world.users["health_worker"], "lab.hl7", data)


def test_coded_results_from_two_messages(world, pools):
    data = hl7_file(
        [("XC0001", "260415000^Not detected^SCT", hl7_time(2)), ("XC0002", "10828004^Positive^SCT", hl7_time(1))]
    )
    imp = upload(world, data)
    assert imp.kind == ResultImport.Kind.HL7 and imp.status == ResultImport.Status.PREVIEWED, imp.report
    results.apply(imp, world.users["health_worker"])
    assert dict(Tube.objects.values_list("barcode", "result")) == {"XC0001": "negative", "XC0002": "positive"}


def test_both_loinc_codes_text_results_and_line_endings(world, pools):
    data = hl7_file([("XC0001", "阴性", hl7_time()), ("XC0002", "Detected", hl7_time())], code="95608-6")
    imp = upload(world, data.replace(b"\r", b"\r\n"))
    assert imp.report["plan"]["negative"] == 1 and imp.report["plan"]["positive"] == 1, imp.report


def test_the_order_number_stands_in_for_a_missing_specimen_and_obr7_for_obx14(world, pools):
    at = hl7_time()
    message = (
        f"MSH|^~\\&|LAB|CDC|FX|XC|{at}||ORU^R01|1|P|2.5.1\r"
        f"OBR|1||XC0001|94533-7^SARS-CoV-2 RNA^LN|||{at}\r"
        "OBX|1|CWE|94533-7^SARS-CoV-2 RNA^LN||260415000^Not detected^SCT||||||F\r"
    )
    imp = upload(world, message.encode())
    assert imp.status == ResultImport.Status.PREVIEWED, imp.report
    assert imp.report["preview"][0]["tube"] == "XC0001"


def test_other_observations_are_ignored_and_a_preliminary_result_refused(world, pools):
    other = hl7_file([("XC0001", "5^^", hl7_time())], code="8310-5")  # body temperature
    assert "新冠病毒核酸" in upload(world, other).report["file_error"]
    preliminary = upload(world, hl7_file([("XC0001", "260415000^Not detected^SCT", hl7_time())], status="P"))
    assert preliminary.status == ResultImport.Status.REFUSED
    assert "P" in preliminary.report["errors"][0][2]


def test_another_message_type_is_refused(world, pools):
    data = hl7_file([("XC0001", "260415000", hl7_time())]).replace(b"ORU^R01^ORU_R01", b"ADT^A01")
    assert "ADT" in upload(world, data).report["file_error"]  # the kind, as the file names it


def test_unknown_specimens_and_bad_times_are_row_errors(world, pools):
    imp = upload(world, hl7_file([("NOPE", "260415000", hl7_time()), ("XC0001", "260415000", "2026xx")]))
    assert imp.status == ResultImport.Status.REFUSED
    assert [e[1] for e in imp.report["errors"]] == ["管号", "时间"]


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=300))
def test_damaged_hl7_never_breaks_the_reader(data):
    try:
        rows = results.hl7_rows(b"MSH|^~\\&|LAB|" + data)
    except ValidationError as exc:
        assert exc.messages
    else:
        assert all(isinstance(r.tube, str) for r in rows)


def test_result_words_are_shared_with_tables():
    assert results.parse_result(results.component("260415000^Not detected^SCT")) == Result.NEGATIVE
