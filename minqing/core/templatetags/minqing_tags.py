"""Template helpers for the pages: navigation, state pills, small formatting."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from minqing.core.nav import nav_for

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
