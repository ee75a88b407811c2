"""People and their roles at places (the grid's "1+2+N" service team, staff, handlers)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    full_name = models.CharField(_("full name"), max_length=60, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    wechat_id = models.CharField(_("WeChat ID"), max_length=60, blank=True)
    language = models.CharField(
        _("language of notifications"),
        max_length=10,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("Empty: the site's default language."),
    )
    notify_opt_out = models.BooleanField(
        _("no notifications"),
        default=False,
        help_text=_("This person gets no SMS, e-mail or WeChat notifications."),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username


class Role(models.TextChoices):
    GRID_WORKER = "grid_worker", _("Grid worker")
    AGENCY_CADRE = "agency_cadre", _("Agency cadre")
    STREET_CADRE = "street_cadre", _("Sub-district cadre")
    PARTY_MEMBER = "party_member", _("Party member")
    BUILDING_HEAD = "building_head", _("Building head")
    UNIT_MEMBER = "unit_member", _("Unit member")
    VOLUNTEER = "volunteer", _("Volunteer")
    COMMUNITY_STAFF = "community_staff", _("Community staff")
    SUBDISTRICT_STAFF = "subdistrict_staff", _("Sub-district staff")
    HANDLER = "handler", _("Department handler")
    LEADER = "leader", _("Leader")


# The grid's service team: 1 grid worker + 2 cadres (one agency, one sub-district) + N helpers.
TEAM_CORE = {Role.GRID_WORKER: 1, Role.AGENCY_CADRE: 1, Role.STREET_CADRE: 1}
TEAM_HELPERS = {
    Role.PARTY_MEMBER,
    Role.BUILDING_HEAD,
    Role.UNIT_MEMBER,
    Role.VOLUNTEER,
}


class Membership(models.Model):
    user = models.ForeignKey(
        User, verbose_name=_("person"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=24, choices=Role.choices)
    place = models.ForeignKey(
        "places.Place",
        verbose_name=_("place"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    department = models.ForeignKey(
        "places.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    liaison_unit = models.ForeignKey(
        "places.LiaisonUnit",
        verbose_name=_("liaison unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    on_call = models.CharField(_("on-call hours"), max_length=40, default="24 h")
    active = models.BooleanField(_("active"), default=True)
    head = models.BooleanField(
        _("department head"),
        default=False,
        help_text=_("A handler who heads the department: sees its figures and its people."),
    )

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.CheckConstraint(
                name="membership_head_is_a_handler",
                condition=Q(head=False) | Q(role="handler", department__isnull=False),
                violation_error_message=_("Only a handler of a department can head it."),
            ),
            models.CheckConstraint(
                name="membership_has_place_or_department",
                condition=Q(place__isnull=False) | Q(department__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "place", "department"], name="membership_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.place or self.department}"
