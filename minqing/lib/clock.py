"""The one source of "now" for services, so seeding and tests can place events in time."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

from django.utils import timezone

_frozen: ContextVar[datetime | None] = ContextVar("minqing_frozen_now", default=None)


def now() -> datetime:
    value = _frozen.get()
    return value if value is not None else timezone.now()


@contextmanager
def at(moment: datetime) -> Iterator[None]:
    """Run the block as if the time were ``moment`` (used by the demo seed)."""
    if timezone.is_naive(moment):
        raise ValueError("clock.at needs an aware datetime")
    token = _frozen.set(moment)
    try:
        yield
    finally:
        _frozen.reset(token)
