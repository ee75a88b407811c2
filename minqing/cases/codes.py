"""Tracking codes: district letters, year and month, a sequence — HP-2608-0007."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.utils import timezone

from minqing.cases.models import CodeCounter
from minqing.places.models import Place, PlaceKind


def _next(prefix: str) -> int:
    counter, _ = CodeCounter.objects.select_for_update().get_or_create(prefix=prefix)
    counter.value += 1
    counter.save(update_fields=["value"])
    return counter.value


def next_case_code(place: Place, at: datetime) -> str:
    """Call inside the transaction that creates the case (the counter row stays locked)."""
    district = place.ancestor(PlaceKind.DISTRICT)
    letters = district.short if district and district.short else settings.MINQING_CODE_PREFIX
    prefix = f"{letters}-{timezone.localtime(at):%y%m}"
    return f"{prefix}-{_next(prefix):04d}"


def next_batch_code(at: datetime) -> str:
    prefix = f"B-{timezone.localtime(at):%y%m}"
    return f"{prefix}-{_next(prefix):03d}"
