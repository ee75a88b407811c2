"""Writes that belong to the pages rather than to a domain: one-time form tokens."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import timedelta

from django.db import IntegrityError, transaction

from minqing.core.models import FormToken
from minqing.lib import clock

TOKEN_KEEP = timedelta(days=2)


def form_token_new() -> str:
    return secrets.token_hex(16)


@transaction.atomic
def form_token_once(*, token: str, run: Callable[[], str]) -> tuple[str, bool]:
    """Run ``run`` once per token, in the caller's transaction; ``(result, ran)``.

    The token row is inserted first: a second request with the same token waits on the unique
    index until the first commits, then gets the first result instead of running again. If
    ``run`` raises, everything rolls back and the token can be used again.
    """
    token = (token or "").strip()[:64]
    if not token:
        return run(), True
    try:
        with transaction.atomic():
            row = FormToken.objects.create(token=token, created_at=clock.now())
    except IntegrityError:
        return FormToken.objects.get(token=token).result, False
    result = run()
    row.result = result[:64]
    row.save(update_fields=["result"])
    FormToken.objects.filter(created_at__lt=clock.now() - TOKEN_KEEP).delete()
    return result, True
