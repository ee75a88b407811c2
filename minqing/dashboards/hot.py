"""Hot issues for leaders: the recent cases of a place grouped by place and problem with
:mod:`minqing.routing.hot`, ranked by heat (docs/routing.md, "Hot issues").

Cases are grouped within their community (a complaint about two estates is two problems, and
cases already carry their place, so it need not be guessed from the words); the groups of
every community are then ranked together. Heat counts distinct reporters (see
:func:`reporter_key`: the resident a case names, so one worker's entries count by the people
they name, not by the entries), fades with a half-life of ``HALF_LIFE_DAYS``
from now, and grows by up to half as a group's cases span ``SPAN_DAYS``: a problem raised
again and again for two weeks is hotter than one raised on one afternoon.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime

from django.db.models import Q, QuerySet

from minqing.cases.duplicates import community_and_building
from minqing.cases.models import OPEN_STATES, Case, CaseState
from minqing.lib.errors import DomainError
from minqing.lib.phones import normalize_phone
from minqing.people.access import HOT_ISSUES, memberships
from minqing.people.models import User
from minqing.places.models import Place, PlaceKind
from minqing.routing.hot import HeatWeights, Message, find_hot_issues

HALF_LIFE_DAYS = 14.0
SPAN_DAYS = 14.0
MIN_SIZE = 2
# Grouping compares every pair of a community's cases: the newest this many are enough.
PER_COMMUNITY = 1500


@dataclass(frozen=True)
class HotGroup:
    rank: int
    heat: float
    name: str  # the problem, in residents' words
    where: str  # the community, and the building when all its cases are in one
    keywords: list[str]
    cases: list[Case]  # newest first
    reporters: int
    first: datetime | None
    last: datetime | None

    @property
    def size(self) -> int:
        return len(self.cases)

    @property
    def open(self) -> int:
        return sum(1 for c in self.cases if c.state in OPEN_STATES)

    @property
    def span_days(self) -> float:
        if self.first is None or self.last is None:
            return 0.0
        return (self.last - self.first).total_seconds() / 86400


def reporter_key(case: Case) -> str:
    """Who raised ``case``, for counting people: the resident named on it (their phone
    number, normalised, else their name). A case that names nobody counts once per person
    who recorded it and place: a grid worker's seven entries about one building without a
    name are one voice, not seven. An anonymous case nobody recorded counts on its own."""
    phone = (case.reporter_phone or "").strip()
    if phone:
        try:
            return f"phone:{normalize_phone(phone)}"
        except DomainError:  # imported history may hold numbers we cannot read
            return f"phone:{phone}"
    name = " ".join((case.reporter_name or "").split())
    if name:
        return f"name:{name}"
    if case.created_by_id is not None:
        return f"recorded:{case.created_by_id}:{case.place_id}"
    return f"case:{case.code}"


def hot_places_for(user: User) -> QuerySet[Place]:
    """Districts, sub-districts and communities under the user's leader or sub-district
    memberships (the places whose hot issues they may see)."""
    kinds = [PlaceKind.DISTRICT, PlaceKind.SUBDISTRICT, PlaceKind.COMMUNITY]
    qs = Place.objects.filter(kind__in=kinds).order_by("path")
    if user.is_superuser:
        return qs
    scope = Q(pk__in=[])
    for m in memberships(user):
        if m.role in HOT_ISSUES and m.place is not None:
            scope |= Q(path__startswith=m.place.path)
    return qs.filter(scope)


def hot_issues(
    place: Place, *, since: datetime, now: datetime, top: int = 20, min_size: int = MIN_SIZE
) -> list[HotGroup]:
    """The hottest groups of cases reported at ``place`` (its whole subtree) since ``since``
    (rejected cases left out), hottest first."""
    cases = list(
        Case.objects.filter(place__path__startswith=place.path, reported_at__gte=since)
        .exclude(state=CaseState.REJECTED)
        .select_related("place")
        .order_by("-reported_at")
    )
    by_community: dict[str, list[Case]] = defaultdict(list)
    for case in cases:
        community, _building = community_and_building(
            case.place.path, case.place.code, case.place.kind
        )
        if len(by_community[community]) < PER_COMMUNITY:
            by_community[community].append(case)
    names = dict(
        Place.objects.filter(code__in=list(by_community), kind=PlaceKind.COMMUNITY).values_list(
            "code", "name"
        )
    )
    weights = HeatWeights(half_life_days=HALF_LIFE_DAYS, span_days=SPAN_DAYS)
    found: list[tuple[float, HotGroup]] = []
    for community, members in by_community.items():
        if len(members) < min_size:
            continue
        by_code = {c.code: c for c in members}
        messages = [
            Message(
                id=c.code,
                title=c.title,
                body=c.description,
                reporter=reporter_key(c),
                time=c.reported_at,
            )
            for c in members
        ]
        for issue in find_hot_issues(messages, weights=weights, now=now, min_size=min_size):
            group = sorted(
                (by_code[i] for i in issue.ids), key=lambda c: c.reported_at, reverse=True
            )
            buildings = {c.place.name for c in group if c.place.kind == PlaceKind.BUILDING}
            where = names.get(community, community)
            if len(buildings) == 1 and all(c.place.kind == PlaceKind.BUILDING for c in group):
                where = f"{where} {buildings.pop()}"
            found.append(
                (
                    issue.heat,
                    HotGroup(
                        rank=0,
                        heat=issue.heat,
                        name=issue.name,
                        where=where,
                        keywords=issue.keywords,
                        cases=group,
                        reporters=issue.reporters,
                        first=issue.first,
                        last=issue.last,
                    ),
                )
            )
    found.sort(key=lambda x: (-x[0], -x[1].size, x[1].cases[0].code))
    return [replace(group, rank=rank) for rank, (_heat, group) in enumerate(found[:top], start=1)]
