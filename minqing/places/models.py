"""The place tree (district → sub-district → community → grid → building), departments and
liaison units."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PlaceKind(models.TextChoices):
    DISTRICT = "district", _("District")
    SUBDISTRICT = "subdistrict", _("Sub-district")
    COMMUNITY = "community", _("Community")
    GRID = "grid", _("Grid")
    BUILDING = "building", _("Building")


# Each kind's depth; a child is always exactly one level below its parent.
KIND_DEPTH = {kind: depth for depth, kind in enumerate(PlaceKind.values)}


# Place paths are the codes from the district down, each followed by "/" ("120101/WDD/HYNL/").
# These two are the only place that takes a path apart.
def path_codes(path: str) -> list[str]:
    """The codes in a place path, from the district down."""
    return path.strip("/").split("/")


def paths_above(path: str) -> list[str]:
    """The paths of every place above the one at ``path`` (not itself), from the top."""
    codes = path_codes(path)
    return ["/".join(codes[:n]) + "/" for n in range(1, len(codes))]


class Place(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=PlaceKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # Materialised path of codes ("120101/WDD/HYNL/"): scope queries are one prefix match.
    path = models.CharField(_("path"), max_length=255, db_index=True, editable=False)
    # Short letters used in tracking codes (districts only, e.g. "HP" for 和平区).
    short = models.CharField(_("short code"), max_length=8, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lng = models.FloatField(_("longitude"), null=True, blank=True)

    class Meta:
        verbose_name = _("place")
        verbose_name_plural = _("places")
        ordering = ["path"]
        indexes = [
            # Prefix matches (scope queries) use this index under any collation on PostgreSQL.
            models.Index(
                fields=["path"], name="place_path_prefix", opclasses=["varchar_pattern_ops"]
            )
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.path = (self.parent.path if self.parent else "") + self.code + "/"
        super().save(*args, **kwargs)

    @property
    def district_code(self) -> str:
        """The code of the district this place belongs to."""
        return path_codes(self.path)[0]

    def code_at(self, kind: str) -> str | None:
        """The code of this place's ancestor of ``kind`` (itself included), without a query."""
        codes = path_codes(self.path)
        depth = KIND_DEPTH[kind]
        return codes[depth] if depth < len(codes) else None

    def ancestor(self, kind: str) -> Place | None:
        """This place or the nearest ancestor of the given kind."""
        node: Place | None = self
        while node is not None and node.kind != kind:
            node = node.parent
        return node

    @property
    def full_name(self) -> str:
        names = []
        node: Place | None = self
        while node is not None:
            names.append(node.name)
            node = node.parent
        return " ".join(reversed(names))


class DepartmentLevel(models.TextChoices):
    DISTRICT = "district", _("District")
    SUBDISTRICT = "subdistrict", _("Sub-district")
    COMMUNITY = "community", _("Community")


class Department(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=16, choices=DepartmentLevel.choices)
    # The place whose cases this department serves (its district or sub-district).
    place = models.ForeignKey(
        Place, verbose_name=_("jurisdiction"), on_delete=models.PROTECT, related_name="+"
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class LiaisonUnit(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    communities = models.ManyToManyField(
        Place,
        verbose_name=_("communities"),
        related_name="liaison_units",
        limit_choices_to={"kind": PlaceKind.COMMUNITY},
        blank=True,
    )

    class Meta:
        verbose_name = _("liaison unit")
        verbose_name_plural = _("liaison units")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name
