"""Shared fixtures: a small place tree, categories, departments and one user per role."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from minqing.cases.models import Category, TimeLimitClass
from minqing.people.models import Membership, Role, User
from minqing.places.models import Department, Place, PlaceKind


@dataclass
class World:
    district: Place
    street: Place
    community: Place
    grid: Place
    building: Place
    other_grid: Place
    other_building: Place
    housing: Department
    water: Department
    door: Category
    pipes: Category
    users: dict[str, User]


def make_user(username: str, role: str | None = None, **membership) -> User:
    user = User.objects.create_user(username=username, password="pw", full_name=username)
    if role:
        Membership.objects.create(user=user, role=role, **membership)
    return user


@pytest.fixture
def world(db) -> World:
    district = Place.objects.create(
        code="120101", name="和平区", kind=PlaceKind.DISTRICT, short="HP"
    )
    street = Place.objects.create(
        code="WDD", name="五大道街", kind=PlaceKind.SUBDISTRICT, parent=district
    )
    community = Place.objects.create(
        code="HYNL", name="华荫南里社区", kind=PlaceKind.COMMUNITY, parent=street
    )
    grid = Place.objects.create(
        code="HYNL-G1", name="第一网格", kind=PlaceKind.GRID, parent=community
    )
    building = Place.objects.create(
        code="HYNL-G1-B07", name="义顺里7号", kind=PlaceKind.BUILDING, parent=grid
    )
    other_grid = Place.objects.create(
        code="HYNL-G2", name="第二网格", kind=PlaceKind.GRID, parent=community
    )
    other_building = Place.objects.create(
        code="HYNL-G2-B01", name="义顺里20号", kind=PlaceKind.BUILDING, parent=other_grid
    )
    housing = Department.objects.create(
        code="D-HOUSING", name="老旧房屋改造办", level="district", place=district
    )
    water = Department.objects.create(
        code="D-WATER", name="水务局", level="district", place=district
    )
    top = Category.objects.create(code="C01", name="城乡建设", level=1)
    mid = Category.objects.create(code="C01.01", name="住房", level=2, parent=top)
    door = Category.objects.create(
        code="C01.01.01",
        name="楼门损坏",
        level=3,
        parent=mid,
        default_department=housing,
        time_limit_class=TimeLimitClass.EMERGENCY,
    )
    pipes = Category.objects.create(
        code="C01.01.02",
        name="供水管道",
        level=3,
        parent=mid,
        default_department=water,
        time_limit_class=TimeLimitClass.UTILITIES,
    )
    users = {
        "grid_worker": make_user("gw", Role.GRID_WORKER, place=grid),
        "other_grid_worker": make_user("gw2", Role.GRID_WORKER, place=other_grid),
        "agency_cadre": make_user("ac", Role.AGENCY_CADRE, place=grid),
        "street_cadre": make_user("sc", Role.STREET_CADRE, place=grid),
        "volunteer": make_user("vol", Role.VOLUNTEER, place=grid),
        "community_staff": make_user("cs", Role.COMMUNITY_STAFF, place=community),
        "subdistrict_staff": make_user("ss", Role.SUBDISTRICT_STAFF, place=street),
        "handler": make_user("h", Role.HANDLER, department=housing),
        "water_handler": make_user("wh", Role.HANDLER, department=water),
        "leader": make_user("leader", Role.LEADER, place=district),
        "nobody": make_user("nobody"),
    }
    return World(
        district,
        street,
        community,
        grid,
        building,
        other_grid,
        other_building,
        housing,
        water,
        door,
        pipes,
        users,
    )


# --- added for the spine's test suite ------------------------------------------------------


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """PBKDF2 costs ~0.3 s per user; tests make many users and never need strong hashes."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
