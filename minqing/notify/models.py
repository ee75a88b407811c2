"""The outbox: side effects written in the same transaction as the change, sent later."""

from __future__ import annotations

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
