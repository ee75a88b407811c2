"""Reads of outreach sessions with their per-session results."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from minqing.cases.models import CaseState, Satisfaction, VisitStatus
from minqing.lib.errors import NotFound
from minqing.outreach.models import OutreachSession, SessionStatus
from minqing.people.models import Membership, User
from minqing.places.models import paths_above


def sessions_visible_to(user: User) -> QuerySet[OutreachSession]:
    """Sessions the user hosts or that are in (or contain) the places where the user has a role."""
    qs = OutreachSession.objects.select_related("community")
    if not user.is_superuser:
        paths = Membership.objects.filter(user=user, active=True, place__isnull=False).values_list(
            "place__path", flat=True
        )
        scope = Q(hosts=user)
        for path in paths:
            # Sessions below the member's place, and the community that contains it.
            scope |= Q(community__path__startswith=path) | Q(community__path__in=paths_above(path))
        qs = qs.filter(scope).distinct()
    return qs


def session_list_for(user: User) -> QuerySet[OutreachSession]:
    """Sessions in the places where the user has a role, with raised/resolved/satisfied counts."""
    return sessions_visible_to(user).annotate(
        raised=Count("cases", distinct=True),
        resolved=Count(
            "cases",
            filter=Q(cases__state__in=[CaseState.RESOLVED, CaseState.CLOSED]),
            distinct=True,
        ),
        satisfied=Count(
            "cases",
            # Closed after a visit that found the resident satisfied (a reopened case is not).
            filter=Q(
                cases__state=CaseState.CLOSED,
                cases__visits__status=VisitStatus.DONE,
                cases__visits__satisfied__in=[Satisfaction.SATISFIED, Satisfaction.BASICALLY],
            ),
            distinct=True,
        ),
    )


def session_get_for(user: User, pk: int) -> OutreachSession:
    """One session the user may see, with its counts; anything else is "not found"."""

    session = session_list_for(user).filter(pk=pk).first()
    if session is None:
        raise NotFound(_("No session %(id)s that you can see.") % {"id": pk})
    return session


# Reminders of the come-back date appear this many days ahead, and stay until it is done.
REVISIT_AHEAD_DAYS = 7


@dataclass(frozen=True)
class Revisit:
    """A reminder: come back to ``session`` on ``due`` (``overdue``: that day has passed)."""

    session: OutreachSession
    due: date
    today: date

    @property
    def overdue(self) -> bool:
        return self.due < self.today

    @property
    def is_today(self) -> bool:
        return self.due == self.today


def revisits_due_for(user: User, today: date) -> list[Revisit]:
    """The closed talks the user hosted (a talk without hosts: the one who planned it) whose
    come-back date is past, today or within ``REVISIT_AHEAD_DAYS``, and not yet followed up;
    the most overdue first."""
    if not user.is_authenticated:
        return []
    mine = Q(hosts=user) | Q(hosts__isnull=True, created_by=user)
    qs = (
        sessions_visible_to(user)
        .filter(
            mine,
            status=SessionStatus.CLOSED,
            revisit_on__isnull=False,
            revisit_on__lte=today + timedelta(days=REVISIT_AHEAD_DAYS),
            revisit_done_at__isnull=True,
        )
        .distinct()
        .order_by("revisit_on", "pk")
    )
    return [Revisit(session=s, due=s.revisit_on, today=today) for s in qs if s.revisit_on]
