"""Webhooks: case events to integrators' endpoints, signed, retried, recorded.

Two outbox channels, so nothing is ever sent inside the transaction that changed a case:

1. ``case.*`` messages (written by every case transition) fan out into one ``webhook.deliver``
   outbox message per subscription that wants the event;
2. each ``webhook.deliver`` message is one signed HTTP POST. A failure raises, so the outbox
   retries that message alone with back-off (``notify.services._backoff``) and gives up after
   ``MAX_ATTEMPTS``. Every attempt is recorded as a :class:`WebhookDelivery`.

Signature: ``X-Minqing-Signature: sha256=HEX`` where HEX is HMAC-SHA256 of
``"{X-Minqing-Timestamp}.{body}"`` with the subscription's secret (see docs/api.md).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
import urllib.error
import urllib.request
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from minqing.cases.actions import ACTIONS, OTHER_EVENT_TYPES, TEXT, VISIT
from minqing.lib import clock
from minqing.notify.models import OutboxMessage, WebhookDelivery, WebhookSubscription
from minqing.notify.services import outbox_put, register_channel

DELIVER_TOPIC = "webhook.deliver"
USER_AGENT = "minqing-webhooks/1"
# Case actions → the event type subscribers see (past tense: what happened to the case); the
# return visit's type depends on its outcome (event_type_for), and notes are not sent.
EVENT_TYPES = {
    **{a.name: a.webhook for a in ACTIONS.values() if a.asks not in (VISIT, TEXT)},
    **OTHER_EVENT_TYPES,
}
ALL_EVENT_TYPES = sorted({*EVENT_TYPES.values(), "case.visited"})


class WebhookFailed(Exception):
    """The receiver did not answer 2xx; the outbox will try again later."""


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def event_type_for(payload: dict[str, Any]) -> str:
    action = str(payload.get("action", ""))
    if action == "return_visit":
        # The visit either closes the case or sends it back to work.
        return "case.closed" if payload.get("to") == "closed" else "case.reopened"
    return EVENT_TYPES.get(action, f"case.{action}")


def local_iso(value: Any) -> Any:
    """An ISO 8601 time of the outbox (stored in UTC) in the server's zone, with its offset
    (``2026-08-01T09:30:00+08:00`` in Asia/Shanghai), as the API gives times."""
    if not isinstance(value, str) or not value:
        return value
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if timezone.is_naive(moment):
        return value
    return timezone.localtime(moment).isoformat()


def event_body(payload: dict[str, Any]) -> dict[str, Any]:
    """What receivers get: the event, never the reporter's personal data."""
    code = str(payload.get("case", ""))
    return {
        "id": f"{code}:{payload.get('seq')}",
        "type": event_type_for(payload),
        "occurred_at": local_iso(payload.get("at")),
        "case": {
            "code": code,
            "action": payload.get("action"),
            "seq": payload.get("seq"),
            "previous_state": payload.get("from"),
            "state": payload.get("to"),
            "url": f"/api/v1/cases/{code}",
        },
    }


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """What a receiver does (and what the tests do): constant-time comparison."""
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def fan_out(message: OutboxMessage) -> None:
    """A case event: one delivery message per active subscription that wants it."""
    body = event_body(message.payload)
    for subscription in WebhookSubscription.objects.filter(active=True).order_by("pk"):
        if subscription.wants(body["type"]):
            outbox_put(
                topic=DELIVER_TOPIC,
                payload={"subscription": subscription.pk, "event": body},
            )


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[override]
        return None  # a redirect is an answer other than 2xx: recorded and retried


_opener = urllib.request.build_opener(_NoRedirects)


def deliver(message: OutboxMessage) -> None:
    """POST one event to one subscription; record the attempt; raise unless 2xx."""
    subscription = WebhookSubscription.objects.filter(
        pk=message.payload.get("subscription")
    ).first()
    if subscription is None or not subscription.active:
        return  # unsubscribed since: nothing to send
    event = message.payload["event"]
    body = json.dumps(event, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    timestamp = str(int(time.time()))
    attempt = message.attempts + 1
    request = urllib.request.Request(
        subscription.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            "X-Minqing-Event": event["type"],
            "X-Minqing-Event-Id": event["id"],
            "X-Minqing-Delivery": f"{message.pk}.{attempt}",
            "X-Minqing-Timestamp": timestamp,
            "X-Minqing-Signature": sign(subscription.secret, timestamp, body),
        },
    )
    timeout = float(getattr(settings, "MINQING_WEBHOOK_TIMEOUT_SECONDS", 5))
    started = time.monotonic()
    status: int | None = None
    answer = b""
    error = ""
    try:
        with _opener.open(request, timeout=timeout) as response:
            status = response.status
            answer = response.read(4000)
    except urllib.error.HTTPError as exc:
        status = exc.code
        answer = exc.read(4000) if exc.fp is not None else b""
        error = f"HTTP {exc.code}"
    except (OSError, ValueError) as exc:  # refused, timed out, DNS, bad URL …
        error = f"{type(exc).__name__}: {exc}"
    ok = status is not None and 200 <= status < 300
    with transaction.atomic():
        WebhookDelivery.objects.create(
            subscription=subscription,
            message=message,
            event_id=event["id"],
            event_type=event["type"],
            attempt=attempt,
            at=clock.now(),
            ok=ok,
            status_code=status,
            error=error[:2000],
            duration_ms=int((time.monotonic() - started) * 1000),
            request_body=body.decode("utf-8"),
            response_body=answer.decode("utf-8", "replace")[:2000],
        )
    if not ok:
        raise WebhookFailed(error or f"HTTP {status}")


_registered = False


def register() -> None:
    """Plug both channels into the outbox (called once, from NotifyConfig.ready)."""
    global _registered
    if not _registered:
        register_channel("case.", fan_out)
        register_channel(DELIVER_TOPIC, deliver)
        _registered = True
