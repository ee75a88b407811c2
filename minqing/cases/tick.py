"""The periodic sweep: overdue cases escalate one level; due return visits open.

Idempotent and safe when two run at once: each case is re-read under a row lock with the
same conditions, so the second sweep finds nothing left to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from minqing.cases.models import OPEN_STATES, Case, ReturnVisit, VisitStatus
from minqing.cases.services import _record, case_escalate, next_level
from minqing.cases.transitions import SYSTEM
from minqing.core import clock


@dataclass
class TickResult:
    overdue: int = 0
    escalated: int = 0
    visits_opened: int = 0


def _overdue_one(pk: int, moment: datetime) -> tuple[bool, bool]:
    with transaction.atomic():
        case = (
            Case.objects.select_for_update(of=("self",))
            .select_related("place", "category")
            .filter(pk=pk, state__in=OPEN_STATES, deadline__lt=moment, overdue=False)
            .first()
        )
        if case is None:
            return False, False
        case.overdue = True
        case.was_overdue = True
        case.version += 1
        case.save(update_fields=["overdue", "was_overdue", "version"])
        _record(
            case,
            "overdue",
            None,
            SYSTEM,
            from_state=case.state,
            from_level=case.level,
            data={"deadline": case.deadline.isoformat() if case.deadline else None},
        )
        if next_level(case.level) is None:
            return True, False
        case_escalate(
            actor=None,
            role=SYSTEM,
            case=case,
            version=case.version,
            reason=_("Past its deadline; escalated automatically."),
        )
        return True, True


def _open_visit(pk: int, moment: datetime) -> bool:
    with transaction.atomic():
        visit = (
            ReturnVisit.objects.select_for_update()
            .select_related("case")
            .filter(pk=pk, status=VisitStatus.SCHEDULED, opens_at__lte=moment)
            .first()
        )
        if visit is None:
            return False
        visit.status = VisitStatus.OPEN
        visit.save(update_fields=["status"])
        case = visit.case
        _record(
            case,
            "visit_due",
            None,
            SYSTEM,
            from_state=case.state,
            from_level=case.level,
            data={"visit": visit.pk, "due_at": visit.due_at.isoformat()},
        )
        return True


def tick(*, now: datetime | None = None) -> TickResult:
    moment = now or clock.now()
    result = TickResult()
    late = Case.objects.filter(state__in=OPEN_STATES, deadline__lt=moment, overdue=False)
    for pk in list(late.values_list("pk", flat=True).order_by("deadline")):
        marked, escalated = _overdue_one(pk, moment)
        result.overdue += marked
        result.escalated += escalated
    due = ReturnVisit.objects.filter(status=VisitStatus.SCHEDULED, opens_at__lte=moment)
    for pk in list(due.values_list("pk", flat=True).order_by("opens_at")):
        result.visits_opened += _open_visit(pk, moment)
    return result
