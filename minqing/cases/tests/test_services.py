"""The case services: refusals, what each transition writes, and the outbox."""

from __future__ import annotations

import datetime as dt
import re
import threading
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from django.utils import timezone

from minqing.cases import services
from minqing.cases.models import (
    Batch,
    Case,
    CaseEvent,
    CaseState,
    Category,
    ReturnVisit,
    TimeLimitClass,
    VisitStatus,
)
from minqing.cases.permissions import roles_for
from minqing.cases.selectors import case_list_for, case_track
from minqing.lib.errors import Conflict, DomainError, NotAllowed, StaleVersion
from minqing.notify.models import OutboxMessage
from minqing.places.models import Department, Place
from minqing.places.selectors import place_get
from minqing.places.services import place_create

pytestmark = pytest.mark.usefixtures("english")

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 3, 2, 20, 0, tzinfo=SHANGHAI)  # an evening talk, Monday 8 pm


def footprint() -> tuple[int, ...]:
    """Row counts of everything a case service may write."""
    return (
        Case.objects.count(),
        CaseEvent.objects.count(),
        OutboxMessage.objects.count(),
        ReturnVisit.objects.count(),
        Batch.objects.count(),
    )


def fresh(case: Case) -> Case:
    return Case.objects.select_related("place", "category").get(pk=case.pk)


# --- stale versions ----------------------------------------------------------------------


def test_it_refuses_a_stale_update_with_a_clear_message_and_writes_nothing(world, cases):
    case = cases.report()
    seen_by_staff = fresh(case)  # the community desk opens the case …
    services.case_accept(actor=world.users["grid_worker"], case=case, version=case.version)
    before, state_before = footprint(), fresh(case)
    with pytest.raises(StaleVersion) as refused:
        services.case_reject(  # … and acts on what it saw, after the grid worker accepted
            actor=world.users["community_staff"],
            case=seen_by_staff,
            version=seen_by_staff.version,
            reason="重复",
        )
    assert refused.value.code == "stale_version"
    assert str(refused.value) == (
        f"Someone else changed case {case.code} first (it is now at version 2; "
        "you saw version 1). Reload it and try again."
    )
    after = fresh(case)
    assert (after.state, after.version, after.reject_reason) == (CaseState.ACCEPTED, 2, "")
    assert after.version == state_before.version
    assert footprint() == before


def test_each_successful_write_moves_the_version_on_by_one(world, cases):
    case = cases.in_state("in_progress")
    assert case.version == 4  # report, accept, dispatch, start
    assert list(case.events.values_list("seq", flat=True)) == [1, 2, 3, 4]


# --- missing and malformed input -----------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"title": "   "}, "title", "Title is required."),
        ({"title": "长" * 201}, "title", "The title is longer than 200 characters."),
        (
            {"channel": "pigeon"},
            "channel",
            "pigeon is not a valid channel; choose one of: evening_talk, household_visit, "
            "forum, phone, wechat, web, api.",
        ),
        (
            {"urgency": "soon"},
            "urgency",
            "soon is not a valid urgency; choose one of: normal, urgent, emergency.",
        ),
        (
            {"solved_on_spot": True, "reply": " "},
            "reply",
            "What was done is required.",
        ),
    ],
)
def test_a_report_with_a_missing_or_bad_field_names_the_field(
    world, cases, changes, field, message
):
    before = footprint()
    with pytest.raises(DomainError) as refused:
        cases.report(**changes)
    assert refused.value.field == field
    assert str(refused.value) == message
    assert footprint() == before


def test_a_report_needs_someone_who_reports_it(world):
    with pytest.raises(NotAllowed, match=re.escape("A case needs someone who reports it.")):
        services.case_report(
            actor=None,
            title="楼门坏了",
            category=world.door,
            place=world.building,
            channel="web",
        )
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("service", "kwargs", "field"),
    [
        (services.case_reject, {"reason": " "}, "reason"),
        (services.case_escalate, {"reason": ""}, "reason"),
        (services.case_add_note, {"note": "\n"}, "note"),
    ],
)
def test_a_transition_without_its_reason_is_refused(world, cases, service, kwargs, field):
    case = cases.report()
    before = footprint()
    with pytest.raises(DomainError) as refused:
        service(actor=world.users["grid_worker"], case=case, version=case.version, **kwargs)
    assert refused.value.field == field
    assert str(refused.value).endswith("is required.")
    assert footprint() == before


def test_resolving_without_a_reply_to_the_resident_is_refused(world, cases):
    case = cases.in_state("in_progress")
    with pytest.raises(
        DomainError, match=re.escape("Reply to the resident is required.")
    ) as refused:
        services.case_resolve(
            actor=world.users["handler"], case=case, version=case.version, reply=""
        )
    assert refused.value.field == "reply"
    assert fresh(case).state == CaseState.IN_PROGRESS


@pytest.mark.parametrize("who", ["neither", "both"])
def test_dispatch_goes_to_exactly_one_department_or_person(world, cases, who):
    case = cases.in_state("accepted")
    target = (
        {}
        if who == "neither"
        else {"department": world.housing, "assignee": world.users["agency_cadre"]}
    )
    with pytest.raises(DomainError, match="exactly one department or one person") as refused:
        services.case_dispatch(
            actor=world.users["grid_worker"], case=case, version=case.version, **target
        )
    assert refused.value.field == "assignee"
    assert fresh(case).state == CaseState.ACCEPTED


def test_dispatch_refuses_a_deadline_in_the_past(world, cases, time_machine):
    time_machine.move_to(T0, tick=False)
    case = cases.in_state("accepted")
    before = case.deadline
    with pytest.raises(DomainError, match=re.escape("The deadline must be in the future.")):
        services.case_dispatch(
            actor=world.users["grid_worker"],
            case=case,
            version=case.version,
            department=world.housing,
            deadline=T0 - dt.timedelta(minutes=1),
        )
    assert fresh(case).deadline == before


@pytest.mark.parametrize(
    "raw",
    ["12345", "138123456789", "23812345678", "022-2345", "电话13812345678", "+1 202 555 0101"],
)
def test_a_malformed_phone_is_refused_with_the_number_in_the_message(world, cases, raw):
    before = footprint()
    with pytest.raises(DomainError) as refused:
        cases.report(reporter_phone=raw)
    assert refused.value.code == "invalid_phone"
    assert refused.value.field == "phone"
    assert f"“{raw}” is not a phone number" in str(refused.value)
    assert footprint() == before


def test_the_reporters_phone_is_stored_normalised_and_shown_masked(world, cases):
    case = cases.report(reporter_phone="（022）2345 6789")
    assert case.reporter_phone == "022-23456789"
    assert case.masked_phone == "022-****6789"
    case = cases.report(reporter_phone="+86 138-1234-5678")
    assert (case.reporter_phone, case.masked_phone) == ("13812345678", "138****5678")
    assert cases.report(reporter_phone="").reporter_phone == ""


def test_an_unknown_kind_of_place_is_refused(world):
    with pytest.raises(DomainError, match=re.escape("Unknown kind of place: village.")) as refused:
        place_create(code="V1", name="某村", kind="village", parent=world.street)
    assert refused.value.field == "kind"
    assert not Place.objects.filter(code="V1").exists()


def test_a_place_must_sit_directly_under_the_level_above_it(world):
    with pytest.raises(DomainError, match="A grid must sit directly under") as refused:
        place_create(code="G9", name="第九网格", kind="grid", parent=world.street)
    assert refused.value.field == "parent"
    with pytest.raises(DomainError, match="already used"):
        place_create(code="HYNL-G1", name="重复", kind="grid", parent=world.community)
    assert place_create(code="G9", name="第九网格", kind="grid", parent=world.community).path == (
        "120101/WDD/HYNL/G9/"
    )


def test_an_unknown_place_code_is_not_found(world):
    with pytest.raises(
        DomainError, match=re.escape("There is no place with the code NOPE.")
    ) as refused:
        place_get(code="NOPE")
    assert refused.value.code == "not_found"


def test_a_case_is_about_a_building_or_a_grid_not_a_community(world, cases):
    with pytest.raises(DomainError) as refused:
        cases.report(place=world.community)
    assert refused.value.field == "place"
    assert (
        str(refused.value) == "A case is about a building or a grid; 华荫南里社区 is a Community."
    )
    assert not Case.objects.exists()
    assert cases.report(place=world.grid).level == "grid"


# --- report and solved on the spot --------------------------------------------------------


def test_a_tracking_code_names_the_district_and_the_local_month(world, cases, time_machine):
    # 17:30 UTC on 31 January is already 1 February in Tianjin.
    time_machine.move_to(dt.datetime(2026, 1, 31, 17, 30, tzinfo=dt.UTC), tick=False)
    first, second = cases.report(), cases.report()
    assert (first.code, second.code) == ("HP-2602-0001", "HP-2602-0002")


def test_a_problem_solved_on_the_spot_is_resolved_in_one_step_and_still_gets_a_visit(
    world, time_machine
):
    time_machine.move_to(T0, tick=False)
    case = services.case_report(
        actor=world.users["agency_cadre"],
        title="楼道灯不亮",
        category=world.door,
        place=world.building,
        channel="household_visit",
        solved_on_spot=True,
        reply="  当场换了灯泡。 ",
    )
    case = fresh(case)
    assert case.state == CaseState.RESOLVED
    assert case.reply == "当场换了灯泡。"
    assert case.solved_in_grid is True
    assert case.reported_at == case.responded_at == case.resolved_at == T0
    events = list(case.events.values_list("action", "from_state", "to_state", "note"))
    assert events == [
        ("report", "", "reported", ""),
        ("solve_on_spot", "reported", "resolved", "当场换了灯泡。"),
    ]
    visit = case.visits.get()
    assert visit.status == VisitStatus.SCHEDULED
    assert (visit.opens_at, visit.due_at) == (
        T0 + dt.timedelta(hours=24),
        T0 + dt.timedelta(days=7),
    )
    assert list(OutboxMessage.objects.order_by("pk").values_list("topic", flat=True)) == [
        "case.report",
        "case.solve_on_spot",
    ]


# --- dispatch deadlines --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("limit_class", "urgency", "hours"),
    [
        (TimeLimitClass.EMERGENCY, "normal", 2),
        (TimeLimitClass.UTILITIES, "normal", 24),
        (TimeLimitClass.ORDINARY, "normal", 7 * 24),
        (TimeLimitClass.COMPLEX, "normal", 15 * 24),
        (TimeLimitClass.ORDINARY, "urgent", 24),
        (TimeLimitClass.COMPLEX, "urgent", 24),
        (TimeLimitClass.UTILITIES, "urgent", 24),
        (TimeLimitClass.EMERGENCY, "urgent", 2),
        (TimeLimitClass.COMPLEX, "emergency", 2),
        (TimeLimitClass.ORDINARY, "emergency", 2),
    ],
)
def test_the_dispatch_deadline_comes_from_the_category_and_the_urgency(
    world, cases, time_machine, limit_class, urgency, hours
):
    category = Category.objects.create(
        code="C01.01.99",
        name="测试",
        level=3,
        parent=world.door.parent,
        time_limit_class=limit_class,
    )
    case = cases.in_state("accepted", category=category, urgency=urgency)
    time_machine.move_to(T0, tick=False)
    case = services.case_dispatch(
        actor=world.users["grid_worker"], case=case, version=case.version, department=world.water
    )
    assert case.deadline == T0 + dt.timedelta(hours=hours)
    assert fresh(case).deadline == T0 + dt.timedelta(hours=hours)
    event = case.events.last()
    assert event.data == {"to": "水务局", "deadline": case.deadline.isoformat()}


def test_a_dispatcher_may_set_a_later_deadline_by_hand(world, cases, time_machine):
    time_machine.move_to(T0, tick=False)
    case = cases.in_state("accepted")
    later = T0 + dt.timedelta(days=3)
    case = services.case_dispatch(
        actor=world.users["grid_worker"],
        case=case,
        version=case.version,
        assignee=world.users["agency_cadre"],
        deadline=later,
    )
    case = fresh(case)
    assert (case.state, case.deadline, case.assignee_user) == (
        CaseState.DISPATCHED,
        later,
        world.users["agency_cadre"],
    )
    assert case.responded_at == T0


# --- send back -----------------------------------------------------------------------------


@pytest.mark.parametrize("state", ["dispatched", "in_progress"])
def test_a_department_sends_a_case_back_with_its_reason(world, cases, state, time_machine):
    time_machine.move_to(T0, tick=False)
    case = cases.in_state(state)
    handler = world.users["handler"]
    assert case_list_for(handler).filter(pk=case.pk).exists()
    case = services.case_send_back(
        actor=handler, case=case, version=case.version, reason="  不属于房屋改造范围，应为水务。 "
    )
    moment = case.events.last().at
    case = fresh(case)
    assert case.state == CaseState.ACCEPTED
    assert (case.assignee_department, case.assignee_user) == (None, None)
    # The dispatcher has the response limit to send it on, or it climbs the ladder.
    assert (case.deadline, case.overdue) == (moment + dt.timedelta(hours=2), False)
    event = case.events.last()
    assert (event.action, event.actor, event.note) == (
        "send_back",
        handler,
        "不属于房屋改造范围，应为水务。",
    )
    # The department no longer sees it; the dispatcher sends it on to the right one.
    assert not case_list_for(handler).filter(pk=case.pk).exists()
    case = services.case_dispatch(
        actor=world.users["grid_worker"], case=case, version=case.version, department=world.water
    )
    assert case_list_for(world.users["water_handler"]).filter(pk=case.pk).exists()


def test_only_the_assignee_may_send_a_case_back(world, cases):
    case = cases.in_state("dispatched")
    with pytest.raises(NotAllowed, match=f"You may not send back case {case.code}."):
        services.case_send_back(
            actor=world.users["water_handler"], case=case, version=case.version, reason="x"
        )
    assert fresh(case).state == CaseState.DISPATCHED


# --- escalation ----------------------------------------------------------------------------


def test_a_case_escalates_up_the_ladder_to_the_district_and_no_further(world, cases, time_machine):
    time_machine.move_to(T0, tick=False)
    case = cases.in_state("dispatched")
    ladder = [
        ("grid_worker", "grid", "community"),
        ("community_staff", "community", "subdistrict"),
        ("subdistrict_staff", "subdistrict", "district"),
    ]
    for who, below, above in ladder:
        assert case.level == below
        case = services.case_escalate(
            actor=world.users[who], case=case, version=case.version, reason="需要上级协调"
        )
        case = fresh(case)
        # The level above owns it now; the department keeps working on it, with a new
        # deadline for the level above.
        assert (case.level, case.state) == (above, CaseState.DISPATCHED)
        assert case.assignee_department == world.housing
        event = case.events.last()
        assert case.deadline == event.at + dt.timedelta(hours=2)
        assert (event.action, event.from_level, event.to_level) == ("escalate", below, above)
    before = footprint()
    with pytest.raises(Conflict) as refused:
        services.case_escalate(
            actor=world.users["leader"], case=case, version=case.version, reason="再往上"
        )
    assert refused.value.code == "top_level"
    assert str(refused.value) == (
        f"Case {case.code} is at the top of its ladder; it cannot go higher."
    )
    assert footprint() == before
    # At the district the leader takes the decisions; the grid worker only helps.
    assert "leader" in roles_for(world.users["leader"], case)
    assert roles_for(world.users["grid_worker"], case) == {"team"}


def test_an_escalation_without_a_version_goes_up_from_where_the_case_is_now(world, cases):
    case = cases.in_state("accepted")
    stale = fresh(case)  # a copy from before two escalations by others
    case = services.case_escalate(
        actor=world.users["grid_worker"], case=case, version=case.version, reason="上报"
    )
    case = services.case_escalate(
        actor=world.users["community_staff"], case=case, version=case.version, reason="上报"
    )
    assert stale.level == "grid" and case.level == "subdistrict"
    # The system (and an API call without If-Match) writes without a version.
    services.case_escalate(actor=None, role="system", case=stale, version=None, reason="超时")
    case = fresh(case)
    assert case.level == "district"
    event = case.events.order_by("seq").last()
    assert (event.from_level, event.to_level) == ("subdistrict", "district")


def test_once_escalated_the_grid_worker_can_no_longer_decide(world, cases):
    case = cases.in_state("accepted", level="community")
    with pytest.raises(NotAllowed):
        services.case_dispatch(
            actor=world.users["grid_worker"],
            case=case,
            version=case.version,
            department=world.housing,
        )
    # … but still adds what they know.
    services.case_add_note(
        actor=world.users["grid_worker"], case=case, version=case.version, note="住户晚上在家"
    )
    assert fresh(case).events.last().action == "note"


# --- reject --------------------------------------------------------------------------------


def test_a_rejected_case_keeps_its_reason_for_the_reporter_to_read(world, cases, time_machine):
    time_machine.move_to(T0, tick=False)
    case = cases.report()
    case = services.case_reject(
        actor=world.users["grid_worker"],
        case=case,
        version=case.version,
        reason="与 HP-2603-0001 重复，已合并处理。",
    )
    assert case.state == CaseState.REJECTED
    tracked = case_track(case.code, "5678")
    assert tracked.reject_reason == "与 HP-2603-0001 重复，已合并处理。"
    assert tracked.closed_at == tracked.responded_at == T0
    assert case.events.last().note == "与 HP-2603-0001 重复，已合并处理。"


# --- reveal the phone ------------------------------------------------------------------------


def test_revealing_the_reporters_phone_is_written_to_the_history(world, cases):
    case = cases.in_state("dispatched")
    events = case.events.count()
    number = services.case_reveal_phone(actor=world.users["handler"], case=case)
    assert number == "13812345678"
    case = fresh(case)
    assert case.state == CaseState.DISPATCHED
    assert case.events.count() == events + 1
    event = case.events.last()
    assert (event.action, event.actor, event.from_state, event.to_state) == (
        "reveal_phone",
        world.users["handler"],
        "dispatched",
        "dispatched",
    )
    assert case.masked_phone == "138****5678"


def test_someone_outside_the_case_cannot_reveal_the_phone(world, cases):
    case = cases.report()
    before = footprint()
    with pytest.raises(NotAllowed):
        services.case_reveal_phone(actor=world.users["other_grid_worker"], case=case)
    assert footprint() == before


# --- close -----------------------------------------------------------------------------------


def test_closing_a_resolved_case_cancels_its_pending_visit(world, cases):
    case = cases.in_state("resolved")
    assert case.visits.get().status == VisitStatus.SCHEDULED
    case = services.case_close(
        actor=world.users["grid_worker"], case=case, version=case.version, reason="居民搬走"
    )
    assert fresh(case).state == CaseState.CLOSED
    assert case.visits.get().status == VisitStatus.CANCELLED


# --- batches ---------------------------------------------------------------------------------


def test_a_batch_with_a_case_already_in_another_is_refused_and_nothing_is_half_written(
    world, cases
):
    first, second = cases.report(), cases.report()
    services.batch_create(actor=world.users["leader"], title="一号楼", cases=[second])
    before = footprint()
    with pytest.raises(Conflict) as refused:
        services.batch_create(
            actor=world.users["leader"], title="全小区", cases=[first, fresh(second)]
        )
    assert refused.value.code == "already_batched"
    assert footprint() == before
    assert fresh(first).batch is None


def test_a_case_merged_meanwhile_by_someone_else_is_not_moved_to_a_second_batch(world, cases):
    case = cases.report()
    seen = fresh(case)  # loaded before another desk merged it
    one = services.batch_create(actor=world.users["leader"], title="一号楼", cases=[case])
    with pytest.raises(Conflict) as refused:
        services.batch_create(actor=world.users["community_staff"], title="全小区", cases=[seen])
    assert refused.value.code == "already_batched"
    assert fresh(case).batch == one
    assert Batch.objects.count() == 1


def test_a_batch_needs_a_title_and_at_least_one_case(world, cases):
    with pytest.raises(DomainError, match=re.escape("A batch needs at least one case.")):
        services.batch_create(actor=world.users["leader"], title="空", cases=[])
    with pytest.raises(DomainError, match=re.escape("Title is required.")):
        services.batch_create(actor=world.users["leader"], title=" ", cases=[cases.report()])
    assert not Batch.objects.exists()


# --- the outbox ------------------------------------------------------------------------------


def test_a_transition_writes_its_outbox_message_with_the_event(world, cases):
    case = cases.report()
    case = services.case_accept(actor=world.users["grid_worker"], case=case, version=1)
    message = OutboxMessage.objects.order_by("pk").last()
    event = case.events.last()
    assert message.topic == "case.accept"
    assert message.status == "pending"
    assert message.payload == {
        "case": case.code,
        "seq": event.seq,
        "action": "accept",
        "from": "reported",
        "to": "accepted",
        "level": "grid",
        "place": "HYNL-G1",
        "at": timezone.localtime(event.at).isoformat(),  # with the server's offset
    }


def test_the_outbox_message_is_written_in_the_same_transaction_as_the_change(world, cases):
    case = cases.report()
    before = footprint()

    class Crash(Exception):
        pass

    with pytest.raises(Crash), transaction.atomic():
        services.case_accept(actor=world.users["grid_worker"], case=case, version=1)
        assert OutboxMessage.objects.filter(topic="case.accept").exists()
        raise Crash  # the process dies before commit: neither change nor message survives
    assert fresh(case).state == CaseState.REPORTED
    assert footprint() == before
    assert not OutboxMessage.objects.filter(topic="case.accept").exists()


def test_a_refused_transition_leaves_no_message(world, cases):
    case = cases.report()
    before = footprint()
    with pytest.raises(Conflict):
        services.case_start(actor=world.users["handler"], case=case, version=1)
    assert footprint() == before


# --- locks (PostgreSQL) -------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_transition_locks_only_its_own_case(world, cases):
    """Working on one case must not hold up reporting another in the same building and
    category (the row lock covers the case, not the place and category it points to)."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; SQLite locks the whole database")
    case = cases.report()
    holding, done = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def work_on_the_case() -> None:
        try:
            with transaction.atomic():
                services.case_accept(actor=world.users["grid_worker"], case=case, version=1)
                holding.set()
                done.wait(10)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
            holding.set()
        finally:
            connection.close()

    worker = threading.Thread(target=work_on_the_case)
    worker.start()
    try:
        assert holding.wait(10)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")
            other = cases.report()  # same building, same category
        assert other.state == CaseState.REPORTED
    finally:
        done.set()
        worker.join(10)
    assert not errors
    assert fresh(case).state == CaseState.ACCEPTED


# --- dispatch targets (issue 14: every door goes through the same rule) ---------------------


def test_dispatch_refuses_a_department_of_another_district(world, cases):
    other = Place.objects.create(code="120103", name="河西区", kind="district")
    theirs = Department.objects.create(
        code="HX-W", name="河西区水务局", level="district", place=other
    )
    case = cases.in_state("accepted")
    before = footprint()
    with pytest.raises(DomainError, match="does not serve") as refused:
        services.case_dispatch(
            actor=world.users["grid_worker"], case=case, version=case.version, department=theirs
        )
    assert refused.value.field == "department"
    assert footprint() == before


def test_dispatch_refuses_a_person_outside_the_cases_team(world, cases):
    case = cases.in_state("accepted")
    for outsider in (world.users["other_grid_worker"], world.users["handler"]):
        with pytest.raises(DomainError, match="is not in the grid team") as refused:
            services.case_dispatch(
                actor=world.users["grid_worker"], case=case, version=case.version, assignee=outsider
            )
        assert refused.value.field == "assignee"
    assert fresh(case).state == CaseState.ACCEPTED
    # Someone of the grid team is fine.
    case = services.case_dispatch(
        actor=world.users["grid_worker"],
        case=case,
        version=case.version,
        assignee=world.users["agency_cadre"],
    )
    assert case.assignee_user == world.users["agency_cadre"]
