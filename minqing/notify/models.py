"""The outbox: side effects written in the same transaction as the change, sent later."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class OutboxMessage(models.Model):
    topic = models.CharField(_("topic"), max_length=64, db_index=True)
    payload = models.JSONField(_("payload"), default=dict)
    created_at = models.DateTimeField(_("created at"))
    available_at = models.DateTimeField(_("next attempt at"))
    status = models.CharField(
        _("status"), max_length=12, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        indexes = [models.Index(fields=["status", "available_at"], name="outbox_due")]

    def __str__(self) -> str:
        return f"{self.topic} #{self.pk}"


# --- webhooks (issue 4) ------------------------------------------------------------------


class WebhookSubscription(models.Model):
    """An integrator's endpoint for case events; each delivery is signed with ``secret``."""

    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(
        _("signing secret"),
        max_length=100,
        help_text=_("Shared with the receiver, who checks the HMAC-SHA256 signature with it."),
    )
    events = models.JSONField(
        _("events"),
        default=list,
        blank=True,
        help_text=_('Event types such as "case.created", "case.resolved"; empty or "*" for all.'),
    )
    active = models.BooleanField(_("active"), default=True)
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} → {self.url}"

    def wants(self, event_type: str) -> bool:
        events = [e for e in self.events or [] if isinstance(e, str)]
        return not events or "*" in events or event_type in events


class WebhookDelivery(models.Model):
    """One attempt to deliver one event to one subscription: what was sent and what came back."""

    subscription = models.ForeignKey(
        WebhookSubscription,
        verbose_name=_("subscription"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    message = models.ForeignKey(
        OutboxMessage,
        verbose_name=_("outbox message"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    event_id = models.CharField(_("event"), max_length=80, db_index=True)
    event_type = models.CharField(_("event type"), max_length=40)
    attempt = models.PositiveIntegerField(_("attempt"))
    at = models.DateTimeField(_("time"))
    ok = models.BooleanField(_("delivered"), default=False)
    status_code = models.PositiveIntegerField(_("HTTP status"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    request_body = models.TextField(_("request body"))
    response_body = models.TextField(_("response body"), blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.subscription_id} #{self.attempt}"


# --- notifications to people (issue 8, point 2) -------------------------------------------


class NotifyChannel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")
    WECHAT = "wechat", _("WeChat")


class Audience(models.TextChoices):
    REPORTER = "reporter", _("The reporter")
    ASSIGNEE = "assignee", _("The assignee")
    GRID_TEAM = "grid_team", _("The grid team")
    LEVEL = "level", _("The owning level")
    VISITOR = "visitor", _("The return visitor")


class NotifyEvent(models.TextChoices):
    ACCEPT = "accept", _("Accepted")
    DISPATCH = "dispatch", _("Dispatched")
    RESOLVE = "resolve", _("Resolved")
    REOPEN = "reopen", _("Reopened")
    SEND_BACK = "send_back", _("Sent back")
    OVERDUE = "overdue", _("Overdue")
    ESCALATE = "escalate", _("Escalated")
    VISIT_DUE = "visit_due", _("Return visit due")


class NotificationRule(models.Model):
    """Who gets what on which channel. A district's row overrides the default row (no
    district) with the same event, audience and channel; an inactive one switches it off."""

    district = models.ForeignKey(
        "places.Place",
        verbose_name=_("district"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notification_rules",
        help_text=_("Empty: the default for every district without a rule of its own."),
    )
    event = models.CharField(_("event"), max_length=16, choices=NotifyEvent.choices)
    audience = models.CharField(_("audience"), max_length=16, choices=Audience.choices)
    channel = models.CharField(_("channel"), max_length=8, choices=NotifyChannel.choices)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("notification rule")
        verbose_name_plural = _("notification rules")
        ordering = ["district_id", "event", "audience", "channel"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "event", "audience", "channel"],
                name="notification_rule_unique",
            ),
            models.UniqueConstraint(
                fields=["event", "audience", "channel"],
                condition=models.Q(district__isnull=True),
                name="notification_rule_default_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_event_display()} → {self.get_audience_display()} ({self.channel})"


class PhoneOptOut(models.Model):
    """A resident (known only by a phone number) who asked for no more messages."""

    phone = models.CharField(_("phone"), max_length=20, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("phone opt-out")
        verbose_name_plural = _("phone opt-outs")

    def __str__(self) -> str:
        from minqing.lib.phones import mask_phone

        return mask_phone(self.phone)


class Delivery(models.Model):
    """One notification for one recipient on one channel, sent (and retried) on its own: when
    one channel fails, the others are not sent again."""

    message = models.ForeignKey(
        OutboxMessage,
        verbose_name=_("outbox message"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    channel = models.CharField(_("channel"), max_length=8, choices=NotifyChannel.choices)
    recipient = models.CharField(
        _("recipient"), max_length=200, help_text=_("A phone number, e-mail address or WeChat ID.")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    audience = models.CharField(_("audience"), max_length=16, choices=Audience.choices)
    event = models.CharField(_("event"), max_length=16, choices=NotifyEvent.choices)
    language = models.CharField(_("language"), max_length=10)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    text = models.TextField(_("text"))
    created_at = models.DateTimeField(_("created at"))
    available_at = models.DateTimeField(_("next attempt at"))
    status = models.CharField(
        _("status"), max_length=12, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("notification delivery")
        verbose_name_plural = _("notification deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["message", "channel", "recipient"], name="delivery_unique"
            )
        ]
        indexes = [models.Index(fields=["status", "available_at"], name="delivery_due")]

    def __str__(self) -> str:
        return f"{self.event} → {self.masked_recipient} ({self.channel})"

    @property
    def masked_recipient(self) -> str:
        from minqing.lib.phones import mask_phone

        value = self.recipient
        if self.channel == NotifyChannel.SMS:
            return mask_phone(value) if len(value) >= 7 else "***"
        if "@" in value:
            local, domain = value.split("@", 1)
            return f"{local[:1]}***@{domain}"
        return f"{value[:2]}***"
