"""The figures of the public results page: this year's results per district and sub-district.

The page is open to everybody and the same for everybody, so these reads take no user; they
return counts and rates only, never a case, a title, a name or a phone number. The figures
are computed with the dashboard's own definitions (``dashboards.selectors.rates`` and
``solved_total``) and kept in the cache for ``MINQING_PUBLIC_RESULTS_CACHE_SECONDS``, so
anonymous traffic reaches the case table at most once per window and process.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache

from minqing.dashboards.selectors import Rates, rates, solved_total
from minqing.lib import clock
from minqing.places.models import Place, PlaceKind

CACHE_KEY = "minqing:public-results:v1:{year}"


@dataclass(frozen=True)
class PlaceResults:
    """One place's results for the year (``rates.resolved``: the problems solved this year)."""

    code: str
    name: str
    rates: Rates

    @property
    def solved_this_year(self) -> int:
        return self.rates.resolved


@dataclass(frozen=True)
class DistrictResults(PlaceResults):
    solved_total: int = 0
    since: datetime | None = None
    subdistricts: list[PlaceResults] = field(default_factory=list)


@dataclass(frozen=True)
class PublicResults:
    year: int
    computed_at: datetime
    districts: list[DistrictResults]

    @property
    def solved_total(self) -> int:
        return sum(d.solved_total for d in self.districts)

    @property
    def since(self) -> datetime | None:
        return min((d.since for d in self.districts if d.since is not None), default=None)

    @property
    def solved_this_year(self) -> int:
        return sum(d.solved_this_year for d in self.districts)


def _year_bounds(now: datetime) -> tuple[int, datetime, datetime]:
    """The calendar year of ``now`` in the project's time zone, as ``[start, end)``."""
    tz = ZoneInfo(settings.TIME_ZONE)
    year = now.astimezone(tz).year
    return year, datetime(year, 1, 1, tzinfo=tz), datetime(year + 1, 1, 1, tzinfo=tz)


def public_results(now: datetime | None = None) -> PublicResults:
    """Compute the results now: every district, and every sub-district below it."""
    now = now or clock.now()
    year, since, until = _year_bounds(now)
    places = list(
        Place.objects.filter(kind__in=[PlaceKind.DISTRICT, PlaceKind.SUBDISTRICT])
        .only("code", "name", "kind", "path", "parent_id")
        .order_by("path")
    )
    districts = []
    for district in (p for p in places if p.kind == PlaceKind.DISTRICT):
        total, first = solved_total(district)
        subs = [
            PlaceResults(code=p.code, name=p.name, rates=rates(p, since, until))
            for p in places
            if p.kind == PlaceKind.SUBDISTRICT and p.parent_id == district.pk
        ]
        districts.append(
            DistrictResults(
                code=district.code,
                name=district.name,
                rates=rates(district, since, until),
                solved_total=total,
                since=first,
                subdistricts=subs,
            )
        )
    return PublicResults(year=year, computed_at=now, districts=districts)


def public_results_cached() -> PublicResults:
    """The results from the cache, computed again once they are older than the window."""
    now = clock.now()
    year, _since, _until = _year_bounds(now)
    key = CACHE_KEY.format(year=year)
    results = cache.get(key)
    if results is None:
        results = public_results(now)
        cache.set(key, results, settings.MINQING_PUBLIC_RESULTS_CACHE_SECONDS)
    return results
