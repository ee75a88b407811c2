"""Per-district rules: the ladder, the response limit and time limits per level and class."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from minqing.cases import services
from minqing.cases.models import Category, DistrictRules, TimeLimit, TimeLimitClass
from minqing.cases.tick import TickResult, tick
from minqing.cases.timelimits import policy_for
from minqing.conftest import make_user
from minqing.lib.errors import DomainError
from minqing.places.models import Department, Place, PlaceKind

pytestmark = pytest.mark.usefixtures("english")

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
HOUR = dt.timedelta(hours=1)


@pytest.fixture
def hexi(world):
    """A second district whose rules differ: no sub-district step, 1 h to respond, ordinary
    problems 5 days (48 h at the community), and a category of its own."""
    district = Place.objects.create(code="120103", name="河西区", kind=PlaceKind.DISTRICT)
    street = Place.objects.create(
        code="YYL", name="友谊路街", kind=PlaceKind.SUBDISTRICT, parent=district
    )
    community = Place.objects.create(
        code="PJNL", name="平江南里社区", kind=PlaceKind.COMMUNITY, parent=street
    )
    grid = Place.objects.create(
        code="PJNL-G1", name="一网格", kind=PlaceKind.GRID, parent=community
    )
    building = Place.objects.create(
        code="PJNL-G1-B01", name="平江南里1号", kind=PlaceKind.BUILDING, parent=grid
    )
    rules = DistrictRules.objects.create(
        district=district, ladder="grid,community,district", respond_hours=1
    )
    TimeLimit.objects.create(rules=rules, limit_class=TimeLimitClass.ORDINARY, hours=120)
    TimeLimit.objects.create(
        rules=rules, level="community", limit_class=TimeLimitClass.ORDINARY, hours=48
    )
    river = Department.objects.create(
        code="HX-RIVER", name="河道管理所", level="district", place=district
    )
    top = Category.objects.create(code="HX01", name="海河岸线", level=1, district=district)
    own = Category.objects.create(
        code="HX01.01",
        name="护栏破损",
        level=2,
        parent=top,
        district=district,
        default_department=river,
    )
    worker = make_user("hxgw", "grid_worker", place=grid)
    return {"district": district, "building": building, "own": own, "worker": worker}


def report(world, hexi, **kw):
    defaults = dict(
        actor=None,
        role="resident",
        title="河边护栏松动",
        category=hexi["own"],
        place=hexi["building"],
        channel="web",
    )
    return services.case_report(**(defaults | kw))


def test_a_district_without_rules_follows_the_settings(world):
    policy = policy_for(world.building)
    assert policy.ladder == ("grid", "community", "subdistrict", "district")
    assert policy.respond == 2 * HOUR
    assert policy.time_limit(TimeLimitClass.ORDINARY, "community") == 7 * 24 * HOUR


def test_a_district_climbs_its_own_ladder_with_its_own_limits(world, hexi, time_machine):
    time_machine.move_to(T0, tick=False)
    case = report(world, hexi)
    assert case.respond_by == case.deadline == T0 + HOUR  # its own response limit
    time_machine.move_to(T0 + HOUR + dt.timedelta(minutes=1), tick=False)
    assert tick() == TickResult(overdue=1, escalated=1)
    case.refresh_from_db()
    assert (case.level, case.deadline) == ("community", T0 + 2 * HOUR)
    time_machine.move_to(T0 + 3 * HOUR + dt.timedelta(minutes=1), tick=False)
    # Community → district (no sub-district step), 1 h there too: late again.
    assert tick() == TickResult(overdue=2, escalated=1)
    case.refresh_from_db()
    assert (case.level, case.overdue) == ("district", True)
    assert [e.to_level for e in case.events.filter(action="escalate")] == ["community", "district"]


def test_time_limits_differ_per_level(world, hexi, time_machine):
    time_machine.move_to(T0, tick=False)
    case = report(world, hexi, actor=hexi["worker"], role=None, channel="household_visit")
    # Heard in person: taken up at once; the grid has the district's 5 days for ordinary.
    assert case.deadline == T0 + 120 * HOUR and case.responded_at == T0
    case = services.case_escalate(
        actor=hexi["worker"], case=case, version=case.version, reason="网格解决不了"
    )
    assert (case.level, case.deadline) == ("community", T0 + 48 * HOUR)


def test_a_category_of_another_district_is_refused(world, hexi):
    with pytest.raises(DomainError, match="is not used in the district of") as refused:
        report(world, hexi, place=world.building)  # 和平区's building, 河西区's category
    assert refused.value.field == "category"
    assert not hexi["own"].cases.exists()
    codes = set(Category.objects.for_district("120101").values_list("code", flat=True))
    assert "HX01.01" not in codes and "C01.01.01" in codes


def test_a_change_of_rules_applies_at_once_in_this_process(world, hexi):
    assert policy_for(hexi["building"]).respond == HOUR
    rules = DistrictRules.objects.get(district=hexi["district"])
    rules.respond_hours = 3
    rules.save()
    assert policy_for(hexi["building"]).respond == 3 * HOUR
    rules.delete()
    assert policy_for(hexi["building"]).ladder[-1] == "district"
    assert policy_for(hexi["building"]).respond == 2 * HOUR


@pytest.mark.parametrize(
    ("ladder", "ok"),
    [
        ("grid, community ,district", True),
        ("community,grid", False),
        ("grid,grid,district", False),
        ("grid,street", False),
        ("", False),
    ],
)
def test_a_ladder_names_known_levels_once_lowest_first(world, ladder, ok):
    rules = DistrictRules(district=world.district, ladder=ladder)
    if ok:
        rules.clean()
        assert rules.ladder == "grid,community,district"
    else:
        with pytest.raises(ValidationError):
            rules.clean()
