import datetime
import io
import uuid

from django.core.management import call_command
from django.utils import timezone

from fangxian.accounts.models import AuditEvent
from fangxian.duty.models import Person
from fangxian.people.models import Emergency
from fangxian.watch import census, observations
from fangxian.watch.models import Arrival, Visit


def test_travel_rooms_and_doorstep_notes_go_with_the_emergency_and_counts_stay(world, settings):
    emergency = Emergency.objects.get()
    resident = world.resident(world.xiangchang)
    resident.emergency = emergency
    resident.save()
    long_ago = timezone.localdate() - datetime.timedelta(days=60)
    # Registered late (its period ended weeks ago), as a lot was after an emergency's first days.
    back = timezone.localdate() - datetime.timedelta(days=40)
    arrival = observations.arrive(resident, "武汉", back, None, "train", "G512", "返京")
    observation = observations.start(resident, "central", back, None, facility="前门饭店", room="312", arrival=arrival)
    observations.release(observation, None)
    campaign = census.create(
        world.xiangchang, "第一轮", long_ago, long_ago, [world.building(world.xiangchang, "1")], None
    )
    census.record(
        campaign,
        [
            census.VisitIn(
                resident.dwelling_id,
                "absent",
                uuid.uuid4(),
                timezone.now() - datetime.timedelta(days=60),
                absent={"where": "河北老家"},
                note="邻居说回老家了",
            )
        ],
        None,
    )
    person = Person.objects.create(
        community=world.xiangchang, name="张处长", phone="13900001111", sending_unit="区商务局", birth_year=1970
    )
    Person.objects.filter(pk=person.pk).update(created_at=timezone.now() - datetime.timedelta(days=70))
    emergency.closed_on = timezone.localdate() - datetime.timedelta(days=40)
    emergency.save()
    settings.RETENTION_DAYS = 30
    call_command("purge_personal_data", stdout=io.StringIO())
    arrival.refresh_from_db()
    observation.refresh_from_db()
    visit = Visit.objects.get()
    person.refresh_from_db()
    assert (arrival.came_from, arrival.transport_number, arrival.arrived_on) == ("", "", back)
    assert (observation.facility, observation.room, observation.notice_number != "") == ("", "", True)
    assert (visit.note, visit.absent, visit.outcome) == ("", {}, "absent")
    assert (person.name, person.phone, person.sending_unit, person.kind) == (f"#{person.id}", "", "", "volunteer")
    detail = AuditEvent.objects.get(action="purge").detail
    assert detail["fangxian.watch.retention"] == 1 and detail["fangxian.duty.retention"] == 1
    assert Arrival.objects.count() == 1
