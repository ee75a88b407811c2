"""What every case service is built on: checking a move against the transitions table, applying
it to the locked row with its event and outbox message, and the rules several services share."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minqing.cases.models import (
    Case,
    CaseEvent,
    CaseState,
    Level,
    ReturnVisit,
    VisitStatus,
)
from minqing.cases.permissions import roles_for
from minqing.cases.replies import Flag, flags_data, reply_check
from minqing.cases.selectors import recent_replies
from minqing.cases.timelimits import (
    deadline_for,
    level_place_code,
    limit_class,
    policy_for,
)
from minqing.cases.transitions import TRANSITIONS
from minqing.lib import clock
from minqing.lib.errors import Conflict, DomainError, NotAllowed, StaleVersion
from minqing.notify.services import outbox_put
from minqing.people.models import User
from minqing.places.models import PlaceKind

logger = logging.getLogger(__name__)


Changes = dict[str, Any] | Callable[[Case], dict[str, Any]]


CASE_PLACE_KINDS = (PlaceKind.BUILDING, PlaceKind.GRID)


# Annotations that still tell someone something (the outbox carries them: the level, the
# return visitor).
NOTIFYING_ANNOTATIONS = {"merge", "overdue", "visit_due", "visit_overdue"}


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


def _reply_data(
    case: Case, reply: str, *, others: list[str] | None = None
) -> tuple[list[Flag], dict[str, Any]]:
    """Run the reply quality check on a reply to ``case``: the flags, and the event data
    that records them (``{"reply_flags": [...]}``, empty when the reply is fine). ``others``
    are the replies to compare with (default: the owner's recent replies)."""
    flags = reply_check(
        reply,
        case_text=f"{case.title} {case.description}",
        other_replies=recent_replies(case) if others is None else others,
    )
    return flags, ({"reply_flags": flags_data(flags)} if flags else {})


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


def _level_deadline(case: Case, start: datetime) -> datetime:
    return deadline_for(case.category, case.urgency, start, place=case.place, level=case.level)


def next_level(case: Case) -> str | None:
    """The next level of the case's district ladder (None at the top)."""
    return policy_for(case.place).next_level(case.level)


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


def _back_with_the_dispatcher(moment: datetime) -> Callable[[Case], dict[str, Any]]:
    """Nobody holds the case any more (sent back, recalled); the dispatcher has the response
    limit again to find the right department."""

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
