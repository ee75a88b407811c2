"""The demo routes new web, phone and API cases out of the box: its first-level categories
have departments, the router learns from its closed cases, and this evening's reports arrive
routed or with three suggestions."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from minqing.cases.models import CaseEvent, CaseState, Category
from minqing.demo.world import INTAKE, TOP_DEPARTMENTS, seed_demo, seed_intake


@pytest.fixture
def demo(db):
    return seed_demo(cases=60)


def test_the_demos_first_level_categories_have_departments(demo):
    shared = Category.objects.filter(parent__isnull=True, district__isnull=True)
    tops = {c.name: c for c in shared.exclude(code="UNSORTED")}
    assert set(tops) == set(TOP_DEPARTMENTS)
    for name, code in TOP_DEPARTMENTS.items():
        assert tops[name].default_department.code == code


def test_the_demos_history_is_the_peoples_own_work(demo):
    assert not CaseEvent.objects.filter(action__in=["route", "suggest"]).exists()


def test_the_demo_router_routes_this_evenings_cases_or_suggests(demo, settings):
    out = StringIO()
    call_command("router", "train", "--from-cases", stdout=out)
    assert "router-" in out.getvalue()
    new = seed_intake()
    assert len(new) == len(INTAKE)
    states = [c.state for c in new]
    assert CaseState.DISPATCHED in states and CaseState.REPORTED in states
    for case in new:
        actions = list(case.events.values_list("action", flat=True))
        if case.state == CaseState.DISPATCHED:
            assert actions == ["report", "route"]
            assert case.assignee_department is not None and case.deadline is not None
        else:
            assert actions == ["report", "suggest"]
            assert len(case.events.get(action="suggest").data["suggestions"]) == 3
