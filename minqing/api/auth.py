"""Per-user API tokens: ``Authorization: Bearer mqapi_…``. Stored as SHA-256 digests."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from ninja.security import HttpBearer

from minqing.api.models import ApiToken
from minqing.lib import clock
from minqing.people.models import User

TOKEN_PREFIX = "mqapi_"
LAST_USED_EVERY = timedelta(minutes=1)
_CACHE = "_minqing_api_user"


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def token_create(
    *, user: User, name: str = "", expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """Make a token; the returned string is the only time the token itself is seen."""
    raw, prefix, digest = token_material()
    token = ApiToken.objects.create(
        user=user, name=name.strip(), prefix=prefix, digest=digest, expires_at=expires_at
    )
    return token, raw


def token_material() -> tuple[str, str, str]:
    """For the admin's add form: (token, its first characters, its digest)."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    return raw, raw[: len(TOKEN_PREFIX) + 6], _digest(raw)


def token_revoke(*, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        token.save(update_fields=["revoked_at"])
    return token


def token_user(raw: str) -> User | None:
    """The active person behind a token, or None."""
    if not raw or len(raw) > 200:
        return None
    moment = clock.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=_digest(raw), revoked_at__isnull=True, user__is_active=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=moment))
        .first()
    )
    if token is None:
        return None
    if token.last_used_at is None or moment - token.last_used_at > LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=moment)
    return token.user


def bearer(request: HttpRequest) -> str | None:
    value = request.headers.get("Authorization", "")
    scheme, _, raw = value.partition(" ")
    return raw.strip() if scheme.lower() == "bearer" and raw.strip() else None


def request_user(request: HttpRequest) -> User | None:
    """The token's person, looked up once per request (the idempotency gate asks first)."""
    if not hasattr(request, _CACHE):
        raw = bearer(request)
        setattr(request, _CACHE, token_user(raw) if raw else None)
    return getattr(request, _CACHE)


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = request_user(request)
        if user is not None:
            request.user = user
        return user
