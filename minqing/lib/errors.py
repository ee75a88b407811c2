"""Domain errors: a stable code for programs and a translatable message for people."""

from __future__ import annotations

from typing import Any

from django.utils.encoding import force_str


class DomainError(Exception):
    """A refused request. ``code`` is stable; ``message`` is shown in the user's language."""

    code = "invalid"
    status = 400

    def __init__(self, message: Any, *, code: str | None = None, field: str | None = None):
        self.message = message
        if code is not None:
            self.code = code
        self.field = field
        super().__init__(force_str(message))

    def __str__(self) -> str:
        return force_str(self.message)


class NotAllowed(DomainError):
    code = "not_allowed"
    status = 403


class NotFound(DomainError):
    code = "not_found"
    status = 404


class Conflict(DomainError):
    code = "conflict"
    status = 409


class StaleVersion(Conflict):
    code = "stale_version"
