"""Channel adapters: how one notification reaches one person (FixMyStreet ``SendReport``
style, one small plugin per way of sending).

Each adapter is a function ``send(delivery)`` that returns when the message was handed over
and raises :class:`Permanent` for a message that can never be sent (a malformed phone, an
address the mail server refuses) or any other exception for a failure worth retrying (a
provider that is down or answers 5xx). The backend of each channel is a setting:

- ``MINQING_SMS_BACKEND``: ``file`` (default: JSON lines in ``var/outbox/sms.log``),
  ``console`` (standard output) or ``http`` (POST to ``MINQING_SMS_URL``);
- ``MINQING_WECHAT_BACKEND``: the same three, ``var/outbox/wechat.log`` and
  ``MINQING_WECHAT_URL`` (template messages);
- e-mail goes through Django's ``EMAIL_BACKEND``.
"""

from __future__ import annotations

import json
import smtplib
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.utils.translation import gettext as _

from minqing.lib import clock
from minqing.lib.errors import DomainError
from minqing.lib.phones import mask_phone, normalize_phone
from minqing.notify.models import Delivery, NotifyChannel

Adapter = Callable[[Delivery], None]
USER_AGENT = "minqing-notify/1"


class Permanent(Exception):
    """This message can never be sent: recorded as failed, not retried."""


class ProviderFailed(Exception):
    """The provider did not take the message this time; the worker tries again later."""


# channel → backend name → adapter. Another backend is one register_adapter call.
ADAPTERS: dict[str, dict[str, Adapter]] = {}


def register_adapter(channel: str, name: str, adapter: Adapter) -> None:
    ADAPTERS.setdefault(channel, {})[name] = adapter


def backend_name(channel: str) -> str:
    if channel == NotifyChannel.SMS:
        return str(getattr(settings, "MINQING_SMS_BACKEND", "file"))
    if channel == NotifyChannel.WECHAT:
        return str(getattr(settings, "MINQING_WECHAT_BACKEND", "file"))
    return "django"


def adapter_for(channel: str) -> Adapter:
    name = backend_name(channel)
    try:
        return ADAPTERS[channel][name]
    except KeyError:
        raise Permanent(
            _("No %(backend)s backend for the %(channel)s channel.")
            % {"backend": name, "channel": channel}
        ) from None


def mobile(delivery: Delivery) -> str:
    """The delivery's phone as a mobile number, or Permanent (a landline takes no SMS)."""
    try:
        phone = normalize_phone(delivery.recipient)
    except DomainError as exc:
        raise Permanent(
            _("Malformed phone number %(phone)s.") % {"phone": delivery.masked_recipient}
        ) from exc
    if "-" in phone:
        raise Permanent(
            _("%(phone)s is a landline; it cannot take an SMS.") % {"phone": mask_phone(phone)}
        )
    return phone


# --- file and console: the demo and development -----------------------------------------

_file_lock = threading.Lock()


def outbox_file(channel: str) -> Path:
    return Path(settings.MINQING_NOTIFY_OUTBOX_DIR) / f"{channel}.log"


def _line(delivery: Delivery) -> dict[str, Any]:
    return {
        "at": clock.now().isoformat(),
        "delivery": delivery.pk,
        "event": delivery.event,
        "to": delivery.masked_recipient,
        "subject": delivery.subject,
        "text": delivery.text,
    }


def _file(delivery: Delivery) -> None:
    if delivery.channel == NotifyChannel.SMS:
        mobile(delivery)
    path = outbox_file(delivery.channel)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _file_lock, path.open("a", encoding="utf-8") as out:
        out.write(json.dumps(_line(delivery), ensure_ascii=False) + "\n")


def _console(delivery: Delivery) -> None:
    if delivery.channel == NotifyChannel.SMS:
        mobile(delivery)
    line = _line(delivery)
    sys.stdout.write(f"[{delivery.channel}] {line['to']}: {line['text']}\n")


# --- HTTP providers ------------------------------------------------------------------------


def _post(url: str, token: str, body: dict[str, Any], delivery: Delivery) -> None:
    """POST ``body`` as JSON; 2xx is sent, 400/422 permanent, anything else retried.
    ``X-Minqing-Delivery`` lets the provider drop a repeat of the same delivery."""
    if not url:
        raise Permanent(
            _("No provider URL is configured for %(channel)s.") % {"channel": delivery.channel}
        )
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        url,
        data=data,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            "Authorization": f"Bearer {token}",
            "X-Minqing-Delivery": str(delivery.pk),
        },
    )
    timeout = float(getattr(settings, "MINQING_NOTIFY_TIMEOUT_SECONDS", 5))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except (OSError, ValueError) as exc:  # refused, timed out, DNS …
        raise ProviderFailed(f"{type(exc).__name__}: {exc}") from exc
    if 200 <= status < 300:
        return
    if status in (400, 422):
        raise Permanent(f"HTTP {status}")
    raise ProviderFailed(f"HTTP {status}")


def _sms_http(delivery: Delivery) -> None:
    phone = mobile(delivery)
    _post(
        str(getattr(settings, "MINQING_SMS_URL", "")),
        str(getattr(settings, "MINQING_SMS_TOKEN", "")),
        {"phone": phone, "text": delivery.text},
        delivery,
    )


def _wechat_http(delivery: Delivery) -> None:
    _post(
        str(getattr(settings, "MINQING_WECHAT_URL", "")),
        str(getattr(settings, "MINQING_WECHAT_TOKEN", "")),
        {
            "touser": delivery.recipient,
            "template_id": str(getattr(settings, "MINQING_WECHAT_TEMPLATE", "")),
            "data": {"subject": delivery.subject, "text": delivery.text},
        },
        delivery,
    )


# --- e-mail ----------------------------------------------------------------------------------


def _email(delivery: Delivery) -> None:
    try:
        send_mail(
            delivery.subject,
            delivery.text,
            None,  # DEFAULT_FROM_EMAIL
            [delivery.recipient],
        )
    except smtplib.SMTPRecipientsRefused as exc:  # the server bounced the address itself
        raise Permanent(
            _("The mail server refused %(address)s.") % {"address": delivery.masked_recipient}
        ) from exc


for _channel in (NotifyChannel.SMS, NotifyChannel.WECHAT):
    register_adapter(_channel, "file", _file)
    register_adapter(_channel, "console", _console)
register_adapter(NotifyChannel.SMS, "http", _sms_http)
register_adapter(NotifyChannel.WECHAT, "http", _wechat_http)
register_adapter(NotifyChannel.EMAIL, "django", _email)
