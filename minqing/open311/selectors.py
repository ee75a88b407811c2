"""Public reads for Open311: services, service definitions and service requests.

Open311 GET is public (no user), so these selectors take no user; what they return is shaped
for the public by :mod:`minqing.open311.present`, which never exposes the reporter.
"""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from minqing.cases.models import (
    OPEN_STATES,
    UNSORTED_CATEGORY,
    Case,
    CaseEvent,
    CaseState,
    Category,
)
from minqing.open311.errors import Open311Error
from minqing.open311.models import Open311Request, ServiceAttribute
from minqing.open311.params import MAX_RESULTS, RequestQuery, jurisdiction_error
from minqing.places.models import Place, PlaceKind

CLOSED_STATES = (CaseState.RESOLVED, CaseState.CLOSED, CaseState.REJECTED)
STATUS_STATES = {"open": list(OPEN_STATES), "closed": list(CLOSED_STATES)}


def jurisdiction_get(code: str | None) -> Place | None:
    """The district a ``jurisdiction_id`` names (None when none was given)."""
    if code is None:
        return None
    place = Place.objects.filter(code=code, kind=PlaceKind.DISTRICT).first()
    if place is None:
        raise jurisdiction_error(code)
    return place


def service_list() -> QuerySet[Category]:
    """Leaf categories, with their parents and attributes for the group and metadata flag."""
    return (
        Category.objects.filter(children__isnull=True)
        .exclude(code=UNSORTED_CATEGORY)  # the catch-all is not a service to choose
        .select_related("parent__parent", "default_department")
        .prefetch_related("open311_attributes")
        .order_by("code")
    )


def service_get(code: str) -> Category:
    service = service_list().filter(code=code).first()
    if service is None:
        raise Open311Error(
            404,
            _("service_code %(code)s is not one of our services.") % {"code": code},
            field="service_code",
        )
    return service


def service_for_post(code: str) -> Category:
    """Like :func:`service_get`, but an unknown code in a POST is a bad request (400)."""
    try:
        return service_get(code)
    except Open311Error as error:
        error.status = 400
        raise


def service_attributes(service: Category) -> list[ServiceAttribute]:
    attributes = service.open311_attributes.all()  # type: ignore[attr-defined]
    return sorted(attributes, key=lambda a: (a.order, a.code))


def _public_cases() -> QuerySet[Case]:
    last_change = CaseEvent.objects.filter(case=OuterRef("pk")).order_by("-seq").values("at")[:1]
    return (
        Case.objects.select_related(
            "place",
            "category__parent__parent",
            "assignee_department",
            "redaction",
            "open311",
        )
        .annotate(updated_at=Subquery(last_change))
        .order_by("-reported_at", "-pk")
    )


def public_requests(query: RequestQuery, *, jurisdiction: Place | None) -> list[Case]:
    cases = _public_cases()
    if jurisdiction is not None:
        cases = cases.filter(place__path__startswith=jurisdiction.path)
    if query.ids is not None:
        return list(cases.filter(code__in=query.ids)[:MAX_RESULTS])
    if query.service_codes:
        cases = cases.filter(category__code__in=query.service_codes)
    if query.start is not None:
        cases = cases.filter(reported_at__gte=query.start)
    if query.end is not None:
        cases = cases.filter(reported_at__lte=query.end)
    if query.statuses:
        states = [state for status in query.statuses for state in STATUS_STATES[status]]
        cases = cases.filter(state__in=states)
    return list(cases[:MAX_RESULTS])


def public_request_get(code: str, *, jurisdiction: Place | None) -> Case:
    cases = _public_cases().filter(code=code)
    if jurisdiction is not None:
        cases = cases.filter(place__path__startswith=jurisdiction.path)
    case = cases.first()
    if case is None:
        raise Open311Error(
            404,
            _("service_request_id %(code)s was not found.") % {"code": code},
            field="service_request_id",
        )
    return case


def token_get(token: str) -> Open311Request:
    found = Open311Request.objects.select_related("case").filter(token=token).first()
    if found is None:
        raise Open311Error(
            404, _("Token %(token)s was not found.") % {"token": token}, field="token"
        )
    return found


def place_names() -> dict[str, Place]:
    """Every place above the buildings by code: enough to name any case's ancestors at once."""
    return {p.code: p for p in Place.objects.exclude(kind=PlaceKind.BUILDING)}
