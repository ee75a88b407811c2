"""The periodic sweep: time limits, escalation and due return visits, with frozen time."""

from __future__ import annotations

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
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


def test_an_overdue_case_climbs_one_level_keeping_its_department_and_state(world, cases, at_t0):
    case = cases.in_state("in_progress")
    events = case.events.count()
    missed = case.deadline
    at_t0.move_to(T0 + 2 * HOUR + dt.timedelta(minutes=1), tick=False)
    assert tick() == TickResult(overdue=1, escalated=1)
    case = fresh(case)
    assert (case.state, case.level) == (CaseState.IN_PROGRESS, "community")
    # The community now owns it, with its own 2 hours counted from the deadline missed.
    assert (case.overdue, case.was_overdue) == (False, True)
    assert (case.assignee_department, case.deadline) == (world.housing, missed + 2 * HOUR)
    assert actions(case)[events:] == [
        ("overdue", "system", "grid", "grid"),
        ("escalate", "system", "grid", "community"),
    ]
    overdue, escalate = case.events.order_by("seq")[events:]
    assert overdue.data == {"deadline": missed.isoformat()}
    assert escalate.at == T0 + 2 * HOUR + dt.timedelta(minutes=1)
    assert escalate.note == "Past its deadline; escalated automatically."
    assert escalate.data == {
        "level": "community",
        "deadline": (missed + 2 * HOUR).isoformat(),
        "previous_deadline": missed.isoformat(),
    }
    assert list(check_integrity()) == []


def test_each_step_up_tells_the_level_it_reaches(world, cases, at_t0):
    cases.in_state("dispatched")
    at_t0.move_to(T0 + 30 * 24 * HOUR, tick=False)
    tick()
    told = [
        (m.payload["level"], m.payload["place"])
        for m in OutboxMessage.objects.filter(topic="case.escalate").order_by("pk")
    ]
    assert told == [("community", "HYNL"), ("subdistrict", "WDD"), ("district", "120101")]
    overdue = OutboxMessage.objects.filter(topic="case.overdue").order_by("pk")
    assert [m.payload["level"] for m in overdue] == ["grid", "community", "subdistrict", "district"]


def test_a_reported_case_nobody_takes_up_is_overdue_after_the_response_limit(world, cases, at_t0):
    # A call to the hotline (not heard in person); utilities: 24 h to fix.
    case = cases.in_state("reported", category=world.pipes, channel="phone")
    assert case.respond_by == case.deadline == T0 + 2 * HOUR  # but 2 h to be taken up
    at_t0.move_to(T0 + 2 * HOUR + dt.timedelta(seconds=1), tick=False)
    assert tick() == TickResult(overdue=1, escalated=1)
    case = fresh(case)
    assert (case.state, case.level, case.was_overdue) == (CaseState.REPORTED, "community", True)
    # The community has the response limit too, from the moment the grid's ran out.
    assert case.deadline == T0 + 4 * HOUR
    # Taken up at last: the level's own time limit to fix it starts, and the late response
    # stays on the record.
    case = services.case_accept(actor=world.users["community_staff"], case=case, version=None)
    assert case.deadline == T0 + 2 * HOUR + dt.timedelta(seconds=1) + 24 * HOUR
    assert case.respond_by == T0 + 2 * HOUR and case.responded_at > case.respond_by


def test_an_unattended_emergency_climbs_to_the_district_in_one_late_sweep(world, cases, at_t0):
    case = cases.in_state("dispatched")  # a broken door is an emergency: 2 h a level
    at_t0.move_to(T0 + 30 * 24 * HOUR, tick=False)  # nobody looked for a month
    assert tick() == TickResult(overdue=4, escalated=3)
    case = fresh(case)
    assert (case.level, case.state, case.overdue) == ("district", CaseState.DISPATCHED, True)
    assert case.assignee_department == world.housing
    assert case.deadline == T0 + 8 * HOUR
    steps = case.events.filter(action__in=["overdue", "escalate"]).order_by("seq")
    assert [
        (e.action, e.to_level, dt.datetime.fromisoformat(e.data["deadline"])) for e in steps
    ] == [
        ("overdue", "grid", T0 + 2 * HOUR),
        ("escalate", "community", T0 + 4 * HOUR),
        ("overdue", "community", T0 + 4 * HOUR),
        ("escalate", "subdistrict", T0 + 6 * HOUR),
        ("overdue", "subdistrict", T0 + 6 * HOUR),
        ("escalate", "district", T0 + 8 * HOUR),
        ("overdue", "district", T0 + 8 * HOUR),
    ]
    assert tick() == TickResult()
    assert list(check_integrity()) == []


def test_tick_is_idempotent(world, cases, at_t0):
    late = cases.in_state("dispatched")
    resolved = cases.in_state("resolved")
    at_t0.move_to(T0 + 2 * 24 * HOUR, tick=False)
    assert tick() == TickResult(overdue=4, escalated=3, visits_opened=1)
    counts = (CaseEvent.objects.count(), OutboxMessage.objects.count(), fresh(late).version)
    assert tick() == TickResult()
    assert tick() == TickResult()
    assert (CaseEvent.objects.count(), OutboxMessage.objects.count(), fresh(late).version) == (
        counts
    )
    assert resolved.visits.get().status == VisitStatus.OPEN


def test_the_ladder_climbs_while_nobody_acts_and_stops_at_the_district(world, cases, at_t0):
    case = cases.in_state("dispatched")
    now = T0
    for level in ["community", "subdistrict", "district"]:
        now += 2 * HOUR + dt.timedelta(minutes=1)
        at_t0.move_to(now, tick=False)
        assert tick().escalated == 1
        case = fresh(case)
        assert (case.level, case.state) == (level, CaseState.DISPATCHED)
        assert case.assignee_department == world.housing
        assert case.overdue is False
    now += 3 * HOUR
    at_t0.move_to(now, tick=False)
    # At the district there is nowhere higher to go: the case is marked, once.
    assert tick() == TickResult(overdue=1, escalated=0)
    assert tick() == TickResult()
    case = fresh(case)
    assert (case.level, case.state, case.overdue) == ("district", CaseState.DISPATCHED, True)
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


def test_a_problem_heard_in_person_is_answered_and_its_fix_time_starts(world, cases, at_t0):
    case = cases.report(category=world.pipes)  # at an evening talk
    assert (case.responded_at, case.respond_by, case.deadline) == (
        T0,
        T0 + 2 * HOUR,
        T0 + 24 * HOUR,
    )
    at_t0.move_to(T0 + 3 * HOUR, tick=False)
    assert tick() == TickResult()


@pytest.mark.parametrize("state", ["resolved", "closed", "rejected"])
def test_cases_without_a_running_time_limit_are_left_alone(world, cases, at_t0, state):
    case = cases.in_state(state)
    before = (case.version, case.events.count())
    at_t0.move_to(T0 + 30 * 24 * HOUR, tick=False)
    result = tick()
    assert (result.overdue, result.escalated) == (0, 0)
    case = fresh(case)
    late_visit_events = result.visits_opened + result.visits_overdue
    assert (case.version, case.events.count() - late_visit_events) == before
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
    assert capsys.readouterr().out.strip() == (
        "overdue: 4, escalated: 3, return visits opened: 1, return visits late: 0, "
        "late whistle calls: 0"
    )
    call_command("tick")
    assert capsys.readouterr().out.strip() == (
        "overdue: 0, escalated: 0, return visits opened: 0, return visits late: 0, "
        "late whistle calls: 0"
    )


def test_the_tick_command_sweeps_at_a_given_time(world, cases, at_t0, capsys):
    case = cases.in_state("dispatched")
    call_command("tick", "--at", "2026-03-02T11:30")  # Asia/Shanghai: 2 h 30 min after T0
    assert capsys.readouterr().out.startswith("overdue: 1, escalated: 1,")
    assert fresh(case).level == "community"
    with pytest.raises(CommandError, match="not a date and time"):
        call_command("tick", "--at", "next week")


def test_a_return_visit_nobody_makes_in_time_is_flagged_and_the_level_above_told(
    world, cases, at_t0
):
    case = cases.in_state("resolved")
    visit = case.visits.get()
    at_t0.move_to(visit.due_at, tick=False)
    assert tick() == TickResult(visits_opened=1)  # due, not late yet
    at_t0.move_to(visit.due_at + dt.timedelta(minutes=1), tick=False)
    assert tick() == TickResult(visits_overdue=1)
    assert tick() == TickResult()
    visit.refresh_from_db()
    assert (visit.status, visit.overdue) == (VisitStatus.OPEN, True)
    event = fresh(case).events.order_by("seq").last()
    assert (event.action, event.to_state) == ("visit_overdue", CaseState.RESOLVED)
    [message] = OutboxMessage.objects.filter(topic="case.visit_overdue")
    assert (message.payload["level"], message.payload["place"]) == ("community", "HYNL")
    assert list(check_integrity()) == []
    # Late is still better than never: the visit can be made and closes the case.
    services.return_visit_record(
        actor=world.users["grid_worker"],
        visit=visit,
        method="phone",
        solved="yes",
        satisfied="satisfied",
    )
    assert fresh(case).state == CaseState.CLOSED


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
    # Each grid case climbs three levels (four marks); each district case is marked once.
    assert sum(r.overdue for r in results) == 12 * 4 + 4
    assert sum(r.escalated for r in results) == 12 * 3
    assert sum(r.visits_opened for r in results) == 8
    for case in late:
        by_tick = [a for a, actor, *_ in actions(case) if actor == "system"]
        assert by_tick.count("overdue") == (4 if by_tick.count("escalate") == 3 else 1)
        assert fresh(case).level == "district"
    for case in resolved:
        assert [a for a, *_ in actions(case)].count("visit_due") == 1
        assert case.visits.get().status == VisitStatus.OPEN
    assert ReturnVisit.objects.filter(status=VisitStatus.SCHEDULED).count() == 0
    assert list(check_integrity()) == []
    assert tick() == TickResult()
