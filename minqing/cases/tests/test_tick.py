"""The periodic sweep: time limits, escalation and due return visits, with frozen time."""

from __future__ import annotations

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection

from minqing.cases import services
from minqing.cases.integrity import check_integrity
from minqing.cases.models import Case, CaseEvent, CaseState, ReturnVisit, VisitStatus
from minqing.cases.tick import TickResult, tick
from minqing.notify.models import OutboxMessage

pytestmark = pytest.mark.usefixtures("english")

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
HOUR = dt.timedelta(hours=1)


def fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def actions(case: Case) -> list[tuple[str, str, str, str]]:
    return list(
        case.events.order_by("seq").values_list("action", "actor_label", "from_level", "to_level")
    )


@pytest.fixture
def at_t0(time_machine):
    time_machine.move_to(T0, tick=False)
    return time_machine


def test_nothing_happens_before_the_deadline(world, cases, at_t0):
    case = cases.in_state("dispatched")  # a broken door: 2 hours
    assert case.deadline == T0 + 2 * HOUR
    at_t0.move_to(T0 + 2 * HOUR, tick=False)  # the limit itself is still in time
    assert tick() == TickResult()
    assert fresh(case).overdue is False


def test_an_overdue_case_is_marked_and_escalated_one_level(world, cases, at_t0):
    case = cases.in_state("in_progress")
    events = case.events.count()
    at_t0.move_to(T0 + 2 * HOUR + dt.timedelta(minutes=1), tick=False)
    assert tick() == TickResult(overdue=1, escalated=1, visits_opened=0)
    case = fresh(case)
    assert (case.state, case.level) == (CaseState.ACCEPTED, "community")
    assert (case.overdue, case.was_overdue) == (True, True)
    assert (case.assignee_department, case.deadline) == (None, None)
    assert actions(case)[events:] == [
        ("overdue", "system", "grid", "grid"),
        ("escalate", "system", "grid", "community"),
    ]
    escalate = case.events.order_by("seq").last()
    assert escalate.at == T0 + 2 * HOUR + dt.timedelta(minutes=1)
    assert escalate.note == "Past its deadline; escalated automatically."
    assert OutboxMessage.objects.filter(topic="case.escalate").count() == 1
    assert list(check_integrity()) == []


def test_tick_is_idempotent(world, cases, at_t0):
    late = cases.in_state("dispatched")
    resolved = cases.in_state("resolved")
    at_t0.move_to(T0 + 2 * 24 * HOUR, tick=False)
    assert tick() == TickResult(overdue=1, escalated=1, visits_opened=1)
    counts = (CaseEvent.objects.count(), OutboxMessage.objects.count(), fresh(late).version)
    assert tick() == TickResult()
    assert tick() == TickResult()
    assert (CaseEvent.objects.count(), OutboxMessage.objects.count(), fresh(late).version) == (
        counts
    )
    assert resolved.visits.get().status == VisitStatus.OPEN


def test_the_time_limit_climbs_the_ladder_and_stops_at_the_district(world, cases, at_t0):
    case = cases.in_state("dispatched")
    now = T0
    for desk, level in [
        ("community_staff", "community"),
        ("subdistrict_staff", "subdistrict"),
        ("leader", "district"),
    ]:
        now += 3 * HOUR
        at_t0.move_to(now, tick=False)
        assert tick().escalated == 1
        case = fresh(case)
        assert (case.level, case.state) == (level, CaseState.ACCEPTED)
        # The desk at the new level takes it and sends it out again, with a new limit.
        case = services.case_dispatch(
            actor=world.users[desk], case=case, version=case.version, department=world.housing
        )
        assert case.deadline == now + 2 * HOUR
        assert case.overdue is False
    now += 3 * HOUR
    at_t0.move_to(now, tick=False)
    # At the district there is nowhere higher to go: the case is marked, once.
    assert tick() == TickResult(overdue=1, escalated=0)
    assert tick() == TickResult()
    case = fresh(case)
    assert (case.level, case.state, case.overdue) == ("district", CaseState.DISPATCHED, True)
    assert case.assignee_department == world.housing
    assert [a for a, *_ in actions(case)].count("overdue") == 4
    assert list(check_integrity()) == []


def test_an_overdue_case_resolved_late_is_remembered_as_late(world, cases, at_t0):
    case = cases.in_state("dispatched", level="district")
    at_t0.move_to(T0 + 3 * HOUR, tick=False)
    tick()
    case = services.case_start(actor=world.users["handler"], case=fresh(case), version=None)
    case = services.case_resolve(
        actor=world.users["handler"], case=case, version=None, reply="修好"
    )
    case = fresh(case)
    assert (case.overdue, case.was_overdue) == (False, True)


@pytest.mark.parametrize("state", ["reported", "accepted", "resolved", "closed", "rejected"])
def test_cases_without_a_running_time_limit_are_left_alone(world, cases, at_t0, state):
    case = cases.in_state(state)
    before = (case.version, case.events.count())
    at_t0.move_to(T0 + 30 * 24 * HOUR, tick=False)
    result = tick()
    assert (result.overdue, result.escalated) == (0, 0)
    case = fresh(case)
    assert (case.version, case.events.count() - result.visits_opened) == before
    assert case.overdue is False


def test_a_return_visit_opens_when_it_falls_due(world, cases, at_t0):
    case = cases.in_state("resolved")
    visit = case.visits.get()
    assert (visit.opens_at, visit.due_at) == (T0 + 24 * HOUR, T0 + 7 * 24 * HOUR)
    at_t0.move_to(T0 + 23 * HOUR, tick=False)
    assert tick().visits_opened == 0
    at_t0.move_to(T0 + 24 * HOUR, tick=False)
    assert tick().visits_opened == 1
    assert tick().visits_opened == 0
    visit.refresh_from_db()
    assert visit.status == VisitStatus.OPEN
    case = fresh(case)
    assert case.state == CaseState.RESOLVED
    event = case.events.order_by("seq").last()
    assert (event.action, event.actor, event.actor_label) == ("visit_due", None, "system")
    assert event.data == {"visit": visit.pk, "due_at": visit.due_at.isoformat()}
    assert list(check_integrity()) == []
    # An open visit is recorded like a scheduled one.
    services.return_visit_record(
        actor=world.users["grid_worker"],
        visit=visit,
        method="in_person",
        solved="yes",
        satisfied="satisfied",
    )
    assert fresh(case).state == CaseState.CLOSED


def test_the_tick_command_reports_what_it_did(world, cases, at_t0, capsys):
    cases.in_state("dispatched")
    cases.in_state("resolved")
    at_t0.move_to(T0 + 25 * HOUR, tick=False)
    call_command("tick")
    assert capsys.readouterr().out.strip() == ("overdue: 1, escalated: 1, return visits opened: 1")
    call_command("tick")
    assert capsys.readouterr().out.strip() == ("overdue: 0, escalated: 0, return visits opened: 0")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="two ticks at once need PostgreSQL row locks; SQLite serialises whole transactions",
)
def test_two_ticks_at_once_do_the_work_once(world, cases, time_machine):
    time_machine.move_to(T0, tick=False)
    late = [cases.in_state("dispatched") for _ in range(12)]
    late += [cases.in_state("dispatched", level="district") for _ in range(4)]
    resolved = [cases.in_state("resolved") for _ in range(8)]
    time_machine.move_to(T0 + 30 * HOUR, tick=False)

    start = threading.Barrier(2)
    results: list[TickResult] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            start.wait(10)
            results.append(tick())
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    assert len(results) == 2
    assert sum(r.overdue for r in results) == 16
    assert sum(r.escalated for r in results) == 12
    assert sum(r.visits_opened for r in results) == 8
    for case in late:
        by_tick = [a for a, actor, *_ in actions(case) if actor == "system"]
        assert by_tick == (["overdue", "escalate"] if case.level == "grid" else ["overdue"])
    for case in resolved:
        assert [a for a, *_ in actions(case)].count("visit_due") == 1
        assert case.visits.get().status == VisitStatus.OPEN
    assert ReturnVisit.objects.filter(status=VisitStatus.SCHEDULED).count() == 0
    assert list(check_integrity()) == []
    assert tick() == TickResult()
