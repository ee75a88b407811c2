"""Webhooks: case events reach subscribers after the change, signed, retried and recorded.

A real HTTP receiver on 127.0.0.1 stands in for the integrator.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from minqing.lib import clock
from minqing.notify.models import (
    OutboxMessage,
    OutboxStatus,
    WebhookDelivery,
    WebhookSubscription,
)
from minqing.notify.services import MAX_ATTEMPTS, outbox_deliver
from minqing.notify.webhooks import DELIVER_TOPIC

SECRET = "whsec_test-secret"


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """Answers with the statuses in ``script`` (then 200) and keeps what it was sent."""

    url: str = ""
    script: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)

    def events(self) -> list[dict]:
        return [json.loads(r.body) for r in self.received]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.received.append(Received(dict(self.headers.items()), body))
            status = state.script.pop(0) if state.script else 200
            self.send_response(status)
            if status in (301, 302):
                self.send_header("Location", "http://127.0.0.1:9/elsewhere")
            self.end_headers()
            self.wfile.write(b"thanks" if status == 200 else b"nope")

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/minqing"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def subscription(receiver, db) -> WebhookSubscription:
    return WebhookSubscription.objects.create(name="街坊通", url=receiver.url, secret=SECRET)


def deliver_all() -> None:
    """What `minqing deliver` does: the fan-out, then the deliveries it queued."""
    outbox_deliver()
    outbox_deliver()


def expected_signature(timestamp: str, body: bytes) -> str:
    mac = hmac.new(SECRET.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def test_nothing_is_sent_by_the_change_itself_only_by_the_worker(receiver, subscription, cases):
    case = cases.report()
    assert receiver.received == []
    assert OutboxMessage.objects.filter(topic="case.report").count() == 1
    deliver_all()
    [event] = receiver.events()
    assert event["type"] == "case.created"
    assert event["id"] == f"{case.code}:1"
    assert event["case"] == {
        "code": case.code,
        "action": "report",
        "seq": 1,
        "previous_state": "",
        "state": "reported",
        "url": f"/api/v1/cases/{case.code}",
    }


def test_every_delivery_is_signed_with_the_subscriptions_secret(receiver, subscription, cases):
    cases.report()
    deliver_all()
    [sent] = receiver.received
    assert sent.headers["Content-Type"] == "application/json; charset=utf-8"
    assert sent.headers["X-Minqing-Event"] == "case.created"
    timestamp = sent.headers["X-Minqing-Timestamp"]
    assert abs(int(timestamp) - int(timezone.now().timestamp())) < 60
    assert sent.headers["X-Minqing-Signature"] == expected_signature(timestamp, sent.body)
    tampered = sent.body.replace(b"created", b"deleted")
    assert sent.headers["X-Minqing-Signature"] != expected_signature(timestamp, tampered)


def test_the_lifecycle_arrives_as_typed_events(receiver, subscription, cases):
    cases.in_state("closed")
    deliver_all()
    assert [e["type"] for e in receiver.events()] == [
        "case.created",
        "case.accepted",
        "case.dispatched",
        "case.started",
        "case.resolved",
        "case.closed",
    ]


def test_event_times_are_in_the_servers_zone_with_its_offset(
    receiver, subscription, cases, settings
):
    settings.TIME_ZONE = "Asia/Shanghai"
    case = cases.report()
    deliver_all()
    [event] = receiver.events()
    assert event["occurred_at"].endswith("+08:00")
    first = case.events.order_by("seq").first()
    assert datetime.fromisoformat(event["occurred_at"]) == first.at


def test_a_subscription_gets_only_the_events_it_asked_for(receiver, cases, db):
    WebhookSubscription.objects.create(
        name="只要结果", url=receiver.url, secret=SECRET, events=["case.resolved", "case.closed"]
    )
    WebhookSubscription.objects.create(name="停用", url=receiver.url, secret=SECRET, active=False)
    cases.in_state("closed")
    deliver_all()
    assert [e["type"] for e in receiver.events()] == ["case.resolved", "case.closed"]


def test_deliveries_never_carry_the_reporters_details(receiver, subscription, cases):
    cases.report(reporter_name="王秀英", reporter_phone="13812345678")
    deliver_all()
    body = receiver.received[0].body.decode()
    assert "王秀英" not in body and "13812345678" not in body


def test_a_failed_delivery_is_recorded_and_retried_with_back_off(receiver, subscription, cases):
    receiver.script = [500]
    cases.report()
    deliver_all()
    message = OutboxMessage.objects.get(topic=DELIVER_TOPIC)
    assert message.status == OutboxStatus.PENDING
    assert message.attempts == 1
    assert message.available_at > timezone.now() + timedelta(seconds=30)
    [failed] = WebhookDelivery.objects.all()
    assert (failed.ok, failed.status_code, failed.attempt) == (False, 500, 1)
    assert failed.response_body == "nope"

    outbox_deliver()  # not due yet: nothing happens
    assert len(receiver.received) == 1
    with clock.at(message.available_at + timedelta(seconds=1)):
        outbox_deliver()
    assert len(receiver.received) == 2
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT
    second = WebhookDelivery.objects.get(attempt=2)
    assert (second.ok, second.status_code, second.response_body) == (True, 200, "thanks")
    # The same event both times, so the receiver can drop the duplicate by its id.
    first_event, second_event = receiver.events()
    assert first_event == second_event
    ids = {r.headers["X-Minqing-Event-Id"] for r in receiver.received}
    assert len(ids) == 1


def test_it_gives_up_after_the_last_attempt(receiver, subscription, cases):
    receiver.script = [503] * MAX_ATTEMPTS
    cases.report()
    outbox_deliver()  # fan-out
    moment = timezone.now()
    for _ in range(MAX_ATTEMPTS):
        moment += timedelta(hours=7)  # longer than the longest back-off
        with clock.at(moment):
            outbox_deliver()
    message = OutboxMessage.objects.get(topic=DELIVER_TOPIC)
    assert message.status == OutboxStatus.FAILED
    assert message.attempts == MAX_ATTEMPTS
    assert WebhookDelivery.objects.filter(ok=False).count() == MAX_ATTEMPTS


def test_a_redirect_is_not_followed_but_retried(receiver, subscription, cases):
    receiver.script = [302]
    cases.report()
    deliver_all()
    assert len(receiver.received) == 1
    [attempt] = WebhookDelivery.objects.all()
    assert (attempt.ok, attempt.status_code) == (False, 302)


def test_an_unreachable_receiver_is_recorded_as_an_error(cases, db):
    WebhookSubscription.objects.create(name="关了", url="http://127.0.0.1:9/hook", secret=SECRET)
    cases.report()
    deliver_all()
    [attempt] = WebhookDelivery.objects.all()
    assert attempt.ok is False
    assert attempt.status_code is None
    assert attempt.error


def test_one_failing_subscriber_does_not_resend_to_the_others(receiver, cases, db):
    WebhookSubscription.objects.create(name="好", url=receiver.url, secret=SECRET)
    WebhookSubscription.objects.create(name="坏", url="http://127.0.0.1:9/hook", secret=SECRET)
    cases.report()
    deliver_all()
    later = timezone.now() + timedelta(minutes=5)
    with clock.at(later):
        outbox_deliver()
    assert len(receiver.received) == 1
