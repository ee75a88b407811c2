"""吹哨报到: a grid (or a case) calls named departments to come on site within a deadline."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class WhistleStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Whistle(models.Model):
    """One call to the site. ``place`` is where: the case's place, or the grid it came from."""

    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="whistles",
    )
    place = models.ForeignKey(
        "places.Place", verbose_name=_("place"), on_delete=models.PROTECT, related_name="whistles"
    )
    # The level the call stands at (the case's, or the grid's); a late department is reported
    # to the level above it.
    level = models.CharField(_("level"), max_length=12)
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("called by"),
        on_delete=models.PROTECT,
        related_name="whistles_called",
    )
    called_at = models.DateTimeField(_("called at"))
    deadline = models.DateTimeField(_("arrive by"))
    note = models.TextField(_("what the problem is"), blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=WhistleStatus.choices, default=WhistleStatus.OPEN
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="whistles_closed",
    )
    close_note = models.TextField(_("how it was handled"), blank=True)

    class Meta:
        verbose_name = _("whistle")
        verbose_name_plural = _("whistles")
        ordering = ["-called_at"]
        constraints = [
            models.CheckConstraint(
                name="whistle_closed_has_time",
                condition=Q(status="open", closed_at__isnull=True)
                | Q(status="closed", closed_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.place} · {self.called_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.status == WhistleStatus.OPEN


class WhistleCall(models.Model):
    """One department called by a whistle, and its arrival on site (报到)."""

    whistle = models.ForeignKey(
        Whistle, verbose_name=_("whistle"), on_delete=models.CASCADE, related_name="calls"
    )
    department = models.ForeignKey(
        "places.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="whistle_calls",
    )
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)
    arrived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("arrived"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="whistle_arrivals",
    )
    late = models.BooleanField(_("late"), default=False)

    class Meta:
        verbose_name = _("department called")
        verbose_name_plural = _("departments called")
        constraints = [
            models.UniqueConstraint(
                fields=["whistle", "department"], name="whistle_call_unique_department"
            ),
        ]
        indexes = [
            models.Index(
                fields=["late"],
                name="whistle_call_waiting",
                condition=Q(arrived_at__isnull=True, late=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.department} · {self.whistle}"
