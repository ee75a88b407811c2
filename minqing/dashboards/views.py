"""The leaders' dashboard: the three rates, the headline counter, tables and charts."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from minqing.core.views import acting_user
from minqing.dashboards import charts
from minqing.dashboards import rankings as r
from minqing.dashboards import selectors as s
from minqing.dashboards.forms import INDICATOR_CHOICES, DashboardForm, HotIssuesForm, RankingForm
from minqing.dashboards.hot import hot_issues, hot_places_for
from minqing.lib import clock
from minqing.lib.errors import NotFound
from minqing.whistles.selectors import department_figures

DEFAULT_DAYS = 90
HOT_DEFAULT_DAYS = 30


def headline_number(n: int) -> str:
    """8347 → "8,300+"; under a thousand the exact number."""
    if n < 1000:
        return str(n)
    step = 10 ** (len(str(n)) - 2)
    return f"{n // step * step:,}+"


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    places = list(s.dashboard_places_for(user))
    if not places:
        raise PermissionDenied
    form = DashboardForm(request.GET or None, places=places)
    data: dict = {}
    if form.is_bound:
        form.is_valid()
        data = form.cleaned_data  # the valid fields; a wrong one is shown on the form
        if "until" in form.errors:
            data.pop("since", None)
    if data.get("place"):
        place = next((p for p in places if p.code == data["place"]), None)
    elif request.GET.get("place"):
        place = None
    else:
        place = places[0]
    if place is None:
        raise Http404
    tz = timezone.get_current_timezone()
    today = timezone.localtime(clock.now(), tz).date()
    until_day = data.get("until") or today
    since_day = data.get("since") or until_day - timedelta(days=DEFAULT_DAYS - 1)
    since = timezone.make_aware(datetime.combine(since_day, time.min), tz)
    until = timezone.make_aware(datetime.combine(until_day, time.min), tz) + timedelta(days=1)
    if not form.is_bound:
        form = DashboardForm(
            places=places,
            initial={"place": place.code, "since": since_day, "until": until_day},
        )
    rates = s.rates(place, since, until)
    states = s.counts_by_state(place, since, until)
    overdue = s.overdue_by_level(place)
    trend = s.trend(place, since, until)
    solved, first = s.solved_total(place)
    return render(
        request,
        "dashboards/home.html",
        {
            "form": form,
            "place": place,
            "since": since_day,
            "until": until_day,
            "rates": rates,
            "states": states,
            "states_chart": charts.hbar_chart(states),
            "overdue": overdue,
            "overdue_total": sum(n for _k, _l, n in overdue),
            "late_visits": s.late_visits(place),
            "rows": s.breakdown(place, since, until),
            "unit_is_grid": place.kind == "community",
            "trend": trend,
            "trend_chart": charts.trend_chart(trend),
            "solved": solved,
            "solved_text": headline_number(solved),
            "first": first,
            "can_see_hot": hot_places_for(user).filter(pk=place.pk).exists(),
            "can_see_departments": r.can_rank_departments(user),
            "flagged_replies": s.flagged_replies_total(place, since, until),
            "whistle_rows": department_figures(place=place, since=since, until=until),
        },
    )


@login_required
def hot(request: HttpRequest) -> HttpResponse:
    """Hot issues: the recent cases of a place grouped by place and problem, hottest first."""
    user = acting_user(request)
    places = list(hot_places_for(user))
    if not places:
        raise PermissionDenied
    form = HotIssuesForm(request.GET or None, places=places)
    data: dict = {}
    if form.is_bound:
        form.is_valid()
        data = form.cleaned_data
    code = data.get("place") or request.GET.get("place")
    place = next((p for p in places if p.code == code), None) if code else places[0]
    if place is None:
        raise Http404
    days = data.get("days") or HOT_DEFAULT_DAYS
    if not form.is_bound:
        form = HotIssuesForm(places=places, initial={"place": place.code, "days": days})
    now = clock.now()
    return render(
        request,
        "dashboards/hot.html",
        {
            "form": form,
            "place": place,
            "days": days,
            "groups": hot_issues(place, since=now - timedelta(days=days), now=now),
        },
    )


def _ranking_period(request: HttpRequest) -> dict:
    """The period and indicator asked for (the last DEFAULT_DAYS days and satisfaction by
    default), the form to show them in, and the period just before for the comparison."""
    form = RankingForm(request.GET or None)
    data: dict = {}
    if form.is_bound:
        form.is_valid()
        data = form.cleaned_data  # the valid fields; a wrong one is shown on the form
        if "until" in form.errors:
            data.pop("since", None)
    tz = timezone.get_current_timezone()
    today = timezone.localtime(clock.now(), tz).date()
    until_day = data.get("until") or today
    since_day = data.get("since") or until_day - timedelta(days=DEFAULT_DAYS - 1)
    indicator = data.get("indicator") or r.DEFAULT_INDICATOR
    since = timezone.make_aware(datetime.combine(since_day, time.min), tz)
    until = timezone.make_aware(datetime.combine(until_day, time.min), tz) + timedelta(days=1)
    before_since, _before_until = r.previous_period(since, until)
    if not form.is_bound:
        form = RankingForm(initial={"since": since_day, "until": until_day, "indicator": indicator})
    return {
        "form": form,
        "since": since,
        "until": until,
        "since_day": since_day,
        "until_day": until_day,
        "before_since_day": timezone.localtime(before_since, tz).date(),
        "before_until_day": since_day - timedelta(days=1),
        "indicator": indicator,
        "indicator_label": dict(INDICATOR_CHOICES)[indicator],
    }


@login_required
def departments(request: HttpRequest) -> HttpResponse:
    """Every department in the leader's district ranked by one indicator, with the change."""
    user = acting_user(request)
    if not r.can_rank_departments(user):
        raise PermissionDenied
    period = _ranking_period(request)
    rows = r.rank_departments(
        r.departments_for(user), period["since"], period["until"], period["indicator"]
    )
    return render(request, "dashboards/departments.html", {**period, "rows": rows})


@login_required
def department(request: HttpRequest, code: str) -> HttpResponse:
    """One department: its figures now and before, its people ranked, its overdue cases."""
    user = acting_user(request)
    heads = r.headed_departments(user)
    if not (r.can_rank_departments(user) or heads):
        raise PermissionDenied
    try:
        department = r.department_get_for(user, code)
    except NotFound as e:
        raise Http404(str(e)) from e
    period = _ranking_period(request)
    since, until = period["since"], period["until"]
    figures = r.department_figures([department], since, until)[department.pk]
    before = r.department_figures([department], *r.previous_period(since, until))[department.pk]
    heads_it = any(d.pk == department.pk for d in heads)
    return render(
        request,
        "dashboards/department.html",
        {
            **period,
            "department": department,
            "figures": figures,
            "before": before,
            "changes": r.changes(figures, before),
            "flagged": r.flagged_replies(department, since, until),
            "rows": r.rank_people(department, since, until, period["indicator"]),
            "overdue_url": (
                reverse("cases:department") + "?overdue=yes"
                if heads_it
                else reverse("cases:overdue")
            ),
            "can_rank": r.can_rank_departments(user),
        },
    )
