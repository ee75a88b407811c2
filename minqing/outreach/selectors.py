"""Reads of outreach sessions with their per-session results."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from minqing.cases.models import CaseState, Satisfaction, VisitStatus
from minqing.outreach.models import OutreachSession
from minqing.people.models import Membership, User


def session_list_for(user: User) -> QuerySet[OutreachSession]:
    """Sessions in the places where the user has a role, with raised/resolved/satisfied counts."""
    qs = OutreachSession.objects.select_related("community")
    if not user.is_superuser:
        paths = [
            m.place.path
            for m in Membership.objects.filter(user=user, active=True, place__isnull=False)
            .select_related("place")
        ]
        scope = Q(pk__in=[])
        for path in paths:
            # A member of a grid sees its community's sessions; higher levels see all below.
            scope |= Q(community__path__startswith=path) | Q(
                community__path__in=[path[: path.rstrip("/").rfind("/") + 1]]
            )
        qs = qs.filter(scope | Q(hosts=user)).distinct()
    return qs.annotate(
        raised=Count("cases", distinct=True),
        resolved=Count(
            "cases",
            filter=Q(cases__state__in=[CaseState.RESOLVED, CaseState.CLOSED]),
            distinct=True,
        ),
        satisfied=Count(
            "cases",
            filter=Q(
                cases__visits__status=VisitStatus.DONE,
                cases__visits__satisfied__in=[Satisfaction.SATISFIED, Satisfaction.BASICALLY],
            ),
            distinct=True,
        ),
    )
