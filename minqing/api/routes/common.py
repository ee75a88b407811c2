"""Small helpers shared by the routes."""

from __future__ import annotations

from typing import Annotated

from django.http import HttpRequest
from ninja import Path, Query

from minqing.api.errors import Unauthorized
from minqing.people.models import User

Limit = Annotated[int, Query(ge=1, le=200)]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]
# A row id in a path: a positive 64-bit integer (larger ones would overflow the database).
RowId = Annotated[int, Path(ge=1, le=2**63 - 1)]


def user_of(request: HttpRequest) -> User:
    user = getattr(request, "auth", None)
    if not isinstance(user, User):  # the auth class guarantees it; this keeps mypy honest
        raise Unauthorized("")
    return user
