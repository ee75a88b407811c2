"""Page infrastructure: one-time form tokens, so a double tap or a resend writes once."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class FormToken(models.Model):
    """A token handed out with a form; claiming it twice returns the first result."""

    token = models.CharField(_("token"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), db_index=True)
    result = models.CharField(_("result"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("form token")
        verbose_name_plural = _("form tokens")

    def __str__(self) -> str:
        return f"{self.token} → {self.result or '…'}"
