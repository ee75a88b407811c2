"""Outbox writes and the delivery loop (DESIGN §5: nothing is sent inside a transaction)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F

from minqing.lib import clock
from minqing.notify.adapters import Permanent, adapter_for
from minqing.notify.models import Delivery, OutboxMessage, OutboxStatus

log = logging.getLogger("minqing.notify")

# topic prefix → deliver(message). Other apps register their channels (webhooks, SMS …).
Channel = Callable[[OutboxMessage], object]
CHANNELS: dict[str, list[Channel]] = {}
MAX_ATTEMPTS = 8


def register_channel(prefix: str, channel: Channel) -> None:
    CHANNELS.setdefault(prefix, []).append(channel)


def console_channel(message: OutboxMessage) -> None:
    log.info("notify %s %s", message.topic, message.payload)


register_channel("", console_channel)

# Called with each message outbox_put writes, in the writer's transaction: the job runner
# (minqing/jobs) registers one that has a worker deliver right after the commit.
AFTER_PUT: list[Callable[[OutboxMessage], None]] = []


def outbox_put(*, topic: str, payload: dict[str, Any]) -> OutboxMessage:
    """Write a message in the caller's transaction; a worker delivers it after commit."""
    moment = clock.now()
    message = OutboxMessage.objects.create(
        topic=topic, payload=payload, created_at=moment, available_at=moment
    )
    for hook in AFTER_PUT:
        hook(message)
    return message


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
    # The notifications those messages fanned out into (and older ones due for a retry).
    delivery_send_due(limit=limit)
    return delivered


# --- notification deliveries: one per (message, channel, recipient) ----------------------

# How long a worker holds a delivery it took before another may take it again (a worker
# that died mid-send): longer than any provider's timeout.
LEASE = timedelta(seconds=getattr(settings, "MINQING_NOTIFY_LEASE_SECONDS", 600))


def _claim(pk: int) -> bool:
    """Take one due delivery for this worker: a conditional UPDATE, so of two workers at once
    exactly one wins, on SQLite as on PostgreSQL, without holding a transaction open while
    the provider answers. The attempt is counted and the lease set before anything is sent."""
    now = clock.now()
    return (
        Delivery.objects.filter(pk=pk, status=OutboxStatus.PENDING, available_at__lte=now).update(
            attempts=F("attempts") + 1, available_at=now + LEASE
        )
        == 1
    )


def delivery_send(*, delivery: Delivery) -> bool:
    """Send one claimed delivery through its channel's adapter and record the outcome: sent;
    failed for good (Permanent, or the last attempt); or pending again after a back-off."""
    who = f"{delivery.event} {delivery.channel} → {delivery.masked_recipient} #{delivery.pk}"
    try:
        adapter_for(delivery.channel)(delivery)
    except Permanent as exc:
        delivery.status = OutboxStatus.FAILED
        delivery.last_error = str(exc)[:2000]
        delivery.save(update_fields=["status", "last_error"])
        log.warning("notification %s failed for good: %s", who, exc)
        return False
    except Exception as exc:  # the provider is down, answered 5xx …: retry later
        delivery.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = OutboxStatus.FAILED
        delivery.available_at = clock.now() + _backoff(delivery.attempts)
        delivery.save(update_fields=["status", "last_error", "available_at"])
        log.warning("notification %s attempt %s failed: %s", who, delivery.attempts, exc)
        return False
    delivery.status = OutboxStatus.SENT
    delivery.sent_at = clock.now()
    delivery.last_error = ""
    delivery.save(update_fields=["status", "sent_at", "last_error"])
    log.info("notification %s sent", who)
    return True


def delivery_send_due(*, limit: int = 100) -> int:
    """Send the due deliveries, each on its own: one failing does not hold up or resend the
    others. Returns how many were sent."""
    sent = 0
    for pk in list(
        Delivery.objects.filter(status=OutboxStatus.PENDING, available_at__lte=clock.now())
        .order_by("available_at", "pk")
        .values_list("pk", flat=True)[:limit]
    ):
        if not _claim(pk):
            continue  # another worker has it
        delivery = Delivery.objects.get(pk=pk)
        sent += delivery_send(delivery=delivery)
    return sent
