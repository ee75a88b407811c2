"""Notifications to people: rules say who gets what, each (message, channel, recipient) is one
delivery sent on its own, retried with back-off, never twice.

Cases are made through the services (``cases`` fixture); ``outbox_deliver`` is what
``minqing deliver`` runs. A real HTTP server on 127.0.0.1 stands in for the SMS provider.
"""

from __future__ import annotations

import datetime as dt
import json
import smtplib
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings as django_settings
from django.core import mail

from minqing.cases import services
from minqing.cases.models import Case
from minqing.cases.tick import tick
from minqing.lib import clock
from minqing.notify import notifications
from minqing.notify.models import (
    Delivery,
    NotificationRule,
    OutboxMessage,
    OutboxStatus,
    PhoneOptOut,
)
from minqing.notify.services import MAX_ATTEMPTS, _claim, delivery_send_due, outbox_deliver

T0 = dt.datetime(2026, 8, 3, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
HOUR = dt.timedelta(hours=1)
REPORTER = "13812345678"


@pytest.fixture
def people(world):
    """Contact details for the people who may be told."""
    phones = {
        "grid_worker": "13900000001",
        "agency_cadre": "13900000002",
        "street_cadre": "13900000003",
        "volunteer": "13900000004",
        "community_staff": "13900000005",
        "subdistrict_staff": "13900000006",
        "handler": "13900000007",
        "leader": "13900000008",
    }
    for key, phone in phones.items():
        user = world.users[key]
        user.phone = phone
        user.email = f"{user.username}@example.org"
        user.wechat_id = f"wx-{user.username}"
        user.save()
    return world.users


@pytest.fixture
def at_t0(time_machine):
    time_machine.move_to(T0, tick=False)
    return time_machine


def sms_lines() -> list[dict]:
    path = django_settings.MINQING_NOTIFY_OUTBOX_DIR / "sms.log"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def told(case: Case, **filters) -> set[tuple[str, str, str, str]]:
    """(event, audience, channel, recipient) of the case's deliveries."""
    rows = Delivery.objects.filter(message__payload__case=case.code, **filters)
    return set(rows.values_list("event", "audience", "channel", "recipient"))


def test_the_reporter_hears_on_accept_dispatch_resolve_and_reopen(people, cases, english):
    case = cases.in_state("resolved")
    outbox_deliver()
    reporter = {(e, a, c) for e, a, c, r in told(case) if r == REPORTER}
    assert reporter == {
        ("accept", "reporter", "sms"),
        ("dispatch", "reporter", "sms"),
        ("resolve", "reporter", "sms"),
    }
    assert Delivery.objects.filter(recipient=REPORTER).exclude(status="sent").count() == 0
    lines = sms_lines()
    assert all(line["to"] == "138****5678" for line in lines if line["event"] == "resolve")
    [resolved] = [line for line in lines if line["event"] == "resolve"]
    assert f"http://127.0.0.1:8000/track/{case.code}/" in resolved["text"]
    assert "已更换新楼门。" in resolved["text"]  # the reply to the resident

    case = services.case_reopen(
        actor=cases.dispatcher(case), case=case, version=case.version, reason="门还是关不上"
    )
    outbox_deliver()
    assert ("reopen", "reporter", "sms", REPORTER) in told(case)
    # The handler gets the case back, too.
    assert ("reopen", "assignee", "sms", people["handler"].phone) in told(case)


def test_the_assignee_hears_on_dispatch_by_every_channel_they_have(people, cases, english):
    case = cases.in_state("dispatched")
    outbox_deliver()
    handler = people["handler"]
    assert told(case, event="dispatch", audience="assignee") == {
        ("dispatch", "assignee", "sms", handler.phone),
        ("dispatch", "assignee", "email", handler.email),
        ("dispatch", "assignee", "wechat", handler.wechat_id),
    }
    [email] = mail.outbox
    assert email.to == [handler.email]
    assert case.code in email.subject and case.code in email.body
    wechat = (django_settings.MINQING_NOTIFY_OUTBOX_DIR / "wechat.log").read_text()
    assert case.code in wechat


def test_a_case_sent_back_tells_the_dispatcher_who_has_it_again(people, cases, english):
    case = cases.in_state("dispatched")
    services.case_send_back(
        actor=people["handler"], case=case, version=case.version, reason="不归我们管"
    )
    outbox_deliver()
    [text] = Delivery.objects.filter(event="send_back", channel="sms").values_list(
        "text", flat=True
    )
    assert "不归我们管" in text
    assert told(case, event="send_back", channel="sms") == {
        ("send_back", "level", "sms", people["grid_worker"].phone)
    }


def test_overdue_and_escalation_tell_the_grid_team_and_the_owning_level(people, cases, at_t0):
    case = cases.in_state("dispatched")  # a broken door: 2 hours
    at_t0.move_to(T0 + 2 * HOUR + dt.timedelta(minutes=1), tick=False)
    tick()
    outbox_deliver()
    team = {people[k].phone for k in ("grid_worker", "agency_cadre", "street_cadre")}
    overdue = told(case, event="overdue", channel="sms")
    assert {r for *_, r in overdue} == team  # the grid worker is also the grid level: once
    escalate = told(case, event="escalate", channel="sms")
    assert {r for *_, r in escalate} == team | {people["community_staff"].phone}
    assert ("escalate", "level", "email", people["community_staff"].email) in told(case)
    assert people["volunteer"].phone not in {r for *_, r in told(case)}


def test_the_visitor_hears_when_a_return_visit_falls_due(people, cases, at_t0):
    case = cases.in_state("resolved")
    at_t0.move_to(T0 + 24 * HOUR, tick=False)
    tick()
    outbox_deliver()
    assert told(case, event="visit_due") == {
        ("visit_due", "visitor", "sms", people["grid_worker"].phone),
        ("visit_due", "visitor", "wechat", people["grid_worker"].wechat_id),
    }


def test_texts_are_in_the_recipients_language(people, cases):
    handler = people["handler"]
    handler.language = "en"
    handler.save()
    cases.in_state("dispatched")
    outbox_deliver()
    delivery = Delivery.objects.get(event="dispatch", channel="sms", user=handler)
    assert delivery.language == "en"
    assert delivery.text.startswith("New case for you")
    assert Delivery.objects.get(event="accept").language == "zh-hans"


def test_a_person_who_opted_out_and_a_phone_on_the_opt_out_list_get_nothing(people, cases):
    people["handler"].notify_opt_out = True
    people["handler"].save()
    PhoneOptOut.objects.create(phone=REPORTER)
    case = cases.in_state("resolved")
    outbox_deliver()
    recipients = {r for *_, r in told(case)}
    assert REPORTER not in recipients
    assert not recipients & {people["handler"].phone, people["handler"].email}
    assert sms_lines() == [] or all(line["to"] != "138****5678" for line in sms_lines())


def test_a_district_rule_overrides_the_default(world, people, cases):
    NotificationRule.objects.create(
        district=world.district, event="accept", audience="reporter", channel="sms", active=False
    )
    NotificationRule.objects.create(
        district=world.district, event="accept", audience="grid_team", channel="wechat"
    )
    case = cases.in_state("accepted")
    outbox_deliver()
    assert {(a, c) for _, a, c, _ in told(case, event="accept")} == {("grid_team", "wechat")}


def test_the_fan_out_is_idempotent(people, cases):
    case = cases.in_state("dispatched")
    outbox_deliver()
    count = Delivery.objects.count()
    for message in OutboxMessage.objects.filter(topic__startswith="case."):
        assert notifications.fan_out(message) == 0
    # A message delivered again (another channel of it failed) adds nothing either.
    OutboxMessage.objects.update(status=OutboxStatus.PENDING)
    outbox_deliver()
    assert Delivery.objects.count() == count
    assert len(mail.outbox) == 1
    assert {line["delivery"] for line in sms_lines()} == set(
        Delivery.objects.filter(channel="sms").values_list("pk", flat=True)
    )
    assert len(sms_lines()) == Delivery.objects.filter(channel="sms").count()
    assert case.code


def test_a_malformed_phone_fails_for_good_without_retries(people, cases, at_t0):
    case = cases.report()
    Case.objects.filter(pk=case.pk).update(reporter_phone="1234-abc")
    case.refresh_from_db()
    services.case_accept(actor=people["grid_worker"], case=case, version=case.version)
    outbox_deliver()
    delivery = Delivery.objects.get(event="accept", audience="reporter")
    assert (delivery.status, delivery.attempts) == (OutboxStatus.FAILED, 1)
    assert "Malformed phone" in delivery.last_error or "号码" in delivery.last_error
    at_t0.move_to(T0 + 24 * HOUR, tick=False)
    outbox_deliver()
    delivery.refresh_from_db()
    assert delivery.attempts == 1
    assert sms_lines() == []


def test_a_bounced_email_address_fails_for_good(people, cases, monkeypatch):
    def refuse(*args, **kwargs):
        raise smtplib.SMTPRecipientsRefused({"h@example.org": (550, b"no such user")})

    monkeypatch.setattr("minqing.notify.adapters.send_mail", refuse)
    cases.in_state("dispatched")
    outbox_deliver()
    email = Delivery.objects.get(channel="email")
    assert email.status == OutboxStatus.FAILED
    assert "h***@example.org" in email.last_error
    assert Delivery.objects.filter(channel="sms", status="sent").exists()


# --- the HTTP provider ------------------------------------------------------------------------


@dataclass
class Provider:
    """Answers with the statuses in ``script`` (then 200) and keeps what it was sent."""

    url: str = ""
    script: list[int] = field(default_factory=list)
    received: list[tuple[dict, dict]] = field(default_factory=list)

    def accepted(self) -> list[dict]:
        return [body for body, headers in self.received if headers.get("status") == 200]


@pytest.fixture
def provider(settings) -> Iterator[Provider]:
    state = Provider()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            status = state.script.pop(0) if state.script else 200
            state.received.append((body, {**dict(self.headers.items()), "status": status}))
            self.send_response(status)
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/sms"
    settings.MINQING_SMS_BACKEND = "http"
    settings.MINQING_SMS_URL = state.url
    settings.MINQING_SMS_TOKEN = "sms-token"
    yield state
    server.shutdown()
    server.server_close()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def only_accept_rules() -> None:
    NotificationRule.objects.exclude(event="accept").delete()


def test_the_http_provider_gets_the_phone_and_text_with_the_token(provider, people, cases):
    only_accept_rules()
    case = cases.in_state("accepted")
    outbox_deliver()
    [(body, headers)] = provider.received
    assert body["phone"] == REPORTER and case.code in body["text"]
    assert headers["Authorization"] == "Bearer sms-token"
    delivery = Delivery.objects.get()
    assert headers["X-Minqing-Delivery"] == str(delivery.pk)
    assert (delivery.status, delivery.attempts) == (OutboxStatus.SENT, 1)


def test_an_unreachable_provider_then_a_500_is_retried_with_back_off_and_sent_once(
    provider, settings, people, cases, at_t0
):
    only_accept_rules()
    settings.MINQING_SMS_URL = f"http://127.0.0.1:{_closed_port()}/sms"
    cases.in_state("accepted")
    outbox_deliver()
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (OutboxStatus.PENDING, 1)
    assert "Error" in delivery.last_error
    assert delivery.available_at == T0 + dt.timedelta(seconds=60)

    outbox_deliver()  # not due yet: nothing is tried
    delivery.refresh_from_db()
    assert delivery.attempts == 1

    settings.MINQING_SMS_URL = provider.url
    provider.script = [500]
    at_t0.move_to(delivery.available_at, tick=False)
    outbox_deliver()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (
        OutboxStatus.PENDING,
        2,
        "ProviderFailed: HTTP 500",
    )
    assert delivery.available_at == clock.now() + dt.timedelta(seconds=120)

    at_t0.move_to(delivery.available_at, tick=False)
    outbox_deliver()
    outbox_deliver()
    at_t0.move_to(T0 + 48 * HOUR, tick=False)
    outbox_deliver()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (OutboxStatus.SENT, 3, "")
    assert len(provider.accepted()) == 1
    assert len(provider.received) == 2


def test_a_provider_down_for_good_fails_after_the_last_attempt(
    settings, provider, people, cases, at_t0
):
    only_accept_rules()
    provider.script = [503] * MAX_ATTEMPTS
    cases.in_state("accepted")
    for hour in range(MAX_ATTEMPTS + 2):
        at_t0.move_to(T0 + hour * 7 * HOUR, tick=False)
        outbox_deliver()
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (OutboxStatus.FAILED, MAX_ATTEMPTS)
    assert provider.accepted() == []


def test_when_one_channel_fails_the_others_are_not_sent_again(provider, people, cases, at_t0):
    NotificationRule.objects.exclude(event="dispatch", audience="assignee").delete()
    provider.script = [500]
    cases.in_state("dispatched")
    outbox_deliver()
    states = dict(Delivery.objects.values_list("channel", "status"))
    assert states == {"sms": "pending", "email": "sent", "wechat": "sent"}
    at_t0.move_to(T0 + HOUR, tick=False)
    outbox_deliver()
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}
    assert len(mail.outbox) == 1
    wechat = (django_settings.MINQING_NOTIFY_OUTBOX_DIR / "wechat.log").read_text()
    assert len(wechat.splitlines()) == 1
    assert len(provider.accepted()) == 1


def test_of_two_workers_only_one_takes_a_delivery(people, cases):
    only_accept_rules()
    cases.in_state("accepted")
    # The fan-out only, so the delivery is still pending.
    for message in OutboxMessage.objects.filter(topic="case.accept"):
        notifications.fan_out(message)
    delivery = Delivery.objects.get()
    assert _claim(delivery.pk) is True
    assert _claim(delivery.pk) is False  # the second worker finds it taken
    assert delivery_send_due() == 0  # and so does the next sweep, until the lease ends
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (OutboxStatus.PENDING, 1)
