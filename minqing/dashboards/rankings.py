"""Figures for every department and every person, ranked against the previous period.

The same figures per **department** and per **person** (:func:`department_figures`,
:func:`person_figures`), plus the rework rate (of the cases resolved in the period, the share
reopened afterwards: a ``reopen`` event, or a ``return_visit`` that did not close the case),
the mean time to respond (reported → first response, of the cases reported in the period and
answered) and to resolve (reported → resolved, of the cases resolved in the period), and the
cases overdue now. Each is three grouped queries whatever the number of rows and cases:

- a case counts for the department it is assigned to (``assignee_department``), as for its
  return visits and resolutions;
- a case counts for its **handler**: the last person who started or resolved it (the actor of
  its latest ``start`` or ``resolve`` event), or, if nobody has yet, its ``assignee_user``.
  A rework counts for the handler at the resolution that was undone, not the one after it.
  A case without a handler (dispatched to a department, not started) counts for nobody.

Rankings (:func:`rank_departments`, :func:`rank_people`) compare a period with the one of the
same length just before it. Who may see which department: :func:`departments_for` (leaders)
and :func:`department_pages_for` (leaders, and each department's head).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from django.db.models import (
    Avg,
    BigIntegerField,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from minqing.cases import models as cm
from minqing.cases.models import CaseState
from minqing.cases.replies import CODES, reason_labels
from minqing.dashboards.selectors import (
    GOOD,
    LATE,
    Rates,
    _ratio,
    _responded_in_time,
)
from minqing.lib.errors import NotFound
from minqing.people.access import memberships
from minqing.people.models import Role, User
from minqing.places.models import Department

# Events that report a case done, and those by which a person handles it.
RESOLVING = ("resolve", "batch_resolve", "solve_on_spot")
HANDLING = ("start", "resolve")
# An indicator: the Figures attribute it reads, and whether more is better.
INDICATORS: dict[str, tuple[str, bool]] = {
    "satisfaction": ("satisfaction", True),
    "resolution": ("resolution", True),
    "response": ("response", True),
    "on_time": ("on_time_rate", True),
    "rework": ("rework", False),
}
DEFAULT_INDICATOR = "satisfaction"
# Ties on the chosen indicator are broken by these, in order (more is better).
TIEBREAKERS = ("satisfaction", "resolution")


@dataclass(frozen=True)
class Figures(Rates):
    """The rates of one department or person, and what the rates alone do not say."""

    resolutions: int = 0  # cases resolved in the period, reopened since or not
    reworked: int = 0  # of those, the ones reopened afterwards
    respond_time: timedelta | None = None
    resolve_time: timedelta | None = None
    overdue_now: int = 0

    @property
    def rework(self) -> float | None:
        return _ratio(self.reworked, self.resolutions)

    @property
    def respond_hours(self) -> float | None:
        return None if self.respond_time is None else self.respond_time.total_seconds() / 3600

    @property
    def resolve_hours(self) -> float | None:
        return None if self.resolve_time is None else self.resolve_time.total_seconds() / 3600


EMPTY = Figures(
    reported=0,
    responded_in_time=0,
    visits=0,
    solved=0,
    satisfied=0,
    resolved=0,
    solved_in_grid=0,
    on_time=0,
)


def _handler(case: str, prefix: str, upto: str | None = None) -> Coalesce:
    """The id of a case's handler as SQL: the actor of its latest start or resolve event (up
    to the event ``upto`` names, when given), else its assigned person. ``case`` names the
    case id on the outer row, ``prefix`` the path from the outer row to the case."""
    events = cm.CaseEvent.objects.filter(
        case=OuterRef(case), action__in=HANDLING, actor__isnull=False
    )
    if upto is not None:
        events = events.filter(seq__lte=OuterRef(upto))
    latest = events.order_by("-seq").values("actor")[:1]
    return Coalesce(Subquery(latest), F(f"{prefix}assignee_user"), output_field=BigIntegerField())


def _undone() -> Exists:
    """A resolution (the outer CaseEvent row) that a later event undid."""
    later = cm.CaseEvent.objects.filter(case=OuterRef("case"), seq__gt=OuterRef("seq")).filter(
        Q(action="reopen") | (Q(action="return_visit") & ~Q(to_state=CaseState.CLOSED))
    )
    return Exists(later)


@dataclass(frozen=True)
class _By:
    """The group key on each of the three rows the figures come from."""

    case: Any
    visit: Any
    resolution: Any


BY_DEPARTMENT = _By(
    case=F("assignee_department"),
    visit=F("case__assignee_department"),
    resolution=F("case__assignee_department"),
)
BY_PERSON = _By(
    case=_handler("pk", ""),
    visit=_handler("case", "case__"),
    resolution=_handler("case", "case__", upto="seq"),
)


def _figures(scope: dict[str, Any], by: _By, since: datetime, until: datetime) -> dict:
    """Figures per group key of the cases that ``scope`` (filters on Case) selects: three
    grouped queries, whatever the number of groups and cases."""
    on_case = {f"case__{k}": v for k, v in scope.items()}
    reported = Q(reported_at__gte=since, reported_at__lt=until)
    resolved = Q(resolved_at__gte=since, resolved_at__lt=until)
    overdue = LATE
    respond = ExpressionWrapper(F("responded_at") - F("reported_at"), output_field=DurationField())
    resolve = ExpressionWrapper(F("resolved_at") - F("reported_at"), output_field=DurationField())
    values: dict[Any, dict[str, Any]] = {}

    def put(key: Any, **more: Any) -> None:
        if key is not None:
            values.setdefault(key, {}).update(more)

    for r in (
        cm.Case.objects.filter(**scope)
        .filter(reported | resolved | overdue)
        .annotate(key=by.case)
        .order_by()
        .values("key")
        .annotate(
            n=Count("id", filter=reported),
            in_time=Count("id", filter=reported & _responded_in_time()),
            respond_time=Avg(respond, filter=reported & Q(responded_at__isnull=False)),
            resolved=Count("id", filter=resolved),
            grid=Count("id", filter=resolved & Q(solved_in_grid=True)),
            on_time=Count("id", filter=resolved & Q(was_overdue=False)),
            resolve_time=Avg(resolve, filter=resolved),
            overdue=Count("id", filter=overdue),
        )
    ):
        put(
            r["key"],
            reported=r["n"],
            responded_in_time=r["in_time"],
            respond_time=r["respond_time"],
            resolved=r["resolved"],
            solved_in_grid=r["grid"],
            on_time=r["on_time"],
            resolve_time=r["resolve_time"],
            overdue_now=r["overdue"],
        )
    for r in (
        cm.ReturnVisit.objects.filter(
            **on_case, status=cm.VisitStatus.DONE, done_at__gte=since, done_at__lt=until
        )
        .annotate(key=by.visit)
        .order_by()
        .values("key")
        .annotate(
            n=Count("id"),
            solved=Count("id", filter=Q(solved=cm.Solved.YES)),
            satisfied=Count("id", filter=Q(satisfied__in=GOOD)),
        )
    ):
        put(r["key"], visits=r["n"], solved=r["solved"], satisfied=r["satisfied"])
    for r in (
        cm.CaseEvent.objects.filter(**on_case, action__in=RESOLVING, at__gte=since, at__lt=until)
        .annotate(key=by.resolution, undone=_undone())
        .order_by()
        .values("key")
        .annotate(
            n=Count("case", distinct=True),
            reworked=Count("case", distinct=True, filter=Q(undone=True)),
        )
    ):
        put(r["key"], resolutions=r["n"], reworked=r["reworked"])
    return {key: replace(EMPTY, **v) for key, v in values.items()}


def department_figures(
    departments: Iterable[Department], since: datetime, until: datetime
) -> dict[int, Figures]:
    """Figures per department id (every department given has an entry)."""
    ids = [d.pk for d in departments]
    found = _figures({"assignee_department__in": ids}, BY_DEPARTMENT, since, until)
    return {pk: found.get(pk, EMPTY) for pk in ids}


def person_figures(department: Department, since: datetime, until: datetime) -> dict[int, Figures]:
    """Figures per person id, for the people who handled the department's cases."""
    return _figures({"assignee_department": department}, BY_PERSON, since, until)


def previous_period(since: datetime, until: datetime) -> tuple[datetime, datetime]:
    """The period of the same length just before ``[since, until)``."""
    return since - (until - since), since


@dataclass(frozen=True)
class Ranked:
    """One row of a ranking: a department or a person, now and in the period before."""

    subject: Any
    now: Figures
    before: Figures
    value: float | None
    before_value: float | None
    rank: int | None
    before_rank: int | None

    @property
    def delta_points(self) -> float | None:
        """The change of the value, in percentage points."""
        if self.value is None or self.before_value is None:
            return None
        return (self.value - self.before_value) * 100

    @property
    def delta_text(self) -> str:
        return signed_points(self.delta_points)

    @property
    def moved(self) -> int | None:
        """Places gained (positive) or lost (negative) since the period before."""
        if self.rank is None or self.before_rank is None:
            return None
        return self.before_rank - self.rank

    @property
    def moved_by(self) -> int | None:
        return None if self.moved is None else abs(self.moved)


def signed_points(points: float | None) -> str:
    """3.21 → "+3.2", -1 → "−1.0", None → "—" (a change in percentage points)."""
    if points is None:
        return "—"
    if round(points, 1) == 0:
        return "0.0"
    return f"{'+' if points > 0 else '−'}{abs(points):.1f}"


def changes(now: Figures, before: Figures) -> dict[str, str]:
    """Each indicator's change since the period before, in signed percentage points."""
    out = {}
    for key, (attr, _more_is_better) in INDICATORS.items():
        a, b = getattr(now, attr), getattr(before, attr)
        out[key] = signed_points(None if a is None or b is None else (a - b) * 100)
    return out


def _ranks(figures: dict[Any, Figures], indicator: str) -> dict[Any, int]:
    """Competition ranks (1, 1, 3) by the indicator, then the tie-breakers; no value, no rank."""
    attr, more_is_better = INDICATORS[indicator]
    sign = 1 if more_is_better else -1
    tiebreakers = [INDICATORS[t][0] for t in TIEBREAKERS if t != indicator]

    def score(f: Figures) -> tuple[float, ...]:
        rest = [getattr(f, a) for a in tiebreakers]
        return (sign * getattr(f, attr), *(-1.0 if v is None else v for v in rest))

    scored = sorted(
        ((score(f), key) for key, f in figures.items() if getattr(f, attr) is not None),
        key=lambda pair: pair[0],
        reverse=True,
    )
    ranks: dict[Any, int] = {}
    last: tuple[float, ...] | None = None
    rank = 0
    for i, (sc, key) in enumerate(scored, start=1):
        if sc != last:
            rank, last = i, sc
        ranks[key] = rank
    return ranks


def _ranking(
    subjects: dict[Any, Any],
    now: dict[Any, Figures],
    before: dict[Any, Figures],
    indicator: str,
    name: Callable[[Any], str],
) -> list[Ranked]:
    attr = INDICATORS[indicator][0]
    ranks_now, ranks_before = _ranks(now, indicator), _ranks(before, indicator)
    rows = [
        Ranked(
            subject=subject,
            now=now.get(key, EMPTY),
            before=before.get(key, EMPTY),
            value=getattr(now.get(key, EMPTY), attr),
            before_value=getattr(before.get(key, EMPTY), attr),
            rank=ranks_now.get(key),
            before_rank=ranks_before.get(key),
        )
        for key, subject in subjects.items()
    ]
    rows.sort(key=lambda r: (r.rank is None, r.rank or 0, name(r.subject)))
    return rows


def rank_departments(
    departments: Iterable[Department],
    since: datetime,
    until: datetime,
    indicator: str = DEFAULT_INDICATOR,
) -> list[Ranked]:
    """The departments ranked by the indicator, with their change since the period before."""
    subjects = {d.pk: d for d in departments}
    now = department_figures(subjects.values(), since, until)
    before = department_figures(subjects.values(), *previous_period(since, until))
    return _ranking(subjects, now, before, indicator, name=lambda d: d.code)


def rank_people(
    department: Department,
    since: datetime,
    until: datetime,
    indicator: str = DEFAULT_INDICATOR,
) -> list[Ranked]:
    """The people who handled the department's cases, ranked like :func:`rank_departments`.

    Everyone with figures in either period has a row (someone who has left still answers
    for the cases they handled)."""
    now = person_figures(department, since, until)
    before = person_figures(department, *previous_period(since, until))
    users = User.objects.filter(pk__in={*now, *before}).order_by("full_name", "username")
    subjects = {u.pk: u for u in users}
    return _ranking(subjects, now, before, indicator, name=lambda u: str(u))


def _leader_scope(user) -> Q:
    scope = Q(pk__in=[])
    for m in memberships(user):
        if m.role == Role.LEADER and m.place is not None:
            scope |= Q(place__path__startswith=m.place.path)
    return scope


def can_rank_departments(user) -> bool:
    return user.is_superuser or any(m.role == Role.LEADER for m in memberships(user))


def departments_for(user) -> QuerySet[Department]:
    """The departments a leader ranks: those serving a place in the leader's subtree."""
    qs = Department.objects.select_related("place").order_by("code")
    return qs if user.is_superuser else qs.filter(_leader_scope(user))


def headed_departments(user) -> list[Department]:
    """The departments the user heads (a handler membership marked ``head``)."""
    return [
        m.department
        for m in memberships(user)
        if m.role == Role.HANDLER and m.head and m.department is not None
    ]


def department_pages_for(user) -> QuerySet[Department]:
    """The departments whose page the user may open: a leader's, and the ones they head."""
    qs = Department.objects.select_related("place").order_by("code")
    if user.is_superuser:
        return qs
    return qs.filter(_leader_scope(user) | Q(pk__in=[d.pk for d in headed_departments(user)]))


def department_get_for(user, code: str) -> Department:
    """The department page the user may see, or NotFound (out of scope or no such code)."""
    department = department_pages_for(user).filter(code=code).first()
    if department is None:
        raise NotFound(_("No department %(code)s that you can see.") % {"code": code})
    return department


@dataclass(frozen=True)
class FlaggedReplies:
    """Resolutions whose reply the reply quality check flagged, for one department."""

    total: int
    overridden: int  # sent anyway, with a reason
    by_reason: list[tuple[str, int]]  # (reason label, resolutions flagged for it)


def flagged_replies(department: Department, since: datetime, until: datetime) -> FlaggedReplies:
    """The department's resolutions in ``[since, until)`` with ``reply_flags``, by reason."""
    rows = cm.CaseEvent.objects.filter(
        case__assignee_department=department,
        action__in=RESOLVING,
        at__gte=since,
        at__lt=until,
        data__has_key="reply_flags",
    ).values_list("data", flat=True)
    counts = dict.fromkeys(CODES, 0)
    total = overridden = 0
    for data in rows:
        total += 1
        overridden += bool(data.get("override"))
        for flag in data.get("reply_flags") or []:
            code = flag.get("code")
            if code in counts:
                counts[code] += 1
    labels = reason_labels()
    return FlaggedReplies(
        total=total,
        overridden=overridden,
        by_reason=[(str(labels[code]), n) for code, n in counts.items()],
    )
