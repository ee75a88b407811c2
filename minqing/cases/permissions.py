"""Who may see and act on a case: roles derived from memberships and the case's place."""

from __future__ import annotations

from django.db.models import Q

from minqing.cases.models import LEVEL_LADDER, Case, Level
from minqing.cases.transitions import ASSIGNEE, TEAM
from minqing.people.access import DISPATCHERS, memberships
from minqing.people.models import Role, User

# The highest level at which each dispatching role may take a case's decisions.
ROLE_LEVEL = {
    Role.GRID_WORKER: Level.GRID,
    Role.COMMUNITY_STAFF: Level.COMMUNITY,
    Role.SUBDISTRICT_STAFF: Level.SUBDISTRICT,
    Role.LEADER: Level.DISTRICT,
}


def roles_for(user: User | None, case: Case) -> set[str]:
    """The roles ``user`` holds for this case (empty: the case is outside their scope)."""
    if user is None or not user.is_authenticated:
        return set()
    roles: set[str] = set()
    case_level = LEVEL_LADDER.index(Level(case.level))
    place_path = case.place.path
    for m in memberships(user):
        if m.role == Role.HANDLER:
            if m.department_id and m.department_id == case.assignee_department_id:
                roles |= {Role.HANDLER, ASSIGNEE}
            continue
        if m.place is None or not place_path.startswith(m.place.path):
            continue
        if m.role in DISPATCHERS and LEVEL_LADDER.index(ROLE_LEVEL[Role(m.role)]) < case_level:
            # Escalated past this person's level: they still see and help, not decide.
            roles.add(TEAM)
            continue
        roles.add(m.role)
    if case.assignee_user_id is not None and case.assignee_user_id == user.pk:
        roles.add(ASSIGNEE)
    if user.is_superuser:
        roles |= set(ROLE_LEVEL)
    return roles


def scope_q(user: User) -> Q:
    """A filter on Case for every case the user may see."""
    if user.is_superuser:
        return Q()
    q = Q(assignee_user=user)
    for m in memberships(user):
        if m.role == Role.HANDLER and m.department_id:
            q |= Q(assignee_department_id=m.department_id)
        elif m.place is not None:
            q |= Q(place__path__startswith=m.place.path)
    return q


def can_see(user: User | None, case: Case) -> bool:
    return bool(roles_for(user, case))
