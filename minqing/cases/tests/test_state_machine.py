"""Random sequences of real service calls keep each case's state and history in step.

A hypothesis state machine reports cases (in the field, or on the web where the category
router dispatches them or leaves its suggestions) and drives them through accept, dispatch,
recall, start, resolve, send back, escalate, reject, merge and batch resolution, return visits with
random answers, reopen, close and ``tick`` with the clock moved forward. It keeps its own
small model of what each call should do (and whether it should be refused), and after every
step checks the database against the model, ``check_integrity()`` and a replay of every
case's events.

Each run works in a savepoint of the test's transaction and rolls it back at the end, so the
runs are independent and the shared ``world`` (places, people) is made once.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)

from minqing.cases import services
from minqing.cases.integrity import check_integrity, replay
from minqing.cases.models import (
    LEVEL_LADDER,
    OPEN_STATES,
    Batch,
    Case,
    CaseEvent,
    Category,
    ReturnVisit,
    TimeLimitClass,
    VisitStatus,
)
from minqing.cases.services._core import NOTIFYING_ANNOTATIONS
from minqing.cases.tick import TickResult, tick
from minqing.cases.transitions import RESIDENT
from minqing.lib import clock
from minqing.lib.errors import Conflict, DomainError, NotAllowed
from minqing.notify.models import OutboxMessage

pytestmark = pytest.mark.usefixtures("english")

START = dt.datetime(2026, 3, 2, 19, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
HOUR = dt.timedelta(hours=1)
LIMIT_HOURS = {
    TimeLimitClass.EMERGENCY: 2,
    TimeLimitClass.UTILITIES: 24,
    TimeLimitClass.ORDINARY: 7 * 24,
    TimeLimitClass.COMPLEX: 15 * 24,
}
RESPOND_HOURS = 2  # the response limit (立案/接单), DESIGN §4
VISIT_OPENS_AFTER = 24 * HOUR
VISIT_WITHIN = 7 * 24 * HOUR
PENDING = (VisitStatus.SCHEDULED, VisitStatus.OPEN)


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


FOOTPRINT = f"""
    SELECT
        (SELECT COUNT(*) FROM {_table(CaseEvent)}),
        (SELECT COUNT(*) FROM {_table(OutboxMessage)}),
        (SELECT COUNT(*) FROM {_table(Batch)}),
        (SELECT COUNT(*) FROM {_table(ReturnVisit)} WHERE status IN ('scheduled', 'open')),
        (SELECT COALESCE(SUM(version), 0) FROM {_table(Case)})
"""


@dataclass
class Expect:
    """What the model says about one case."""

    state: str
    level: str
    place: str  # "building" or "other_building"
    limit_class: str
    urgency: str
    assignee: str | None = None  # "housing", "water", "agency_cadre"
    deadline: dt.datetime | None = None
    overdue: bool = False
    was_overdue: bool = False
    batch: int | None = None
    visit_opens_at: dt.datetime | None = None  # a pending return visit
    visit_open: bool = False
    visit_late: bool = False  # past its due date, flagged
    responded: bool = False  # taken up (or heard in person)

    def limit(self) -> dt.timedelta:
        """DESIGN §4, written out again: the model must not borrow the code under test."""
        if self.urgency == "emergency":
            return LIMIT_HOURS[TimeLimitClass.EMERGENCY] * HOUR
        if self.urgency == "urgent" and self.limit_class in ("ordinary", "complex"):
            return LIMIT_HOURS[TimeLimitClass.UTILITIES] * HOUR
        return LIMIT_HOURS[self.limit_class] * HOUR

    def respond(self) -> dt.timedelta:
        """Time to take a case up: never longer than the time to fix it."""
        return min(RESPOND_HOURS * HOUR, self.limit())


class Lifecycle(RuleBasedStateMachine):
    world: ClassVar[Any] = None  # the shared places and people, set by the test
    django_settings: ClassVar[Any] = None  # pytest-django's settings, with a router trained
    batches = Bundle("batches")

    def __init__(self) -> None:
        super().__init__()
        self._savepoint = transaction.atomic()
        self._savepoint.__enter__()
        self.now = START
        self.expect: dict[int, Expect] = {}
        self.batch_resolved: dict[int, bool] = {}
        w = self.world
        noise = Category.objects.create(
            code="C01.01.03", name="噪音扰民", level=3, parent=w.door.parent
        )
        self.categories = {"door": w.door, "pipes": w.pipes, "noise": noise}

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._savepoint.__exit__(None, None, None)

    # --- helpers ------------------------------------------------------------------------

    @contextmanager
    def clock(self):
        with clock.at(self.now):
            yield

    def user(self, name: str):
        return self.world.users[name]

    def dispatcher(self, e: Expect):
        if e.level == "grid":
            return self.user("other_grid_worker" if e.place == "other_building" else "grid_worker")
        return self.user(
            {"community": "community_staff", "subdistrict": "subdistrict_staff"}.get(
                e.level, "leader"
            )
        )

    def assignee(self, e: Expect):
        return self.user(
            {"housing": "handler", "water": "water_handler", "agency_cadre": "agency_cadre"}.get(
                e.assignee or "housing", "handler"
            )
        )

    def case(self, pk: int) -> Case:
        return Case.objects.select_related("place", "category", "batch").get(pk=pk)

    def attempt(self, pk: int, should: bool, call: Callable[[Case], Any], refusal: str):
        """Call the service; it must succeed exactly when the model says so. A refused call
        must leave the case and every table as they were."""
        case = self.case(pk)
        before = self.footprint()
        try:
            with self.clock():
                call(case)
        except (Conflict, NotAllowed) as exc:
            assert not should, f"{case.code} ({case.state}, {case.level}) refused: {exc}"
            assert exc.code == refusal, (exc.code, str(exc))
            assert self.footprint() == before
            event(f"refused: {exc.code}")
            return False
        assert should, f"{case.code} ({case.state}) should have refused ({refusal})"
        event(f"done from {case.state}")
        return True

    def footprint(self) -> tuple[int, ...]:
        """Row counts and the sum of versions: any write changes one of them."""
        with connection.cursor() as cursor:
            cursor.execute(FOOTPRINT)
            return tuple(cursor.fetchone())

    def resolved(self, e: Expect) -> None:
        # The deadline stays on the resolved case; resolving after it counts as late.
        e.was_overdue = e.was_overdue or bool(e.deadline and self.now > e.deadline)
        e.state, e.overdue, e.responded = "resolved", False, True  # a fix is a response
        e.visit_opens_at, e.visit_open, e.visit_late = self.now + VISIT_OPENS_AFTER, False, False

    def reopened(self, e: Expect) -> None:
        e.state = "dispatched" if e.assignee else "accepted"
        e.deadline, e.overdue, e.was_overdue = self.now + e.limit(), False, False
        e.visit_opens_at, e.visit_open, e.visit_late = None, False, False

    # --- rules --------------------------------------------------------------------------
    #
    # Each action picks a case for which the model says it should work, when there is one,
    # and any case otherwise (then it must be refused, and write nothing). ``advance`` takes
    # a case one step along the usual road, so that runs reach resolution, return visits and
    # reopening; ``a_wrong_move_is_refused_and_writes_nothing`` tries moves that must fail.

    def pick(self, data, states) -> int:
        fits = sorted(pk for pk, e in self.expect.items() if e.state in states)
        return data.draw(st.sampled_from(fits or sorted(self.expect)), label="case")

    @rule(
        place=st.sampled_from(["building", "other_building"]),
        category=st.sampled_from(["door", "pipes", "noise"]),
        urgency=st.sampled_from(["normal", "urgent", "emergency"]),
        on_spot=st.booleans(),
    )
    def report(self, place, category, urgency, on_spot):
        e = Expect(
            state="reported",
            level="grid",
            place=place,
            limit_class=self.categories[category].time_limit_class,
            urgency=urgency,
        )
        with self.clock():
            case = services.case_report(
                actor=self.dispatcher(e),
                title="楼门关不上",
                category=self.categories[category],
                place=getattr(self.world, place),
                channel="evening_talk",
                urgency=urgency,
                reporter_phone="13812345678",
                solved_on_spot=on_spot,
                reply="当场修好" if on_spot else "",
            )
        # Heard in person at an evening talk: answered at once, the fix's time starts.
        e.deadline, e.responded = self.now + e.limit(), True
        if on_spot:
            self.resolved(e)
        self.expect[case.pk] = e
        event("reported")

    @rule(
        place=st.sampled_from(["building", "other_building"]),
        category=st.sampled_from(["door", "pipes", "noise"]),
        urgency=st.sampled_from(["normal", "urgent", "emergency"]),
        sure=st.booleans(),
    )
    def report_online(self, place, category, urgency, sure):
        """A resident reports on the web. The router reads it as 城乡建设, the top category
        of all three categories here: sure, it dispatches the case to its category's
        department (the noise category has none, so that case stays); unsure, it leaves its
        suggestions and the case waits in triage."""
        e = Expect(
            state="reported",
            level="grid",
            place=place,
            limit_class=self.categories[category].time_limit_class,
            urgency=urgency,
        )
        self.django_settings.MINQING_ROUTER_THRESHOLD = 0.0 if sure else 1.01
        with self.clock():
            case = services.case_report(
                actor=None,
                role=RESIDENT,
                title="楼门坏了关不上",
                category=self.categories[category],
                place=getattr(self.world, place),
                channel="web",
                urgency=urgency,
                reporter_phone="13812345678",
            )
        e.deadline = self.now + e.respond()
        department = {"door": "housing", "pipes": "water"}.get(category)
        if sure and department:
            # The router's dispatch is not a person's response (case_start is).
            e.state, e.assignee = "dispatched", department
            e.deadline, e.overdue = self.now + e.limit(), False
            event("routed")
        else:
            event("left with suggestions")
        self.expect[case.pk] = e

    @precondition(lambda self: self.expect)
    @rule(data=st.data(), steps=st.integers(1, 6))
    def advance(self, data, steps):
        pk = self.pick(data, ["reported", "accepted", "dispatched", "in_progress", "resolved"])
        for _ in range(steps):
            {
                "reported": lambda: self.accept_(pk),
                "accepted": lambda: self.dispatch_(pk, data),
                "dispatched": lambda: self.start_(pk),
                "in_progress": lambda: self.resolve_(pk),
                "resolved": lambda: self.return_visit_(pk, data),
            }.get(self.expect[pk].state, lambda: self.reopen_(pk))()
            self.check_everything()  # between the calls too, not only after the step

    @precondition(lambda self: self.expect)
    @rule(data=st.data())
    def accept(self, data):
        self.accept_(self.pick(data, ["reported"]))

    def accept_(self, pk):
        e = self.expect[pk]
        if self.attempt(
            pk,
            e.state == "reported",
            lambda c: services.case_accept(actor=self.dispatcher(e), case=c, version=c.version),
            "invalid_transition",
        ):
            e.state, e.deadline, e.overdue = "accepted", self.now + e.limit(), False
            e.responded = True

    @precondition(lambda self: self.expect)
    @rule(data=st.data())
    def dispatch(self, data):
        self.dispatch_(self.pick(data, ["accepted"]), data)

    def dispatch_(self, pk, data):
        e = self.expect[pk]
        # The agency cadre is of grid 1 (building 7): a case elsewhere cannot go to them.
        people = ["agency_cadre"] if e.place == "building" else []
        to = data.draw(st.sampled_from(["housing", "water", *people]), label="to")
        target = (
            {"assignee": self.user("agency_cadre")}
            if to == "agency_cadre"
            else {"department": getattr(self.world, to)}
        )
        if self.attempt(
            pk,
            e.state == "accepted",
            lambda c: services.case_dispatch(
                actor=self.dispatcher(e), case=c, version=c.version, **target
            ),
            "invalid_transition",
        ):
            e.state, e.assignee, e.responded = "dispatched", to, True
            e.deadline, e.overdue = self.now + e.limit(), False

    @precondition(lambda self: self.expect)
    @rule(data=st.data())
    def start(self, data):
        self.start_(self.pick(data, ["dispatched"]))

    def start_(self, pk):
        e = self.expect[pk]
        if self.attempt(
            pk,
            e.state == "dispatched",
            lambda c: services.case_start(actor=self.assignee(e), case=c, version=c.version),
            "invalid_transition",
        ):
            e.state, e.responded = "in_progress", True

    @precondition(lambda self: self.expect)
    @rule(data=st.data())
    def resolve(self, data):
        self.resolve_(self.pick(data, ["in_progress"]))

    def resolve_(self, pk):
        e = self.expect[pk]
        if self.attempt(
            pk,
            e.state == "in_progress",
            lambda c: services.case_resolve(
                actor=self.assignee(e), case=c, version=c.version, reply="已修好"
            ),
            "invalid_transition",
        ):
            self.resolved(e)

    @precondition(lambda self: self.expect)
    @rule(data=st.data())
    def send_back(self, data):
        pk = self.pick(data, ["dispatched", "in_progress"])
        e = self.expect[pk]
        if self.attempt(
            pk,
            e.state in ("dispatched", "in_progress"),
            lambda c: services.case_send_back(
                actor=self.assignee(e), case=c, version=c.version, reason="非本部门职责"
            ),
            "invalid_transition",
        ):
            e.state, e.assignee = "accepted", None
            e.deadline, e.overdue = self.now + e.respond(), False

    @precondition(lambda self: self.expect)
    @rule(data=st.data())
    def recall(self, data):
        """The dispatcher takes the case back, only while nobody has started on it."""
        pk = self.pick(data, ["dispatched"])
        e = self.expect[pk]
        if self.attempt(
            pk,
            e.state == "dispatched",
            lambda c: services.case_recall(
                actor=self.dispatcher(e), case=c, version=c.version, reason="派错部门"
            ),
            "invalid_transition",
        ):
            e.state, e.assignee = "accepted", None
            e.deadline, e.overdue = self.now + e.respond(), False

    @precondition(lambda self: self.expect)
    @rule(data=st.data())
    def escalate(self, data):
        pk = self.pick(data, OPEN_STATES)
        e = self.expect[pk]
        is_open, top = e.state in OPEN_STATES, e.level == "district"
        if self.attempt(
            pk,
            is_open and not top,
            lambda c: services.case_escalate(
                actor=self.dispatcher(e), case=c, version=c.version, reason="需要上级协调"
            ),
            "top_level" if is_open else "invalid_transition",
        ):
            self.climb(e, self.now)

    def climb(self, e: Expect, start: dt.datetime) -> None:
        """One level up; state and assignee stay; the new level's clock starts at ``start``."""
        e.level = LEVEL_LADDER[LEVEL_LADDER.index(e.level) + 1]
        e.deadline = start + (e.limit() if e.responded else e.respond())
        e.overdue = False

    @precondition(lambda self: self.expect)
    @rule(data=st.data())
    def reject(self, data):
        pk = self.pick(data, ["reported", "accepted"])
        e = self.expect[pk]
        if self.attempt(
            pk,
            e.state in ("reported", "accepted"),
            lambda c: services.case_reject(
                actor=self.dispatcher(e), case=c, version=c.version, reason="重复反映"
            ),
            "invalid_transition",
        ):
            e.state = "rejected"

    @precondition(lambda self: self.expect)
    @rule(data=st.data())
    def close(self, data):
        pk = self.pick(data, ["resolved"])
        e = self.expect[pk]
        if self.attempt(
            pk,
            e.state == "resolved",
            lambda c: services.case_close(
                actor=self.dispatcher(e), case=c, version=c.version, reason="居民已搬走"
            ),
            "invalid_transition",
        ):
            e.state, e.visit_opens_at, e.visit_open = "closed", None, False

    @precondition(lambda self: self.expect)
    @rule(data=st.data())
    def reopen(self, data):
        self.reopen_(self.pick(data, ["resolved", "closed"]))

    def reopen_(self, pk):
        e = self.expect[pk]
        if self.attempt(
            pk,
            e.state in ("resolved", "closed"),
            lambda c: services.case_reopen(
                actor=None, role=RESIDENT, case=c, version=c.version, reason="又坏了"
            ),
            "invalid_transition",
        ):
            self.reopened(e)

    @precondition(lambda self: self.expect)
    @rule(data=st.data())
    def return_visit(self, data):
        self.return_visit_(self.pick(data, ["resolved"]), data)

    def return_visit_(self, pk, data):
        e = self.expect[pk]
        visit = ReturnVisit.objects.filter(case_id=pk).order_by("-pk").first()
        if visit is None:
            assert e.visit_opens_at is None
            return
        assert (visit.status in PENDING) == (e.visit_opens_at is not None)
        solved = data.draw(st.sampled_from(["yes", "partly", "no"]), label="solved")
        satisfied = data.draw(
            st.sampled_from(["satisfied", "basically", "unsatisfied"]), label="satisfied"
        )
        by_resident = data.draw(st.booleans(), label="by the resident")
        grid_worker = self.user(
            "other_grid_worker" if e.place == "other_building" else "grid_worker"
        )
        if self.attempt(
            pk,
            e.visit_opens_at is not None,
            lambda c: services.return_visit_record(
                actor=None if by_resident else grid_worker,
                role=RESIDENT if by_resident else None,
                visit=visit,
                method="phone",
                solved=solved,
                satisfied=satisfied,
                version=c.version,
            ),
            "visit_done",
        ):
            if solved == "no" or satisfied == "unsatisfied":
                self.reopened(e)
            else:
                e.state, e.visit_opens_at, e.visit_open = "closed", None, False

    @precondition(lambda self: self.expect)
    @rule(target=batches, data=st.data())
    def merge(self, data):
        members = sorted(
            {self.pick(data, OPEN_STATES) for _ in range(data.draw(st.integers(1, 3)))}
        )
        should = all(
            self.expect[pk].state in OPEN_STATES and self.expect[pk].batch is None for pk in members
        )
        before = self.footprint()
        try:
            with self.clock():
                batch = services.batch_create(
                    actor=self.user("leader"),
                    title="整片更换",
                    cases=[self.case(pk) for pk in members],
                )
        except Conflict as exc:
            assert not should, str(exc)
            assert exc.code in ("invalid_transition", "already_batched")
            assert self.footprint() == before
            event(f"merge refused: {exc.code}")
            return multiple()
        assert should
        event(f"merged {len(members)}")
        for pk in members:
            self.expect[pk].batch = batch.pk
        self.batch_resolved[batch.pk] = False
        return batch.pk

    @rule(batch=batches)
    def batch_resolve(self, batch):
        should = not self.batch_resolved[batch]
        before = self.footprint()
        try:
            with self.clock():
                services.batch_resolve(
                    actor=self.user("leader"), batch=Batch.objects.get(pk=batch), reply="整片已换新"
                )
        except Conflict as exc:
            assert not should
            assert exc.code == "batch_resolved"
            assert self.footprint() == before
            return
        assert should
        self.batch_resolved[batch] = True
        for e in self.expect.values():
            if e.batch == batch and e.state in OPEN_STATES:
                event("resolved with its batch")
                self.resolved(e)

    @precondition(lambda self: self.expect)
    @rule(hours=st.sampled_from([25, 3, 24 * 8, 1]))
    def time_passes(self, hours):
        self.now += hours * HOUR
        want = TickResult()
        for e in self.expect.values():
            # A late case climbs, each level's clock starting where the last one ran out.
            while e.state in OPEN_STATES and e.deadline and e.deadline < self.now and not e.overdue:
                want.overdue += 1
                e.overdue = e.was_overdue = True
                if e.level != "district":
                    want.escalated += 1
                    self.climb(e, e.deadline)
            if e.visit_opens_at and not e.visit_open and e.visit_opens_at <= self.now:
                want.visits_opened += 1
                e.visit_open = True
            due = e.visit_opens_at and e.visit_opens_at - VISIT_OPENS_AFTER + VISIT_WITHIN
            if e.visit_open and not e.visit_late and due and due < self.now:
                want.visits_overdue += 1
                e.visit_late = True
        event(f"tick: {want.overdue} overdue, {want.visits_opened} visits opened")
        with self.clock():
            assert tick() == want
            assert tick() == TickResult()  # a second sweep finds nothing left to do

    @precondition(lambda self: self.expect)
    @rule(
        data=st.data(),
        how=st.sampled_from(["accept", "escalate", "close", "reveal_phone", "stale note"]),
    )
    def a_wrong_move_is_refused_and_writes_nothing(self, data, how):
        """Someone with no role in the case, or someone writing from a stale copy."""
        pk = self.pick(data, [])
        outsider, insider = self.user("nobody"), self.dispatcher(self.expect[pk])
        call = {
            "accept": lambda c: services.case_accept(actor=outsider, case=c, version=c.version),
            "escalate": lambda c: services.case_escalate(
                actor=outsider, case=c, version=c.version, reason="x"
            ),
            "close": lambda c: services.case_close(
                actor=outsider, case=c, version=c.version, reason="x"
            ),
            "reveal_phone": lambda c: services.case_reveal_phone(actor=outsider, case=c),
            "stale note": lambda c: services.case_add_note(
                actor=insider, case=c, version=c.version - 1, note="x"
            ),
        }[how]
        case = self.case(pk)
        before = self.footprint()
        with pytest.raises(DomainError) as refused, self.clock():
            call(case)
        assert refused.value.code in ("not_allowed", "invalid_transition", "stale_version")
        if how == "stale note":
            assert refused.value.code == "stale_version"
        assert self.footprint() == before

    # --- invariants -----------------------------------------------------------------------

    @invariant()
    def check_everything(self) -> None:
        """After every step (and inside ``advance``, after every call):

        - ``check_integrity()`` finds nothing, and replaying each case's events gives its
          stored state and level;
        - every write moved the version on by one;
        - the database agrees with the model: state, level, who holds the case, deadline,
          overdue, batch, the pending return visit;
        - every change of state was announced through the outbox, once.
        """
        assert list(check_integrity()) == []
        events: dict[int, list[CaseEvent]] = {}
        for row in CaseEvent.objects.order_by("case_id", "seq"):
            events.setdefault(row.case_id, []).append(row)
        pending: dict[int, list[ReturnVisit]] = {}
        for visit in ReturnVisit.objects.filter(status__in=PENDING):
            pending.setdefault(visit.case_id, []).append(visit)
        names = {
            self.world.housing.pk: "housing",
            self.world.water.pk: "water",
            self.user("agency_cadre").pk: "agency_cadre",
        }
        cases = list(Case.objects.all())
        assert sorted(c.pk for c in cases) == sorted(self.expect)
        for case in cases:
            history = events[case.pk]
            state, level, problems = replay(history)
            assert (state, level, problems) == (case.state, case.level, [])
            # Opening a return visit and the router's suggestions are the system's own notes;
            # everything else is a write.
            assert case.version == len(
                [e for e in history if e.action not in ("visit_due", "suggest", "visit_overdue")]
            )

            e = self.expect[case.pk]
            assignee = names.get(case.assignee_department_id or case.assignee_user_id)
            got = (case.state, case.level, assignee, case.deadline, case.overdue)
            want = (e.state, e.level, e.assignee, e.deadline, e.overdue)
            assert got == want, case.code
            assert (case.was_overdue, case.batch_id) == (e.was_overdue, e.batch), case.code
            visits = pending.get(case.pk, [])
            if e.visit_opens_at is None:
                assert visits == [], case.code
            else:
                [visit] = visits
                assert visit.opens_at == e.visit_opens_at
                assert visit.status == (VisitStatus.OPEN if e.visit_open else VisitStatus.SCHEDULED)
                assert visit.overdue == e.visit_late, case.code
            # Who holds an open case follows from its state; every open case has a deadline.
            if case.state in ("dispatched", "in_progress"):
                assert assignee is not None, case.code
            if case.state in ("reported", "accepted"):
                assert assignee is None, case.code
            if case.state in OPEN_STATES:
                assert case.deadline is not None, case.code

        announced = Counter(
            f"case.{e.action}"
            for history in events.values()
            for e in history
            if e.from_state != e.to_state
            or e.from_level != e.to_level
            or e.action in NOTIFYING_ANNOTATIONS
        )
        assert Counter(OutboxMessage.objects.values_list("topic", flat=True)) == announced


SETTINGS = settings(
    max_examples=30,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def test_random_sequences_of_service_calls_keep_state_and_history_in_step(
    world, train_router, settings
):
    train_router()
    Lifecycle.world, Lifecycle.django_settings = world, settings
    try:
        run_state_machine_as_test(Lifecycle, settings=SETTINGS)
    finally:
        Lifecycle.world, Lifecycle.django_settings = None, None
