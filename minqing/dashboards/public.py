"""The public results page: what has been solved this year, per district, without log-in."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from minqing.dashboards.public_selectors import public_results_cached
from minqing.dashboards.views import headline_number


@require_GET
def results(request: HttpRequest) -> HttpResponse:
    data = public_results_cached()
    return render(
        request,
        "dashboards/public.html",
        {
            "results": data,
            "total_text": headline_number(data.solved_total),
            "districts": [(d, headline_number(d.solved_total)) for d in data.districts],
            "cache_seconds": settings.MINQING_PUBLIC_RESULTS_CACHE_SECONDS,
        },
    )
