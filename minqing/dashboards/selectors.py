"""The rates leaders are judged by, computed in the database (DESIGN §4).

Every function takes a place (its whole subtree counts) and a period ``[since, until)`` and
runs a fixed number of aggregate queries, whatever the number of cases:

- response rate: of the cases reported in the period, the share whose first response
  (accept, dispatch, reject, solve on the spot, heard in person) came by ``respond_by``;
- resolution rate: of the return visits done in the period, the share that found it solved;
- satisfaction rate: of the same visits, the share satisfied or basically satisfied;
- solved-in-grid rate: of the cases resolved in the period, the share resolved at grid level;
- on-time rate: of the cases resolved in the period, the share never overdue.

Per department and per person, ranked: ``dashboards.rankings``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import (
    Case,
    Count,
    F,
    Min,
    Q,
    QuerySet,
    When,
)
from django.db.models.functions import TruncDay, TruncWeek
from django.utils import timezone

from minqing.cases import models as cm
from minqing.cases.models import LEVEL_LADDER, OPEN_STATES, CaseState
from minqing.people.access import DASHBOARD, memberships
from minqing.places.models import Place, PlaceKind

SOLVED_STATES = [CaseState.RESOLVED, CaseState.CLOSED]
GOOD = [cm.Satisfaction.SATISFIED, cm.Satisfaction.BASICALLY]


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class Rates:
    reported: int
    responded_in_time: int
    visits: int
    solved: int
    satisfied: int
    resolved: int
    solved_in_grid: int
    on_time: int

    @property
    def response(self) -> float | None:
        return _ratio(self.responded_in_time, self.reported)

    @property
    def resolution(self) -> float | None:
        return _ratio(self.solved, self.visits)

    @property
    def satisfaction(self) -> float | None:
        return _ratio(self.satisfied, self.visits)

    @property
    def in_grid(self) -> float | None:
        return _ratio(self.solved_in_grid, self.resolved)

    @property
    def on_time_rate(self) -> float | None:
        return _ratio(self.on_time, self.resolved)


def dashboard_places_for(user) -> QuerySet[Place]:
    """Districts, sub-districts and communities at or below the user's desk roles."""
    kinds = [PlaceKind.DISTRICT, PlaceKind.SUBDISTRICT, PlaceKind.COMMUNITY]
    qs = Place.objects.filter(kind__in=kinds).order_by("path")
    if user.is_superuser:
        return qs
    scope = Q(pk__in=[])
    for m in memberships(user):
        if m.role in DASHBOARD and m.place is not None:
            scope |= Q(path__startswith=m.place.path)
    return qs.filter(scope)


def _cases(place: Place) -> QuerySet[cm.Case]:
    return cm.Case.objects.filter(place__path__startswith=place.path)


def _responded_in_time() -> Q:
    """A case taken up by its response deadline (``respond_by``, set when it was written
    down from its district's rules): the one place this figure's rule lives."""
    return Q(responded_at__isnull=False, responded_at__lte=F("respond_by"))


# Open cases that have missed a deadline: past the current one, or escalated for missing an
# earlier one (cases.selectors.overdue_for, the overdue queue, counts the same).
LATE = Q(state__in=OPEN_STATES, was_overdue=True)


def rates(place: Place, since: datetime, until: datetime) -> Rates:
    """The three rates and two more, in three aggregate queries."""
    reported = _cases(place).filter(reported_at__gte=since, reported_at__lt=until)
    r = reported.aggregate(
        n=Count("id"),
        in_time=Count("id", filter=_responded_in_time()),
    )
    resolved = _cases(place).filter(resolved_at__gte=since, resolved_at__lt=until)
    s = resolved.aggregate(
        n=Count("id"),
        grid=Count("id", filter=Q(solved_in_grid=True)),
        on_time=Count("id", filter=Q(was_overdue=False)),
    )
    visits = cm.ReturnVisit.objects.filter(
        case__place__path__startswith=place.path,
        status=cm.VisitStatus.DONE,
        done_at__gte=since,
        done_at__lt=until,
    )
    v = visits.aggregate(
        n=Count("id"),
        solved=Count("id", filter=Q(solved=cm.Solved.YES)),
        satisfied=Count("id", filter=Q(satisfied__in=GOOD)),
    )
    return Rates(
        reported=r["n"],
        responded_in_time=r["in_time"],
        visits=v["n"],
        solved=v["solved"],
        satisfied=v["satisfied"],
        resolved=s["n"],
        solved_in_grid=s["grid"],
        on_time=s["on_time"],
    )


def counts_by_state(place: Place, since: datetime, until: datetime) -> list[tuple[str, str, int]]:
    """Cases reported in the period, by their state now."""
    rows = dict(
        _cases(place)
        .filter(reported_at__gte=since, reported_at__lt=until)
        .order_by()
        .values_list("state")
        .annotate(n=Count("id"))
    )
    return [(s.value, str(s.label), rows.get(s.value, 0)) for s in CaseState]


def overdue_by_level(place: Place) -> list[tuple[str, str, int]]:
    """Open cases past their deadline now, by the level that owns them."""
    rows = dict(_cases(place).filter(LATE).order_by().values_list("level").annotate(n=Count("id")))
    return [(level.value, str(level.label), rows.get(level.value, 0)) for level in LEVEL_LADDER]


def late_visits(place: Place) -> int:
    """Return visits due now and past their due date (flagged by the sweep), below ``place``."""
    return cm.ReturnVisit.objects.filter(
        case__place__path__startswith=place.path, status=cm.VisitStatus.OPEN, overdue=True
    ).count()


@dataclass
class Row:
    place: Place
    reported: int = 0
    open: int = 0
    overdue: int = 0
    resolved: int = 0
    visits: int = 0
    solved: int = 0
    satisfied: int = 0

    @property
    def resolution(self) -> float | None:
        return _ratio(self.solved, self.visits)

    @property
    def satisfaction(self) -> float | None:
        return _ratio(self.satisfied, self.visits)


def _unit_expr(prefix: str, unit_kind: str) -> Case:
    """The id of the community (or grid) a case's place belongs to, as SQL."""
    p = f"{prefix}place"
    if unit_kind == PlaceKind.COMMUNITY:
        return Case(
            When(**{f"{p}__kind": PlaceKind.BUILDING}, then=F(f"{p}__parent__parent")),
            default=F(f"{p}__parent"),
        )
    return Case(
        When(**{f"{p}__kind": PlaceKind.BUILDING}, then=F(f"{p}__parent")),
        default=F(p),
    )


def breakdown(place: Place, since: datetime, until: datetime) -> list[Row]:
    """One row per community below ``place`` (per grid when ``place`` is a community)."""
    unit_kind = PlaceKind.GRID if place.kind == PlaceKind.COMMUNITY else PlaceKind.COMMUNITY
    units = Place.objects.filter(kind=unit_kind, path__startswith=place.path).order_by("path")
    rows = {u.pk: Row(place=u) for u in units}
    period = Q(reported_at__gte=since, reported_at__lt=until)
    for r in (
        _cases(place)
        .annotate(unit=_unit_expr("", unit_kind))
        .order_by()
        .values("unit")
        .annotate(
            reported=Count("id", filter=period),
            open=Count("id", filter=Q(state__in=OPEN_STATES)),
            overdue=Count("id", filter=LATE),
            resolved=Count("id", filter=Q(resolved_at__gte=since, resolved_at__lt=until)),
        )
    ):
        row = rows.get(r["unit"])
        if row is not None:
            row.reported, row.open = r["reported"], r["open"]
            row.overdue, row.resolved = r["overdue"], r["resolved"]
    for r in (
        cm.ReturnVisit.objects.filter(
            case__place__path__startswith=place.path,
            status=cm.VisitStatus.DONE,
            done_at__gte=since,
            done_at__lt=until,
        )
        .annotate(unit=_unit_expr("case__", unit_kind))
        .order_by()
        .values("unit")
        .annotate(
            n=Count("id"),
            solved=Count("id", filter=Q(solved=cm.Solved.YES)),
            satisfied=Count("id", filter=Q(satisfied__in=GOOD)),
        )
    ):
        row = rows.get(r["unit"])
        if row is not None:
            row.visits, row.solved, row.satisfied = r["n"], r["solved"], r["satisfied"]
    return list(rows.values())


@dataclass
class Point:
    start: date
    reported: int = 0
    resolved: int = 0


@dataclass
class Trend:
    bucket: str  # "day" or "week"
    points: list[Point] = field(default_factory=list)


def trend(place: Place, since: datetime, until: datetime) -> Trend:
    """Cases reported and resolved per day (periods up to 62 days) or per week."""
    bucket = "day" if until - since <= timedelta(days=62) else "week"
    trunc = TruncDay if bucket == "day" else TruncWeek
    tz = timezone.get_current_timezone()

    def series(field_name: str) -> dict[date, int]:
        qs = (
            _cases(place)
            .filter(**{f"{field_name}__gte": since, f"{field_name}__lt": until})
            .annotate(b=trunc(field_name, tzinfo=tz))
            .order_by()
            .values_list("b")
            .annotate(n=Count("id"))
        )
        return {(b.date() if isinstance(b, datetime) else b): n for b, n in qs}

    reported, resolved = series("reported_at"), series("resolved_at")
    start = timezone.localtime(since, tz).date()
    if bucket == "week":
        start -= timedelta(days=start.weekday())
    end = timezone.localtime(until, tz).date()
    step = timedelta(days=1 if bucket == "day" else 7)
    points = []
    while start < end:
        points.append(Point(start, reported.get(start, 0), resolved.get(start, 0)))
        start += step
    return Trend(bucket, points)


def solved_total(place: Place) -> tuple[int, datetime | None]:
    """Problems solved so far below ``place``, and since when (the headline counter)."""
    r = _cases(place).aggregate(
        n=Count("id", filter=Q(state__in=SOLVED_STATES)), first=Min("reported_at")
    )
    return r["n"], r["first"]


def flagged_replies_total(place: Place, since: datetime, until: datetime) -> int:
    """Resolutions in ``[since, until)`` of the place's cases whose reply the reply quality
    check flagged (sent anyway, or recorded on a batch or an on-the-spot fix)."""
    return cm.CaseEvent.objects.filter(
        case__place__path__startswith=place.path,
        action__in=("resolve", "batch_resolve", "solve_on_spot"),
        at__gte=since,
        at__lt=until,
        data__has_key="reply_flags",
    ).count()
