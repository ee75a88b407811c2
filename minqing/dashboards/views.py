"""The leaders' dashboard: the three rates, the headline counter, tables and charts."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from minqing.core import clock
from minqing.core.views import acting_user
from minqing.dashboards import charts
from minqing.dashboards import selectors as s
from minqing.dashboards.forms import DashboardForm, HotIssuesForm
from minqing.dashboards.hot import hot_issues, hot_places_for

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
            "rows": s.breakdown(place, since, until),
            "unit_is_grid": place.kind == "community",
            "trend": trend,
            "trend_chart": charts.trend_chart(trend),
            "solved": solved,
            "solved_text": headline_number(solved),
            "first": first,
            "can_see_hot": hot_places_for(user).filter(pk=place.pk).exists(),
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
