"""One fixture set with named actors, shared by every app's tests.

The world: Beijing → Xicheng → Tianqiao Street with two communities (Xiangchang Road, with
grids G1 and G2, and Yong'an Road), and Chunshu Street with Liulichang, whose secretary is the
outsider. Each actor holds exactly one role."""

from __future__ import annotations

import datetime
import importlib
from dataclasses import dataclass, field

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import translation

from fangxian.accounts.models import ApiToken, Role
from fangxian.lib import idnumber
from fangxian.lib.pinyin import initials
from fangxian.people.models import Emergency, Resident
from fangxian.places.models import Building, City, Community, District, Dwelling, Grid, Street
from tests.sysdeps import require

PASSWORD = "test-password-1"


def pytest_runtest_setup(item):
    # @pytest.mark.needs("pdftotext", ...): skipped with the package to install, or failed under CI.
    for mark in item.iter_markers("needs"):
        require(*mark.args)


def pytest_terminal_summary(terminalreporter):
    import sys

    fuzz = sys.modules.get("tests.fuzz.test_api_schema")
    for line in fuzz.summary() if fuzz else []:
        terminalreporter.write_line(line)


@dataclass
class World:
    city: City
    district: District
    tianqiao: Street
    chunshu: Street
    xiangchang: Community
    yongan: Community
    liulichang: Community
    grid1: Grid
    grid2: Grid
    users: dict = field(default_factory=dict)

    def building(self, community: Community, number: str = "1") -> Building:
        return Building.objects.get(community=community, number=number)

    def dwelling(self, community: Community, number: str = "1", entrance: int = 1, room: str = "101") -> Dwelling:
        return Dwelling.objects.get(community=community, building__number=number, entrance=entrance, room=room)

    def resident(self, community: Community, building: str = "1") -> Resident:
        return Resident.objects.filter(community=community, dwelling__building__number=building).order_by("id").first()


_sequence = iter(range(1, 10**6))


def add_resident(dwelling: Dwelling, name: str, sex: str = "M", phone: str = "13812345678", **extra) -> Resident:
    birth = extra.pop("birth_date", datetime.date(1950, 3, 1))
    resident = Resident(
        community_id=dwelling.community_id,
        dwelling=dwelling,
        name=name,
        name_initials=initials(name),
        sex=sex,
        id_number=idnumber.make("110102", birth, next(_sequence), sex),
        birth_date=birth,
        phone=phone,
        **extra,
    )
    resident.save()
    return resident


def trusting(gate, *issuers, by=None):
    """Grants the gate trust of these communities, as their secretaries would on /gate/trust/."""
    from django.utils import timezone

    from fangxian.gate.models import TrustGrant

    for issuer in issuers:
        if issuer.pk != gate.community_id:
            TrustGrant.objects.create(
                gate=gate, issuer=issuer, status=TrustGrant.Status.GRANTED, granted_by=by, granted_at=timezone.now()
            )
    return gate


def fill(community: Community, grids: list[Grid]) -> None:
    """Two buildings (one per grid), 2 entrances × 3 floors × 2 rooms, one resident a dwelling."""
    for number, grid in (("1", grids[0] if grids else None), ("2", grids[-1] if grids else None)):
        building = Building.objects.create(community=community, grid=grid, number=number, floors=3, entrances=2)
        for entrance in (1, 2):
            for floor in (1, 2, 3):
                for room in (1, 2):
                    dwelling = Dwelling.objects.create(
                        building=building, entrance=entrance, floor=floor, room=f"{floor}0{room}"
                    )
                    add_resident(dwelling, f"{community.name_zh[:2]}{number}{entrance}{floor}{room}")


@pytest.fixture(autouse=True)
def fresh_gate_caches():
    # Rolled-back tests reuse row ids on SQLite; a cache keyed by id must not outlive its test.
    from fangxian.accounts.apikit import BearerAuth
    from fangxian.gate.api import POSTS
    from fangxian.gate.checking import KEYS

    POSTS.clear()
    KEYS.entries.clear()
    BearerAuth.users.clear()


@pytest.fixture(autouse=True)
def chinese_by_default():
    # A request in English leaves English active in the thread; each test starts in Chinese.
    translation.activate("zh-hans")
    yield
    translation.activate("zh-hans")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    # Built once per session; each test runs in a transaction that is rolled back.
    with django_db_blocker.unblock():
        build_world()


@pytest.fixture
def world(db) -> World:
    if not City.objects.filter(code="110000").exists():
        # A transactional test (a browser's) flushed the database, and what migrations seed with it.
        build_world()
        seed_migrated_data()
    User = get_user_model()
    streets = {s.code: s for s in Street.objects.all()}
    communities = {c.code: c for c in Community.objects.all()}
    w = World(
        City.objects.get(code="110000"),
        District.objects.get(code="110102"),
        streets["110102015"],
        streets["110102011"],
        communities["110102015001"],
        communities["110102015002"],
        communities["110102011001"],
        Grid.objects.get(code="G1"),
        Grid.objects.get(code="G2"),
    )
    w.users = {u.username: u for u in User.objects.all()}
    return w


# What migrations put in the database: the categories of cases, the first checklists.
MIGRATED_DATA = [
    ("fangxian.casework.migrations.0002_categories", "add"),
    ("fangxian.inspections.migrations.0002_checklists", "seed"),
]


def seed_migrated_data() -> None:
    from django.apps import apps

    for module, function in MIGRATED_DATA:
        getattr(importlib.import_module(module), function)(apps, None)


def build_world() -> None:
    city = City.objects.create(code="110000", name_zh="北京市", name_en="Beijing")
    Emergency.objects.create(city=city, name="2020", opened_on=datetime.date(2020, 1, 24))
    district = District.objects.create(city=city, code="110102", name_zh="西城区", name_en="Xicheng")
    tianqiao = Street.objects.create(district=district, code="110102015", name_zh="天桥街道", name_en="Tianqiao")
    chunshu = Street.objects.create(district=district, code="110102011", name_zh="椿树街道", name_en="Chunshu")
    xiangchang = Community.objects.create(
        street=tianqiao, code="110102015001", name_zh="香厂路社区", name_en="Xiangchang Road"
    )
    yongan = Community.objects.create(
        street=tianqiao, code="110102015002", name_zh="永安路社区", name_en="Yong'an Road"
    )
    liulichang = Community.objects.create(
        street=chunshu, code="110102011001", name_zh="琉璃厂社区", name_en="Liulichang"
    )
    grid1 = Grid.objects.create(community=xiangchang, code="G1", name_zh="第1网格")
    grid2 = Grid.objects.create(community=xiangchang, code="G2", name_zh="第2网格")
    fill(xiangchang, [grid1, grid2])
    fill(yongan, [])
    fill(liulichang, [])
    User = get_user_model()
    actors = {
        "secretary": (Role.Kind.SECRETARY, {"community": xiangchang}),
        "community_worker": (Role.Kind.COMMUNITY_WORKER, {"community": xiangchang}),
        "grid_worker": (Role.Kind.GRID_WORKER, {"grid": grid1}),
        "gate_keeper": (Role.Kind.GATE_KEEPER, {"community": xiangchang}),
        "health_worker": (Role.Kind.HEALTH_WORKER, {"community": xiangchang}),
        "volunteer": (Role.Kind.VOLUNTEER, {"community": xiangchang}),
        "liaison": (Role.Kind.LIAISON, {"street": tianqiao}),
        "street_admin": (Role.Kind.STREET_ADMIN, {"street": tianqiao}),
        "district_admin": (Role.Kind.DISTRICT_ADMIN, {"district": district}),
        "city_admin": (Role.Kind.CITY_ADMIN, {"city": city}),
        "outsider": (Role.Kind.SECRETARY, {"community": liulichang}),
    }
    for name, (kind, place) in actors.items():
        user = User.objects.create_user(username=name, password=PASSWORD)
        Role.objects.create(user=user, kind=kind, **place)
    User.objects.create_user(username="nobody", password=PASSWORD)


def actor_named(world: World, actor: str):
    """One of the world's actors, or an account a test made for itself."""
    return world.users.get(actor) or get_user_model().objects.get(username=actor)


@pytest.fixture
def client_for(world):
    """A logged-in page client for a named actor."""

    def make(actor: str) -> Client:
        client = Client()
        client.force_login(actor_named(world, actor))
        return client

    return make


@pytest.fixture
def api_for(world):
    """An API client that sends a bearer token for a named actor."""

    def make(actor: str) -> Client:
        return Client(headers={"Authorization": f"Bearer {ApiToken.issue(actor_named(world, actor))}"})

    return make
