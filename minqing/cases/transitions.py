"""The one table of allowed transitions (DESIGN §4) and who may take each.

Roles are membership roles (people.Role) plus pseudo-roles: ``assignee`` (the person the
case is assigned to, or a handler of its department), ``team`` (in scope, but the case has
gone above this person's level), ``resident`` (the public forms), ``integrator`` (Open311 and
API keys) and ``system`` (tick, and the category router at intake).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from minqing.cases.models import OPEN_STATES, CaseState
from minqing.people.access import DESK, DISPATCHERS, FIELD
from minqing.people.models import Role

S = CaseState
ASSIGNEE = "assignee"
RESIDENT = "resident"
INTEGRATOR = "integrator"
SYSTEM = "system"
TEAM = "team"
# A handler of a department called to the site by a whistle (吹哨报到), whether or not the
# case is with that department; the whistles app checks who that is before it says so.
CALLED = "called"

STAFF = FIELD | DISPATCHERS | DESK | {Role.HANDLER, ASSIGNEE, TEAM}
VISITORS = FIELD | DISPATCHERS | {RESIDENT, SYSTEM, TEAM}
ALL_STATES = frozenset(CaseState.values)
UNCHANGED = None  # the action leaves the state as it is


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    targets: frozenset[str] | None  # None: state unchanged (an annotation)
    roles: frozenset[str]
    label: Promise


def _t(action, sources, targets, roles, label) -> Transition:
    return Transition(
        action=action,
        sources=frozenset(sources),
        targets=None if targets is None else frozenset(targets),
        roles=frozenset(roles),
        label=label,
    )


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        _t("report", [""], [S.REPORTED], STAFF | {RESIDENT, INTEGRATOR, SYSTEM}, _("report")),
        _t("solve_on_spot", [S.REPORTED], [S.RESOLVED], FIELD | DESK, _("solve on the spot")),
        _t("accept", [S.REPORTED], [S.ACCEPTED], DISPATCHERS, _("accept")),
        _t("dispatch", [S.ACCEPTED], [S.DISPATCHED], DISPATCHERS, _("dispatch")),
        # The category router sends a new case straight to its department when it is sure.
        _t("route", [S.REPORTED], [S.DISPATCHED], [SYSTEM], _("route automatically")),
        _t("start", [S.DISPATCHED], [S.IN_PROGRESS], [ASSIGNEE], _("start work")),
        _t("resolve", [S.IN_PROGRESS], [S.RESOLVED], [ASSIGNEE], _("resolve")),
        _t("send_back", [S.DISPATCHED, S.IN_PROGRESS], [S.ACCEPTED], [ASSIGNEE], _("send back")),
        # The dispatcher takes a case back while the department has not started on it yet.
        # ("recall" alone is also the router's recall rate: the context tells them apart.)
        _t("recall", [S.DISPATCHED], [S.ACCEPTED], DISPATCHERS, pgettext_lazy("case", "recall")),
        # The level above takes the case over; its state and department stay.
        _t("escalate", OPEN_STATES, UNCHANGED, DISPATCHERS | {SYSTEM}, _("escalate")),
        _t("reject", [S.REPORTED, S.ACCEPTED], [S.REJECTED], DISPATCHERS, _("reject")),
        _t("merge", OPEN_STATES, UNCHANGED, DISPATCHERS, _("merge into a batch")),
        _t("batch_resolve", OPEN_STATES, [S.RESOLVED], DISPATCHERS, _("resolve with the batch")),
        _t(
            "return_visit",
            [S.RESOLVED],
            [S.CLOSED, S.DISPATCHED, S.ACCEPTED],
            VISITORS,
            _("record the return visit"),
        ),
        _t("close", [S.RESOLVED], [S.CLOSED], DISPATCHERS, _("close")),
        _t(
            "reopen",
            [S.RESOLVED, S.CLOSED],
            [S.DISPATCHED, S.ACCEPTED],
            DISPATCHERS | {RESIDENT},
            _("reopen"),
        ),
        # Annotations: they leave the state as it is but belong to the history.
        _t("note", ALL_STATES, UNCHANGED, STAFF, _("add a note")),
        _t("reveal_phone", ALL_STATES, UNCHANGED, STAFF, _("show the reporter's number")),
        _t("overdue", OPEN_STATES, UNCHANGED, [SYSTEM], _("mark overdue")),
        _t("visit_due", [S.RESOLVED], UNCHANGED, [SYSTEM], _("open the return visit")),
        _t("visit_overdue", [S.RESOLVED], UNCHANGED, [SYSTEM], _("flag a late return visit")),
        # When it is not sure, the router leaves its three suggestions for the dispatcher.
        _t("suggest", [S.REPORTED], UNCHANGED, [SYSTEM], _("suggest a category")),
        # A whistle (吹哨报到, the whistles app): departments called to the site, each arrival,
        # and the close once the problem is handled. Written through case_annotate only.
        _t("whistle", OPEN_STATES, UNCHANGED, DISPATCHERS | {TEAM}, _("call departments")),
        _t("whistle_arrive", ALL_STATES, UNCHANGED, [CALLED], _("report arrival on site")),
        _t("whistle_close", ALL_STATES, UNCHANGED, DISPATCHERS | {TEAM}, _("close the call")),
    ]
}


# Taken only inside another step: reporting (solve_on_spot) or a batch (merge, batch_resolve).
NOT_OFFERED_ALONE = {"report", "solve_on_spot", "batch_resolve"}
# Annotations another app's service leaves in the history (case_annotate), never offered here.
WHISTLE_ACTIONS = {"whistle", "whistle_arrive", "whistle_close"}
NOT_OFFERED_ALONE |= WHISTLE_ACTIONS


def allowed_actions(state: str, roles: set[str]) -> list[str]:
    """Actions that someone with these roles may take on a case in this state."""
    return [
        t.action
        for t in TRANSITIONS.values()
        if state in t.sources and t.roles & roles and t.action not in NOT_OFFERED_ALONE
    ]
