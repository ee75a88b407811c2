"""Return visits close or reopen a case; a batch resolves all its members at once."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from minqing.cases import services
from minqing.cases.integrity import check_integrity
from minqing.cases.models import Batch, Case, CaseEvent, CaseState, ReturnVisit, VisitStatus
from minqing.cases.selectors import case_list_for, visits_due_for
from minqing.cases.transitions import RESIDENT
from minqing.lib.errors import Conflict, DomainError, NotAllowed

pytestmark = pytest.mark.usefixtures("english")

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
DAY = dt.timedelta(days=1)


def fresh(case: Case) -> Case:
    return Case.objects.select_related("place", "category").get(pk=case.pk)


def record(world, case: Case, *, solved: str, satisfied: str, who: str = "grid_worker", **kw):
    visit = case.visits.get(status__in=[VisitStatus.SCHEDULED, VisitStatus.OPEN])
    return services.return_visit_record(
        actor=world.users[who] if who else None,
        visit=visit,
        method="phone",
        solved=solved,
        satisfied=satisfied,
        comment="  电话回访王阿姨 ",
        **kw,
    )


@pytest.mark.parametrize(
    ("solved", "satisfied", "closes"),
    [
        ("yes", "satisfied", True),
        ("yes", "basically", True),
        ("partly", "satisfied", True),
        ("partly", "basically", True),
        ("yes", "unsatisfied", False),
        ("partly", "unsatisfied", False),
        ("no", "satisfied", False),
        ("no", "basically", False),
        ("no", "unsatisfied", False),
    ],
)
def test_not_solved_or_unsatisfied_reopens_and_anything_else_closes(
    world, cases, time_machine, solved, satisfied, closes
):
    time_machine.move_to(T0, tick=False)
    case = cases.in_state("resolved")
    time_machine.move_to(T0 + 2 * DAY, tick=False)
    visit = record(world, case, solved=solved, satisfied=satisfied)
    assert (visit.status, visit.done_at, visit.visitor) == (
        VisitStatus.DONE,
        T0 + 2 * DAY,
        world.users["grid_worker"],
    )
    assert (visit.method, visit.solved, visit.satisfied) == ("phone", solved, satisfied)
    assert visit.comment == "电话回访王阿姨"
    case = fresh(case)
    event = case.events.order_by("seq").last()
    assert event.action == "return_visit"
    assert event.data == {
        "visit": visit.pk,
        "method": "phone",
        "solved": solved,
        "satisfied": satisfied,
    }
    if closes:
        assert case.state == CaseState.CLOSED
        assert case.closed_at == T0 + 2 * DAY
    else:
        # Back to the department that had it, with a fresh 2-hour limit for a broken door.
        assert case.state == CaseState.DISPATCHED
        assert case.assignee_department == world.housing
        assert case.deadline == T0 + 2 * DAY + dt.timedelta(hours=2)
        assert (case.resolved_at, case.closed_at, case.overdue) == (None, None, False)
        assert case_list_for(world.users["handler"]).filter(pk=case.pk).exists()
    assert list(check_integrity()) == []


def test_a_reopened_case_is_visited_again_after_its_second_resolution(world, cases):
    case = cases.in_state("resolved")
    record(world, case, solved="no", satisfied="unsatisfied")
    case = services.case_start(actor=world.users["handler"], case=fresh(case), version=None)
    services.case_resolve(actor=world.users["handler"], case=case, version=None, reply="再次修好")
    visits = list(case.visits.order_by("pk").values_list("status", flat=True))
    assert visits == [VisitStatus.DONE, VisitStatus.SCHEDULED]
    record(world, case, solved="yes", satisfied="satisfied")
    assert fresh(case).state == CaseState.CLOSED
    assert [e.action for e in case.events.order_by("seq")] == [
        "report",
        "accept",
        "dispatch",
        "start",
        "resolve",
        "return_visit",
        "start",
        "resolve",
        "return_visit",
    ]


def test_an_unsatisfied_visit_without_an_assignee_goes_back_to_the_desk(world):
    case = services.case_report(
        actor=world.users["volunteer"],
        title="楼道灯不亮",
        category=world.door,
        place=world.building,
        channel="household_visit",
        solved_on_spot=True,
        reply="换了灯泡",
    )
    record(world, case, solved="no", satisfied="unsatisfied", who="volunteer")
    case = fresh(case)
    assert (case.state, case.solved_in_grid) == (CaseState.ACCEPTED, False)
    # The desk has its level's time limit to act again, or the case climbs the ladder.
    assert case.deadline is not None and not case.overdue


def test_a_resident_may_record_the_visit_and_reopen_a_closed_case(world, cases):
    case = cases.in_state("resolved")
    record(world, case, solved="yes", satisfied="satisfied", who=None, role=RESIDENT)
    case = fresh(case)
    assert case.state == CaseState.CLOSED
    assert case.events.order_by("seq").last().actor_label == RESIDENT
    case = services.case_reopen(
        actor=None, role=RESIDENT, case=case, version=case.version, reason="门又关不上了"
    )
    assert (case.state, case.assignee_department) == (CaseState.DISPATCHED, world.housing)
    assert case.closed_at is None


def test_a_visit_is_recorded_once(world, cases):
    case = cases.in_state("resolved")
    visit = record(world, case, solved="yes", satisfied="satisfied")
    events = CaseEvent.objects.count()
    with pytest.raises(Conflict, match=r"^This return visit is already Done\.$") as refused:
        services.return_visit_record(
            actor=world.users["grid_worker"],
            visit=visit,
            method="phone",
            solved="no",
            satisfied="unsatisfied",
        )
    assert refused.value.code == "visit_done"
    assert fresh(case).state == CaseState.CLOSED
    assert CaseEvent.objects.count() == events


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("method", "pigeon", "pigeon is not a valid method; choose one of: phone, in_person, "),
        ("solved", "maybe", "maybe is not a valid solved?; choose one of: yes, partly, no."),
        ("satisfied", "meh", "meh is not a valid satisfied?; choose one of: satisfied, "),
    ],
)
def test_a_visit_with_an_unknown_answer_is_refused(world, cases, field, value, message):
    case = cases.in_state("resolved")
    answers = {"method": "phone", "solved": "yes", "satisfied": "satisfied", field: value}
    with pytest.raises(DomainError) as refused:
        services.return_visit_record(
            actor=world.users["grid_worker"], visit=case.visits.get(), **answers
        )
    assert refused.value.field == field
    assert str(refused.value).startswith(message)
    assert case.visits.get().status == VisitStatus.SCHEDULED


def test_the_department_that_did_the_work_does_not_check_it(world, cases):
    case = cases.in_state("resolved")
    with pytest.raises(NotAllowed):
        record(world, case, solved="yes", satisfied="satisfied", who="handler")
    assert case.visits.get().status == VisitStatus.SCHEDULED


def test_pending_visits_are_listed_for_the_people_who_make_them(world, cases):
    case = cases.in_state("resolved")
    cases.in_state("closed")
    assert [v.case_id for v in visits_due_for(world.users["grid_worker"])] == [case.pk]
    assert [v.case_id for v in visits_due_for(world.users["leader"])] == [case.pk]
    assert not visits_due_for(world.users["other_grid_worker"]).exists()


# --- batches -------------------------------------------------------------------------------


def test_resolving_a_batch_resolves_every_open_member_and_each_gets_its_own_visit(
    world, cases, time_machine
):
    time_machine.move_to(T0, tick=False)
    members = [
        cases.in_state("reported"),
        cases.in_state("accepted", category=world.pipes),
        cases.in_state("in_progress", department=world.water),
        cases.in_state("dispatched", level="community"),
        cases.in_state("accepted", place=world.other_building),
    ]
    batch = services.batch_create(
        actor=world.users["leader"],
        title="华荫南里整片更换供水管道",
        description="一栋楼反映，全小区一起换",
        cases=members,
    )
    assert [c.batch_id for c in map(fresh, members)] == [batch.pk] * 5
    assert all(fresh(c).events.order_by("seq").last().action == "merge" for c in members)
    services.case_reject(
        actor=world.users["other_grid_worker"],
        case=fresh(members[4]),
        version=None,
        reason="重复",
    )
    time_machine.move_to(T0 + 5 * DAY, tick=False)
    services.batch_resolve(actor=world.users["leader"], batch=batch, reply="全小区管道已更换。")
    batch.refresh_from_db()
    assert (batch.resolved_at, batch.reply) == (T0 + 5 * DAY, "全小区管道已更换。")
    resolved, rejected = [fresh(c) for c in members[:4]], fresh(members[4])
    assert {c.state for c in resolved} == {CaseState.RESOLVED}
    assert {c.reply for c in resolved} == {"全小区管道已更换。"}
    assert {c.resolved_at for c in resolved} == {T0 + 5 * DAY}
    assert [c.solved_in_grid for c in resolved] == [True, True, True, False]
    assert rejected.state == CaseState.REJECTED
    visits = ReturnVisit.objects.filter(case__batch=batch)
    assert sorted(v.case_id for v in visits) == sorted(c.pk for c in resolved)
    assert {(v.status, v.opens_at) for v in visits} == {(VisitStatus.SCHEDULED, T0 + 6 * DAY)}
    # Each member is checked with its own resident: one is happy, one is not.
    record(world, resolved[0], solved="yes", satisfied="satisfied")
    record(world, resolved[1], solved="partly", satisfied="unsatisfied")
    assert fresh(resolved[0]).state == CaseState.CLOSED
    assert fresh(resolved[1]).state == CaseState.ACCEPTED  # nobody was assigned to it
    assert fresh(resolved[2]).state == CaseState.RESOLVED
    assert list(check_integrity()) == []


def test_a_batch_is_resolved_once(world, cases):
    batch = services.batch_create(
        actor=world.users["leader"], title="楼门", cases=[cases.in_state("accepted")]
    )
    services.batch_resolve(actor=world.users["leader"], batch=batch, reply="已修")
    with pytest.raises(Conflict, match=r"^This batch is already resolved\.$"):
        services.batch_resolve(actor=world.users["leader"], batch=batch, reply="再修")
    assert Batch.objects.get().reply == "已修"


def test_a_batch_someone_may_not_resolve_for_every_member_is_not_resolved_at_all(world, cases):
    mine, theirs = (
        cases.in_state("accepted"),
        cases.in_state("accepted", place=world.other_building),
    )
    batch = services.batch_create(actor=world.users["leader"], title="楼门", cases=[mine, theirs])
    events = CaseEvent.objects.count()
    with pytest.raises(NotAllowed):
        services.batch_resolve(actor=world.users["grid_worker"], batch=batch, reply="已修")
    assert {fresh(mine).state, fresh(theirs).state} == {CaseState.ACCEPTED}
    assert CaseEvent.objects.count() == events
    assert not ReturnVisit.objects.exists()
    batch.refresh_from_db()
    assert batch.resolved_at is None
