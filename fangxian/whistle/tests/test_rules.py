"""The rules of calling.py: who sees a call, what may follow what, a case passed with a call,
escalation (time travel by setting the call's times) and the figures."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from PIL import Image

from fangxian.casework import handling
from fangxian.casework.models import Case, Category
from fangxian.whistle import calling
from fangxian.whistle.figures import figures
from fangxian.whistle.models import Call, CallStep, Escalation

from .conftest import make_call


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), "green").save(out, format="JPEG")
    return out.getvalue()


def a_case(world) -> Case:
    return handling.receive(
        street=world.tianqiao,
        category=Category.objects.get(code="other"),
        what="小区出入口无人值守，无围挡",
        source=Case.Source.PATROL,
        community=world.xiangchang,
        by=world.users["secretary"],
    )


def test_a_call_waits_for_the_department_within_two_hours(world, call):
    assert call.state == "called" and call.street == world.tianqiao
    assert call.acknowledge_by == call.called_at + calling.ACKNOWLEDGE_WITHIN
    assert [s.action for s in call.steps.all()] == ["call"]
    assert not call.overdue


def test_a_call_needed_within_the_hour_is_acknowledged_by_then(world, departments):
    call = make_call(world, departments["city"], hours=1)
    assert call.acknowledge_by == call.needed_by


def test_only_a_department_of_the_communitys_street_is_called(world, departments):
    with pytest.raises(ValidationError) as refused:
        make_call(world, departments["chunshu_city"])
    assert "department_id" in refused.value.message_dict


def test_a_call_needed_in_the_past_is_refused(world, departments):
    with pytest.raises(ValidationError):
        make_call(world, departments["city"], hours=-1)


def test_a_department_that_takes_no_calls_is_not_called(world, departments):
    departments["city"].active = False
    departments["city"].save()
    with pytest.raises(ValidationError):
        make_call(world, departments["city"])


def test_the_same_client_id_makes_one_call(world, departments):
    first = make_call(world, departments["city"], client_id="123e4567-e89b-42d3-a456-426614174000")
    again = make_call(world, departments["city"], client_id="123e4567-e89b-42d3-a456-426614174000")
    assert first.pk == again.pk and Call.objects.count() == 1


def test_a_case_is_passed_to_the_department_with_the_call(world, departments):
    case = a_case(world)
    call = make_call(world, departments["city"], case=case)
    case.refresh_from_db()
    assert case.state == "passed" and case.agency == "天桥城管执法队"
    assert list(case.calls.all()) == [call]
    assert case.steps.filter(action="pass", by=world.users["secretary"]).exists()


def test_a_case_that_cannot_be_passed_makes_no_call(world, departments):
    case = a_case(world)
    handling.handle(case, "resolve", world.users["secretary"], "已解决")
    with pytest.raises(ValidationError):
        make_call(world, departments["city"], case=case)
    assert not Call.objects.exists()


def test_another_communitys_case_is_refused(world, departments):
    case = handling.receive(
        street=world.tianqiao,
        category=Category.objects.get(code="other"),
        what="永安路的事",
        source=Case.Source.PHONE,
        community=world.yongan,
    )
    with pytest.raises(ValidationError):
        make_call(world, departments["city"], case=case)


def test_the_whole_way_by_whom_and_when(world, call):
    member, secretary = world.users["liaison"], world.users["secretary"]
    call = age(call, 1)
    calling.acknowledge(call, member, "马上派两人")
    photo = SimpleUploadedFile("on-site.jpg", jpeg())
    arrived = timezone.now() - datetime.timedelta(minutes=1)
    calling.arrive(call, member, "已到东口", photo, arrived)
    calling.report(call, member, "solved", "已装围挡两处")
    done = calling.confirm(call, secretary, "已看过")
    assert done.state == "confirmed" and done.outcome == "solved"
    assert done.acknowledged_by == member and done.arrived_by == member and done.done_by == member
    assert done.confirmed_by == secretary and done.arrived_at == arrived
    assert done.arrival_photo.name.endswith(".jpg")
    steps = list(done.steps.order_by("id").values_list("action", "by__username"))
    assert steps == [
        ("call", "secretary"),
        ("acknowledge", "liaison"),
        ("arrive", "liaison"),
        ("outcome", "liaison"),
        ("confirm", "secretary"),
    ]


def test_arriving_first_counts_as_acknowledging(world, call):
    done = calling.arrive(call, world.users["liaison"])
    assert done.state == "on_site" and done.acknowledged_at == done.arrived_at


def test_an_arrival_before_the_call_or_in_the_future_is_refused(world, call):
    for at in (call.called_at - datetime.timedelta(hours=1), timezone.now() + datetime.timedelta(hours=1)):
        with pytest.raises(ValidationError):
            calling.arrive(call, world.users["liaison"], at=at)


def test_a_photo_that_is_not_one_is_refused(world, call):
    with pytest.raises(ValidationError) as refused:
        calling.arrive(call, world.users["liaison"], photo=SimpleUploadedFile("x.jpg", b"<?php"))
    assert "photo" in refused.value.message_dict
    call.refresh_from_db()
    assert call.state == "called"


def test_steps_out_of_order_are_refused(world, call):
    with pytest.raises(ValidationError):
        calling.confirm(call, world.users["secretary"])
    with pytest.raises(ValidationError):
        calling.report(call, world.users["liaison"], "cannot", "需区里协调")  # not yet taken
    calling.acknowledge(call, world.users["liaison"])
    calling.report(call, world.users["liaison"], "cannot", "需区里协调")
    with pytest.raises(ValidationError):
        calling.acknowledge(call, world.users["liaison"])
    with pytest.raises(ValidationError):
        calling.report(call, world.users["liaison"], "nonsense", "x")


def test_solved_is_said_only_by_a_department_that_came(world, call):
    member = world.users["liaison"]
    with pytest.raises(ValidationError) as refused:
        calling.report(call, member, "solved", "好了")
    assert "outcome" in refused.value.message_dict
    calling.acknowledge(call, member)
    with pytest.raises(ValidationError):
        calling.report(call, member, "partly", "装了一处")
    calling.arrive(call, member, "到了")
    assert calling.report(call, member, "solved", "好了").state == "done"


def test_an_outcome_needs_what_was_done(world, call):
    with pytest.raises(ValidationError):
        calling.report(call, world.users["liaison"], "solved", "  ")


def test_sent_back_the_department_goes_again(world, call):
    calling.arrive(call, world.users["liaison"], "到了")
    calling.report(call, world.users["liaison"], "partly", "装了一处")
    back = calling.send_back(call, world.users["secretary"], "北口还没有")
    assert back.state == "acknowledged" and back.outcome == "" and back.sent_back == 1
    with pytest.raises(ValidationError):
        calling.report(back, world.users["liaison"], "solved", "北口也装了")  # without going again
    back = calling.arrive(back, world.users["liaison"], "又到了")
    again = calling.report(back, world.users["liaison"], "solved", "北口也装了")
    assert calling.confirm(again, world.users["secretary"]).state == "confirmed"
    assert CallStep.objects.filter(call=call, action="outcome").count() == 2


def test_a_member_sees_only_the_calls_to_their_department(world, departments, call):
    housing = make_call(world, departments["housing"])
    assert list(calling.calls_for(world.users["liaison"])) == [call]
    assert list(calling.calls_for(world.users["secretary"]).order_by("id")) == [call, housing]
    assert list(calling.calls_for(world.users["street_admin"]).order_by("id")) == [call, housing]
    assert list(calling.calls_for(world.users["district_admin"]).order_by("id")) == [call, housing]
    for outsider in ("outsider", "volunteer", "gate_keeper"):
        assert not calling.calls_for(world.users[outsider]).exists()


def test_a_member_who_loses_the_liaison_role_sees_nothing(world, call):
    world.users["liaison"].roles.all().delete()
    liaison = type(world.users["liaison"]).objects.get(pk=world.users["liaison"].pk)
    assert not calling.calls_for(liaison).exists()


def test_only_a_liaison_of_the_street_joins_its_department(world, departments):
    with pytest.raises(ValidationError):
        calling.add_member(departments["city"], world.users["secretary"])
    from django.contrib.auth import get_user_model

    chunshu = get_user_model().objects.get(username="chunshu_liaison")
    with pytest.raises(ValidationError):
        calling.add_member(departments["city"], chunshu)


def test_department_names_are_unique_per_street(world, departments):
    with pytest.raises(ValidationError):
        calling.keep_department(world.tianqiao, "housing", "天桥城管执法队")
    assert calling.keep_department(world.chunshu, "housing", "天桥城管执法队").pk


def age(call: Call, hours: float) -> Call:
    """Moves the call back in time: made `hours` ago, with its deadlines with it."""
    shift = datetime.timedelta(hours=hours)
    Call.objects.filter(pk=call.pk).update(
        called_at=call.called_at - shift,
        acknowledge_by=call.acknowledge_by - shift,
        needed_by=call.needed_by - shift,
    )
    CallStep.objects.filter(call=call, action="call").update(at=call.called_at - shift)
    call.refresh_from_db()
    return call


def test_an_unacknowledged_call_goes_to_the_street_then_the_district(world, call):
    assert calling.escalate() == []
    age(call, 3)
    assert call.late() == "acknowledge"
    [street] = calling.escalate()
    assert street.level == Call.Level.STREET and street.reason == "acknowledge"
    assert calling.escalate() == []  # run again: nothing twice
    later = timezone.now() + calling.DISTRICT_AFTER + datetime.timedelta(minutes=1)
    [district] = calling.escalate(later)
    assert district.level == Call.Level.DISTRICT
    assert calling.escalate(later) == [] and Escalation.objects.filter(call=call).count() == 2
    call.refresh_from_db()
    assert call.level == Call.Level.DISTRICT
    assert call.steps.filter(action="escalate").count() == 2


def test_an_acknowledged_call_not_done_in_time_is_escalated(world, call):
    calling.acknowledge(call, world.users["liaison"])
    age(call, 23)
    assert calling.escalate() == []
    age(call, 2)
    [escalation] = calling.escalate()
    assert escalation.reason == "done"


def test_a_call_done_in_time_is_not_escalated(world, call):
    calling.arrive(call, world.users["liaison"])
    calling.report(call, world.users["liaison"], "solved", "好了")
    age(call, 48)
    assert calling.escalate() == []


def test_a_call_acknowledged_after_the_street_was_told_still_goes_up_if_late(world, departments):
    call = age(make_call(world, departments["city"], hours=48), 3)
    calling.escalate()
    calling.acknowledge(call, world.users["liaison"])
    later = timezone.now() + calling.DISTRICT_AFTER + datetime.timedelta(minutes=1)
    assert calling.escalate(later) == []  # acknowledged, and not yet needed
    age(call, 30)
    assert [e.level for e in calling.escalate(later)] == [Call.Level.DISTRICT]


def test_the_command_escalates_and_says_so(world, call, capsys):
    age(call, 3)
    call_command("escalate_calls")
    call_command("escalate_calls")
    said = capsys.readouterr().out
    assert "1 escalated." in said and "0 escalated." in said


def test_figures_per_department_and_month(world, departments):
    member = world.users["liaison"]
    fast = make_call(world, departments["city"])
    slow = make_call(world, departments["city"])
    open_call = make_call(world, departments["city"])
    calling.acknowledge(fast, member)
    calling.arrive(fast, member)
    calling.report(fast, member, "solved", "好了")
    calling.confirm(fast, world.users["secretary"])
    calling.acknowledge(slow, member)
    calling.report(slow, member, "cannot", "需区里协调")
    calling.confirm(slow, world.users["secretary"])
    # The fast one acknowledged 10 minutes after the call, arrived after 30; the slow one
    # acknowledged after 3 hours (late).
    Call.objects.filter(pk=fast.pk).update(
        acknowledged_at=fast.called_at + datetime.timedelta(minutes=10),
        arrived_at=fast.called_at + datetime.timedelta(minutes=30),
    )
    Call.objects.filter(pk=slow.pk).update(acknowledged_at=slow.called_at + datetime.timedelta(hours=3))
    age(open_call, 3)  # nobody came: overdue
    rows = {r.department.name: r for r in figures(world.tianqiao, timezone.localdate())}
    city = rows["天桥城管执法队"]
    assert (city.calls, city.acknowledged, city.acknowledged_in_time) == (3, 2, 1)
    assert city.response_mean == pytest.approx(95) and city.response_median == pytest.approx(95)
    assert city.arrival_mean == pytest.approx(30)
    assert (city.confirmed, city.solved, city.resolution_rate) == (2, 1, 0.5)
    assert city.overdue == 2
    assert rows["天桥房管所"].calls == 0 and rows["天桥房管所"].resolution_rate is None
    assert "椿树城管执法队" not in rows
    last_month = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    assert figures(world.tianqiao, last_month)[0].calls == 0
    assert [r.calls for r in figures(Call.objects.filter(department=departments["city"]), timezone.localdate())] == [3]
