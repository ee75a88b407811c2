"""Outbox writes and the delivery loop (DESIGN §5: nothing is sent inside a transaction)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import transaction

from minqing.lib import clock
from minqing.notify.models import OutboxMessage, OutboxStatus

log = logging.getLogger("minqing.notify")

# topic prefix → deliver(message). Other apps register their channels (webhooks, SMS …).
Channel = Callable[[OutboxMessage], None]
CHANNELS: dict[str, list[Channel]] = {}
MAX_ATTEMPTS = 8


def register_channel(prefix: str, channel: Channel) -> None:
    CHANNELS.setdefault(prefix, []).append(channel)


def console_channel(message: OutboxMessage) -> None:
    log.info("notify %s %s", message.topic, message.payload)


register_channel("", console_channel)


def outbox_put(*, topic: str, payload: dict[str, Any]) -> OutboxMessage:
    """Write a message in the caller's transaction; a worker delivers it after commit."""
    moment = clock.now()
    return OutboxMessage.objects.create(
        topic=topic, payload=payload, created_at=moment, available_at=moment
    )


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2**attempts, 6 * 3600))


def outbox_deliver(*, limit: int = 100) -> int:
    """Deliver due messages; each in its own transaction, locked so two workers never share."""
    delivered = 0
    for pk in list(
        OutboxMessage.objects.filter(
            status=OutboxStatus.PENDING, available_at__lte=clock.now()
        ).values_list("pk", flat=True)[:limit]
    ):
        with transaction.atomic():
            message = (
                OutboxMessage.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, status=OutboxStatus.PENDING)
                .first()
            )
            if message is None:
                continue
            try:
                for prefix, channels in CHANNELS.items():
                    if message.topic.startswith(prefix):
                        for channel in channels:
                            channel(message)
            except Exception as exc:  # a channel failed: retry later with back-off
                message.attempts += 1
                message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                if message.attempts >= MAX_ATTEMPTS:
                    message.status = OutboxStatus.FAILED
                message.available_at = clock.now() + _backoff(message.attempts)
                message.save(update_fields=["attempts", "last_error", "status", "available_at"])
                continue
            message.status = OutboxStatus.SENT
            message.attempts += 1
            message.sent_at = clock.now()
            message.save(update_fields=["status", "attempts", "sent_at"])
            delivered += 1
    return delivered
