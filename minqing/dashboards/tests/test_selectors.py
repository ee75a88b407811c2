"""The rates, counted in the database, on cases whose outcomes we know."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from minqing.cases import services
from minqing.cases.models import ReturnVisit
from minqing.cases.tick import tick
from minqing.dashboards import selectors as s
from minqing.dashboards.views import headline_number
from minqing.lib import clock


@pytest.fixture
def period():
    now = timezone.now()
    return now - timedelta(days=1), now + timedelta(days=1)


def _visit(case, solved, satisfied, who):
    visit = ReturnVisit.objects.get(case=case, status__in=["scheduled", "open"])
    services.return_visit_record(
        actor=who, visit=visit, method="phone", solved=solved, satisfied=satisfied
    )


@pytest.fixture
def outcomes(world, cases):
    gw = world.users["grid_worker"]
    good = cases.in_state("resolved")
    _visit(good, "yes", "satisfied", gw)
    bad = cases.in_state("resolved")
    _visit(bad, "no", "unsatisfied", gw)  # reopened: not resolved any more
    # Two hotline calls (heard in person, a problem counts as answered at once):
    cases.report(channel="phone")  # never answered
    late = cases.report(channel="phone")
    with clock.at(late.reported_at + timedelta(hours=3)):  # the door's limit is 2 hours
        services.case_accept(actor=gw, case=late, version=late.version)
    return good, bad, late


def test_the_rates(world, outcomes, period):
    r = s.rates(world.district, *period)
    assert (r.reported, r.responded_in_time) == (4, 2)
    assert r.response == 0.5
    assert (r.visits, r.solved, r.satisfied) == (2, 1, 1)
    assert r.resolution == 0.5 and r.satisfaction == 0.5
    assert (r.resolved, r.solved_in_grid, r.on_time) == (1, 1, 1)
    assert r.in_grid == 1.0 and r.on_time_rate == 1.0


def test_the_rates_follow_the_place_and_the_period(world, outcomes, period):
    other = s.rates(world.other_grid.parent, *period)  # the community: same cases
    assert other.reported == 4
    from minqing.places.models import Place, PlaceKind

    empty = Place.objects.create(
        code="E", name="空社区", kind=PlaceKind.COMMUNITY, parent=world.street
    )
    r = s.rates(empty, *period)
    assert r.reported == 0 and r.response is None and r.satisfaction is None
    before = s.rates(world.district, period[0] - timedelta(days=9), period[0])
    assert before.reported == 0


def test_the_response_rate_counts_cases_taken_up_within_the_response_limit(world, cases, period):
    # A hotline call: 24 h to fix it, 2 h to take it up.
    case = cases.report(category=world.pipes, channel="phone")
    with clock.at(case.reported_at + timedelta(hours=3)):
        services.case_accept(actor=world.users["grid_worker"], case=case, version=case.version)
    assert s.rates(world.district, *period).responded_in_time == 0
    ok = cases.report(category=world.pipes, channel="phone")
    with clock.at(ok.reported_at + timedelta(hours=2)):
        services.case_accept(actor=world.users["grid_worker"], case=ok, version=ok.version)
    assert s.rates(world.district, *period).responded_in_time == 1


def test_on_time_counts_cases_never_overdue(world, cases, period):
    case = cases.in_state("dispatched")
    tick(now=timezone.now() + timedelta(hours=3))
    case.refresh_from_db()
    assert case.was_overdue
    r = s.rates(world.district, *period)
    assert r.on_time == 0


def test_counts_by_state_and_overdue_by_level(world, cases, period):
    cases.in_state("reported")
    cases.in_state("closed")
    cases.in_state("dispatched")
    tick(now=timezone.now() + timedelta(hours=3))
    states = {key: n for key, _label, n in s.counts_by_state(world.district, *period)}
    assert states["reported"] == 1 and states["closed"] == 1
    assert sum(states.values()) == 3
    # Nobody took up the reported one in 2 h nor fixed the dispatched one: both climbed.
    overdue = {key: n for key, _label, n in s.overdue_by_level(world.district)}
    assert overdue == {"grid": 0, "community": 2, "subdistrict": 0, "district": 0}


def test_breakdown_per_community_and_per_grid(world, cases, outcomes, period):
    cases.report(place=world.other_building, actor=world.users["other_grid_worker"])
    [row] = s.breakdown(world.street, *period)
    assert row.place == world.community
    assert (row.reported, row.resolved, row.visits, row.solved) == (5, 1, 2, 1)
    grids = {r.place.code: r for r in s.breakdown(world.community, *period)}
    assert grids["HYNL-G1"].reported == 4
    assert grids["HYNL-G2"].reported == 1
    assert grids["HYNL-G1"].satisfaction == 0.5


def test_trend_per_day_and_per_week(world, outcomes, period):
    daily = s.trend(world.district, *period)
    assert daily.bucket == "day"
    assert sum(p.reported for p in daily.points) == 4
    assert sum(p.resolved for p in daily.points) == 1
    weekly = s.trend(world.district, period[1] - timedelta(days=120), period[1])
    assert weekly.bucket == "week"
    assert all(p.start.weekday() == 0 for p in weekly.points)
    assert sum(p.reported for p in weekly.points) == 4


def test_solved_total_and_the_headline(world, outcomes):
    n, first = s.solved_total(world.district)
    assert n == 1 and first is not None
    assert headline_number(8347) == "8,300+"
    assert headline_number(12345) == "12,000+"
    assert headline_number(999) == "999"


def test_queries_do_not_grow_with_the_number_of_cases(world, cases, period):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            s.rates(world.district, *period)
            s.counts_by_state(world.district, *period)
            s.overdue_by_level(world.district)
            s.breakdown(world.district, *period)
            s.trend(world.district, *period)
            s.solved_total(world.district)
        return len(ctx.captured_queries)

    cases.in_state("closed")
    few = count()
    for _ in range(6):
        cases.in_state("closed")
        cases.report(place=world.other_building, actor=world.users["other_grid_worker"])
    assert count() == few


def test_dashboard_places_follow_the_desk_roles(world):
    leader = {p.code for p in s.dashboard_places_for(world.users["leader"])}
    assert leader == {"120101", "WDD", "HYNL"}
    assert {p.code for p in s.dashboard_places_for(world.users["community_staff"])} == {"HYNL"}
    assert not s.dashboard_places_for(world.users["grid_worker"]).exists()


def test_late_return_visits_are_counted(world, cases, client):
    case = cases.in_state("resolved")
    visit = case.visits.get()
    assert s.late_visits(world.district) == 0
    tick(now=visit.due_at + timedelta(minutes=1))  # opens it, then flags it late
    assert s.late_visits(world.district) == 1
    assert s.late_visits(world.other_grid) == 0
    client.force_login(world.users["leader"])
    response = client.get("/dashboards/")
    assert response.context["late_visits"] == 1
