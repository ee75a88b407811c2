"""Which pages each role sees in the navigation, and where each role lands after log-in."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from minqing.cases.selectors import queue_counts
from minqing.dashboards.rankings import can_rank_departments, headed_departments
from minqing.people.access import DASHBOARD, DISPATCHERS, FIELD, HOT_ISSUES, roles_of
from minqing.people.models import Role


@dataclass(frozen=True)
class NavItem:
    url: str
    label: Promise
    count: int | None = None
    alert: bool = False


def home_url_for(user) -> str:
    """The page that makes sense first for this user's roles."""
    roles = roles_of(user)
    if user.is_superuser or Role.LEADER in roles:
        return reverse("dashboards:home")
    if roles & {Role.COMMUNITY_STAFF, Role.SUBDISTRICT_STAFF}:
        return reverse("cases:triage")
    if Role.HANDLER in roles:
        return reverse("cases:department")
    if roles & FIELD:
        return reverse("cases:field")
    return reverse("no_role")


def is_desk_user(user) -> bool:
    roles = roles_of(user)
    return user.is_superuser or bool(roles & (DASHBOARD | {Role.HANDLER}))


def can_see_dashboard(user) -> bool:
    return user.is_superuser or bool(roles_of(user) & DASHBOARD)


def can_see_hot_issues(user) -> bool:
    return user.is_superuser or bool(roles_of(user) & HOT_ISSUES)


def nav_for(user) -> list[NavItem]:
    if not user.is_authenticated:
        return [
            NavItem(reverse("cases:public_report"), _("Report a problem")),
            NavItem(reverse("cases:track"), _("Follow a case")),
            NavItem(reverse("people:contacts"), _("Your grid team")),
            NavItem(reverse("results"), _("Results")),
        ]
    roles = roles_of(user)
    counts = queue_counts(user)
    items: list[NavItem] = []
    if user.is_superuser or roles & FIELD:
        items.append(NavItem(reverse("cases:field"), _("My grid")))
    if user.is_superuser or roles & (FIELD | DASHBOARD):
        items.append(NavItem(reverse("cases:capture"), _("Record a problem")))
    if user.is_superuser or roles & DISPATCHERS:
        items.append(NavItem(reverse("cases:triage"), _("To triage"), counts.get("triage")))
    if "department" in counts:
        items.append(NavItem(reverse("cases:department"), _("My department"), counts["department"]))
    if "open" in counts:
        items.append(NavItem(reverse("cases:open"), _("Open cases"), counts["open"]))
    if "overdue" in counts:
        items.append(
            NavItem(
                reverse("cases:overdue"),
                _("Overdue"),
                counts["overdue"],
                alert=counts["overdue"] > 0,
            )
        )
    if "visits" in counts:
        items.append(NavItem(reverse("cases:visits"), _("Return visits"), counts["visits"]))
    if user.is_superuser or roles & (FIELD | DASHBOARD):
        items.append(NavItem(reverse("outreach:list"), _("Evening talks")))
    if user.is_superuser or roles & DISPATCHERS:
        items.append(NavItem(reverse("cases:batches"), _("Batches")))
    if can_see_dashboard(user):
        items.append(NavItem(reverse("dashboards:home"), _("Dashboard")))
    if can_see_hot_issues(user):
        items.append(NavItem(reverse("dashboards:hot"), _("Hot issues")))
    if can_rank_departments(user):
        items.append(NavItem(reverse("dashboards:departments"), _("Department rankings")))
    else:
        for department in headed_departments(user):
            url = reverse("dashboards:department", args=[department.code])
            items.append(NavItem(url, _("My department's figures")))
    return items
