"""Every write to a case: one function per transition, one transaction, one event row.

Services take keyword-only arguments. ``actor`` is the acting user (None for the system or a
resident); ``role`` names a pseudo-role for callers without a membership (``resident``,
``integrator``, ``system``). ``version`` is the version the caller saw; a stale one is refused.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minqing.cases import codes
from minqing.cases.models import (
    OPEN_STATES,
    UNSORTED_CATEGORY,
    Batch,
    Case,
    CaseEvent,
    CaseState,
    Category,
    Channel,
    Level,
    ReturnVisit,
    Satisfaction,
    Solved,
    Urgency,
    VisitMethod,
    VisitStatus,
)
from minqing.cases.permissions import roles_for
from minqing.cases.routes import RouteMap, suggested_dispatch
from minqing.cases.timelimits import (
    deadline_for,
    level_place_code,
    limit_class,
    policy_for,
    respond_by,
)
from minqing.cases.transitions import SYSTEM, TRANSITIONS
from minqing.core import clock
from minqing.core.errors import Conflict, DomainError, NotAllowed, StaleVersion
from minqing.core.phones import normalize_phone
from minqing.notify.services import outbox_put
from minqing.outreach.models import OutreachSession, SessionStatus
from minqing.people.models import User
from minqing.people.selectors import dispatch_people_for
from minqing.places.models import Department, Place, PlaceKind
from minqing.places.selectors import departments_serving

logger = logging.getLogger(__name__)
Changes = dict[str, Any] | Callable[[Case], dict[str, Any]]
CASE_PLACE_KINDS = (PlaceKind.BUILDING, PlaceKind.GRID)
# Annotations that still tell a level something (the outbox carries them to it).
NOTIFYING_ANNOTATIONS = {"merge", "overdue", "visit_overdue"}


def _required(value: str, field: str, label: Any) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(_("%(field)s is required.") % {"field": label}, field=field)
    return value


def _choice(value: str, choices: Any, field: str, label: Any) -> str:
    if value not in choices.values:
        raise DomainError(
            _("%(value)s is not a valid %(field)s; choose one of: %(choices)s.")
            % {"value": value, "field": label, "choices": ", ".join(choices.values)},
            field=field,
        )
    return value


def _actor_label(actor: User | None, role: str | None) -> str:
    if actor is not None:
        return str(actor)
    return role or "system"


def _check(
    case: Case, action: str, actor: User | None, role: str | None, version: int | None
) -> set[str]:
    """Refuse a stale version, a move not in the table, or a role not allowed to make it."""
    if version is not None and version != case.version:
        raise StaleVersion(
            _(
                "Someone else changed case %(code)s first (it is now at version %(current)s; "
                "you saw version %(yours)s). Reload it and try again."
            )
            % {"code": case.code, "current": case.version, "yours": version}
        )
    transition = TRANSITIONS[action]
    if case.state not in transition.sources:
        raise Conflict(
            _("Case %(code)s is “%(state)s”; it cannot %(action)s now.")
            % {
                "code": case.code,
                "state": CaseState(case.state).label,
                "action": transition.label,
            },
            code="invalid_transition",
        )
    roles = {role} if role else roles_for(actor, case)
    if not roles & transition.roles:
        raise NotAllowed(
            _("You may not %(action)s case %(code)s.")
            % {"action": transition.label, "code": case.code}
        )
    return roles


def _record(
    case: Case,
    action: str,
    actor: User | None,
    role: str | None,
    *,
    from_state: str,
    from_level: str,
    note: str = "",
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> CaseEvent:
    last = case.events.aggregate(m=Max("seq"))["m"] or 0
    event = CaseEvent.objects.create(
        case=case,
        seq=last + 1,
        action=action,
        actor=actor,
        actor_label=_actor_label(actor, role),
        at=at or clock.now(),
        from_state=from_state,
        to_state=case.state,
        from_level=from_level,
        to_level=case.level,
        note=note,
        data=data or {},
    )
    if from_state != case.state or from_level != case.level or action in NOTIFYING_ANNOTATIONS:
        outbox_put(
            topic=f"case.{action}",
            payload={
                "case": case.code,
                "seq": event.seq,
                "action": action,
                "from": from_state,
                "to": case.state,
                # Whom to tell: the level that holds the case now (or the one the event
                # names, such as the level above for a late return visit) and its place.
                "level": (data or {}).get("level") or case.level,
                "place": (data or {}).get("place") or level_place_code(case.place, case.level),
                "at": timezone.localtime(event.at).isoformat(),
            },
        )
    return event


def _transition(
    case: Case,
    action: str,
    *,
    actor: User | None,
    role: str | None,
    version: int | None,
    note: str = "",
    data: dict[str, Any] | None = None,
    changes: Changes | None = None,
) -> Case:
    """Lock the case, check the move, apply ``changes``, bump the version, write the event.

    ``changes`` is a dict of fields, or a function of the locked case that returns one; a
    ``state`` key picks the target where the transition has several.
    """
    # of=("self",): lock the case row only, not the place and category rows it joins (on
    # PostgreSQL those locks would hold up every report in the same building or category).
    locked = (
        Case.objects.select_for_update(of=("self",))
        .select_related("place", "category")
        .get(pk=case.pk)
    )
    _check(locked, action, actor, role, version)
    from_state, from_level = locked.state, locked.level
    values = dict(changes(locked) if callable(changes) else changes or {})
    targets = TRANSITIONS[action].targets
    if targets is not None:
        new_state = values.pop("state", None) or next(iter(targets))
        if new_state not in targets:
            raise ValueError(f"{action} cannot lead to {new_state}")
        locked.state = new_state
    for field, value in values.items():
        setattr(locked, field, value)
    if locked.state != from_state or values:
        # Only a real change bumps the version: a note or a look at the phone number does
        # not make a colleague's next write stale.
        locked.version += 1
        locked.save()
    _record(
        locked,
        action,
        actor,
        role,
        from_state=from_state,
        from_level=from_level,
        note=note,
        data=data,
    )
    return locked


def _schedule_visit(case: Case, moment: datetime) -> ReturnVisit:
    ReturnVisit.objects.filter(
        case=case, status__in=[VisitStatus.SCHEDULED, VisitStatus.OPEN]
    ).update(status=VisitStatus.CANCELLED)
    return ReturnVisit.objects.create(
        case=case,
        opens_at=moment + settings.MINQING_RETURN_VISIT_OPENS_AFTER,
        due_at=moment + settings.MINQING_RETURN_VISIT_WITHIN,
    )


def _cancel_visits(case: Case) -> None:
    ReturnVisit.objects.filter(
        case=case, status__in=[VisitStatus.SCHEDULED, VisitStatus.OPEN]
    ).update(status=VisitStatus.CANCELLED)


def _resolved(moment: datetime, reply: str) -> Callable[[Case], dict[str, Any]]:
    """The deadline stays on a resolved case, so on-time figures can be checked later."""
    return lambda case: {
        "reply": reply,
        "resolved_at": moment,
        "responded_at": case.responded_at or moment,
        "solved_in_grid": case.level == Level.GRID,
        "overdue": False,
        "was_overdue": case.was_overdue or bool(case.deadline and moment > case.deadline),
    }


def _responded(moment: datetime, **more: Any) -> Callable[[Case], dict[str, Any]]:
    return lambda case: {"responded_at": case.responded_at or moment, **more}


# --- report ------------------------------------------------------------------------------


@transaction.atomic
def case_report(
    *,
    actor: User | None,
    role: str | None = None,
    title: str,
    description: str = "",
    category: Category | None,
    place: Place,
    channel: str,
    urgency: str = Urgency.NORMAL,
    reporter_name: str = "",
    reporter_phone: str = "",
    session: Any = None,
    solved_on_spot: bool = False,
    reply: str = "",
    route: bool = True,
) -> Case:
    """Write a problem down. With ``solved_on_spot`` it is resolved in the same step.

    A case from one of ``settings.MINQING_ROUTER_CHANNELS`` (web, API, phone, WeChat) that
    was not solved on the spot is then routed (:func:`case_route`); ``route=False`` leaves it
    in triage whatever its channel (history being replayed, imports).

    A case is never refused for want of a category: with ``category`` None it is filed under
    the catch-all 待分类 (``UNSORTED``, no department), where it waits in triage to be sorted.
    """
    title = _required(title, "title", _("Title"))
    if len(title) > 200:
        raise DomainError(_("The title is longer than 200 characters."), field="title")
    _choice(channel, Channel, "channel", _("channel"))
    _choice(urgency, Urgency, "urgency", _("urgency"))
    if place.kind not in CASE_PLACE_KINDS:
        raise DomainError(
            _("A case is about a building or a grid; %(place)s is a %(kind)s.")
            % {"place": place.name, "kind": place.get_kind_display()},
            field="place",
        )
    if (
        session is not None
        and OutreachSession.objects.filter(pk=session.pk, status=SessionStatus.CLOSED).exists()
    ):  # read afresh: the caller's copy may predate the close
        raise DomainError(
            _("This evening talk is closed; record the problem without it."), field="session"
        )
    if category is None:
        category, _made = Category.objects.get_or_create(
            code=UNSORTED_CATEGORY, defaults={"name": "待分类", "level": 1}
        )
    own_district = category.district
    if own_district is not None and not place.path.startswith(f"{own_district.code}/"):
        raise DomainError(
            _("The category %(category)s is not used in the district of %(place)s.")
            % {"category": category.name, "place": place.name},
            field="category",
        )
    phone = normalize_phone(reporter_phone) if (reporter_phone or "").strip() else ""
    if actor is None and role is None:
        raise NotAllowed(_("A case needs someone who reports it."))
    moment = clock.now()
    policy = policy_for(place)
    respond = respond_by(category, urgency, moment, place=place)
    # Heard in person (a household visit, an evening talk) by someone of the team: the
    # resident has had their answer, and the level's time to fix it starts now. Otherwise
    # the case must be taken up within the response limit.
    in_person = actor is not None and channel in settings.MINQING_IN_PERSON_CHANNELS
    deadline = (
        deadline_for(category, urgency, moment, place=place, level=policy.start_level)
        if in_person
        else respond
    )
    case = Case(
        title=title,
        description=(description or "").strip(),
        category=category,
        place=place,
        reporter_name=(reporter_name or "").strip()[:60],
        reporter_phone=phone,
        channel=channel,
        urgency=urgency,
        session=session,
        level=policy.start_level,
        reported_at=moment,
        respond_by=respond,
        responded_at=moment if in_person else None,
        deadline=deadline,
        created_by=actor,
        state="",
        code="(new)",
    )
    _check(case, "report", actor, role, None)
    case.state = CaseState.REPORTED
    if solved_on_spot:
        _check(case, "solve_on_spot", actor, role, None)
        reply = _required(reply, "reply", _("What was done"))
    case.code = codes.next_case_code(place, moment)
    case.save()
    _record(case, "report", actor, role, from_state="", from_level="", data={"channel": channel})
    if solved_on_spot:
        case = _transition(
            case,
            "solve_on_spot",
            actor=actor,
            role=role,
            version=None,
            note=reply,
            changes=_resolved(moment, reply),
        )
        _schedule_visit(case, moment)
    elif route and channel in settings.MINQING_ROUTER_CHANNELS:
        case = _route_safely(case)
    return case


# --- the lifecycle -----------------------------------------------------------------------


def _level_deadline(case: Case, start: datetime) -> datetime:
    return deadline_for(case.category, case.urgency, start, place=case.place, level=case.level)


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
def case_resolve(*, actor: User | None, case: Case, version: int | None, reply: str) -> Case:
    """The handler reports the work done, with a reply the resident will read."""
    reply = _required(reply, "reply", _("Reply to the resident"))
    moment = clock.now()
    case = _transition(
        case,
        "resolve",
        actor=actor,
        role=None,
        version=version,
        note=reply,
        changes=_resolved(moment, reply),
    )
    _schedule_visit(case, moment)
    return case


@transaction.atomic
def case_send_back(*, actor: User | None, case: Case, version: int | None, reason: str) -> Case:
    """A department says "not ours": the case goes back to the dispatcher with the reason."""
    reason = _required(reason, "reason", _("Reason"))
    moment = clock.now()

    def changes(locked: Case) -> dict[str, Any]:
        # The dispatcher has the response limit again to find the right department.
        respond = policy_for(locked.place).response_limit(
            limit_class(locked.category, locked.urgency)
        )
        return {
            "assignee_department": None,
            "assignee_user": None,
            "deadline": moment + respond,
            "overdue": False,
        }

    return _transition(
        case,
        "send_back",
        actor=actor,
        role=None,
        version=version,
        note=reason,
        changes=changes,
    )


def next_level(case: Case) -> str | None:
    """The next level of the case's district ladder (None at the top)."""
    return policy_for(case.place).next_level(case.level)


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


def _reopened(moment: datetime) -> Callable[[Case], dict[str, Any]]:
    """Back to the handler with a fresh deadline, or to the dispatcher if nobody had it."""

    def changes(case: Case) -> dict[str, Any]:
        # A new round: its own deadline, and lateness counted afresh (the last round's is in
        # the history).
        values: dict[str, Any] = {
            "resolved_at": None,
            "closed_at": None,
            "solved_in_grid": False,
            "was_overdue": False,
        }
        values |= {"deadline": _level_deadline(case, moment), "overdue": False}
        if case.assignee_department_id or case.assignee_user_id:
            return values | {"state": CaseState.DISPATCHED}
        return values | {"state": CaseState.ACCEPTED}

    return changes


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


# --- the sweep (tick) ----------------------------------------------------------------------


@transaction.atomic
def case_mark_overdue(*, case: Case, moment: datetime) -> Case | None:
    """Mark an open case whose deadline has passed (None: it is not, or no longer, late)."""
    locked = Case.objects.select_for_update(of=("self",)).filter(pk=case.pk).first()
    if (
        locked is None
        or locked.state not in OPEN_STATES
        or locked.overdue
        or locked.deadline is None
        or locked.deadline >= moment
    ):
        return None
    return _transition(
        locked,
        "overdue",
        actor=None,
        role=SYSTEM,
        version=None,
        data={"deadline": locked.deadline.isoformat()},
        changes={"overdue": True, "was_overdue": True},
    )


@transaction.atomic
def return_visit_open(*, visit: ReturnVisit, moment: datetime) -> ReturnVisit | None:
    """A scheduled return visit whose time has come is due now (None: nothing to do)."""
    visit = ReturnVisit.objects.select_for_update().select_related("case").get(pk=visit.pk)
    if visit.status != VisitStatus.SCHEDULED or visit.opens_at > moment:
        return None
    visit.status = VisitStatus.OPEN
    visit.save(update_fields=["status"])
    _transition(
        visit.case,
        "visit_due",
        actor=None,
        role=SYSTEM,
        version=None,
        data={"visit": visit.pk, "due_at": visit.due_at.isoformat()},
    )
    return visit


@transaction.atomic
def return_visit_mark_overdue(*, visit: ReturnVisit, moment: datetime) -> ReturnVisit | None:
    """A due return visit nobody made in time: flag it and tell the level above the case's
    (None: it was made, cancelled or flagged meanwhile)."""
    visit = ReturnVisit.objects.select_for_update().select_related("case__place").get(pk=visit.pk)
    if visit.status != VisitStatus.OPEN or visit.overdue or visit.due_at >= moment:
        return None
    visit.overdue = True
    visit.save(update_fields=["overdue"])
    case = visit.case
    up = next_level(case) or case.level
    _transition(
        case,
        "visit_overdue",
        actor=None,
        role=SYSTEM,
        version=None,
        data={
            "visit": visit.pk,
            "due_at": visit.due_at.isoformat(),
            "level": up,
            "place": level_place_code(case.place, up),
        },
    )
    return visit


# --- return visits -----------------------------------------------------------------------


@transaction.atomic
def return_visit_record(
    *,
    actor: User | None,
    visit: ReturnVisit,
    method: str,
    solved: str,
    satisfied: str,
    comment: str = "",
    role: str | None = None,
    version: int | None = None,
) -> ReturnVisit:
    """Record the check with the resident: not solved or unsatisfied reopens, else closes."""
    _choice(method, VisitMethod, "method", _("method"))
    _choice(solved, Solved, "solved", _("solved?"))
    _choice(satisfied, Satisfaction, "satisfied", _("satisfied?"))
    visit = ReturnVisit.objects.select_for_update().get(pk=visit.pk)
    if visit.status not in (VisitStatus.SCHEDULED, VisitStatus.OPEN):
        raise Conflict(
            _("This return visit is already %(status)s.") % {"status": visit.get_status_display()},
            code="visit_done",
        )
    moment = clock.now()
    case = visit.case
    data = {"visit": visit.pk, "method": method, "solved": solved, "satisfied": satisfied}
    changes: Changes
    if solved == Solved.NO or satisfied == Satisfaction.UNSATISFIED:
        changes = _reopened(moment)
    else:
        changes = {"state": CaseState.CLOSED, "closed_at": moment}
    _transition(
        case,
        "return_visit",
        actor=actor,
        role=role,
        version=version,
        note=comment,
        data=data,
        changes=changes,
    )
    visit.status = VisitStatus.DONE
    visit.done_at = moment
    visit.method, visit.solved, visit.satisfied = method, solved, satisfied
    visit.comment = (comment or "").strip()
    visit.visitor = actor
    visit.save()
    return visit


# --- batches -----------------------------------------------------------------------------


def _into_batch(batch: Batch) -> Callable[[Case], dict[str, Any]]:
    def changes(locked: Case) -> dict[str, Any]:
        # Checked on the locked row: the caller's copy may predate someone else's merge.
        if locked.batch is not None:
            raise Conflict(
                _("Case %(code)s is already in batch %(batch)s.")
                % {"code": locked.code, "batch": locked.batch.code},
                code="already_batched",
            )
        return {"batch": batch}

    return changes


@transaction.atomic
def batch_create(
    *, actor: User | None, title: str, description: str = "", cases: Iterable[Case]
) -> Batch:
    """Group open cases that one piece of work will fix (the whole estate's water pipes)."""
    title = _required(title, "title", _("Title"))
    members = list({c.pk: c for c in cases}.values())
    if not members:
        raise DomainError(_("A batch needs at least one case."), field="cases")
    moment = clock.now()
    batch = Batch.objects.create(
        code=codes.next_batch_code(moment),
        title=title,
        description=(description or "").strip(),
        created_by=actor,
        created_at=moment,
    )
    for case in members:
        _transition(
            case,
            "merge",
            actor=actor,
            role=None,
            version=None,
            note=title,
            data={"batch": batch.code},
            changes=_into_batch(batch),
        )
    return batch


@transaction.atomic
def batch_resolve(*, actor: User | None, batch: Batch, reply: str) -> Batch:
    """Resolve every open member; each one gets its own return visit."""
    reply = _required(reply, "reply", _("Reply to the resident"))
    batch = Batch.objects.select_for_update().get(pk=batch.pk)
    if batch.resolved_at is not None:
        raise Conflict(_("This batch is already resolved."), code="batch_resolved")
    moment = clock.now()
    for case in batch.cases.filter(state__in=OPEN_STATES).select_related("category"):
        case = _transition(
            case,
            "batch_resolve",
            actor=actor,
            role=None,
            version=None,
            note=reply,
            data={"batch": batch.code},
            changes=_resolved(moment, reply),
        )
        _schedule_visit(case, moment)
    batch.resolved_at = moment
    batch.reply = reply
    batch.save(update_fields=["resolved_at", "reply"])
    return batch


@transaction.atomic
def batch_add(*, actor: User | None, batch: Batch, cases: Iterable[Case]) -> Batch:
    """Merge more open cases into an existing, unresolved batch (added for the case page)."""
    batch = Batch.objects.select_for_update().get(pk=batch.pk)
    if batch.resolved_at is not None:
        raise Conflict(_("This batch is already resolved."), code="batch_resolved")
    for case in {c.pk: c for c in cases}.values():
        _transition(
            case,
            "merge",
            actor=actor,
            role=None,
            version=None,
            note=batch.title,
            data={"batch": batch.code},
            changes=_into_batch(batch),
        )
    return batch


@transaction.atomic
def batch_merge(*, actor: User | None, case: Case, duplicate: Case) -> Batch:
    """One fix for many, in one step: put ``case`` and its ``duplicate`` into one batch.

    If one of them is in an unresolved batch already, the other joins it (``batch_add``);
    otherwise a new batch, named after the earlier report, takes both (``batch_create``).
    """
    case = Case.objects.select_related("batch").get(pk=case.pk)
    duplicate = Case.objects.select_related("batch").get(pk=duplicate.pk)
    if case.pk == duplicate.pk:
        raise DomainError(_("A case cannot be merged with itself."), field="duplicate")
    if case.batch is not None and duplicate.batch is not None:
        raise Conflict(
            _("Case %(a)s is in batch %(x)s and case %(b)s in batch %(y)s already.")
            % {"a": case.code, "x": case.batch.code, "b": duplicate.code, "y": duplicate.batch.code}
            if case.batch_id != duplicate.batch_id
            else _("Both cases are in batch %(batch)s already.") % {"batch": case.batch.code},
            code="already_batched",
        )
    if duplicate.batch is not None:
        return batch_add(actor=actor, batch=duplicate.batch, cases=[case])
    if case.batch is not None:
        return batch_add(actor=actor, batch=case.batch, cases=[duplicate])
    first, second = sorted([case, duplicate], key=lambda c: (c.reported_at, c.pk))
    return batch_create(actor=actor, title=first.title, cases=[first, second])


# --- automatic dispatch (the category router) ----------------------------------------------


def _route_safely(case: Case) -> Case:
    """Route a new case; whatever goes wrong, the report stands and waits in triage."""
    try:
        with transaction.atomic():  # a savepoint: a failed routing leaves the report alone
            return case_route(case=case)
    except Exception:  # the router must never lose a report
        logger.exception("Routing case %s failed; it waits in triage.", case.code)
        return case


@transaction.atomic
def case_route(*, case: Case) -> Case:
    """Let the category router decide a newly reported case (docs/routing.md).

    Sure enough (confidence at or above ``settings.MINQING_ROUTER_THRESHOLD``) and the label
    maps onto a category whose department serves the place: the case is dispatched there
    with the category's deadline (``route``; the event says which model and how sure).
    Otherwise it stays in triage and the router's three suggestions are written down
    (``suggest``). With no model trained, nothing happens: routing is not switched on.
    """
    from minqing.routing.runtime import decide  # scikit-learn: loaded on first use

    threshold = float(settings.MINQING_ROUTER_THRESHOLD)
    try:
        decision = decide(f"{case.title}\n{case.description}", threshold=threshold)
    except Exception:  # a damaged model or a bug in it: leave the case to a person
        logger.exception("The router could not read case %s.", case.code)
        return case
    if decision.version is None:
        return case
    base: dict[str, Any] = {
        "model": decision.version,
        "confidence": round(float(decision.confidence), 4),
        "threshold": threshold,
    }
    reason = decision.reason
    routes = RouteMap(case)
    if decision.dispatch and decision.label:
        target = routes.target(case, decision.label)
        if target is None:
            reason = "unknown_label"
        elif target.department is None:
            reason = "no_department"
        else:
            department = target.department
            deadline = deadline_for(
                target.category, case.urgency, clock.now(), place=case.place, level=case.level
            )
            changes: dict[str, Any] = {
                "assignee_department": department,
                "assignee_user": None,
                "deadline": deadline,
                "overdue": False,
            }
            if target.category.pk != case.category_id:
                changes["category"] = target.category
            return _transition(
                case,
                "route",
                actor=None,
                role=SYSTEM,
                version=None,
                data=base
                | {
                    "label": decision.label,
                    "category": target.category.code,
                    "department": department.code,
                    "to": department.name,
                    "deadline": deadline.isoformat(),
                },
                changes=changes,
            )
    suggestions = []
    for idea in decision.suggestions[:3]:
        mapped = routes.target(case, idea.label)
        suggestions.append(
            {
                "label": idea.label,
                "confidence": round(float(idea.confidence), 4),
                "category": mapped.category.code if mapped else None,
                "department": mapped.department.code if mapped and mapped.department else None,
            }
        )
    return _transition(
        case,
        "suggest",
        actor=None,
        role=SYSTEM,
        version=None,
        data=base
        | {
            "label": decision.suggestions[0].label if decision.suggestions else None,
            "reason": reason,
            "suggestions": suggestions,
        },
    )


@transaction.atomic
def case_dispatch_suggested(
    *, actor: User | None, case: Case, version: int | None, label: str, note: str = ""
) -> Case:
    """A confirmed router suggestion: accept the case if it is new, then dispatch it to the
    department of the suggested category, under which the case is filed from now on (its
    own leaf, when that already sits under the suggested label; see
    :func:`suggested_dispatch`)."""
    # Refused (DomainError) when no department here takes the label's cases.
    target = suggested_dispatch(case=case, label=label).target
    if case.state == CaseState.REPORTED:
        case = case_accept(actor=actor, case=case, version=version, note=note)
        version = case.version
    return case_dispatch(
        actor=actor,
        case=case,
        version=version,
        department=target.department,
        category=target.category,
        note=note,
    )


# --- added for triage: recalling a dispatch ----------------------------------------------


def _back_with_the_dispatcher(moment: datetime) -> Callable[[Case], dict[str, Any]]:
    """Nobody holds the case any more; the dispatcher has the response limit again to find
    the right department (the rule ``case_send_back`` follows)."""

    def changes(locked: Case) -> dict[str, Any]:
        respond = policy_for(locked.place).response_limit(
            limit_class(locked.category, locked.urgency)
        )
        return {
            "assignee_department": None,
            "assignee_user": None,
            "deadline": moment + respond,
            "overdue": False,
        }

    return changes


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
