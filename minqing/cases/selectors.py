"""Reads of cases. Every selector takes the acting user and returns only what they may see."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from minqing.cases.models import (
    OPEN_STATES,
    Case,
    CaseEvent,
    Category,
    ReturnVisit,
    VisitStatus,
)
from minqing.cases.permissions import roles_for, scope_q
from minqing.cases.transitions import allowed_actions
from minqing.core.errors import NotFound
from minqing.people.models import User


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
    return allowed_actions(case.state, roles_for(user, case))


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


def open_cases_for(user: User) -> QuerySet[Case]:
    return case_list_for(user, state=list(OPEN_STATES))
