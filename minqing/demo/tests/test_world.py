"""The demo district plays forward through the services, and its second district has rules
of its own: what a user trying `make demo` meets."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from minqing.cases.integrity import check_integrity
from minqing.cases.models import Case, DistrictRules, Urgency
from minqing.cases.tick import tick
from minqing.demo.world import SECOND_DISTRICT, seed_demo, seed_intake
from minqing.lib import clock
from minqing.people.models import Membership


@pytest.fixture
def demo(db):
    now = timezone.now().replace(microsecond=0)
    world = seed_demo(now=now, cases=60)
    return world, now


def test_the_demos_history_replays_to_every_case(demo):
    assert list(check_integrity()) == []


def test_the_second_district_runs_by_its_own_rules(demo):
    rules = DistrictRules.objects.get(district__code=SECOND_DISTRICT)
    assert rules.ladder == "grid,community,district"
    cases = Case.objects.filter(place__path__startswith=f"{SECOND_DISTRICT}/")
    assert cases.count() == 2
    assert {c.category.district_id for c in cases} == {rules.district_id, None}
    for case in cases:
        # Heard on a household visit: answered at once; ordinary problems get 5 days there.
        assert case.deadline - case.reported_at == timedelta(days=5)


def test_a_department_head_is_in_the_demo(demo):
    assert Membership.objects.filter(user__username="water", head=True).exists()


def test_with_the_clock_a_month_ahead_the_unattended_gas_leak_stands_at_the_district(demo):
    _world, now = demo
    with clock.at(now):
        [gas] = [c for c in seed_intake(now=now) if c.title == "楼道有燃气味"]
    assert gas.urgency == Urgency.EMERGENCY  # the words suggest it
    later = now + timedelta(days=30)
    with clock.at(later):
        tick(now=later)
    gas.refresh_from_db()
    assert (gas.level, gas.overdue) == ("district", True)
    climbs = list(gas.events.filter(action="escalate").order_by("seq"))
    assert [e.to_level for e in climbs] == ["community", "subdistrict", "district"]
    assert all(e.data["deadline"] for e in climbs)
    assert list(check_integrity()) == []
