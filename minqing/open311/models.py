"""Open311 GeoReport v2: integrators and their API keys, service attributes, the record of each
request posted through Open311, and moderators' redactions of public descriptions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Integrator(models.Model):
    """A third party that posts requests through Open311 (a 311 app, a WeChat mini-program …)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("integrator")
        verbose_name_plural = _("integrators")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ApiKey(models.Model):
    """An Open311 API key. Only its SHA-256 digest is stored; the key is shown once."""

    integrator = models.ForeignKey(
        Integrator, verbose_name=_("integrator"), on_delete=models.CASCADE, related_name="keys"
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    prefix = models.CharField(_("key starts with"), max_length=16, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    rate_limit_per_minute = models.PositiveIntegerField(
        _("requests per minute"),
        default=60,
        help_text=_("POST requests allowed per minute with this key."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.integrator} · {self.prefix}…"

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class Datatype(models.TextChoices):
    STRING = "string", _("Text (one line)")
    NUMBER = "number", _("Number")
    DATETIME = "datetime", _("Date and time")
    TEXT = "text", _("Text (several lines)")
    SINGLEVALUELIST = "singlevaluelist", _("One value from a list")
    MULTIVALUELIST = "multivaluelist", _("Several values from a list")


class ServiceAttribute(models.Model):
    """An extra field a category asks for (Open311 service definition attribute)."""

    category = models.ForeignKey(
        "cases.Category",
        verbose_name=_("category"),
        on_delete=models.CASCADE,
        related_name="open311_attributes",
    )
    code = models.SlugField(_("code"), max_length=50)
    description = models.CharField(_("question"), max_length=200)
    datatype = models.CharField(
        _("type"), max_length=16, choices=Datatype.choices, default=Datatype.STRING
    )
    datatype_description = models.CharField(_("format hint"), max_length=200, blank=True)
    required = models.BooleanField(_("required"), default=False)
    variable = models.BooleanField(
        _("asks for a value"),
        default=True,
        help_text=_("Untick for an information-only line that takes no value."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    values = models.JSONField(
        _("values"),
        default=list,
        blank=True,
        help_text=_('For list types: [{"key": "a", "name": "…"}, …].'),
    )

    class Meta:
        verbose_name = _("service attribute")
        verbose_name_plural = _("service attributes")
        ordering = ["category", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["category", "code"], name="open311_attribute_code"),
        ]

    def __str__(self) -> str:
        return f"{self.category.code}:{self.code}"

    def value_keys(self) -> list[str]:
        return [str(v.get("key")) for v in self.values or [] if isinstance(v, dict)]


class Open311Request(models.Model):
    """What an Open311 client posted, beside the case it became.

    Fields the case has no place for (e-mail, device, account, media, attributes, the
    location as given) are kept here; ``token`` answers ``tokens/{token}``.
    """

    case = models.OneToOneField(
        "cases.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="open311"
    )
    token = models.CharField(_("token"), max_length=40, unique=True)
    api_key = models.ForeignKey(
        ApiKey, verbose_name=_("API key"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    description = models.TextField(_("description as written"), blank=True)
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    device_id = models.CharField(_("device"), max_length=100, blank=True)
    account_id = models.CharField(_("account"), max_length=100, blank=True)
    media_url = models.URLField(_("media URL"), max_length=500, blank=True)
    address_string = models.CharField(_("address as given"), max_length=300, blank=True)
    lat = models.FloatField(_("latitude as given"), null=True, blank=True)
    long = models.FloatField(_("longitude as given"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("Open311 request")
        verbose_name_plural = _("Open311 requests")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.case_id} · {self.token}"


class CaseRedaction(models.Model):
    """A moderator's public version of a case's description (shown by Open311 GET).

    The case keeps what the resident wrote; only the public face changes.
    """

    case = models.OneToOneField(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="redaction"
    )
    public_description = models.TextField(_("public description"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    redacted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("redacted by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    redacted_at = models.DateTimeField(_("redacted at"), auto_now=True)

    class Meta:
        verbose_name = _("redaction")
        verbose_name_plural = _("redactions")

    def __str__(self) -> str:
        return str(self.case)
