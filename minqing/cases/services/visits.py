"""Return visits (回访) and the sweep's steps: a late case marked, a visit opened or flagged."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from minqing.cases.models import (
    OPEN_STATES,
    Case,
    CaseState,
    ReturnVisit,
    Satisfaction,
    Solved,
    VisitMethod,
    VisitStatus,
)
from minqing.cases.services._core import (
    Changes,
    _choice,
    _reopened,
    _transition,
    next_level,
)
from minqing.cases.timelimits import (
    level_place_code,
)
from minqing.cases.transitions import SYSTEM
from minqing.lib import clock
from minqing.lib.errors import Conflict
from minqing.people.models import User


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
    client_key: uuid.UUID | None = None,
) -> ReturnVisit:
    """Record the check with the resident: not solved or unsatisfied reopens, else closes.

    ``client_key`` is the phone's key for this answer (:func:`return_visit_record_once`)."""
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
    visit.client_key = client_key
    visit.save()
    return visit


@transaction.atomic
def return_visit_record_once(
    *, client_key: uuid.UUID, actor: User, visit: ReturnVisit, **answer: Any
) -> tuple[ReturnVisit, bool]:
    """:func:`return_visit_record` once per ``client_key`` (an answer queued on a phone):
    a resend of the answer already recorded returns the visit and ``False``; an answer to a
    visit someone else has recorded meanwhile is refused as :func:`return_visit_record`
    refuses it. The visit's row lock orders concurrent sends."""
    locked = ReturnVisit.objects.select_for_update().get(pk=visit.pk)
    if locked.client_key == client_key and locked.visitor_id == actor.pk:
        return locked, False
    try:
        with transaction.atomic():
            done = return_visit_record(actor=actor, visit=locked, client_key=client_key, **answer)
    except IntegrityError:  # the key of another answer (keys are random: not a resend)
        raise Conflict(
            _("This answer's key belongs to another answer; record it again."),
            code="client_key_taken",
            field="key",
        ) from None
    return done, True


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
