"""Open311 API keys: made and revoked by an administrator, stored as digests, rate-limited.

Keys are long random strings, so a plain SHA-256 digest is enough to store them safely (the
same choice as GitHub's and Stripe's tokens); look-up is one indexed query.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from datetime import timedelta

from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from minqing.lib import clock
from minqing.lib.errors import NotAllowed
from minqing.open311.errors import RateLimited
from minqing.open311.models import ApiKey, Integrator

KEY_PREFIX = "mq311_"
# Writing last_used_at on every request would cost a write per request; once a minute is enough.
LAST_USED_EVERY = timedelta(minutes=1)


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def key_material() -> tuple[str, str, str]:
    """A new key: (the key itself, its first characters for display, its digest)."""
    raw = KEY_PREFIX + secrets.token_urlsafe(32)
    return raw, raw[: len(KEY_PREFIX) + 6], digest(raw)


@transaction.atomic
def api_key_create(
    *, integrator: Integrator, name: str = "", rate_limit_per_minute: int = 60
) -> tuple[ApiKey, str]:
    """Make a key; the returned string is the only time the key itself is seen."""
    raw, prefix, hashed = key_material()
    key = ApiKey.objects.create(
        integrator=integrator,
        name=name.strip(),
        prefix=prefix,
        digest=hashed,
        rate_limit_per_minute=rate_limit_per_minute,
    )
    return key, raw


def api_key_install(
    *, integrator: Integrator, raw: str, name: str = "", rate_limit_per_minute: int = 60
) -> ApiKey:
    """Store a key whose text is already known (the demo's published key)."""
    key, _created = ApiKey.objects.get_or_create(
        digest=digest(raw),
        defaults={
            "integrator": integrator,
            "name": name,
            "prefix": raw[: len(KEY_PREFIX) + 6],
            "rate_limit_per_minute": rate_limit_per_minute,
        },
    )
    return key


def api_key_revoke(*, key: ApiKey) -> ApiKey:
    if key.revoked_at is None:
        key.revoked_at = clock.now()
        key.save(update_fields=["revoked_at"])
    return key


def api_key_check(raw: str | None) -> ApiKey:
    """The active key with this text, or NotAllowed (403 in Open311)."""
    raw = (raw or "").strip()
    if not raw:
        raise NotAllowed(_("api_key is required to post a service request."), field="api_key")
    key = (
        ApiKey.objects.select_related("integrator")
        .filter(digest=digest(raw), revoked_at__isnull=True, integrator__active=True)
        .first()
    )
    if key is None:
        raise NotAllowed(_("The api_key is not valid or has been revoked."), field="api_key")
    moment = clock.now()
    if key.last_used_at is None or moment - key.last_used_at > LAST_USED_EVERY:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=moment)
    return key


def rate_limit_hit(key: ApiKey) -> None:
    """Count one request against the key's per-minute budget; refuse beyond it.

    A fixed one-minute window in Django's cache: with several server processes, configure a
    shared cache (Redis or the database cache) so that they count together.
    """
    window = int(time.time() // 60)
    slot = f"minqing:open311:rate:{key.pk}:{window}"
    if cache.add(slot, 1, timeout=90):
        count = 1
    else:
        try:
            count = cache.incr(slot)
        except ValueError:  # the slot expired between add and incr
            cache.set(slot, 1, timeout=90)
            count = 1
    if count > key.rate_limit_per_minute:
        raise RateLimited(
            _("Too many requests with this api_key: at most %(limit)s a minute. Try again later.")
            % {"limit": key.rate_limit_per_minute},
            field="api_key",
        )
