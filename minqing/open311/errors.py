"""Errors of the Open311 door, rendered as the specification's ``errors`` list."""

from __future__ import annotations

from typing import Any

from minqing.lib.errors import DomainError


class Open311Error(DomainError):
    """A refused Open311 request: ``status`` is the HTTP status, ``message`` the description."""

    def __init__(self, status: int, message: Any, *, field: str | None = None):
        super().__init__(message, code=str(status), field=field)
        self.status = status


class RateLimited(DomainError):
    code = "rate_limited"
    status = 429


class PayloadTooLarge(DomainError):
    code = "too_large"
    status = 413
