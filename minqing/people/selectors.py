"""Reads about people: contact cards and team completeness."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from minqing.people import access
from minqing.people.models import TEAM_CORE, TEAM_HELPERS, Membership, Role, User
from minqing.places.models import Place, PlaceKind, paths_above


@dataclass(frozen=True)
class ContactLine:
    name: str
    role: str
    role_label: str
    phone: str
    wechat_id: str
    on_call: str


@dataclass(frozen=True)
class ContactCard:
    place: Place
    grid: Place | None
    lines: list[ContactLine]


@dataclass
class TeamStatus:
    grid: Place
    counts: dict[str, int] = field(default_factory=dict)
    helpers: int = 0

    @property
    def missing(self) -> list[str]:
        return [
            str(Role(role).label)
            for role, need in TEAM_CORE.items()
            if self.counts.get(role, 0) < need
        ]

    @property
    def complete(self) -> bool:
        return not self.missing


_CARD_ORDER = [Role.GRID_WORKER, Role.AGENCY_CADRE, Role.STREET_CADRE, Role.BUILDING_HEAD]


def contact_card_for(place: Place) -> ContactCard:
    """The people a resident of this building (or grid) can call: grid team and building head.

    The team's own numbers are public on purpose ("24 hours on"); residents' are never shown.
    """
    grid = place.ancestor(PlaceKind.GRID)
    places = [p for p in (grid, place if place.kind == PlaceKind.BUILDING else None) if p]
    members = [
        m
        for m in Membership.objects.filter(place__in=places, active=True).select_related("user")
        if m.role in _CARD_ORDER
    ]
    members.sort(key=lambda m: (_CARD_ORDER.index(Role(m.role)), m.user.full_name))
    lines = [
        ContactLine(
            name=str(m.user),
            role=m.role,
            role_label=str(m.get_role_display()),
            phone=m.user.phone,
            wechat_id=m.user.wechat_id,
            on_call=m.on_call,
        )
        for m in members
    ]
    return ContactCard(place=place, grid=grid, lines=lines)


def team_report(*, within: Place | None = None) -> list[TeamStatus]:
    """Every grid with its 1+2+N counts; ``missing`` names what an incomplete team lacks."""
    grids = Place.objects.filter(kind=PlaceKind.GRID)
    if within is not None:
        grids = grids.filter(path__startswith=within.path)
    statuses = {g.pk: TeamStatus(grid=g) for g in grids.order_by("path")}
    for m in Membership.objects.filter(place_id__in=statuses, active=True):
        assert m.place_id is not None
        status = statuses[m.place_id]
        if m.role in TEAM_HELPERS:
            status.helpers += 1
        else:
            status.counts[m.role] = status.counts.get(m.role, 0) + 1
    return list(statuses.values())


def team_problem_lines(report: list[TeamStatus]) -> list[str]:
    return [
        _("%(grid)s lacks: %(missing)s")
        % {"grid": s.grid.full_name, "missing": ", ".join(s.missing)}
        for s in report
        if not s.complete
    ]


def places_in_charge(user, *, kinds: tuple[str, ...]) -> QuerySet[Place]:
    """Places of these kinds that lie under (or contain) the user's places.

    A grid member's community is included for ``kinds=(COMMUNITY,)``: the team plans its own
    community's evening talks. A superuser gets every place of those kinds.
    """
    qs = Place.objects.filter(kind__in=kinds)
    if user.is_superuser:
        return qs

    scope = Q(pk__in=[])
    for m in access.memberships(user):
        if m.place is None:
            continue
        scope |= Q(path__startswith=m.place.path) | Q(path__in=paths_above(m.place.path))
    return qs.filter(scope)


def dispatch_people_for(place: Place) -> QuerySet[Membership]:
    """People a case about ``place`` can be dispatched to: its grid team and community staff."""
    grid = place.ancestor(PlaceKind.GRID)
    community = place.ancestor(PlaceKind.COMMUNITY)
    ids = [p.pk for p in (grid, community) if p is not None]
    return (
        Membership.objects.filter(place_id__in=ids, active=True)
        .exclude(role=Role.HANDLER)
        .select_related("user", "place")
        .order_by("place__path", "role", "user__full_name")
    )


def people_at(places, *, also=()) -> list:
    """Everyone with an active role at or below these places (hosts of an evening talk)."""

    scope = Q(pk__in=[u.pk for u in also])
    for place in places:
        scope |= Q(memberships__place__path__startswith=place.path, memberships__active=True)
    return list(User.objects.filter(scope).distinct().order_by("full_name", "username")[:300])
