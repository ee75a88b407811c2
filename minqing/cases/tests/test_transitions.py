"""Every action × every role × every state, expected from the one TRANSITIONS table.

The expectations come from ``TRANSITIONS`` and from a hand-written statement of what each
named person is to a case (ROLES_BY_LEVEL below); the outcomes come from calling the real
services. Each attempt runs in a savepoint that is rolled back, so one case serves every role.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, transaction

from minqing.cases import services
from minqing.cases.models import (
    Batch,
    Case,
    CaseEvent,
    CaseState,
    ReturnVisit,
    VisitStatus,
)
from minqing.cases.selectors import case_actions_for
from minqing.cases.transitions import (
    ASSIGNEE,
    INTEGRATOR,
    NOT_OFFERED_ALONE,
    RESIDENT,
    SYSTEM,
    TEAM,
    TRANSITIONS,
)
from minqing.lib.errors import Conflict, NotAllowed
from minqing.notify.models import OutboxMessage
from minqing.people.models import Role

pytestmark = pytest.mark.usefixtures("english")

S = CaseState
PEOPLE = [
    "grid_worker",
    "other_grid_worker",
    "agency_cadre",
    "street_cadre",
    "volunteer",
    "community_staff",
    "subdistrict_staff",
    "leader",
    "handler",
    "water_handler",
    "nobody",
]
PSEUDO_ROLES = [RESIDENT, INTEGRATOR, SYSTEM]

# What each named person is to a case about building 7 (grid 1), by the case's owning level.
# Written out by hand from DESIGN §4 so the permission code is checked, not re-used. The
# housing handler is added below: handler and assignee while the case is with housing.
ROLES_BY_LEVEL: dict[str, dict[str, set[str]]] = {
    "grid": {
        "grid_worker": {Role.GRID_WORKER},
        "other_grid_worker": set(),
        "agency_cadre": {Role.AGENCY_CADRE},
        "street_cadre": {Role.STREET_CADRE},
        "volunteer": {Role.VOLUNTEER},
        "community_staff": {Role.COMMUNITY_STAFF},
        "subdistrict_staff": {Role.SUBDISTRICT_STAFF},
        "leader": {Role.LEADER},
        "water_handler": set(),
        "nobody": set(),
    },
    "community": {
        # Gone above the grid: the grid worker still sees and helps, but does not decide.
        "grid_worker": {TEAM},
        "other_grid_worker": set(),
        "agency_cadre": {Role.AGENCY_CADRE},
        "street_cadre": {Role.STREET_CADRE},
        "volunteer": {Role.VOLUNTEER},
        "community_staff": {Role.COMMUNITY_STAFF},
        "subdistrict_staff": {Role.SUBDISTRICT_STAFF},
        "leader": {Role.LEADER},
        "water_handler": set(),
        "nobody": set(),
    },
}
# States in which the case (dispatched to housing on its way) is still with housing.
WITH_HOUSING = {S.DISPATCHED, S.IN_PROGRESS, S.RESOLVED, S.CLOSED}

# Actions with a service of their own; report and solve_on_spot are tested through
# case_report below; overdue, visit_due and visit_overdue through tick (test_tick.py).
SERVICE_ACTIONS = [
    "accept",
    "dispatch",
    "start",
    "resolve",
    "send_back",
    "recall",
    "escalate",
    "reject",
    "merge",
    "batch_resolve",
    "return_visit",
    "close",
    "reopen",
    "note",
    "reveal_phone",
]
# Services that take a pseudo-role (resident, integrator, system) instead of a person.
TAKES_ROLE = {"escalate", "reopen", "return_visit"}

DONE = "done"
NOT_ALLOWED = "refused: not_allowed"
WRONG_STATE = "refused: invalid_transition"
LEFT_AS_IS = "left as it was"


def roles_of(name: str, level: str, state: str) -> set[str]:
    if name in PSEUDO_ROLES:
        return {name}
    if name == "handler":
        return {Role.HANDLER, ASSIGNEE} if state in WITH_HOUSING else set()
    return ROLES_BY_LEVEL[level][name]


def expected(action: str, state: str, roles: set[str]) -> str:
    transition = TRANSITIONS[action]
    if state not in transition.sources:
        # A batch resolves its open members and leaves the others alone.
        return LEFT_AS_IS if action == "batch_resolve" else WRONG_STATE
    return DONE if roles & transition.roles else NOT_ALLOWED


PENDING = [VisitStatus.SCHEDULED, VisitStatus.OPEN]


def pending_visit(case: Case) -> ReturnVisit:
    visit = ReturnVisit.objects.filter(case=case, status__in=PENDING).first()
    if visit is None:
        # A visit row left behind: the service must still refuse by the case's state.
        visit = ReturnVisit.objects.create(
            case=case, opens_at=case.reported_at, due_at=case.reported_at
        )
    return visit


def call(action: str, case: Case, actor: Any, role: str | None, world) -> Any:
    v = case.version
    match action:
        case "accept":
            return services.case_accept(actor=actor, case=case, version=v)
        case "dispatch":
            return services.case_dispatch(actor=actor, case=case, version=v, department=world.water)
        case "start":
            return services.case_start(actor=actor, case=case, version=v)
        case "resolve":
            return services.case_resolve(actor=actor, case=case, version=v, reply="已修好")
        case "send_back":
            return services.case_send_back(actor=actor, case=case, version=v, reason="非本部门")
        case "recall":
            return services.case_recall(actor=actor, case=case, version=v, reason="派错部门")
        case "escalate":
            return services.case_escalate(
                actor=actor, role=role, case=case, version=v, reason="需要上级协调"
            )
        case "reject":
            return services.case_reject(actor=actor, case=case, version=v, reason="重复反映")
        case "merge":
            return services.batch_create(actor=actor, title="整片改造", cases=[case])
        case "batch_resolve":
            return services.batch_resolve(actor=actor, batch=case.batch, reply="整片已改造")
        case "return_visit":
            return services.return_visit_record(
                actor=actor,
                role=role,
                visit=pending_visit(case),
                method="phone",
                solved="yes",
                satisfied="satisfied",
                version=v,
            )
        case "close":
            return services.case_close(actor=actor, case=case, version=v, reason="居民确认")
        case "reopen":
            return services.case_reopen(
                actor=actor, role=role, case=case, version=v, reason="又坏了"
            )
        case "note":
            return services.case_add_note(actor=actor, case=case, version=v, note="已联系")
        case "reveal_phone":
            return services.case_reveal_phone(actor=actor, case=case)
    raise AssertionError(action)


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


# One plain query (this runs a few thousand times): the case's state, level and version, and
# the number of rows a service might have added.
FOOTPRINT = f"""
    SELECT c.state, c.level, c.version,
        (SELECT COUNT(*) FROM {_table(CaseEvent)} e WHERE e.case_id = c.id),
        (SELECT COUNT(*) FROM {_table(OutboxMessage)}),
        (SELECT COUNT(*) FROM {_table(Batch)}),
        (SELECT COUNT(*) FROM {_table(ReturnVisit)} v
            WHERE v.case_id = c.id AND v.status IN ('scheduled', 'open'))
    FROM {_table(Case)} c WHERE c.id = %s
"""


UNVERSIONED = {"note", "reveal_phone"}


def footprint(case: Case) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(FOOTPRINT, [case.pk])
        return tuple(cursor.fetchone())


def attempt(action: str, case: Case, name: str, world) -> str:
    """Try the action as ``name`` in a savepoint; report what happened, then undo it."""
    actor = None if name in PSEUDO_ROLES else world.users[name]
    role = name if name in PSEUDO_ROLES else None
    sid = transaction.savepoint()
    try:
        if action == "return_visit":
            pending_visit(case)
        before = footprint(case)
        try:
            result = call(action, case, actor, role, world)
        except NotAllowed:
            assert footprint(case) == before, f"{name} refused {action} but something changed"
            return NOT_ALLOWED
        except Conflict as exc:
            assert footprint(case) == before, f"{name} refused {action} but something changed"
            return f"refused: {exc.code}"
        event = (
            CaseEvent.objects.filter(case=case.pk).select_related("case").order_by("-seq").first()
        )
        assert event is not None
        after = event.case
        if after.version == case.version and event.action != action:
            assert footprint(case) == before
            return LEFT_AS_IS
        transition = TRANSITIONS[action]
        # Notes and looks at the phone number are recorded without bumping the version.
        assert after.version == case.version + (0 if action in UNVERSIONED else 1)
        assert after.state in (transition.targets or {case.state})
        assert (event.action, event.from_state, event.to_state) == (
            action,
            case.state,
            after.state,
        )
        assert event.actor_id == (actor.pk if actor else None)
        assert event.actor_label == (str(actor) if actor else role)
        if action == "reveal_phone":
            assert result == "13812345678"
        return DONE
    finally:
        transaction.savepoint_rollback(sid)


GRID_STATES = [S.REPORTED, S.ACCEPTED, S.DISPATCHED, S.IN_PROGRESS, S.RESOLVED, S.CLOSED]
GRID_STATES.append(S.REJECTED)
# A case above the grid starts at "accepted": escalation hands it to the next level's desk.
COMMUNITY_STATES = [s for s in GRID_STATES if s != S.REPORTED]
# Above the grid only the grid worker's roles change (ROLES_BY_LEVEL); there we try them,
# the desk that now decides, the department and an outsider.
ABOVE_THE_GRID = ["grid_worker", "community_staff", "handler", "other_grid_worker"]
LEVELS_AND_STATES = [("grid", s) for s in GRID_STATES] + [
    ("community", s) for s in COMMUNITY_STATES
]


@pytest.mark.parametrize(("level", "state"), LEVELS_AND_STATES)
def test_each_role_may_take_exactly_the_actions_the_table_gives_it(world, cases, level, state):
    """One case per (level, state) and one more in a batch; every action by every person.

    A difference shows as ``(action, person): got != want`` in the assertion's diff.
    """
    plain = cases.in_state(state, level=level)
    batched = cases.in_state(state, level=level, batched=True)
    got, want = {}, {}
    for action in SERVICE_ACTIONS:
        case = Case.objects.select_related("place", "category", "batch").get(
            pk=(batched if action == "batch_resolve" else plain).pk
        )
        names = (PEOPLE if level == "grid" else ABOVE_THE_GRID) + (
            PSEUDO_ROLES if action in TAKES_ROLE else []
        )
        for name in names:
            want[action, name] = expected(action, state, roles_of(name, level, state))
            got[action, name] = attempt(action, case, name, world)
    assert got == want


@pytest.mark.parametrize(("level", "state"), LEVELS_AND_STATES)
def test_the_actions_offered_to_each_person_are_the_ones_the_services_accept(
    world, cases, level, state
):
    """What a page offers (case_actions_for) is what the services accept: the test above
    shows the services follow the table, so the offer must match the table too."""
    case = cases.in_state(state, level=level)
    for name in PEOPLE:
        offered = set(case_actions_for(world.users[name], case))
        # Solving on the spot happens while reporting (case_report(solved_on_spot=True)),
        # and resolving with a batch needs a batch (the case here has none).
        assert not offered & {"solve_on_spot", "batch_resolve"}
        accepted = {
            action
            for action in SERVICE_ACTIONS
            if action != "batch_resolve"
            and expected(action, state, roles_of(name, level, state)) == DONE
        }
        assert offered == accepted, name


@pytest.mark.parametrize("name", PEOPLE + PSEUDO_ROLES)
def test_reporting_is_open_to_the_roles_the_table_names(world, name):
    actor = None if name in PSEUDO_ROLES else world.users[name]
    role = name if name in PSEUDO_ROLES else None
    # A new case is not assigned yet, so a department handler is nobody to it.
    roles = set() if name == "handler" else roles_of(name, "grid", S.REPORTED)
    may = bool(roles & TRANSITIONS["report"].roles)
    before = (Case.objects.count(), CaseEvent.objects.count(), OutboxMessage.objects.count())
    try:
        case = services.case_report(
            actor=actor,
            role=role,
            title="楼道灯不亮",
            category=world.door,
            place=world.building,
            channel="web",
        )
    except NotAllowed:
        assert not may
        assert (
            Case.objects.count(),
            CaseEvent.objects.count(),
            OutboxMessage.objects.count(),
        ) == before
        return
    assert may
    assert case.state == S.REPORTED
    assert [(e.action, e.from_state, e.to_state) for e in case.events.all()] == [
        ("report", "", S.REPORTED)
    ]


@pytest.mark.parametrize("name", PEOPLE + PSEUDO_ROLES)
def test_solving_on_the_spot_is_open_to_field_and_desk_roles_only(world, name):
    actor = None if name in PSEUDO_ROLES else world.users[name]
    role = name if name in PSEUDO_ROLES else None
    roles = set() if name == "handler" else roles_of(name, "grid", S.REPORTED)
    may = bool(roles & TRANSITIONS["report"].roles) and bool(
        roles & TRANSITIONS["solve_on_spot"].roles
    )
    try:
        case = services.case_report(
            actor=actor,
            role=role,
            title="楼道灯不亮",
            category=world.door,
            place=world.building,
            channel="household_visit",
            solved_on_spot=True,
            reply="当场换了灯泡。",
        )
    except NotAllowed:
        assert not may
        assert not Case.objects.exists()
        return
    assert may
    assert case.state == S.RESOLVED
    assert [e.action for e in case.events.all()] == ["report", "solve_on_spot"]
    assert case.visits.filter(status=VisitStatus.SCHEDULED).count() == 1


def test_every_action_in_the_table_is_covered_by_these_tests():
    by_tick = {"overdue", "visit_due", "visit_overdue"}
    by_report = {"report", "solve_on_spot"}
    by_router = {"route", "suggest"}  # at intake, by case_route: see test_routing.py
    # Written by the whistles services through case_annotate: see whistles/tests.
    by_whistles = {"whistle", "whistle_arrive", "whistle_close"}
    assert set(TRANSITIONS) == (
        set(SERVICE_ACTIONS) | by_tick | by_report | by_router | by_whistles
    )
    assert by_whistles <= NOT_OFFERED_ALONE
    assert all(TRANSITIONS[a].targets is None for a in by_whistles)
    # What tick and the router do is the system's alone.
    assert all(TRANSITIONS[a].roles == {SYSTEM} for a in by_tick | by_router)
    # The router only ever decides a case nobody has taken on yet.
    assert all(TRANSITIONS[a].sources == {S.REPORTED} for a in by_router)
    # A dispatch is recalled only until the department has started (issue 15), by those who
    # dispatch; back with them, it is dispatched again.
    recall = TRANSITIONS["recall"]
    assert (recall.sources, recall.targets) == ({S.DISPATCHED}, {S.ACCEPTED})
    assert recall.roles == TRANSITIONS["dispatch"].roles
