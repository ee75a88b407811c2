"""Tracking codes: district letters, year and month, a sequence — HP-2608-0007."""

from __future__ import annotations

import re
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, ProgrammingError, connection, transaction
from django.utils import timezone

from minqing.cases.models import CodeCounter
from minqing.places.models import Place


def _next_from_row(prefix: str) -> int:
    counter, _ = CodeCounter.objects.select_for_update().get_or_create(prefix=prefix)
    counter.value += 1
    counter.save(update_fields=["value"])
    return counter.value


def _next_from_sequence(prefix: str) -> int:
    """PostgreSQL: one sequence per prefix, so concurrent reports never wait for each other.

    A sequence is not rolled back with a failed transaction: a refused report may leave a gap
    in the numbers, which is harmless for tracking codes.
    """
    name = "case_code_" + re.sub(r"[^a-z0-9]", "_", prefix.lower())
    with connection.cursor() as cursor:
        try:
            with transaction.atomic():
                cursor.execute("SELECT nextval(%s)", [name])
        except ProgrammingError:  # the first code of this prefix
            try:
                with transaction.atomic():
                    cursor.execute(f'CREATE SEQUENCE IF NOT EXISTS "{name}"')
            except IntegrityError:
                pass  # another report created it at the same moment
            cursor.execute("SELECT nextval(%s)", [name])
        row = cursor.fetchone()
    return int(row[0])


def _next(prefix: str) -> int:
    if connection.vendor == "postgresql":
        return _next_from_sequence(prefix)
    # SQLite has one writer at a time anyway: a counter row is simplest.
    return _next_from_row(prefix)


def _district_letters(place: Place) -> str:
    district_code = place.district_code
    short = Place.objects.filter(code=district_code).values_list("short", flat=True).first()
    return short or settings.MINQING_CODE_PREFIX


def next_case_code(place: Place, at: datetime) -> str:
    """Call inside the transaction that creates the case."""
    prefix = f"{_district_letters(place)}-{timezone.localtime(at):%y%m}"
    return f"{prefix}-{_next(prefix):04d}"


def next_batch_code(at: datetime) -> str:
    prefix = f"B-{timezone.localtime(at):%y%m}"
    return f"{prefix}-{_next(prefix):03d}"
