"""Who may see and do what, written once for every door (pages, JSON API, Open311) and for the
services: the role groups, a user's memberships (read once per request), and the checks the
services enforce themselves.

The transitions table (cases/transitions.py) says which roles may take which step; this module
says which roles a group stands for and where a person holds them.
"""

from __future__ import annotations

from django.db.models import Q

from minqing.people.models import Membership, Role, User
from minqing.places.models import Place

# --- role groups ----------------------------------------------------------------------------

# The grid's 1+2+N service team (they capture problems in the field).
FIELD = frozenset(
    {
        Role.GRID_WORKER,
        Role.AGENCY_CADRE,
        Role.STREET_CADRE,
        Role.PARTY_MEMBER,
        Role.BUILDING_HEAD,
        Role.UNIT_MEMBER,
        Role.VOLUNTEER,
    }
)
# Who takes a case's decisions at their level (accept, dispatch, escalate, close …).
DISPATCHERS = frozenset(
    {Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.SUBDISTRICT_STAFF, Role.LEADER}
)
# Staff at a desk of the community or the sub-district office.
DESK = frozenset({Role.COMMUNITY_STAFF, Role.SUBDISTRICT_STAFF})
# Who sees the dashboard of their places: the desks and leaders.
DASHBOARD = DESK | {Role.LEADER}
# Who sees hot issues: the sub-district and the district.
HOT_ISSUES = frozenset({Role.SUBDISTRICT_STAFF, Role.LEADER})
# Who plans, records and closes evening talks: the dispatchers and the grid team's core (its
# cadres), at the community, above it, or in one of its grids. Helpers (volunteers, building
# heads…) take part in talks and see them, but do not run them.
SESSION_RUNNERS = DISPATCHERS | {Role.AGENCY_CADRE, Role.STREET_CADRE}


# --- memberships ------------------------------------------------------------------------------


def memberships(user: User | None) -> list[Membership]:
    """The user's active memberships, read once and kept on the user object (a request's)."""
    if user is None or not user.is_authenticated:
        return []
    cached = getattr(user, "_minqing_memberships", None)
    if cached is None:
        cached = list(
            Membership.objects.filter(user=user, active=True).select_related("place", "department")
        )
        user._minqing_memberships = cached  # type: ignore[union-attr,attr-defined]
    return cached


def roles_of(user: User | None) -> set[str]:
    """Every membership role the user holds anywhere (the pages pick a home page from it)."""
    return {m.role for m in memberships(user)}


def places_q(user: User, roles: frozenset[str], *, field: str = "path") -> Q:
    """A filter on places (``field`` names their path) at or below where ``user`` holds one
    of ``roles``; nothing when they hold none, everything for a superuser."""
    if user.is_superuser:
        return Q()
    scope = Q(pk__in=[])
    for m in memberships(user):
        if m.role in roles and m.place is not None:
            scope |= Q(**{f"{field}__startswith": m.place.path})
    return scope


# --- checks the services enforce ----------------------------------------------------------------


def may_run_sessions(user: User | None, community: Place) -> bool:
    """May ``user`` plan, record and close evening talks in ``community``?"""
    if user is None:
        return False
    if user.is_superuser:
        return True
    for m in memberships(user):
        if m.place is None or m.role not in SESSION_RUNNERS:
            continue
        if community.path.startswith(m.place.path) or m.place.path.startswith(community.path):
            return True
    return False
