"""Writes of whistles (吹哨报到): call departments to the site, report arrival, close, and the
sweep that flags departments late. Each is one transaction with its outbox messages and, when
there is a case, its line in the case's history."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from minqing.cases.models import Case, Level
from minqing.cases.services import case_annotate
from minqing.cases.timelimits import level_place_code, policy_for
from minqing.cases.transitions import CALLED
from minqing.lib import clock
from minqing.lib.errors import Conflict, DomainError, NotAllowed
from minqing.notify.services import outbox_put
from minqing.people.models import User
from minqing.places.models import Department, Place, PlaceKind
from minqing.places.selectors import departments_serving
from minqing.whistles.models import Whistle, WhistleCall, WhistleStatus
from minqing.whistles.selectors import handles, may_whistle

MAX_MINUTES = 24 * 60
BATCH = 500


def _iso(moment: datetime) -> str:
    return timezone.localtime(moment).isoformat()


@transaction.atomic
def whistle_call(
    *,
    actor: User,
    case: Case | None = None,
    grid: Place | None = None,
    departments: Iterable[Department],
    minutes: int | None = None,
    note: str = "",
) -> Whistle:
    """Call ``departments`` to the case's place or to ``grid``, to arrive within ``minutes``."""
    if (case is None) == (grid is None):
        raise DomainError(_("Call departments from a case or from a grid."))
    if grid is not None and grid.kind != PlaceKind.GRID:
        raise DomainError(_("Choose a grid."), field="grid")
    place = case.place if case is not None else grid
    assert place is not None
    if not may_whistle(actor, place):
        raise NotAllowed(
            _("You may not call departments to %(place)s.") % {"place": place.full_name}
        )
    minutes = settings.MINQING_WHISTLE_MINUTES if minutes is None else minutes
    if not 1 <= minutes <= MAX_MINUTES:
        raise DomainError(
            _("The time to arrive is from 1 to %(max)s minutes.") % {"max": MAX_MINUTES},
            field="minutes",
        )
    note = (note or "").strip()
    if case is None and not note:
        raise DomainError(_("Say what the problem is."), field="note")
    chosen = list({d.pk: d for d in departments}.values())
    if not chosen:
        raise DomainError(_("Choose at least one department."), field="departments")
    serving = set(departments_serving(place).values_list("pk", flat=True))
    wrong = [d for d in chosen if d.pk not in serving]
    if wrong:
        raise DomainError(
            _("%(departments)s does not serve %(place)s.")
            % {"departments": ", ".join(d.name for d in wrong), "place": place.full_name},
            field="departments",
        )
    chosen.sort(key=lambda d: d.code)
    now = clock.now()
    deadline = now + timedelta(minutes=minutes)
    if case is not None:
        # First, so that a closed case refuses the call before anything is written.
        case_annotate(
            case=case,
            action="whistle",
            actor=actor,
            note=note,
            data={
                "departments": ", ".join(d.name for d in chosen),
                "deadline": _iso(deadline),
                "minutes": minutes,
            },
        )
    whistle = Whistle.objects.create(
        case=case,
        place=place,
        level=case.level if case is not None else Level.GRID,
        called_by=actor,
        called_at=now,
        deadline=deadline,
        note=note,
    )
    WhistleCall.objects.bulk_create([WhistleCall(whistle=whistle, department=d) for d in chosen])
    for d in chosen:
        outbox_put(
            topic="whistle.called",
            payload={
                "whistle": whistle.pk,
                "department": d.code,
                "place": place.code,
                "case": case.code if case is not None else "",
                "deadline": _iso(deadline),
                "at": _iso(now),
            },
        )
    return whistle


@transaction.atomic
def whistle_arrive(*, actor: User, call: WhistleCall) -> WhistleCall:
    """A handler of the called department reports it is on site (报到)."""
    locked = (
        WhistleCall.objects.select_for_update(of=("self",))
        .select_related("whistle__case", "whistle__place", "department")
        .get(pk=call.pk)
    )
    if not handles(actor, locked.department):
        raise NotAllowed(
            _("Only a handler of %(department)s can report its arrival.")
            % {"department": locked.department.name}
        )
    whistle = locked.whistle
    if not whistle.is_open:
        raise Conflict(_("This call to the site is closed."), code="whistle_closed")
    if locked.arrived_at is not None:
        raise Conflict(
            _("%(department)s has already reported on site.")
            % {"department": locked.department.name},
            code="already_arrived",
        )
    now = clock.now()
    locked.arrived_at = now
    locked.arrived_by = actor
    locked.late = locked.late or now > whistle.deadline
    locked.save(update_fields=["arrived_at", "arrived_by", "late"])
    outbox_put(
        topic="whistle.arrived",
        payload={
            "whistle": whistle.pk,
            "department": locked.department.code,
            "place": whistle.place.code,
            "case": whistle.case.code if whistle.case else "",
            "late": locked.late,
            "at": _iso(now),
        },
    )
    if whistle.case is not None:
        case_annotate(
            case=whistle.case,
            action="whistle_arrive",
            actor=actor,
            role=CALLED,
            data={"department": locked.department.name, "late": locked.late},
        )
    return locked


@transaction.atomic
def whistle_close(*, actor: User, whistle: Whistle, note: str) -> Whistle:
    """The caller's side closes the call once the problem is handled (事不完，人不撤)."""
    locked = (
        Whistle.objects.select_for_update(of=("self",))
        .select_related("case", "place")
        .get(pk=whistle.pk)
    )
    if not may_whistle(actor, locked.place):
        raise NotAllowed(_("You may not close this call to the site."))
    if not locked.is_open:
        raise Conflict(_("This call to the site is closed already."), code="whistle_closed")
    note = (note or "").strip()
    if not note:
        raise DomainError(_("Say how the problem was handled."), field="note")
    now = clock.now()
    locked.status = WhistleStatus.CLOSED
    locked.closed_at = now
    locked.closed_by = actor
    locked.close_note = note
    locked.save(update_fields=["status", "closed_at", "closed_by", "close_note"])
    outbox_put(
        topic="whistle.closed",
        payload={
            "whistle": locked.pk,
            "place": locked.place.code,
            "case": locked.case.code if locked.case else "",
            "at": _iso(now),
        },
    )
    if locked.case is not None:
        case_annotate(case=locked.case, action="whistle_close", actor=actor, note=note)
    return locked


def _late_calls(moment: datetime):
    """Calls not answered by their deadline (a whistle closed before it counts nobody late)."""
    return WhistleCall.objects.filter(
        arrived_at__isnull=True, late=False, whistle__deadline__lt=moment
    ).filter(Q(whistle__closed_at__isnull=True) | Q(whistle__closed_at__gt=F("whistle__deadline")))


@transaction.atomic
def _flag_late(pk: int, moment: datetime) -> bool:
    call = (
        _late_calls(moment)
        .select_for_update(of=("self",))
        .select_related("whistle__place", "whistle__case", "department")
        .filter(pk=pk)
        .first()
    )
    if call is None:
        return False  # answered, or flagged by another sweep meanwhile
    call.late = True
    call.save(update_fields=["late"])
    whistle = call.whistle
    above = policy_for(whistle.place).next_level(whistle.level) or whistle.level
    outbox_put(
        topic="whistle.late",
        payload={
            "whistle": whistle.pk,
            "department": call.department.code,
            "case": whistle.case.code if whistle.case else "",
            # Whom to tell: the level above the one that called, and its place.
            "level": above,
            "place": level_place_code(whistle.place, above),
            "deadline": _iso(whistle.deadline),
            "at": _iso(moment),
        },
    )
    return True


def whistle_sweep(*, now: datetime) -> int:
    """Flag every call not answered by its deadline late and tell the level above; returns
    how many. Idempotent: each call is re-read under a lock with the same conditions."""
    flagged = 0
    last = 0
    while True:
        pks = list(
            _late_calls(now).filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:BATCH]
        )
        if not pks:
            return flagged
        for pk in pks:
            flagged += _flag_late(pk, now)
        last = pks[-1]


def whistle_sweep_at(moment: datetime) -> int:
    """The sweep as cases/tick.py calls it."""
    return whistle_sweep(now=moment)
