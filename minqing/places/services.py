"""Writes to the place tree."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from minqing.lib.errors import DomainError
from minqing.places.models import KIND_DEPTH, Place


@transaction.atomic
def place_create(
    *,
    code: str,
    name: str,
    kind: str,
    parent: Place | None = None,
    short: str = "",
    address: str = "",
    lat: float | None = None,
    lng: float | None = None,
) -> Place:
    if kind not in KIND_DEPTH:
        raise DomainError(_("Unknown kind of place: %(kind)s.") % {"kind": kind}, field="kind")
    expected_parent_depth = KIND_DEPTH[kind] - 1
    if expected_parent_depth < 0 and parent is not None:
        raise DomainError(_("A district has no parent place."), field="parent")
    if expected_parent_depth >= 0 and (
        parent is None or KIND_DEPTH[parent.kind] != expected_parent_depth
    ):
        raise DomainError(
            _("A %(kind)s must sit directly under the level above it.") % {"kind": kind},
            field="parent",
        )
    if Place.objects.filter(code=code).exists():
        raise DomainError(
            _("The place code %(code)s is already used.") % {"code": code}, field="code"
        )
    return Place.objects.create(
        code=code,
        name=name,
        kind=kind,
        parent=parent,
        short=short,
        address=address,
        lat=lat,
        lng=lng,
    )
