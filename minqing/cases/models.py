"""Categories, cases, their immutable history, return visits and batches."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from minqing.lib.phones import mask_phone


class TimeLimitClass(models.TextChoices):
    EMERGENCY = "emergency", _("Emergency or safety hazard (2 h)")
    UTILITIES = "utilities", _("Utilities (24 h)")
    ORDINARY = "ordinary", _("Ordinary (7 days)")
    COMPLEX = "complex", _("Complex (15 days)")


# The catch-all a case is filed under when neither the worker, the router nor the keyword
# rules could name its category (made by migration 0004); it waits in triage to be sorted.
UNSORTED_CATEGORY = "UNSORTED"


class CategoryQuerySet(models.QuerySet):
    def for_district(self, district_code: str) -> CategoryQuerySet:
        """The categories a district files cases under: the shared ones and its own."""
        return self.filter(Q(district__isnull=True) | Q(district__code=district_code))


class Category(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    level = models.PositiveSmallIntegerField(_("level"), default=1)
    default_department = models.ForeignKey(
        "places.Department",
        verbose_name=_("default department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    time_limit_class = models.CharField(
        _("time limit"),
        max_length=16,
        choices=TimeLimitClass.choices,
        default=TimeLimitClass.ORDINARY,
    )
    keywords = models.CharField(_("keywords"), max_length=400, blank=True)
    # Empty: the category serves every district; set: only that district files cases under it.
    district = models.ForeignKey(
        "places.Place",
        verbose_name=_("only in district"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="own_categories",
        limit_choices_to={"kind": "district"},
    )

    objects = CategoryQuerySet.as_manager()

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="category_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def top(self) -> Category:
        node = self
        while node.parent is not None:
            node = node.parent
        return node

    def effective_department(self):
        node: Category | None = self
        while node is not None:
            if node.default_department_id:
                return node.default_department
            node = node.parent
        return None


class CaseState(models.TextChoices):
    REPORTED = "reported", _("Reported")
    ACCEPTED = "accepted", _("Accepted")
    DISPATCHED = "dispatched", _("Dispatched")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Rejected")


OPEN_STATES = (
    CaseState.REPORTED,
    CaseState.ACCEPTED,
    CaseState.DISPATCHED,
    CaseState.IN_PROGRESS,
)


class Channel(models.TextChoices):
    EVENING_TALK = "evening_talk", _("Evening talk")
    HOUSEHOLD_VISIT = "household_visit", _("Household visit")
    FORUM = "forum", _("Forum")
    PHONE = "phone", _("Phone")
    WECHAT = "wechat", _("WeChat")
    WEB = "web", _("Web")
    API = "api", _("API")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Urgent")
    EMERGENCY = "emergency", _("Emergency")


class Level(models.TextChoices):
    GRID = "grid", _("Grid")
    COMMUNITY = "community", _("Community")
    SUBDISTRICT = "subdistrict", _("Sub-district")
    DISTRICT = "district", _("District")


LEVEL_LADDER = [Level.GRID, Level.COMMUNITY, Level.SUBDISTRICT, Level.DISTRICT]


class Batch(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description of the one fix"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    reply = models.TextField(_("reply to residents"), blank=True)

    class Meta:
        verbose_name = _("batch")
        verbose_name_plural = _("batches")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class Case(models.Model):
    code = models.CharField(_("tracking code"), max_length=32, unique=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="cases"
    )
    place = models.ForeignKey(
        "places.Place", verbose_name=_("place"), on_delete=models.PROTECT, related_name="cases"
    )
    reporter_name = models.CharField(_("reporter's name"), max_length=60, blank=True)
    reporter_phone = models.CharField(_("reporter's phone"), max_length=20, blank=True)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    urgency = models.CharField(
        _("urgency"), max_length=12, choices=Urgency.choices, default=Urgency.NORMAL
    )
    session = models.ForeignKey(
        "outreach.OutreachSession",
        verbose_name=_("raised at"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
    )
    state = models.CharField(
        _("state"), max_length=16, choices=CaseState.choices, default=CaseState.REPORTED
    )
    level = models.CharField(_("owning level"), max_length=16, choices=Level.choices)
    assignee_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_cases",
    )
    assignee_department = models.ForeignKey(
        "places.Department",
        verbose_name=_("assigned department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_cases",
    )
    # The response limit (立案/接单): set when the case is written down, kept for the figures.
    respond_by = models.DateTimeField(_("respond by"), null=True, blank=True)
    # The deadline of whoever holds the case now: the response deadline until someone takes
    # it, then the handling deadline of its level or department.
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    overdue = models.BooleanField(_("overdue"), default=False)
    # Missed a deadline in this round (since it was reported or last reopened).
    was_overdue = models.BooleanField(_("late"), default=False)
    batch = models.ForeignKey(
        Batch,
        verbose_name=_("batch"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
    )
    reply = models.TextField(_("reply to the resident"), blank=True)
    reject_reason = models.TextField(_("reason for rejection"), blank=True)
    solved_in_grid = models.BooleanField(_("solved in the grid"), default=False)
    reported_at = models.DateTimeField(_("reported at"), db_index=True)
    responded_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    # The key the recording phone made for this entry (民情手册 offline queue, or the capture
    # form's token): a resend with the same key gets this case back instead of a second one.
    client_key = models.UUIDField(
        _("client key"), null=True, blank=True, unique=True, editable=False
    )

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-reported_at"]
        indexes = [
            models.Index(fields=["state", "deadline"], name="case_state_deadline"),
            # The sweep's scan: open cases not yet marked overdue, by deadline.
            models.Index(
                fields=["deadline"],
                name="case_open_deadline",
                condition=Q(
                    overdue=False,
                    state__in=["reported", "accepted", "dispatched", "in_progress"],
                ),
            ),
            models.Index(fields=["place", "state"], name="case_place_state"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.reporter_phone)


class CaseEvent(models.Model):
    """One immutable entry of a case's history. The history is the audit log."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField(_("number"))
    action = models.CharField(_("action"), max_length=24)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField(_("actor"), max_length=80, blank=True)
    at = models.DateTimeField(_("time"))
    from_state = models.CharField(_("from"), max_length=16, blank=True)
    to_state = models.CharField(_("to"), max_length=16)
    from_level = models.CharField(max_length=16, blank=True)
    to_level = models.CharField(max_length=16, blank=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["case_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["case", "seq"], name="event_seq")]

    def __str__(self) -> str:
        return f"{self.case_id}#{self.seq} {self.action}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise RuntimeError("case events are immutable")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("case events are immutable")


class VisitMethod(models.TextChoices):
    PHONE = "phone", _("Phone")
    IN_PERSON = "in_person", _("In person")
    ONLINE = "online", _("Online")


class Solved(models.TextChoices):
    YES = "yes", _("Solved")
    PARTLY = "partly", _("Partly solved")
    NO = "no", _("Not solved")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASICALLY = "basically", _("Basically satisfied")
    UNSATISFIED = "unsatisfied", _("Unsatisfied")


class VisitStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    OPEN = "open", _("Due")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class ReturnVisit(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="visits")
    status = models.CharField(
        _("status"), max_length=12, choices=VisitStatus.choices, default=VisitStatus.SCHEDULED
    )
    opens_at = models.DateTimeField(_("opens at"))
    due_at = models.DateTimeField(_("due by"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    method = models.CharField(_("method"), max_length=12, choices=VisitMethod.choices, blank=True)
    solved = models.CharField(_("solved?"), max_length=8, choices=Solved.choices, blank=True)
    satisfied = models.CharField(
        _("satisfied?"), max_length=12, choices=Satisfaction.choices, blank=True
    )
    comment = models.TextField(_("comment"), blank=True)
    overdue = models.BooleanField(_("overdue"), default=False)
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("visited by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The key of the answer as the phone queued it: a resend is answered once.
    client_key = models.UUIDField(
        _("client key"), null=True, blank=True, unique=True, editable=False
    )

    class Meta:
        verbose_name = _("return visit")
        verbose_name_plural = _("return visits")
        ordering = ["due_at"]
        constraints = [
            # At most one visit is pending per case.
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(status__in=["scheduled", "open"]),
                name="one_pending_visit_per_case",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case.code} · {self.get_status_display()}"


class DistrictRules(models.Model):
    """How one district runs its cases: the ladder an overdue case climbs, the response
    limit, and time limits per level and class (``TimeLimit``). Data, not code: a district
    without rules follows the settings (``MINQING_TIME_LIMITS``, ``MINQING_RESPONSE_LIMIT``)."""

    district = models.OneToOneField(
        "places.Place",
        verbose_name=_("district"),
        on_delete=models.CASCADE,
        related_name="case_rules",
        limit_choices_to={"kind": "district"},
    )
    ladder = models.CharField(
        _("ladder"),
        max_length=80,
        default="grid,community,subdistrict,district",
        help_text=_("The levels an overdue case climbs, lowest first, separated by commas."),
    )
    respond_hours = models.PositiveIntegerField(
        _("response limit (hours)"),
        null=True,
        blank=True,
        help_text=_("Time to take up a new case; empty: the deployment's setting."),
    )

    class Meta:
        verbose_name = _("district rules")
        verbose_name_plural = _("district rules")

    def __str__(self) -> str:
        return str(self.district)

    def clean(self) -> None:
        levels = [part.strip() for part in self.ladder.split(",") if part.strip()]
        unknown = [level for level in levels if level not in Level.values]
        if unknown or not levels:
            raise ValidationError(
                {"ladder": _("Use the levels %(levels)s.") % {"levels": ", ".join(Level.values)}}
            )
        order = [LEVEL_LADDER.index(Level(level)) for level in levels]
        if order != sorted(set(order)):
            raise ValidationError({"ladder": _("List each level once, lowest first.")})
        self.ladder = ",".join(levels)


class TimeLimit(models.Model):
    """One district's time limit for a class of case at one level (empty level: every level)."""

    rules = models.ForeignKey(DistrictRules, on_delete=models.CASCADE, related_name="limits")
    level = models.CharField(_("level"), max_length=16, choices=Level.choices, blank=True)
    limit_class = models.CharField(_("time limit"), max_length=16, choices=TimeLimitClass.choices)
    hours = models.PositiveIntegerField(_("hours"))

    class Meta:
        verbose_name = _("time limit")
        verbose_name_plural = _("time limits")
        constraints = [
            models.UniqueConstraint(
                fields=["rules", "level", "limit_class"], name="time_limit_unique"
            ),
            models.CheckConstraint(condition=Q(hours__gt=0), name="time_limit_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.rules} {self.level or '*'} {self.limit_class}: {self.hours} h"


class CodeCounter(models.Model):
    """Per-prefix sequence for tracking codes (HP-2608-0007), taken under a row lock."""

    prefix = models.CharField(max_length=24, unique=True)
    value = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.prefix}: {self.value}"
