"""A case's way through the loop: accept, dispatch, start, resolve, send back, recall, escalate,
reject, close, reopen; notes and looks at the phone number."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from minqing.cases.models import (
    Case,
    Category,
)
from minqing.cases.replies import ReplyFlagged
from minqing.cases.services._core import (
    _back_with_the_dispatcher,
    _cancel_visits,
    _level_deadline,
    _reopened,
    _reply_data,
    _required,
    _resolved,
    _responded,
    _schedule_visit,
    _transition,
)
from minqing.cases.timelimits import (
    deadline_for,
    limit_class,
    policy_for,
)
from minqing.cases.transitions import WHISTLE_ACTIONS
from minqing.lib import clock
from minqing.lib.errors import Conflict, DomainError
from minqing.people.models import User
from minqing.people.selectors import dispatch_people_for
from minqing.places.models import Department
from minqing.places.selectors import departments_serving


@transaction.atomic
def case_accept(*, actor: User | None, case: Case, version: int | None, note: str = "") -> Case:
    """Someone at the owning level takes the case up: it now has that level's time limit to
    be solved there or dispatched."""
    moment = clock.now()
    return _transition(
        case,
        "accept",
        actor=actor,
        role=None,
        version=version,
        note=note,
        changes=lambda locked: _responded(
            moment, deadline=_level_deadline(locked, moment), overdue=False
        )(locked),
    )


def _check_dispatch_target(
    case: Case, department: Department | None, assignee: User | None
) -> None:
    """A case goes to a department that serves its place, or to someone of its grid team or
    community staff: never to another district's department or people (whatever the door)."""
    if department is not None and not departments_serving(case.place).filter(pk=department.pk):
        raise DomainError(
            _("%(department)s does not serve %(place)s; choose a department that does.")
            % {"department": department.name, "place": case.place.name},
            field="department",
        )
    if assignee is not None and not dispatch_people_for(case.place).filter(user=assignee):
        raise DomainError(
            _(
                "%(person)s is not in the grid team or the community staff of %(place)s; "
                "choose someone who is."
            )
            % {"person": str(assignee), "place": case.place.name},
            field="assignee",
        )


@transaction.atomic
def case_dispatch(
    *,
    actor: User | None,
    case: Case,
    version: int | None,
    department: Department | None = None,
    assignee: User | None = None,
    deadline: datetime | None = None,
    note: str = "",
    category: Category | None = None,
) -> Case:
    """Send the case to a department or a person, with a deadline (default from the category).

    ``category``: the case is filed under this category from now on (a router suggestion the
    dispatcher took); the default deadline then comes from it.
    """
    if (department is None) == (assignee is None):
        raise DomainError(_("Dispatch to exactly one department or one person."), field="assignee")
    moment = clock.now()
    if deadline is not None and deadline <= moment:
        raise DomainError(_("The deadline must be in the future."), field="deadline")
    data: dict[str, Any] = {"to": department.name if department else str(assignee)}
    more: dict[str, Any] = {}
    if category is not None and category.pk != case.category_id:
        data["category"] = category.code
        more["category"] = category

    def changes(locked: Case) -> dict[str, Any]:
        _check_dispatch_target(locked, department, assignee)  # after the right to dispatch
        due = deadline or deadline_for(
            category or locked.category,
            locked.urgency,
            moment,
            place=locked.place,
            level=locked.level,
        )
        data["deadline"] = due.isoformat()  # the event (written after this) says it too
        return _responded(
            moment,
            assignee_department=department,
            assignee_user=assignee,
            deadline=due,
            overdue=False,
            **more,
        )(locked)

    return _transition(
        case,
        "dispatch",
        actor=actor,
        role=None,
        version=version,
        note=note,
        data=data,
        changes=changes,
    )


@transaction.atomic
def case_start(*, actor: User | None, case: Case, version: int | None, note: str = "") -> Case:
    """The handler takes the work on. For a case the router dispatched, this is the first
    response by a person (the router's dispatch is not one)."""
    return _transition(
        case,
        "start",
        actor=actor,
        role=None,
        version=version,
        note=note,
        changes=_responded(clock.now()),
    )


@transaction.atomic
def case_resolve(
    *,
    actor: User | None,
    case: Case,
    version: int | None,
    reply: str,
    override_reason: str = "",
) -> Case:
    """The handler reports the work done, with a reply the resident will read.

    The reply quality check (``cases/replies.py``) runs here, so every door gets the same
    rule: a flagged reply is refused (``ReplyFlagged``, field "reply", listing the reasons)
    unless ``override_reason`` says why to send it anyway; the flags and the reason are
    recorded in the event's data."""
    reply = _required(reply, "reply", _("Reply to the resident"))
    flags, data = _reply_data(case, reply)
    override = (override_reason or "").strip()
    if flags and not override and settings.MINQING_REPLY_CHECK_REFUSES:
        raise ReplyFlagged(flags)
    if flags and override:
        data["override"] = override
    moment = clock.now()
    case = _transition(
        case,
        "resolve",
        actor=actor,
        role=None,
        version=version,
        note=reply,
        data=data,
        changes=_resolved(moment, reply),
    )
    _schedule_visit(case, moment)
    return case


@transaction.atomic
def case_send_back(*, actor: User | None, case: Case, version: int | None, reason: str) -> Case:
    """A department says "not ours": the case goes back to the dispatcher with the reason."""
    reason = _required(reason, "reason", _("Reason"))
    return _transition(
        case,
        "send_back",
        actor=actor,
        role=None,
        version=version,
        note=reason,
        changes=_back_with_the_dispatcher(clock.now()),
    )


@transaction.atomic
def case_recall(*, actor: User | None, case: Case, version: int | None, reason: str) -> Case:
    """The dispatcher takes a dispatched case back before the department (or person) has
    started on it (a wrong department, a wrong suggestion taken), with the reason."""
    reason = _required(reason, "reason", _("Reason"))
    moment = clock.now()
    data: dict[str, Any] = {}
    back = _back_with_the_dispatcher(moment)

    def changes(locked: Case) -> dict[str, Any]:
        data["from"] = str(locked.assignee_department or locked.assignee_user or "")
        return back(locked)

    return _transition(
        case,
        "recall",
        actor=actor,
        role=None,
        version=version,
        note=reason,
        data=data,  # filled in by changes before the event is written
        changes=changes,
    )


@transaction.atomic
def case_escalate(
    *,
    actor: User | None,
    case: Case,
    version: int | None,
    reason: str,
    role: str | None = None,
    since: datetime | None = None,
) -> Case:
    """Hand the case one level up its district's ladder (grid → community → sub-district →
    district). The state, the department and whoever works on it stay; the level above now
    owns it, with its own deadline from ``since`` (the sweep passes the deadline that was
    missed, so a late sweep climbs as far as an on-time one would have) or from now.
    A case nobody has taken up yet gets the response limit at the new level."""
    reason = _required(reason, "reason", _("Reason"))
    start = since or clock.now()
    data: dict[str, Any] = {}

    def one_level_up(locked: Case) -> dict[str, Any]:
        # From the locked row: the caller's copy may be levels behind (never escalate down).
        policy = policy_for(locked.place)
        up = policy.next_level(locked.level)
        if up is None:
            raise Conflict(
                _("Case %(code)s is at the top of its ladder; it cannot go higher.")
                % {"code": locked.code},
                code="top_level",
            )
        kind = limit_class(locked.category, locked.urgency)
        if locked.responded_at is None:
            due = start + policy.response_limit(kind)
        else:
            due = start + policy.time_limit(kind, up)
        previous = locked.deadline.isoformat() if locked.deadline else None
        data.update(level=up, deadline=due.isoformat(), previous_deadline=previous)
        return {"level": up, "deadline": due, "overdue": False}

    return _transition(
        case,
        "escalate",
        actor=actor,
        role=role,
        version=version,
        note=reason,
        data=data,  # filled in by one_level_up before the event is written
        changes=one_level_up,
    )


@transaction.atomic
def case_reject(*, actor: User | None, case: Case, version: int | None, reason: str) -> Case:
    """Not a case (duplicate, out of scope, abusive); the reason is shown to the reporter."""
    reason = _required(reason, "reason", _("Reason"))
    moment = clock.now()
    return _transition(
        case,
        "reject",
        actor=actor,
        role=None,
        version=version,
        note=reason,
        changes=_responded(moment, reject_reason=reason, closed_at=moment),
    )


@transaction.atomic
def case_close(*, actor: User | None, case: Case, version: int | None, reason: str) -> Case:
    """Close a resolved case without a return visit, for a recorded reason."""
    reason = _required(reason, "reason", _("Reason"))
    case = _transition(
        case,
        "close",
        actor=actor,
        role=None,
        version=version,
        note=reason,
        changes={"closed_at": clock.now()},
    )
    _cancel_visits(case)
    return case


@transaction.atomic
def case_reopen(
    *,
    actor: User | None,
    case: Case,
    version: int | None,
    reason: str,
    role: str | None = None,
) -> Case:
    """Back to the handler (or the dispatcher) because the problem is not solved."""
    reason = _required(reason, "reason", _("Reason"))
    case = _transition(
        case,
        "reopen",
        actor=actor,
        role=role,
        version=version,
        note=reason,
        changes=_reopened(clock.now()),
    )
    _cancel_visits(case)
    return case


@transaction.atomic
def case_add_note(*, actor: User | None, case: Case, version: int | None, note: str) -> Case:
    note = _required(note, "note", _("Note"))
    return _transition(case, "note", actor=actor, role=None, version=version, note=note)


@transaction.atomic
def case_reveal_phone(*, actor: User | None, case: Case) -> str:
    """Return the reporter's full number; the look is recorded in the case history."""
    _transition(case, "reveal_phone", actor=actor, role=None, version=None)
    return case.reporter_phone


@transaction.atomic
def case_annotate(
    *,
    case: Case,
    action: str,
    actor: User | None,
    role: str | None = None,
    note: str = "",
    data: dict[str, Any] | None = None,
) -> Case:
    """Write another app's step into the case's history (a whistle, an arrival, its close).

    The step must be one of the annotations kept for this (``WHISTLE_ACTIONS``); the roles
    allowed are the transitions table's, as for every other step.
    """
    if action not in WHISTLE_ACTIONS:
        raise ValueError(f"{action} is not an annotation other apps may write")
    return _transition(case, action, actor=actor, role=role, version=None, note=note, data=data)
