"""Loads the seed's own territory: Xiangchang Road Community and the 7 other communities of
Tianqiao Street whose residents use its vegetable market, plus one community of another street
so that the walls between communities can be seen. Loads once; --reset reloads."""

from __future__ import annotations

import datetime
import random
import uuid

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from faker import Faker

from fangxian.accounts.models import Role
from fangxian.casework import demo as casework_demo
from fangxian.duty import planning
from fangxian.duty.models import Pattern, Person, Post, Team
from fangxian.errands import demo as errands_demo
from fangxian.gate import permits
from fangxian.gate.models import Gate, Permit, SigningKey, TrustGrant
from fangxian.inspections import demo as inspections_demo
from fangxian.kits import demo as kits_demo
from fangxian.lib import idnumber
from fangxian.lib.pinyin import initials
from fangxian.people.models import Emergency, HouseholdLink, Resident, Tag
from fangxian.places.models import Building, Business, City, Community, District, Dwelling, Grid, Street
from fangxian.reports import demo as reports_demo
from fangxian.stations import demo as stations_demo
from fangxian.supplies import demo as supplies_demo
from fangxian.testing import demo as testing_demo
from fangxian.tracing import demo as tracing_demo
from fangxian.watch import census, observations
from fangxian.watch.models import Arrival, Observation, Outcome, Policy
from fangxian.whistle import demo as whistle_demo

PASSWORD = "fangxian-demo"
XICHENG = "110102"
TIANQIAO_COMMUNITIES = [
    ("香厂路社区", "Xiangchang Road Community"),
    ("永安路社区", "Yong'an Road Community"),
    ("福长街社区", "Fuchang Street Community"),
    ("天桥小区社区", "Tianqiao Estate Community"),
    ("留学路社区", "Liuxue Road Community"),
    ("先农坛社区", "Xiannongtan Community"),
    ("禄长街社区", "Luchang Street Community"),
    ("太平街社区", "Taiping Street Community"),
]
OTHER_COMMUNITY = ("琉璃厂西街社区", "Liulichang West Street Community")
ACCOUNTS = [
    ("demo-secretary", "secretary of Xiangchang Road Community", Role.Kind.SECRETARY),
    ("demo-grid", "grid worker, grid 1 of Xiangchang Road", Role.Kind.GRID_WORKER),
    ("demo-gate", "gate keeper at the Xiangchang Road market gate (accepts all 8 communities)", Role.Kind.GATE_KEEPER),
    ("demo-health", "health worker, Xiangchang Road", Role.Kind.HEALTH_WORKER),
    (
        "demo-volunteer",
        "volunteer at Xiangchang Road: errands, vegetable orders and kits to the door",
        Role.Kind.VOLUNTEER,
    ),
    ("demo-street", "Tianqiao Street administrator", Role.Kind.STREET_ADMIN),
    ("demo-department", "Tianqiao Street city-management team: the calls whistled to it", Role.Kind.LIAISON),
    ("demo-other", "secretary of Liulichang West Street (Chunshu Street)", Role.Kind.SECRETARY),
]
BUSINESSES = ["香厂路便民菜站", "天桥便利店", "福长街理发店", "永安药房", "留学路快递驿站", "先农坛小吃店"]


def print_logins(write) -> None:
    write(f"Demo logins (password: {PASSWORD}):")
    for username, what, _kind in ACCOUNTS:
        write(f"  {username:16} {what}")
    link = (
        HouseholdLink.objects.filter(revoked_at=None, dwelling__community__code="110102015001").order_by("id").first()
    )
    if link:
        write(f"A household's own link (no login): http://127.0.0.1:8000/h/{link.token}/")


class Command(BaseCommand):
    help = "Load the demo territory, residents and staff (once; --reset reloads)."

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="delete the demo and load it again")
        parser.add_argument("--residents", type=int, default=300, help="residents per community (about)")
        parser.add_argument("--seed", type=int, default=2020)

    def handle(self, *args, reset: bool, residents: int, seed: int, **options):
        loaded = City.objects.filter(code="110000").exists()
        if loaded and not reset:
            self.stdout.write("The demo is already loaded (use --reset to reload it).")
            print_logins(self.stdout.write)
            return
        with transaction.atomic():
            if loaded:
                delete_demo()
            build_demo(random.Random(seed), seeded_faker(seed), residents)
        self.stdout.write(self.style.SUCCESS("Demo loaded."))
        print_logins(self.stdout.write)


def seeded_faker(seed: int) -> Faker:
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    return fake


def delete_demo() -> None:
    communities = Community.objects.filter(street__district__city__code="110000")
    testing_demo.delete(communities)
    inspections_demo.delete(communities)
    kits_demo.delete(communities)
    whistle_demo.delete(Street.objects.filter(district__city__code="110000"))  # calls name cases
    casework_demo.delete(communities)
    supplies_demo.delete(communities)
    Gate.objects.filter(community__in=communities).delete()
    Permit.objects.filter(community__in=communities).delete()
    SigningKey.objects.filter(community__in=communities).delete()
    Resident.objects.filter(community__in=communities).delete()
    get_user_model().objects.filter(username__startswith="demo-").delete()
    communities.delete()
    Observation.objects.filter(resident__community__in=communities).delete()
    Policy.objects.filter(city__code="110000").delete()
    Emergency.objects.filter(city__code="110000").delete()
    Street.objects.filter(district__city__code="110000").delete()
    District.objects.filter(city__code="110000").delete()
    City.objects.filter(code="110000").delete()


def build_demo(rng: random.Random, fake: Faker, residents_per_community: int) -> None:
    city = City.objects.create(code="110000", name_zh="北京市", name_en="Beijing")
    district = District.objects.create(city=city, code=XICHENG, name_zh="西城区", name_en="Xicheng District")
    tianqiao = Street.objects.create(district=district, code="110102015", name_zh="天桥街道", name_en="Tianqiao Street")
    chunshu = Street.objects.create(district=district, code="110102011", name_zh="椿树街道", name_en="Chunshu Street")
    Emergency.objects.create(city=city, name="新冠肺炎疫情防控 2020", opened_on=datetime.date(2020, 1, 24))
    communities = [
        Community.objects.create(street=tianqiao, code=f"110102015{i + 1:03d}", name_zh=zh, name_en=en)
        for i, (zh, en) in enumerate(TIANQIAO_COMMUNITIES)
    ]
    other = Community.objects.create(
        street=chunshu, code="110102011001", name_zh=OTHER_COMMUNITY[0], name_en=OTHER_COMMUNITY[1]
    )
    for community in communities + [other]:
        fill_community(community, rng, fake, residents_per_community)
    make_accounts(communities[0], tianqiao, other)
    make_gates(communities[0], communities)
    residents = Resident.objects.select_related("community", "dwelling__building")
    permits.issue_many(list(residents), None)
    make_watch(communities[0])
    make_duty(communities[0], rng, fake)
    make_links(communities[0])
    supplies_demo.seed(communities[0], rng, fake)
    kits_demo.seed(communities[0], rng, fake)
    stations_demo.seed(communities[0], rng, fake)
    errands_demo.seed(communities[0], rng)
    casework_demo.seed(tianqiao, communities, rng)
    whistle_demo.seed(tianqiao, communities[0])
    inspections_demo.seed(communities[0], rng)
    testing_demo.seed(communities[0], rng)
    tracing_demo.seed(communities[0])
    reports_demo.seed(communities, PASSWORD)


def make_duty(xiangchang: Community, rng: random.Random, fake: Faker) -> None:
    """Xiangchang Road's gates and night patrol held by dispatched cadres, reporting members,
    health workers and volunteers; this week's roster solved and published."""
    south = Post.objects.create(
        community=xiangchang,
        name="香厂路社区南门",
        kind=Post.Kind.GATE,
        starts_on=timezone.localdate() - datetime.timedelta(days=30),
    )
    market = Post.objects.create(
        community=xiangchang, name="香厂路菜市场入口", kind=Post.Kind.GATE, starts_on=south.starts_on
    )
    patrol = Post.objects.create(
        community=xiangchang, name="夜间巡逻", kind=Post.Kind.PATROL, starts_on=south.starts_on
    )
    Pattern.objects.bulk_create(
        [
            Pattern(post=south, start=h, hours=4, headcount=2, adults_only=h in (0, 20), needs_experienced=True)
            for h in range(0, 24, 4)
        ]
        + [
            Pattern(post=market, start=h, hours=4, headcount=2, needs_health=True, needs_experienced=True)
            for h in (8, 12, 16)
        ]
        + [Pattern(post=patrol, start=20, hours=4, headcount=2, adults_only=True)]
    )
    team = Team.objects.create(community=xiangchang, name="区商务局临时党支部")
    kinds = (
        [(Person.Kind.DISPATCHED_CADRE, "district", "西城区商务局")] * 4
        + [(Person.Kind.DISPATCHED_CADRE, "street", "天桥街道办事处")] * 4
        + [(Person.Kind.HEALTH_WORKER, "", "天桥社区卫生服务中心")] * 6
        + [(Person.Kind.REPORTING_MEMBER, "", "")] * 10
        + [(Person.Kind.VOLUNTEER, "", "")] * 8
    )
    people = []
    for i, (kind, level, unit) in enumerate(kinds):
        # The clinic sends its staff every day; the others come when they can.
        days = range(7) if kind == Person.Kind.HEALTH_WORKER else rng.sample(range(7), rng.randint(5, 7))
        people.append(
            Person(
                community=xiangchang,
                name=fake.name(),
                phone=fake.phone_number(),
                kind=kind,
                level=level,
                sending_unit=unit,
                birth_year=2003 if i >= 30 else rng.randint(1950, 1995),
                is_new=i % 3 == 0,
                max_hours_week=40,
                availability={str(d): sorted(rng.sample(range(6), rng.randint(4, 6))) for d in days},
                team=team if level == "district" else None,
            )
        )
    Person.objects.bulk_create(people)
    for username, person in (("demo-gate", people[20]), ("demo-health", people[8])):
        Person.objects.filter(pk=person.pk).update(user=get_user_model().objects.get(username=username))
    team.leader = people[0]
    team.save(update_fields=["leader"])
    today = timezone.localdate()
    week = planning.create(
        xiangchang,
        today - datetime.timedelta(days=today.weekday()),
        7,
        get_user_model().objects.get(username="demo-secretary"),
    )
    # Planned the evening before the week began: a solve now would leave the days gone by empty.
    planning.solve(
        week,
        seconds=3,
        as_of=timezone.make_aware(datetime.datetime.combine(week.starts_on, datetime.time(0)))
        - datetime.timedelta(hours=4),
    )
    planning.publish(week)


def make_links(xiangchang: Community) -> None:
    """Every household of building 1 has its own link, so its printed cards carry the second code."""
    dwellings = Dwelling.objects.filter(community=xiangchang, building__number="1", residents__isnull=False).distinct()
    HouseholdLink.objects.bulk_create([HouseholdLink(dwelling=d) for d in dwellings])


def make_watch(xiangchang: Community) -> None:
    """Returnees at every stage, so that the observation list, the alerts, the map and the
    evening numbers have something to show; and a census under way in grid 1."""
    today = timezone.localdate()
    people = list(
        Resident.objects.filter(community=xiangchang).select_related("community__street__district").order_by("id")[5:9]
    )
    stages = [("武汉", "G512", 3), ("石家庄", "K1302", 6), ("哈尔滨", "CA1606", 15), ("上海", "G2", 1)]
    started = []
    for resident, (came_from, number, days_ago) in zip(people, stages, strict=True):
        arrived = today - datetime.timedelta(days=days_ago)
        arrival = observations.arrive(resident, came_from, arrived, None, Arrival.Transport.TRAIN, number, "返京")
        started.append(observations.start(resident, Observation.Kind.HOME, arrived, None, arrival=arrival))
    # Day 4 (the market gate stops them) reports normally; day 7 has a fever; day 16 is
    # released with a numbered notice; day 2 has not reported yet.
    observations.report(started[0], "36.5", [])
    observations.report(started[1], "37.8", ["cough"])
    observations.release(started[2], None)
    secretary = get_user_model().objects.get(username="demo-secretary")
    grid = xiangchang.grids.get(code="G1")
    campaign = census.create(
        xiangchang, "第二轮入户排查", today, today + datetime.timedelta(days=2), list(grid.buildings.all()), secretary
    )
    doors = list(campaign.assignments.order_by("id")[:12])
    census.record(
        campaign,
        [
            census.VisitIn(
                a.dwelling_id, Outcome.CONFIRMED if i % 4 else Outcome.NO_ANSWER, uuid.uuid4(), timezone.now()
            )
            for i, a in enumerate(doors)
        ],
        get_user_model().objects.get(username="demo-grid"),
    )


def make_gates(xiangchang: Community, neighbours: list[Community]) -> None:
    """The vegetable market's gate admits all 8 communities that shop there, each having
    granted it trust (the street office granted them together); the compound's own gate only
    its residents."""
    keeper = get_user_model().objects.get(username="demo-gate")
    street = get_user_model().objects.get(username="demo-street")
    market = Gate.objects.create(community=xiangchang, name="香厂路菜市场入口", direction=Gate.Direction.BOTH)
    TrustGrant.objects.bulk_create(
        [
            TrustGrant(
                gate=market,
                issuer=c,
                status=TrustGrant.Status.GRANTED,
                asked_by=street,
                granted_by=street,
                granted_at=timezone.now(),
            )
            for c in neighbours
            if c.pk != xiangchang.pk
        ]
    )
    south = Gate.objects.create(community=xiangchang, name="香厂路社区南门", direction=Gate.Direction.BOTH)
    for gate in (market, south):
        gate.keepers.add(keeper)


def fill_community(community: Community, rng: random.Random, fake: Faker, target: int) -> None:
    grids = [
        Grid.objects.create(community=community, code=f"G{n}", name_zh=f"第{n}网格", name_en=f"Grid {n}")
        for n in (1, 2)
    ]
    buildings = []
    for number in range(1, 6):
        kind = Building.Kind.MIXED if number == 5 else Building.Kind.RESIDENTIAL
        buildings.append(
            Building.objects.create(
                community=community,
                grid=grids[0] if number <= 3 else grids[1],
                number=str(number),
                kind=kind,
                floors=6,
                entrances=2,
            )
        )
    dwellings = Dwelling.objects.bulk_create(
        [
            Dwelling(community=community, building=b, entrance=e, floor=f, room=f"{f}0{r}")
            for b in buildings
            for e in (1, 2)
            for f in range(1, 7)
            for r in (1, 2)
        ]
    )
    Business.objects.bulk_create(
        [
            Business(
                community=community,
                building=buildings[4],
                name=name,
                address=f"5号楼底商{i + 1}号",
                contact_name=fake.name(),
                contact_phone=fake.phone_number(),
                staff_count=rng.randint(2, 30),
            )
            for i, name in enumerate(rng.sample(BUSINESSES, 2))
        ]
    )
    emergency = Emergency.open_for(community)
    rows = []
    sequence = 0
    for dwelling in dwellings:
        if rng.random() < 0.08:
            continue  # vacant
        size = 1 if rng.random() < 0.2 else rng.randint(2, 4)
        for position in range(size):
            sequence += 1
            rows.append(
                make_resident(community, dwelling, emergency, rng, fake, sequence, alone=size == 1, head=position == 0)
            )
        if len(rows) >= target:
            break
    Resident.objects.bulk_create(rows)


def make_resident(community, dwelling, emergency, rng, fake, sequence: int, alone: bool, head: bool) -> Resident:
    sex = rng.choice("MF")
    name = fake.name_male() if sex == "M" else fake.name_female()
    age = rng.randint(70, 92) if alone else rng.randint(1, 85)
    birth = datetime.date(2020 - age, rng.randint(1, 12), rng.randint(1, 28))
    tags = []
    if alone and age >= 70:
        tags.append(Tag.ELDERLY_ALONE)
    if rng.random() < 0.1:
        tags.append(Tag.PARTY_MEMBER)
    if age > 60 and rng.random() < 0.15:
        tags.append(Tag.CHRONIC)
    if rng.random() < 0.01:
        tags.append(Tag.DIALYSIS)
    if rng.random() < 0.02:
        tags.append(Tag.DISABLED)
    if sex == "F" and 22 <= age <= 40 and rng.random() < 0.05:
        tags.append(Tag.PREGNANT)
    resident = Resident(
        community=community,
        dwelling=dwelling,
        name=name,
        name_initials=initials(name),
        sex=sex,
        id_number=idnumber.make(XICHENG, birth, sequence, sex),
        birth_date=birth,
        phone=f"1{rng.choice('3589')}{rng.randint(0, 999_999_999):09d}",
        relation=Resident.Relation.HEAD
        if head
        else rng.choice([Resident.Relation.SPOUSE, Resident.Relation.CHILD, Resident.Relation.PARENT]),
        residence=Resident.Residence.LIVING_ELSEWHERE if rng.random() < 0.06 else Resident.Residence.HERE,
        emergency=emergency,
    )
    resident.tag_list = tags
    return resident


def make_accounts(xiangchang: Community, tianqiao: Street, other: Community) -> None:
    User = get_user_model()
    grid = xiangchang.grids.get(code="G1")
    places = {
        "demo-secretary": {"community": xiangchang},
        "demo-grid": {"grid": grid},
        "demo-gate": {"community": xiangchang},
        "demo-health": {"community": xiangchang},
        "demo-volunteer": {"community": xiangchang},
        "demo-street": {"street": tianqiao},
        "demo-department": {"street": tianqiao},
        "demo-other": {"community": other},
    }
    for username, _what, kind in ACCOUNTS:
        user = User.objects.create_user(username=username, password=PASSWORD)
        Role.objects.create(user=user, kind=kind, **places[username])
