import datetime

import pytest
from django.utils import timezone

from fangxian.duty.models import Pattern, Person, Post


@pytest.fixture
def crew(world):
    """Xiangchang Road's south gate around the clock, and twelve people to hold it."""
    gate = Post.objects.create(
        community=world.xiangchang, name="南门", starts_on=timezone.localdate() - datetime.timedelta(days=30)
    )
    Pattern.objects.bulk_create(
        [
            Pattern(post=gate, start=h, hours=4, headcount=2, adults_only=h in (0, 20), needs_experienced=True)
            for h in range(0, 24, 4)
        ]
    )
    people = [
        Person.objects.create(
            community=world.xiangchang,
            name=f"党员{i}",
            is_new=i % 3 == 0,
            kind=Person.Kind.HEALTH_WORKER if i in (2, 3) else Person.Kind.REPORTING_MEMBER,
            level="district" if i in (0, 4) else "street" if i in (1, 5) else "",
        )
        for i in range(12)
    ]
    people[6].user = world.users["volunteer"]
    people[6].save()
    return people
