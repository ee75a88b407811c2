"""Reads of the place tree."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from minqing.lib.errors import NotFound
from minqing.places.models import Department, LiaisonUnit, Place, paths_above


def place_get(*, code: str) -> Place:
    try:
        return Place.objects.select_related("parent").get(code=code)
    except Place.DoesNotExist:
        raise NotFound(
            _("There is no place with the code %(code)s.") % {"code": code}, field="place"
        ) from None


def places_of_kind(kind: str, *, within: Place | None = None) -> QuerySet[Place]:
    qs = Place.objects.filter(kind=kind)
    if within is not None:
        qs = qs.filter(path__startswith=within.path)
    return qs.order_by("path")


def ancestor_paths(place: Place) -> list[str]:
    """The paths of the place and of every place above it."""
    return [*paths_above(place.path), place.path]


def departments_serving(place: Place) -> QuerySet[Department]:
    """Departments whose jurisdiction contains ``place`` (a case there can go to them)."""
    return (
        Department.objects.filter(place__path__in=ancestor_paths(place))
        .select_related("place")
        .order_by("level", "code")
    )


def liaison_units_of(communities) -> list:

    return list(
        LiaisonUnit.objects.filter(communities__in=list(communities)).distinct().order_by("code")
    )
