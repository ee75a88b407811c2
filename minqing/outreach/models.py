"""Evening talks (夜话), forums and rounds of household visits, with the cases raised there."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class SessionKind(models.TextChoices):
    EVENING_TALK = "evening_talk", _("Evening talk")
    FORUM = "forum", _("Forum")
    HOUSEHOLD_VISITS = "household_visits", _("Household visits")


class SessionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    CLOSED = "closed", pgettext_lazy("outreach session", "Closed")


class OutreachSession(models.Model):
    kind = models.CharField(
        _("kind"), max_length=20, choices=SessionKind.choices, default=SessionKind.EVENING_TALK
    )
    title = models.CharField(_("title"), max_length=200)
    community = models.ForeignKey(
        "places.Place",
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="outreach_sessions",
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    location = models.CharField(_("location"), max_length=200, blank=True)
    hosts = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("hosts"),
        related_name="hosted_sessions",
        blank=True,
    )
    liaison_units = models.ManyToManyField(
        "places.LiaisonUnit", verbose_name=_("liaison units"), related_name="sessions", blank=True
    )
    attendance = models.PositiveIntegerField(_("attendance"), default=0)
    notes = models.TextField(_("notes"), blank=True)
    revisit_on = models.DateField(_("revisit on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=SessionStatus.choices, default=SessionStatus.PLANNED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The follow-up promised by ``revisit_on``: who came back, when, and what they reported.
    revisit_done_at = models.DateTimeField(_("came back at"), null=True, blank=True)
    revisit_done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("came back by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revisit_note = models.TextField(_("follow-up notes"), blank=True)

    class Meta:
        verbose_name = _("outreach session")
        verbose_name_plural = _("outreach sessions")
        ordering = ["-starts_at"]

    def __str__(self) -> str:
        return self.title


class SessionEvent(models.Model):
    """One immutable entry in a talk's history: who planned, recorded, closed or came back."""

    session = models.ForeignKey(OutreachSession, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=16)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("time"))
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("session event")
        verbose_name_plural = _("session events")
        ordering = ["session_id", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.session_id} {self.action}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise RuntimeError("session events are immutable")
        super().save(*args, **kwargs)
