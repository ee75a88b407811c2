"""Template helpers for the pages: navigation, state pills, small formatting."""

from __future__ import annotations

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import ngettext

from minqing.core.nav import nav_for
from minqing.lib import clock

register = template.Library()


@register.inclusion_tag("core/_nav.html", takes_context=True)
def main_nav(context):
    request = context["request"]
    items = nav_for(request.user)
    path = request.path
    # The longest matching item is the current page (so /cases/triage/ beats /cases/).
    current = max((item.url for item in items if path.startswith(item.url)), key=len, default=None)
    return {"items": items, "current": current}


@register.simple_tag
def state_pill(case):
    pill = format_html('<span class="pill {}">{}</span>', case.state, case.get_state_display())
    if case.overdue and case.is_open:
        from django.utils.translation import gettext as _

        pill += format_html(' <span class="pill overdue">{}</span>', _("overdue"))
    return pill


@register.filter
def percent(value):
    """0.8734 → "87.3%"; None → "—"."""
    if value is None:
        return "—"
    return f"{value * 100:.1f}%"


@register.simple_tag(takes_context=True)
def query_with(context, **changes):
    """The current query string with some parameters changed (for sort and page links)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


def overdue_by(seconds: float) -> str:
    """How long past a deadline, in the unit a desk worker counts in: minutes within the
    first hour, hours within the first two days, then days."""
    minutes = max(1, int(seconds // 60))
    if minutes < 60:
        return ngettext("overdue by %(n)s minute", "overdue by %(n)s minutes", minutes) % {
            "n": minutes
        }
    hours = minutes // 60
    if hours < 48:
        return ngettext("overdue by %(n)s hour", "overdue by %(n)s hours", hours) % {"n": hours}
    days = hours // 24
    return ngettext("overdue by %(n)s day", "overdue by %(n)s days", days) % {"n": days}


@register.simple_tag(takes_context=True)
def deadline(context, case):
    """A case's deadline in the server's time zone and, once it has passed on an open case,
    how long ago ("overdue by 3 hours"); "—" when it has none."""
    if case.deadline is None:
        return "—"
    at = timezone.localtime(case.deadline, timezone.get_default_timezone())
    html = format_html(
        '<time datetime="{}">{}</time>',
        at.replace(microsecond=0).isoformat(),
        date_format(at, "SHORT_DATETIME_FORMAT"),
    )
    now = context.get("now") or clock.now()
    if case.is_open and case.deadline < now:
        late = overdue_by((now - case.deadline).total_seconds())
        html += format_html(' <span class="pill overdue">{}</span>', late)
    return html


@register.simple_tag(takes_context=True)
def field_worker(context) -> str:
    """The handbook's service worker for a field role (its pages work offline), else ''."""
    from django.urls import reverse

    from minqing.people.access import FIELD, roles_of

    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""
    if not (user.is_superuser or roles_of(user) & FIELD):
        return ""
    return reverse("cases:service_worker")
