"""Reads of whistles, for the acting user; the checks the services enforce; dashboard figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet

from minqing.lib.errors import NotFound
from minqing.people.access import DISPATCHERS, memberships, places_q
from minqing.people.models import Role, User
from minqing.places.models import Department, Place, PlaceKind
from minqing.whistles.models import Whistle, WhistleCall, WhistleStatus


def may_whistle(user: User | None, place: Place) -> bool:
    """May ``user`` call departments to ``place`` (and close that call)? The grid worker,
    community and sub-district staff and leaders whose place contains it."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return any(
        m.role in DISPATCHERS and m.place is not None and place.path.startswith(m.place.path)
        for m in memberships(user)
    )


def handles(user: User | None, department: Department) -> bool:
    """Is ``user`` a handler of ``department`` (who may report its arrival on site)?"""
    if user is None or not user.is_authenticated:
        return False
    return any(
        m.role == Role.HANDLER and m.department_id == department.pk for m in memberships(user)
    )


def _departments_handled(user: User) -> list[int]:
    return [
        m.department_id
        for m in memberships(user)
        if m.role == Role.HANDLER and m.department_id is not None
    ]


def whistles_for(user: User) -> QuerySet[Whistle]:
    """Whistles in the user's places, and those that called one of their departments."""
    qs = Whistle.objects.select_related("place", "case", "called_by")
    if user.is_superuser:
        return qs
    scope = Q(pk__in=[])
    for m in memberships(user):
        if m.place is not None:
            scope |= Q(place__path__startswith=m.place.path)
    departments = _departments_handled(user)
    if departments:
        scope |= Q(
            pk__in=WhistleCall.objects.filter(department_id__in=departments).values("whistle")
        )
    return qs.filter(scope)


def whistle_get_for(user: User, pk: int) -> Whistle:
    whistle = whistles_for(user).filter(pk=pk).first()
    if whistle is None:
        raise NotFound(f"whistle {pk}")
    return whistle


def whistle_calls(whistle: Whistle) -> QuerySet[WhistleCall]:
    return whistle.calls.select_related("department", "arrived_by").order_by("department__code")


def calls_waiting_for(user: User) -> QuerySet[WhistleCall]:
    """The open whistles' calls to the user's departments (arrived or not), newest first."""
    return (
        WhistleCall.objects.filter(
            department_id__in=_departments_handled(user), whistle__status=WhistleStatus.OPEN
        )
        .select_related("whistle__place", "whistle__case", "whistle__called_by", "department")
        .order_by("arrived_at", "-whistle__called_at")
    )


def call_get_for(user: User, pk: int) -> WhistleCall:
    call = (
        WhistleCall.objects.filter(pk=pk, department_id__in=_departments_handled(user))
        .select_related("whistle", "department")
        .first()
    )
    if call is None:
        raise NotFound(f"call {pk}")
    return call


def open_whistles_for(user: User) -> QuerySet[Whistle]:
    return whistles_for(user).filter(status=WhistleStatus.OPEN)


def whistle_grids_for(user: User) -> QuerySet[Place]:
    """The grids the user may call departments to from the field home."""
    return Place.objects.filter(places_q(user, DISPATCHERS), kind=PlaceKind.GRID).order_by("path")


@dataclass
class DepartmentFigures:
    department: Department
    called: int = 0
    arrived: int = 0
    on_time: int = 0
    late: int = 0
    minutes_total: float = 0.0

    @property
    def mean_minutes(self) -> float | None:
        """Mean minutes from the call to the arrival, of the calls answered."""
        return self.minutes_total / self.arrived if self.arrived else None


def department_figures(
    *, place: Place, since: datetime, until: datetime
) -> list[DepartmentFigures]:
    """Per department, for the whistles in ``place`` called in [since, until): how often it was
    called, how often it arrived by the deadline, how many calls it missed or came late to, and
    its mean arrival time in minutes. Whistles are few; the rows are summed here."""
    rows: dict[int, DepartmentFigures] = {}
    calls = WhistleCall.objects.filter(
        whistle__place__path__startswith=place.path,
        whistle__called_at__gte=since,
        whistle__called_at__lt=until,
    ).select_related("department", "whistle")
    for call in calls:
        row = rows.setdefault(call.department_id, DepartmentFigures(call.department))
        row.called += 1
        if call.late:
            row.late += 1
        if call.arrived_at is not None:
            row.arrived += 1
            row.minutes_total += (call.arrived_at - call.whistle.called_at).total_seconds() / 60
            if call.arrived_at <= call.whistle.deadline:
                row.on_time += 1
    return sorted(rows.values(), key=lambda r: (-r.called, r.department.code))
