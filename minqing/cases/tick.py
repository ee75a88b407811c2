"""The periodic sweep: overdue cases climb their district's ladder; return visits open, and
late ones are flagged.

A case past its deadline is marked overdue and handed one level up, with that level's own
deadline counted from the one missed; if that has passed too, it climbs again in the same
sweep, until it reaches a deadline still ahead or the top of the ladder. So how far a case
has climbed does not depend on how often the sweep runs.

Idempotent and safe when two run at once: every step is a service that re-reads its row
under a lock with the same conditions, so the second sweep finds nothing left to do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from minqing.cases.models import OPEN_STATES, Case, ReturnVisit, VisitStatus
from minqing.cases.services import (
    case_escalate,
    case_mark_overdue,
    next_level,
    return_visit_mark_overdue,
    return_visit_open,
)
from minqing.cases.transitions import SYSTEM
from minqing.lib import clock

BATCH = 500


@dataclass
class TickResult:
    overdue: int = 0
    escalated: int = 0
    visits_opened: int = 0
    visits_overdue: int = 0
    whistle_calls_late: int = 0


# Sweeps of apps built on cases, which this module may not import (docs/decisions/0008): the
# whistles app registers its own when it loads. Each takes the moment and returns how many
# calls to the site it found late.
WHISTLE_SWEEPS: list[Callable[[datetime], int]] = []


def _climb(case: Case, moment: datetime, result: TickResult) -> None:
    """Mark one late case overdue and escalate it, as often as its deadlines have passed."""
    with transaction.atomic():
        while True:
            marked = case_mark_overdue(case=case, moment=moment)
            if marked is None:
                return
            result.overdue += 1
            if next_level(marked) is None:
                return  # at the top: it stays overdue for everyone to see
            missed = marked.deadline
            case = case_escalate(
                actor=None,
                role=SYSTEM,
                case=marked,
                version=marked.version,
                since=missed,
                reason=_("Past its deadline; escalated automatically."),
            )
            result.escalated += 1


def _pks(qs):
    """Primary keys of ``qs``, a batch at a time (the sweep never holds a million at once)."""
    last = 0
    while True:
        pks = list(qs.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:BATCH])
        if not pks:
            return
        yield from pks
        last = pks[-1]


def tick(*, now: datetime | None = None) -> TickResult:
    moment = now or clock.now()
    result = TickResult()
    late = Case.objects.filter(state__in=OPEN_STATES, overdue=False, deadline__lt=moment)
    for pk in _pks(late):
        _climb(Case(pk=pk), moment, result)
    due = ReturnVisit.objects.filter(status=VisitStatus.SCHEDULED, opens_at__lte=moment)
    for pk in _pks(due):
        opened = return_visit_open(visit=ReturnVisit(pk=pk), moment=moment)
        result.visits_opened += opened is not None
    late_visits = ReturnVisit.objects.filter(
        status=VisitStatus.OPEN, overdue=False, due_at__lt=moment
    )
    for pk in _pks(late_visits):
        flagged = return_visit_mark_overdue(visit=ReturnVisit(pk=pk), moment=moment)
        result.visits_overdue += flagged is not None
    result.whistle_calls_late = sum(sweep(moment) for sweep in WHISTLE_SWEEPS)
    return result
