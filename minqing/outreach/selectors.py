"""Reads of outreach sessions with their per-session results."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from minqing.cases.models import CaseState, Satisfaction, VisitStatus
from minqing.core.errors import NotFound
from minqing.outreach.models import OutreachSession
from minqing.people.models import Membership, User


def session_list_for(user: User) -> QuerySet[OutreachSession]:
    """Sessions in the places where the user has a role, with raised/resolved/satisfied counts."""
    qs = OutreachSession.objects.select_related("community")
    if not user.is_superuser:
        paths = Membership.objects.filter(user=user, active=True, place__isnull=False).values_list(
            "place__path", flat=True
        )
        scope = Q(hosts=user)
        for path in paths:
            # Sessions below the member's place, and the community that contains it.
            parts = path.strip("/").split("/")
            above = ["/".join(parts[:n]) + "/" for n in range(1, len(parts))]
            scope |= Q(community__path__startswith=path) | Q(community__path__in=above)
        qs = qs.filter(scope).distinct()
    return qs.annotate(
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
        raise NotFound(_("No such session that you can see."))
    return session
