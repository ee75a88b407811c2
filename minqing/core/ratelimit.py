"""Fixed-window counters in the cache for the public forms (report, track).

The default cache is per process; a deployment with several processes configures a shared
cache (Redis or the database cache) so the limits hold across them (docs/operations.md).
"""

from __future__ import annotations

import hashlib
import hmac
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def client_key(request: HttpRequest) -> str:
    """A keyed hash of the client's address (HMAC with the secret key): the cache never holds
    the address, and without the key it cannot be found by hashing every IPv4 address."""
    addr = request.META.get("REMOTE_ADDR", "") or "unknown"
    digest = hmac.new(settings.SECRET_KEY.encode(), addr.encode(), hashlib.sha256)
    return digest.hexdigest()[:24]


def _limit(name: str) -> tuple[int, int]:
    limits = getattr(settings, "MINQING_RATE_LIMITS", {})
    count, seconds = limits.get(name, (10, 3600))
    return int(count), int(seconds)


def _key(name: str, who: str, seconds: int) -> str:
    window = int(time.time() // seconds)
    return f"rl:{name}:{who}:{window}"


def blocked(name: str, who: str) -> bool:
    """True when ``who`` has used up the limit named ``name`` in this window."""
    count, seconds = _limit(name)
    return int(cache.get(_key(name, who, seconds), 0)) >= count


def hit(name: str, who: str) -> int:
    """Count one use; returns the count in this window."""
    _count, seconds = _limit(name)
    key = _key(name, who, seconds)
    if cache.add(key, 1, timeout=seconds + 5):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=seconds + 5)
        return 1
