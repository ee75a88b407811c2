"""Reads of cases. Every selector takes the acting user and returns only what they may see."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from minqing.cases.models import (
    LEVEL_LADDER,
    OPEN_STATES,
    Batch,
    Case,
    CaseEvent,
    CaseState,
    Category,
    ReturnVisit,
    VisitStatus,
)
from minqing.cases.permissions import ROLE_LEVEL, roles_for, scope_q
from minqing.cases.routes import RouteMap, RouteTarget
from minqing.cases.transitions import allowed_actions
from minqing.lib import clock
from minqing.lib.errors import NotFound
from minqing.people.access import DISPATCHERS, FIELD, memberships, roles_of
from minqing.people.models import Role, User
from minqing.places.models import Place, PlaceKind, paths_above

logger = logging.getLogger(__name__)


def case_list_for(
    user: User,
    *,
    state: str | list[str] | None = None,
    category: Category | None = None,
    place_path: str | None = None,
    overdue: bool | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    search: str | None = None,
) -> QuerySet[Case]:
    qs = Case.objects.filter(scope_q(user)).select_related(
        "place", "category", "assignee_department", "assignee_user"
    )
    return case_filter(
        qs,
        state=state,
        category=category,
        place_path=place_path,
        overdue=overdue,
        since=since,
        until=until,
        search=search,
    )


def case_filter(
    qs: QuerySet[Case],
    *,
    state: str | list[str] | None = None,
    category: Category | None = None,
    place_path: str | None = None,
    overdue: bool | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    search: str | None = None,
) -> QuerySet[Case]:
    """Narrow cases a selector already scoped to the user (queues use it for their filters)."""
    if isinstance(state, str):
        qs = qs.filter(state=state)
    elif state:
        qs = qs.filter(state__in=state)
    if category is not None:
        qs = qs.filter(
            Q(category=category)
            | Q(category__parent=category)
            | Q(category__parent__parent=category)
        )
    if place_path:
        qs = qs.filter(place__path__startswith=place_path)
    if overdue is not None:
        qs = qs.filter(overdue=overdue)
    if since is not None:
        qs = qs.filter(reported_at__gte=since)
    if until is not None:
        qs = qs.filter(reported_at__lt=until)
    if search:
        qs = qs.filter(Q(code__iexact=search.strip()) | Q(title__icontains=search.strip()))
    return qs


def case_get_for(user: User, code: str) -> Case:
    """One case the user may see; anything else is "not found" (no hint that it exists)."""
    case = (
        Case.objects.filter(scope_q(user), code=code)
        .select_related("place", "category", "assignee_department", "assignee_user", "batch")
        .first()
    )
    if case is None:
        raise NotFound(_("No case %(code)s that you can see.") % {"code": code})
    return case


def case_actions_for(user: User, case: Case) -> list[str]:
    """What this user may do with this case now (what a page or the API offers)."""
    actions = allowed_actions(case.state, roles_for(user, case))
    if case.batch_id is not None:
        actions = [a for a in actions if a != "merge"]
    return actions


def case_events(case: Case) -> QuerySet[CaseEvent]:
    return case.events.select_related("actor").order_by("seq")


def case_track(code: str, phone_last4: str) -> Case:
    """The public look-up: code and the last 4 digits of the reporter's phone, one message."""
    case = (
        Case.objects.filter(code__iexact=(code or "").strip())
        .select_related("place", "category")
        .first()
    )
    digits = (phone_last4 or "").strip()
    if case is None or len(digits) != 4 or not case.reporter_phone.endswith(digits):
        raise NotFound(_("No case matches this code and these digits."))
    return case


def visits_due_for(user: User) -> QuerySet[ReturnVisit]:
    return (
        ReturnVisit.objects.filter(
            status__in=[VisitStatus.OPEN, VisitStatus.SCHEDULED],
            case__in=Case.objects.filter(scope_q(user)),
        )
        .select_related("case", "case__place")
        .order_by("due_at")
    )


def case_for_client_key(user: User, key) -> Case | None:
    """The case this user recorded under an entry key (a resend of a queued entry)."""
    return Case.objects.filter(client_key=key, created_by=user).first()


def visit_for_client_key(user: User, key) -> ReturnVisit | None:
    """The return visit this user answered under an answer key (a resend)."""
    return ReturnVisit.objects.filter(client_key=key, visitor=user).select_related("case").first()


def open_cases_for(user: User) -> QuerySet[Case]:
    return case_list_for(user, state=list(OPEN_STATES))


def _covering_paths(user: User) -> list[str]:
    """Place paths the user works in; a building membership counts as its whole grid."""

    paths = []
    for m in memberships(user):
        if m.place is None:
            continue
        if m.place.kind == PlaceKind.BUILDING and m.place.parent_id:
            paths.append(paths_above(m.place.path)[-1])  # its grid
        else:
            paths.append(m.place.path)
    return paths


def capture_places_for(user: User, *, within=None, limit: int = 400) -> list:
    """Buildings and grids a user can record a problem about, most recently used first.

    ``within`` (a place) narrows the list, e.g. to an evening talk's community. "Recent" is
    the user's own last report there; the rest follow in place order.
    """

    qs = Place.objects.filter(kind__in=[PlaceKind.BUILDING, PlaceKind.GRID])
    if within is not None:
        qs = qs.filter(path__startswith=within.path)
    if not user.is_superuser and within is None:
        paths = _covering_paths(user)
        if not paths:
            return []
        scope = Q(pk__in=[])
        for path in paths:
            scope |= Q(path__startswith=path)
        qs = qs.filter(scope)
    qs = qs.annotate(last_used=Max("cases__reported_at", filter=Q(cases__created_by=user)))
    return list(qs.order_by(F("last_used").desc(nulls_last=True), "path")[:limit])


def _dispatcher_q(user: User) -> Q:
    """Cases whose decisions this user takes: in their place, at or below their level."""

    if user.is_superuser:
        return Q()
    q = Q(pk__in=[])
    for m in memberships(user):
        if m.place is None or m.role not in ROLE_LEVEL:
            continue
        top = LEVEL_LADDER.index(ROLE_LEVEL[Role(m.role)])
        q |= Q(place__path__startswith=m.place.path, level__in=LEVEL_LADDER[: top + 1])
    return q


def triage_for(user: User) -> QuerySet[Case]:
    """Reported and accepted cases waiting for this user's decision (accept, dispatch)."""

    return case_list_for(user, state=[CaseState.REPORTED, CaseState.ACCEPTED]).filter(
        _dispatcher_q(user)
    )


def _assigned_to_q(user: User) -> Q:
    """Cases assigned to the user or to a department they handle for."""
    departments = [
        m.department_id for m in memberships(user) if m.role == Role.HANDLER and m.department_id
    ]
    return Q(assignee_user=user) | Q(assignee_department_id__in=departments)


def department_queue_for(user: User) -> QuerySet[Case]:
    """Dispatched and in-progress cases assigned to the user or to their department."""

    return case_list_for(user, state=[CaseState.DISPATCHED, CaseState.IN_PROGRESS]).filter(
        _assigned_to_q(user)
    )


def department_done_for(user: User) -> QuerySet[Case]:
    """The work the user or their department has finished: resolved and closed cases that
    are still theirs (a case sent back and fixed by another department is not)."""
    return case_list_for(user, state=[CaseState.RESOLVED, CaseState.CLOSED]).filter(
        _assigned_to_q(user)
    )


def search_words(qs: QuerySet[Case], text: str | None) -> QuerySet[Case]:
    """Cases matching every word of ``text``, each in the code, the title, the description
    or the name of the place (the building); no words: ``qs`` as it is."""
    for word in (text or "").split()[:10]:
        qs = qs.filter(
            Q(code__icontains=word)
            | Q(title__icontains=word)
            | Q(description__icontains=word)
            | Q(place__name__icontains=word)
        )
    return qs


def overdue_for(user: User) -> QuerySet[Case]:
    """Open cases that have missed a deadline: past the current one, or escalated for
    missing an earlier one (they are late even while the level above has time left)."""
    return case_list_for(user, state=list(OPEN_STATES)).filter(was_overdue=True)


def queue_counts(user: User) -> dict[str, int]:
    """The numbers in the navigation: one count query per queue the user has."""

    roles = roles_of(user)
    counts: dict[str, int] = {}
    if user.is_superuser or roles & (FIELD | DISPATCHERS | {Role.SUBDISTRICT_STAFF}):
        counts["open"] = open_cases_for(user).count()
        counts["visits"] = visits_due_for(user).filter(status=VisitStatus.OPEN).count()
    if user.is_superuser or roles & DISPATCHERS:
        counts["triage"] = triage_for(user).count()
        counts["overdue"] = overdue_for(user).count()
    if roles & {Role.HANDLER} or Case.objects.filter(assignee_user=user).exists():
        counts["department"] = department_queue_for(user).count()
    return counts


def batches_for(user: User) -> QuerySet:
    """Batches with at least one member case the user may see, with member counts."""

    visible = Case.objects.filter(scope_q(user), batch=OuterRef("pk"))
    return (
        Batch.objects.filter(Exists(visible))
        .annotate(
            members=Count("cases", distinct=True),
            open_members=Count("cases", filter=Q(cases__state__in=OPEN_STATES), distinct=True),
        )
        .order_by("-created_at")
    )


def batch_get_for(user: User, code: str):
    batch = batches_for(user).filter(code=code).first()
    if batch is None:
        raise NotFound(_("No batch %(code)s that you can see.") % {"code": code})
    return batch


def pending_visit(case: Case) -> ReturnVisit | None:
    """The scheduled or open return visit of a case, if any."""
    return case.visits.filter(status__in=[VisitStatus.SCHEDULED, VisitStatus.OPEN]).first()


def batch_cases_for(user: User, batch) -> QuerySet[Case]:
    return case_list_for(user).filter(batch=batch).order_by("reported_at")


def case_get_public(code: str) -> Case:
    """A case by its code for a resident who has already proven the phone digits."""
    case = Case.objects.filter(code=code).select_related("place", "category").first()
    if case is None:
        raise NotFound(_("No case matches this code and these digits."))
    return case


# --- the category router's word on cases ------------------------------------------------------


@dataclass(frozen=True)
class RouterIdea:
    """One of the router's suggestions, with where it would send the case today."""

    label: str
    confidence: float
    target: RouteTarget | None

    @property
    def department(self):
        return self.target.department if self.target else None


@dataclass(frozen=True)
class RouterOutcome:
    """What the category router did with a case at intake (its ``route`` or ``suggest``)."""

    action: str  # "route" or "suggest"
    at: datetime
    model: str
    confidence: float
    threshold: float | None
    label: str | None
    reason: str
    to: str
    ideas: list[RouterIdea] = field(default_factory=list)

    @property
    def routed(self) -> bool:
        return self.action == "route"


def router_outcomes(cases: Iterable[Case]) -> dict[int, RouterOutcome]:
    """The router's latest word on each of ``cases``, by case id: one query for the events
    and, when there are suggestions, two more to map them onto categories and departments."""
    by_id = {c.pk: c for c in cases}
    if not by_id:
        return {}
    events: dict[int, CaseEvent] = {}
    for event in CaseEvent.objects.filter(
        case_id__in=list(by_id), action__in=["route", "suggest"]
    ).order_by("case_id", "seq"):
        events[event.case_id] = event
    routes: RouteMap | None = None
    out: dict[int, RouterOutcome] = {}
    for case_id, event in events.items():
        d = event.data or {}
        ideas = []
        for idea in d.get("suggestions") or []:
            if routes is None:
                routes = RouteMap()
            label = str(idea.get("label", ""))
            ideas.append(
                RouterIdea(
                    label,
                    float(idea.get("confidence") or 0.0),
                    routes.target(by_id[case_id], label),
                )
            )
        out[case_id] = RouterOutcome(
            action=event.action,
            at=event.at,
            model=str(d.get("model", "")),
            confidence=float(d.get("confidence") or 0.0),
            threshold=d.get("threshold"),
            label=d.get("label"),
            reason=str(d.get("reason", "confident" if event.action == "route" else "")),
            to=str(d.get("to", "")),
            ideas=ideas,
        )
    return out


def recently_routed_for(user: User, *, days: int = 7, limit: int = 10) -> list[Case]:
    """Cases the router dispatched on its own lately, among those this user decides on."""
    since = clock.now() - timedelta(days=days)
    routed = CaseEvent.objects.filter(action="route", at__gte=since).values("case_id")
    return list(
        case_list_for(user)
        .filter(_dispatcher_q(user), pk__in=routed)
        .order_by("-reported_at")[:limit]
    )


def recent_replies(case: Case, *, limit: int = 100) -> list[str]:
    """The latest replies to other cases by the same department (or, for a case that went to
    a person, by that person) within ``MINQING_REPLY_COPY_DAYS``: what a new reply to
    ``case`` is compared with by the reply quality check."""
    from django.conf import settings

    if case.assignee_department_id is not None:
        owner = Q(assignee_department_id=case.assignee_department_id)
    elif case.assignee_user_id is not None:
        owner = Q(assignee_user_id=case.assignee_user_id)
    else:
        return []
    since = clock.now() - timedelta(days=settings.MINQING_REPLY_COPY_DAYS)
    rows = (
        Case.objects.filter(owner, resolved_at__gte=since)
        .exclude(pk=case.pk)
        .exclude(reply="")
        .order_by("-resolved_at")
        .values_list("reply", flat=True)[:limit]
    )
    return list(rows)
