"""Reads of the place tree."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from minqing.core.errors import NotFound
from minqing.places.models import Place


def place_get(*, code: str) -> Place:
    try:
        return Place.objects.select_related("parent").get(code=code)
    except Place.DoesNotExist:
        raise NotFound(
            _("There is no place with the code %(code)s.") % {"code": code}, field="place"
        ) from None


def places_under(place: Place, *, kind: str | None = None) -> QuerySet[Place]:
    qs = Place.objects.filter(path__startswith=place.path)
    return qs.filter(kind=kind) if kind else qs
