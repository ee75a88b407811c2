"""Rates and rankings per department and per person (issue 13), counted by hand."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from minqing.cases import services
from minqing.cases.models import ReturnVisit
from minqing.conftest import make_user
from minqing.core.nav import nav_for
from minqing.core.tests.helpers import login, text
from minqing.dashboards import rankings as r
from minqing.lib import clock
from minqing.people.models import Membership, Role
from minqing.places.models import Department, Place, PlaceKind

TZ = ZoneInfo("Asia/Shanghai")
T = datetime(2026, 3, 10, 9, 0, tzinfo=TZ)
PERIOD = (T - timedelta(days=1), T + timedelta(days=6))  # before: [T - 8 days, T - 1 day)
H = timedelta(hours=1)


class Flow:
    """Cases walked through the services at chosen moments."""

    def __init__(self, world):
        self.world = world
        self.gw = world.users["grid_worker"]

    def case(
        self,
        *,
        department,
        at,
        handler=None,
        respond=timedelta(0),
        resolve=None,
        visit=None,
        category=None,
    ):
        """Report at ``at``; accept and dispatch ``respond`` later (deadline 2 hours on);
        ``handler`` starts it; resolve ``resolve`` after the report; ``visit`` is
        (solved, satisfied), recorded an hour after the resolution."""
        w = self.world
        with clock.at(at):
            case = services.case_report(
                actor=self.gw,
                title="义顺里7号楼门关不上",
                category=category or w.door,
                place=w.building,
                channel="phone",  # a hotline call: answered when it is accepted
            )
        with clock.at(at + respond):
            case = services.case_accept(actor=self.gw, case=case, version=case.version)
            case = services.case_dispatch(
                actor=self.gw,
                case=case,
                version=case.version,
                department=department,
                deadline=at + respond + 2 * H,
            )
        if handler is not None:
            with clock.at(at + respond):
                case = services.case_start(actor=handler, case=case, version=case.version)
        if resolve is not None:
            assert handler is not None
            with clock.at(at + resolve):
                case = services.case_resolve(
                    actor=handler, case=case, version=case.version, reply="已修好。"
                )
        if visit is not None:
            solved, satisfied = visit
            pending = ReturnVisit.objects.get(case=case, status__in=["scheduled", "open"])
            with clock.at(at + resolve + H):
                services.return_visit_record(
                    actor=self.gw, visit=pending, method="phone", solved=solved, satisfied=satisfied
                )
            case.refresh_from_db()
        return case


@pytest.fixture
def h2(world):
    return make_user("h2", Role.HANDLER, department=world.housing)


@pytest.fixture
def scene(world, h2):
    """The cases of the hand count below, in PERIOD, and two in the period before."""
    f = Flow(world)
    h, wh = world.users["handler"], world.users["water_handler"]
    housing, water = world.housing, world.water
    # Housing. A: on time and satisfied.
    f.case(department=housing, at=T, handler=h, resolve=H, visit=("yes", "satisfied"))
    # B: answered late (3 h > the door's 2 h), resolved late, the visit reopens it (rework).
    f.case(
        department=housing,
        at=T + H,
        handler=h2,
        respond=3 * H,
        resolve=6 * H,
        visit=("no", "unsatisfied"),
    )
    # C: started, past its deadline now.
    c = f.case(department=housing, at=T + 2 * H, handler=h)
    services.case_mark_overdue(case=c, moment=T + 5 * H)
    # E: dispatched, nobody has started it: the department's, no person's.
    f.case(department=housing, at=T + 3 * H)
    # Water. D: resolved in 2 h, basically satisfied.
    f.case(
        department=water,
        at=T,
        handler=wh,
        resolve=2 * H,
        visit=("yes", "basically"),
        category=world.pipes,
    )
    # F: closed by a satisfied visit, then reopened by the dispatcher (rework).
    closed = f.case(
        department=water,
        at=T + H,
        handler=wh,
        resolve=H,
        visit=("yes", "satisfied"),
        category=world.pipes,
    )
    with clock.at(T + 5 * H):
        services.case_reopen(
            actor=f.gw, case=closed, version=closed.version, reason="居民说又坏了。"
        )
    # The period before: housing satisfied (h2), water not (the visit reopens it).
    before = T - timedelta(days=4)
    f.case(department=housing, at=before, handler=h2, resolve=H, visit=("yes", "satisfied"))
    f.case(
        department=water,
        at=before,
        handler=wh,
        resolve=H,
        visit=("no", "unsatisfied"),
        category=world.pipes,
    )
    return f


def _row(f: r.Figures) -> tuple:
    return (
        f.reported,
        f.responded_in_time,
        f.visits,
        f.solved,
        f.satisfied,
        f.resolved,
        f.solved_in_grid,
        f.on_time,
        f.resolutions,
        f.reworked,
        f.overdue_now,
    )


def test_department_figures_match_a_hand_count(world, scene):
    figures = r.department_figures([world.housing, world.water], *PERIOD)
    housing, water = figures[world.housing.pk], figures[world.water.pk]
    # reported, in time, visits, solved, satisfied, resolved, in grid, on time,
    # resolutions, reworked, overdue now
    assert _row(housing) == (4, 3, 2, 1, 1, 1, 1, 1, 2, 1, 1)
    assert housing.response == 0.75
    assert housing.resolution == 0.5 and housing.satisfaction == 0.5
    assert housing.on_time_rate == 1.0 and housing.rework == 0.5
    assert housing.respond_time == timedelta(minutes=45)  # (0 + 3 + 0 + 0) h / 4
    assert housing.resolve_time == H  # only A is resolved now
    assert _row(water) == (2, 2, 2, 2, 2, 1, 1, 1, 2, 1, 0)
    assert water.respond_time == timedelta(0) and water.resolve_time == 2 * H


def test_person_figures_count_for_the_handler(world, scene, h2):
    figures = r.person_figures(world.housing, *PERIOD)
    h = world.users["handler"]
    assert set(figures) == {h.pk, h2.pk}  # E has no handler yet: nobody's
    assert _row(figures[h.pk]) == (2, 2, 1, 1, 1, 1, 1, 1, 1, 0, 1)
    assert _row(figures[h2.pk]) == (1, 0, 1, 0, 0, 0, 0, 0, 1, 1, 0)
    assert figures[h2.pk].respond_time == 3 * H
    assert figures[h2.pk].rework == 1.0


def test_a_rework_counts_for_who_resolved_not_who_took_it_over(world, h2):
    f = Flow(world)
    h = world.users["handler"]
    case = f.case(department=world.housing, at=T, handler=h, resolve=H, visit=("no", "unsatisfied"))
    with clock.at(T + 3 * H):
        services.case_start(actor=h2, case=case, version=case.version)
    figures = r.person_figures(world.housing, *PERIOD)
    assert (figures[h.pk].resolutions, figures[h.pk].reworked) == (1, 1)
    assert figures[h2.pk].resolutions == 0
    assert figures[h2.pk].reported == 1  # the case is h2's now


def test_departments_ranked_with_the_change_since_the_period_before(world, scene):
    rows = r.rank_departments([world.housing, world.water], *PERIOD)  # by satisfaction
    assert [r.subject for r in rows] == [world.water, world.housing]
    water, housing = rows
    assert (water.rank, water.before_rank, water.moved) == (1, 2, 1)
    assert (housing.rank, housing.before_rank, housing.moved) == (2, 1, -1)
    assert water.value == 1.0 and water.before_value == 0.0
    assert water.delta_points == pytest.approx(100) and water.delta_text == "+100.0"
    assert housing.delta_points == pytest.approx(-50) and housing.delta_text == "−50.0"


def test_ties_are_broken_by_satisfaction_and_less_rework_is_better(world, scene):
    rows = r.rank_departments([world.housing, world.water], *PERIOD, indicator="rework")
    water, housing = rows  # both 50 %: water is more satisfied
    assert water.subject == world.water and (water.value, housing.value) == (0.5, 0.5)
    assert (water.rank, housing.rank) == (1, 2)
    assert (water.before_rank, housing.before_rank) == (2, 1)  # 100 % and 0 % before


def test_a_department_without_figures_has_no_rank(world, scene):
    quiet = Department.objects.create(
        code="D-QUIET", name="安静局", level="district", place=world.district
    )
    rows = r.rank_departments([world.housing, world.water, quiet], *PERIOD)
    assert rows[-1].subject == quiet
    assert rows[-1].rank is None and rows[-1].value is None and rows[-1].moved is None


def test_people_ranked_within_their_department(world, scene, h2):
    rows = r.rank_people(world.housing, *PERIOD)
    h = world.users["handler"]
    assert [r.subject for r in rows] == [h, h2]
    assert (rows[0].rank, rows[0].before_rank, rows[0].moved) == (1, None, None)
    assert (rows[1].rank, rows[1].before_rank, rows[1].moved) == (2, 1, -1)


def test_the_previous_period_has_the_same_length():
    since, until = PERIOD
    assert r.previous_period(since, until) == (since - timedelta(days=7), since)


def test_queries_do_not_grow_with_cases_departments_or_people(world, cases):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            r.rank_departments(r.departments_for(world.users["leader"]), *PERIOD)
            r.rank_people(world.housing, *PERIOD)
        return len(ctx.captured_queries)

    count()  # the leader's memberships are read once, then kept on the user

    f = Flow(world)
    f.case(department=world.housing, at=T, handler=world.users["handler"], resolve=H)
    few = count()
    for n in range(4):
        department = Department.objects.create(
            code=f"D-{n}", name=f"局{n}", level="district", place=world.district
        )
        person = make_user(f"extra{n}", Role.HANDLER, department=world.housing)
        f.case(
            department=world.housing, at=T, handler=person, resolve=H, visit=("yes", "satisfied")
        )
        f.case(department=department, at=T + H)
    assert count() == few == 14  # 3 grouped queries per period and per ranking, and lists


def test_a_head_must_be_a_handler_of_a_department(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(
            user=world.users["nobody"], role=Role.LEADER, place=world.district, head=True
        )


# --- the pages ---------------------------------------------------------------------------------

RANKING = reverse("dashboards:departments")


def page(code: str) -> str:
    return reverse("dashboards:department", args=[code])


@pytest.fixture
def head(world):
    """The housing handler heads the housing department."""
    user = world.users["handler"]
    Membership.objects.filter(user=user, role=Role.HANDLER).update(head=True)
    return user


def test_the_leader_sees_the_ranking_and_each_department(client, world, cases):
    cases.in_state("closed")
    login(client, world.users["leader"])
    response = client.get(RANKING)
    assert response.status_code == 200
    body = text(response)
    for words in ["Department rankings", "On-time rate", "Rework rate", "Response rate"]:
        assert words in body, words
    assert [r.subject for r in response.context["rows"]][:2] == [world.housing, world.water]
    assert response.context["indicator"] == "satisfaction"
    detail = client.get(page("D-HOUSING"), {"indicator": "rework"})
    assert detail.status_code == 200
    assert detail.context["department"] == world.housing
    assert detail.context["figures"].resolved == 1
    assert [r.subject for r in detail.context["rows"]] == [world.users["handler"]]
    assert "People ranked" in text(detail)


def test_a_period_and_an_indicator_can_be_chosen(client, world, scene):
    login(client, world.users["leader"])
    response = client.get(
        RANKING, {"since": "2026-03-09", "until": "2026-03-15", "indicator": "rework"}
    )
    assert response.status_code == 200
    assert response.context["since"] == PERIOD[0] - timedelta(hours=9)  # midnight
    assert response.context["until"] == PERIOD[1] - timedelta(hours=9)
    assert response.context["before_since_day"].isoformat() == "2026-03-02"
    assert response.context["before_until_day"].isoformat() == "2026-03-08"
    water, housing = response.context["rows"][:2]
    assert (water.subject, water.rank, water.moved) == (world.water, 1, 1)
    assert (housing.subject, housing.rank, housing.moved) == (world.housing, 2, -1)
    bad = client.get(RANKING, {"since": "2026-03-09", "until": "2026-03-01"})
    assert bad.status_code == 200 and "until" in bad.context["form"].errors


def test_a_head_sees_their_own_department_only(client, world, head):
    login(client, head)
    assert client.get(page("D-HOUSING")).status_code == 200
    assert client.get(page("D-WATER")).status_code == 404
    assert client.get(page("NO-SUCH")).status_code == 404
    assert client.get(RANKING).status_code == 403


def test_others_may_not_see_department_pages(client, world):
    for who in ["water_handler", "handler", "community_staff", "grid_worker", "nobody"]:
        login(client, world.users[who])
        assert client.get(RANKING).status_code == 403, who
        assert client.get(page("D-HOUSING")).status_code == 403, who


def test_a_department_outside_the_leaders_district_is_not_found(client, world):
    elsewhere = Place.objects.create(code="120102", name="河东区", kind=PlaceKind.DISTRICT)
    Department.objects.create(code="D-HD", name="河东水务局", level="district", place=elsewhere)
    login(client, world.users["leader"])
    assert client.get(page("D-HD")).status_code == 404
    codes = {r.subject.code for r in client.get(RANKING).context["rows"]}
    assert codes == {"D-HOUSING", "D-WATER"}


def test_anonymous_visitors_are_sent_to_log_in(client):
    for url in [RANKING, page("D-HOUSING")]:
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_pages_are_linked_for_the_roles_that_fit(client, world, head):
    def urls(user) -> set[str]:
        return {item.url for item in nav_for(user)}

    assert RANKING in urls(world.users["leader"])
    assert page("D-HOUSING") in urls(head)
    assert RANKING not in urls(head)
    assert not {RANKING, page("D-HOUSING")} & urls(world.users["water_handler"])
    login(client, world.users["leader"])
    assert "Departments ranked by their rates" in text(client.get(reverse("dashboards:home")))
