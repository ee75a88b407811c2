"""Time limits and the escalation ladder (DESIGN §4), per district.

A district's ``DistrictRules`` (and its ``TimeLimit`` rows) say which levels an overdue case
climbs, how long a new case may wait to be taken up, and how long each level has for each
class of case; whatever a district does not set comes from the settings. The rules are read
once per process and district and kept for ``MINQING_RULES_CACHE_SECONDS`` (a change in the
admin clears this process's copy at once, other processes' within that time).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models.signals import post_delete, post_save

from minqing.cases.models import (
    LEVEL_LADDER,
    Category,
    DistrictRules,
    Level,
    TimeLimit,
    TimeLimitClass,
    Urgency,
)
from minqing.places.models import Place, PlaceKind

# The kind of place that owns a case at each level.
LEVEL_KIND = {
    Level.DISTRICT: PlaceKind.DISTRICT,
    Level.SUBDISTRICT: PlaceKind.SUBDISTRICT,
    Level.COMMUNITY: PlaceKind.COMMUNITY,
    Level.GRID: PlaceKind.GRID,
}


def limit_class(category: Category, urgency: str) -> str:
    if urgency == Urgency.EMERGENCY:
        return TimeLimitClass.EMERGENCY
    if urgency == Urgency.URGENT and category.time_limit_class in (
        TimeLimitClass.ORDINARY,
        TimeLimitClass.COMPLEX,
    ):
        return TimeLimitClass.UTILITIES
    return category.time_limit_class


@dataclass(frozen=True)
class Policy:
    """One district's ladder and limits, with the settings filled in where it sets none."""

    ladder: tuple[str, ...] = tuple(LEVEL_LADDER)
    respond: timedelta = field(default_factory=lambda: settings.MINQING_RESPONSE_LIMIT)
    # (level, class) → limit; level "" stands for every level.
    limits: dict[tuple[str, str], timedelta] = field(default_factory=dict)

    def time_limit(self, limit_class: str, level: str) -> timedelta:
        return (
            self.limits.get((level, limit_class))
            or self.limits.get(("", limit_class))
            or settings.MINQING_TIME_LIMITS[limit_class]
        )

    def response_limit(self, limit_class: str) -> timedelta:
        """Never longer than the time to fix it (an emergency's 2 hours)."""
        return min(self.respond, self.time_limit(limit_class, self.ladder[0]))

    @property
    def start_level(self) -> str:
        return self.ladder[0]

    def next_level(self, level: str) -> str | None:
        """The next level of this district's ladder above ``level`` (None at the top)."""
        here = LEVEL_LADDER.index(Level(level))
        for candidate in self.ladder:
            if LEVEL_LADDER.index(Level(candidate)) > here:
                return candidate
        return None


_cache: dict[str, tuple[float, Policy]] = {}


def _load(district_code: str) -> Policy:
    rules = DistrictRules.objects.filter(district__code=district_code).first()
    if rules is None:
        return Policy()
    limits = {
        (row.level, row.limit_class): timedelta(hours=row.hours)
        for row in TimeLimit.objects.filter(rules=rules)
    }
    ladder = tuple(level for level in rules.ladder.split(",") if level) or tuple(LEVEL_LADDER)
    respond = (
        timedelta(hours=rules.respond_hours)
        if rules.respond_hours
        else settings.MINQING_RESPONSE_LIMIT
    )
    return Policy(ladder=ladder, respond=respond, limits=limits)


def policy_for(place: Place) -> Policy:
    """The rules of the district ``place`` belongs to."""
    code = place.district_code
    hit = _cache.get(code)
    now = time.monotonic()
    if hit is not None and now - hit[0] < settings.MINQING_RULES_CACHE_SECONDS:
        return hit[1]
    policy = _load(code)
    _cache[code] = (now, policy)
    return policy


def clear_cache(**_kwargs: object) -> None:
    _cache.clear()


for _model in (DistrictRules, TimeLimit):
    post_save.connect(clear_cache, sender=_model, dispatch_uid=f"rules-{_model.__name__}-save")
    post_delete.connect(clear_cache, sender=_model, dispatch_uid=f"rules-{_model.__name__}-del")


def deadline_for(
    category: Category, urgency: str, start: datetime, *, place: Place, level: str
) -> datetime:
    """When a case of this category and urgency, held at ``level``, must be done."""
    return start + policy_for(place).time_limit(limit_class(category, urgency), level)


def respond_by(category: Category, urgency: str, start: datetime, *, place: Place) -> datetime:
    """When a case written down at ``start`` must have been taken up (立案/接单)."""
    return start + policy_for(place).response_limit(limit_class(category, urgency))


def level_place_code(place: Place, level: str) -> str:
    """The code of the place that owns a case at ``level`` (its grid, community, …)."""
    return place.code_at(LEVEL_KIND[Level(level)]) or place.code
