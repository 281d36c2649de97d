"""Lab files: read, checked row by row, previewed, applied all or nothing, twice = once."""

from __future__ import annotations

import datetime
import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from fangxian.testing import results
from fangxian.testing.models import Recall, Result, ResultImport, Sample, Tube

from .lab import campaign, csv_file, residents_of, tube, when, xlsx_file


@pytest.fixture
def pools(world):
    camp = campaign(world.xiangchang)
    people = residents_of(world.xiangchang, 20)
    return camp, tube(camp, "XC0001", people[:10]), tube(camp, "XC0002", people[10:20])


def upload(world, data: bytes, user="health_worker") -> ResultImport:
    return results.upload(world.xiangchang, world.users[user], "lab.csv", data)


# --- the parsers ------------------------------------------------------------------------------


@given(st.text(max_size=40))
def test_a_result_word_is_known_or_refused_with_a_message(word):
    try:
        assert results.parse_result(word) in Result.values
    except ValidationError as exc:
        assert exc.messages


@given(st.sampled_from(sorted(results.WORDS)), st.sampled_from(["", " ", "  "]), st.booleans())
def test_result_words_read_whatever_their_case_and_spaces(word, pad, upper):
    written = pad + (word.upper() if upper else word) + pad
    assert results.parse_result(written) == results.WORDS[word]


def test_the_usual_result_words():
    assert results.parse_result("阴性") == results.parse_result("Not Detected") == Result.NEGATIVE
    assert results.parse_result("260415000") == Result.NEGATIVE
    assert results.parse_result("阳性") == results.parse_result("DETECTED") == Result.POSITIVE
    assert results.parse_result("10828004") == Result.POSITIVE
    with pytest.raises(ValidationError):
        results.parse_result("=cmd|' /C calc'!A0")


@given(st.text(max_size=40))
def test_a_time_is_read_or_refused_with_a_message(text):
    try:
        moment = results.parse_time(text)
    except ValidationError as exc:
        assert exc.messages
    else:
        assert timezone.is_aware(moment) and moment <= timezone.now() + results.FUTURE_SLACK


@given(
    # Wall-clock times without an offset, as labs write them: read in the local zone.
    st.datetimes(min_value=datetime.datetime(2020, 1, 1), max_value=datetime.datetime(2026, 1, 1)),  # noqa: DTZ001
    st.sampled_from(["%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y%m%d%H%M%S"]),
)
def test_times_written_in_every_way_labs_write_them_read_the_same(moment, pattern):
    moment = moment.replace(microsecond=0)
    expected = timezone.make_aware(moment)
    assert results.parse_time(moment.strftime(pattern)) == expected


def test_a_time_in_the_future_or_before_2020_is_refused():
    later = timezone.localtime(timezone.now() + datetime.timedelta(days=1)).strftime("%Y-%m-%d %H:%M")
    for text in (later, "1999-01-01 10:00", "2026-13-01 10:00", "yesterday", ""):
        with pytest.raises(ValidationError):
            results.parse_time(text)


# --- preview and apply ------------------------------------------------------------------------


def test_a_negative_and_a_positive_pool_preview_then_apply(world, pools):
    camp, negative, positive = pools
    imp = upload(world, csv_file([("XC0001", "阴性", when()), ("XC0002", "阳性", when())]))
    assert imp.status == ResultImport.Status.PREVIEWED
    assert imp.report["plan"] == {
        "negative": 1,
        "positive": 1,
        "invalid": 0,
        "unchanged": 0,
        "members": 20,
        "recalled": 10,
    }
    assert [(r["tube"], r["found"], r["result"], r["members"]) for r in imp.report["preview"]] == [
        ("XC0001", True, "negative", 10),
        ("XC0002", True, "positive", 10),
    ]
    # The preview writes nothing.
    assert not Tube.objects.exclude(result=Result.PENDING).exists()
    summary = results.apply(imp, world.users["health_worker"])
    assert summary["recalled"] == 10
    negative.refresh_from_db()
    assert negative.result == Result.NEGATIVE and negative.result_import_id == imp.pk
    assert set(negative.samples.values_list("outcome", flat=True)) == {Sample.Outcome.NEGATIVE}
    assert set(positive.samples.values_list("outcome", flat=True)) == {Sample.Outcome.RECALLED}
    assert Recall.objects.filter(pool=positive).count() == 10
    held = set(Recall.objects.values_list("resident_id", flat=True))
    assert held == set(positive.samples.values_list("resident_id", flat=True))
    from fangxian.people.models import Resident

    assert set(Resident.objects.filter(awaiting_retest=True).values_list("id", flat=True)) == held


def test_excel_with_english_headers_and_extra_columns(world, pools):
    data = xlsx_file(
        [("XC0001", "Negative", when(), "王某"), ("XC0002", "not detected", when(), "李某")],
        header=("Tube barcode", "Result", "Result time", "name"),
    )
    imp = upload(world, data)
    assert imp.status == ResultImport.Status.PREVIEWED, imp.report
    assert imp.report["plan"]["negative"] == 2


def test_the_same_file_twice_changes_nothing(world, pools):
    data = csv_file([("XC0001", "阴性", when()), ("XC0002", "阳性", when())])
    first = upload(world, data)
    results.apply(first, world.users["health_worker"])
    recalled_at = list(Recall.objects.values_list("recalled_at", flat=True))
    second = upload(world, data)
    assert second.status == ResultImport.Status.PREVIEWED
    assert second.report["already"]
    assert second.report["plan"]["unchanged"] == 2 and second.report["plan"]["positive"] == 0
    summary = results.apply(second, world.users["health_worker"])
    assert summary["applied_before"] is True and summary["recalled"] == 0
    assert list(Recall.objects.values_list("recalled_at", flat=True)) == recalled_at
    assert Tube.objects.get(barcode="XC0001").result_import_id == first.pk
    # Applying the same upload again answers what it did, and does nothing more.
    assert results.apply(second, world.users["health_worker"]) == summary


def test_row_errors_refuse_the_whole_file(world, pools):
    camp, negative, positive = pools
    other = campaign(world.yongan)
    tube(other, "YA0001", residents_of(world.yongan, 5))
    tube(camp, "XC0003", residents_of(world.xiangchang, 25)[20:25], closed=False)
    Tube.objects.create(campaign=camp, barcode="XC0004", capacity=10, status=Tube.Status.CLOSED)
    rows = [
        ("XC0001", "阴性", when()),  # good
        ("NOPE", "阴性", when()),  # unknown
        ("YA0001", "阴性", when()),  # another community's
        ("XC0003", "阴性", when()),  # still open
        ("XC0004", "阴性", when()),  # empty
        ("XC0002", "maybe", when()),  # bad word
        ("XC0002", "阳性", "tomorrow"),  # bad time
    ]
    imp = upload(world, csv_file(rows))
    assert imp.status == ResultImport.Status.REFUSED
    errors = {line: message for line, _column, message in imp.report["errors"]}
    assert set(errors) == {3, 4, 5, 6, 7, 8}
    # No leak: another community's tube reads exactly as a tube that does not exist.
    assert errors[3] == errors[4] == results.unknown_tube()
    with pytest.raises(results.NotApplied):
        results.apply(imp, world.users["health_worker"])
    assert not Tube.objects.filter(barcode="XC0001").exclude(result=Result.PENDING).exists()


def test_a_conflicting_second_result_is_refused(world, pools):
    results.apply(upload(world, csv_file([("XC0001", "阴性", when())])), world.users["health_worker"])
    imp = upload(world, csv_file([("XC0001", "阳性", when())]))
    assert imp.status == ResultImport.Status.REFUSED
    assert str(Result.NEGATIVE.label) in imp.report["errors"][0][2]
    both = upload(world, csv_file([("XC0002", "阳性", when()), ("XC0002", "阴性", when())]))
    assert both.report["errors"][0][0] == 3 and "2" in both.report["errors"][0][2]


def test_results_that_arrived_since_the_preview_stop_the_apply(world, pools):
    late = upload(world, csv_file([("XC0001", "阴性", when())]))
    results.apply(upload(world, csv_file([("XC0001", "阴性", when(2))])), world.users["health_worker"])
    with pytest.raises(results.NotApplied) as refused:
        results.apply(late, world.users["health_worker"])
    assert refused.value.code == "changed"
    late.refresh_from_db()
    assert late.report["plan"]["unchanged"] == 1
    assert results.apply(late, world.users["health_worker"])["tubes"] == 0


def zipped(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as book:
        for name, body in parts.items():
            book.writestr(name, body)
    return out.getvalue()


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x00\x01\x02" * 2000,
        xlsx_file([("XC0001", "阴性", when())])[:300],  # a truncated workbook
        zipped({"word/document.xml": b"<w/>"}),
        b"%PDF-1.4 ...",
        "管号,结果\nXC0001,阴性\n".encode(),  # no time column
        "管号,结果,时间\nXC0001\x00,阴性,2026-01-01\n".encode(),
        b"MSH|^~\\&|LAB\rPID|1",  # HL7 with no results
    ],
)
def test_hostile_or_broken_files_are_refused_with_a_clear_message(world, pools, data):
    imp = upload(world, data)
    assert imp.status == ResultImport.Status.REFUSED
    assert imp.report["file_error"]


def test_formulas_are_just_words_that_are_not_results(world, pools):
    imp = upload(world, csv_file([("=cmd|' /C calc'!A0", "=1+1", "@SUM(A1)")]))
    assert imp.status == ResultImport.Status.REFUSED
    assert {e[1] for e in imp.report["errors"]} == {"管号", "结果", "时间"}
