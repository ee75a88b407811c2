"""The queues: open cases, triage, a department's work, overdue cases, return visits."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from minqing.cases import forms as f
from minqing.cases.models import (
    LEVEL_LADDER,
    OPEN_STATES,
    Case,
    CaseState,
    Category,
    Level,
    VisitStatus,
)
from minqing.cases.selectors import (
    case_filter,
    department_done_for,
    department_queue_for,
    open_cases_for,
    overdue_for,
    recently_routed_for,
    router_outcomes,
    search_words,
    triage_for,
    visits_due_for,
)
from minqing.cases.views.common import (
    PAGE_SIZE,
    _is_dispatcher,
    _is_field,
)
from minqing.core.views import acting_user
from minqing.lib import clock
from minqing.outreach.selectors import revisits_due_for
from minqing.people.access import roles_of
from minqing.people.models import Role, User
from minqing.people.selectors import places_in_charge
from minqing.places.models import PlaceKind
from minqing.whistles.selectors import calls_waiting_for


@dataclass(frozen=True)
class Queue:
    name: str
    title: Promise
    select: Callable[[User], Any]
    allowed: Callable[[User], bool]
    states: tuple[str, ...]
    intro: Promise


def _any_role(user: User) -> bool:
    return user.is_superuser or bool(roles_of(user))


def _has_department(user: User) -> bool:
    return Role.HANDLER in roles_of(user) or Case.objects.filter(assignee_user=user).exists()


QUEUES = {
    q.name: q
    for q in [
        Queue(
            "open",
            gettext_lazy("Open cases"),
            open_cases_for,
            _any_role,
            tuple(OPEN_STATES),
            gettext_lazy("Every open case in your places."),
        ),
        Queue(
            "triage",
            gettext_lazy("To triage"),
            triage_for,
            _is_dispatcher,
            (CaseState.REPORTED, CaseState.ACCEPTED),
            gettext_lazy("New and accepted cases waiting for your decision: accept, dispatch."),
        ),
        Queue(
            "department",
            gettext_lazy("My department's queue"),
            department_queue_for,
            _has_department,
            (CaseState.DISPATCHED, CaseState.IN_PROGRESS),
            gettext_lazy("Cases sent to you or your department: start, resolve or send back."),
        ),
        Queue(
            "overdue",
            gettext_lazy("Overdue"),
            overdue_for,
            _is_dispatcher,
            tuple(OPEN_STATES),
            gettext_lazy("Open cases past their deadline, by the level that owns them now."),
        ),
    ]
}


SORTS: dict[str, list[Any]] = {
    "new": ["-reported_at"],
    "old": ["reported_at"],
    "deadline": [F("deadline").asc(nulls_last=True), "-reported_at"],
    "place": ["place__path", "-reported_at"],
}


def _filter_places(user: User):
    return places_in_charge(user, kinds=(PlaceKind.COMMUNITY, PlaceKind.GRID)).order_by("path")[
        :200
    ]


def _filter_categories():
    categories = list(Category.objects.filter(level__lte=2).order_by("code"))
    for c in categories:
        if c.level == 2:
            c.name = f"— {c.name}"
    return categories


def _queue_filters(form: f.QueueFilterForm) -> dict[str, Any]:
    """The filters whose values are valid; a wrong one is shown on the form and ignored."""
    form.is_valid()
    d = form.cleaned_data
    filters: dict[str, Any] = {}
    if d.get("state"):
        filters["state"] = d["state"]
    if d.get("category"):
        filters["category"] = Category.objects.filter(code=d["category"]).first()
    if d.get("place"):
        place = next((p for p in form.places if p.code == d["place"]), None)
        if place is not None:
            filters["place_path"] = place.path
    if d.get("overdue"):
        filters["overdue"] = d["overdue"] == "yes"
    tz = timezone.get_current_timezone()
    if d.get("since"):
        filters["since"] = timezone.make_aware(datetime.combine(d["since"], time.min), tz)
    if d.get("until"):
        end = timezone.make_aware(datetime.combine(d["until"], time.min), tz)
        filters["until"] = end + timedelta(days=1)
    if d.get("q"):
        filters["search"] = d["q"]
    return filters


# The department queue's second tab: the department's finished work, last finished first.
DONE_TAB = "done"


DONE_STATES = (CaseState.RESOLVED, CaseState.CLOSED)


DONE_ORDER = [F("resolved_at").desc(nulls_last=True), "-reported_at"]


@login_required
def queue(request: HttpRequest, name: str) -> HttpResponse:
    spec = QUEUES[name]
    user = acting_user(request)
    if not spec.allowed(user):
        raise PermissionDenied
    tab = DONE_TAB if name == "department" and request.GET.get("tab") == DONE_TAB else ""
    base = department_done_for(user) if tab else spec.select(user)
    places = list(_filter_places(user))
    form = f.QueueFilterForm(
        request.GET,
        states=DONE_STATES if tab else spec.states,
        categories=_filter_categories(),
        places=places,
    )
    filters = _queue_filters(form)
    words = filters.pop("search", "") if name == "department" else ""
    qs = search_words(case_filter(base, **filters), words)
    sort = request.GET.get("sort", "")
    sort = sort if sort in SORTS else "new"
    if name == "overdue" and "sort" not in request.GET:
        sort = "deadline"
    order = DONE_ORDER if tab and "sort" not in request.GET else SORTS[sort]
    page = Paginator(qs.order_by(*order), PAGE_SIZE).get_page(request.GET.get("page"))
    routed = recently_routed_for(user) if name == "triage" else []
    if name in ("triage", "open"):
        shown = [*page.object_list, *routed]
        outcomes = router_outcomes(shown)
        for case in shown:
            case.router = outcomes.get(case.pk)  # type: ignore[attr-defined]
    by_level = None
    if name == "overdue":
        counts = dict(base.order_by().values_list("level").annotate(n=Count("id")))
        by_level = [(Level(level).label, counts.get(level, 0)) for level in LEVEL_LADDER]
    return render(
        request,
        "cases/queue.html",
        {
            "queue": spec,
            "tab": tab,
            "form": form,
            "page": page,
            "by_level": by_level,
            "can_batch": _is_dispatcher(user),
            "routed": routed,
            "route_buttons": name == "triage" and _is_dispatcher(user),
            "now": clock.now(),
            "whistle_calls": (
                calls_waiting_for(user).filter(arrived_at__isnull=True).count()
                if name == "department"
                else None
            ),
            "revisits": (
                revisits_due_for(user, timezone.localtime(clock.now()).date())
                if name == "triage"
                else []
            ),
        },
    )


@login_required
def visits(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    if not _any_role(user):
        raise PermissionDenied
    qs = visits_due_for(user).select_related("case__category")
    show = request.GET.get("show", "due")
    if show != "all":
        qs = qs.filter(status=VisitStatus.OPEN)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "cases/visits.html",
        {
            "page": page,
            "show": show,
            "now": clock.now(),
            # Answered on the page, offline too (the phone's queue; a plain post without JS).
            "answer": f.QueuedVisitForm(auto_id=False),
            "can_answer": _is_field(user) or _is_dispatcher(user),
        },
    )
