"""A case's history in plain language: for staff (who did what) and for residents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from minqing.cases.models import CaseEvent, Channel, Level, Satisfaction, Solved
from minqing.cases.transitions import RESIDENT, SYSTEM


@dataclass(frozen=True)
class Line:
    at: datetime
    text: str
    note: str
    action: str


def _when(value: str | None) -> str:
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _label(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value or ""


def _actor(event: CaseEvent) -> str:
    if event.actor_id:
        return str(event.actor)
    if event.actor_label == RESIDENT:
        return _("The resident")
    if event.actor_label == SYSTEM:
        return _("The system")
    return event.actor_label or _("The system")


def _staff_text(event: CaseEvent) -> str:
    d = event.data or {}
    who = _actor(event)
    level = _label(Level, event.to_level)
    texts = {
        "report": _("%(who)s wrote it down (%(channel)s).")
        % {"who": who, "channel": _label(Channel, d.get("channel", ""))},
        "solve_on_spot": _("%(who)s solved it on the spot.") % {"who": who},
        "accept": _("%(who)s accepted it.") % {"who": who},
        "dispatch": _("%(who)s sent it to %(to)s, due by %(deadline)s.")
        % {"who": who, "to": d.get("to", ""), "deadline": _when(d.get("deadline"))},
        "start": _("%(who)s started work on it.") % {"who": who},
        "resolve": _("%(who)s reported it fixed.") % {"who": who},
        "send_back": _("%(who)s sent it back: not theirs to fix.") % {"who": who},
        "recall": _("%(who)s took it back from %(from)s, to dispatch it again.")
        % {"who": who, "from": d.get("from", "")},
        "escalate": _("%(who)s passed it up to the %(level)s level, due there by %(deadline)s.")
        % {"who": who, "level": level, "deadline": _when(d.get("deadline"))}
        if d.get("deadline")
        else _("%(who)s passed it up to the %(level)s level.") % {"who": who, "level": level},
        "reject": _("%(who)s decided it is not a case.") % {"who": who},
        "merge": _("%(who)s put it into batch %(batch)s.")
        % {"who": who, "batch": d.get("batch", "")},
        "batch_resolve": _("%(who)s fixed it with batch %(batch)s.")
        % {"who": who, "batch": d.get("batch", "")},
        "return_visit": _("%(who)s checked with the resident: %(solved)s, %(satisfied)s.")
        % {
            "who": who,
            "solved": _label(Solved, d.get("solved", "")),
            "satisfied": _label(Satisfaction, d.get("satisfied", "")),
        },
        "close": _("%(who)s closed it.") % {"who": who},
        "reopen": _("%(who)s reopened it.") % {"who": who},
        "note": _("%(who)s added a note.") % {"who": who},
        "reveal_phone": _("%(who)s looked at the reporter's number.") % {"who": who},
        "overdue": _("It passed its deadline of %(deadline)s.")
        % {"deadline": _when(d.get("deadline"))},
        "visit_overdue": _(
            "The return visit was not made by %(due)s; the %(level)s level was told."
        )
        % {"due": _when(d.get("due_at")), "level": _label(Level, d.get("level", ""))},
        "visit_due": _("The return visit is due by %(due)s.") % {"due": _when(d.get("due_at"))},
        "route": _(
            "The router %(model)s sent it to %(to)s as %(label)s (%(confidence)s sure), "
            "due by %(deadline)s."
        )
        % {
            "model": d.get("model", ""),
            "to": d.get("to", ""),
            "label": d.get("label", ""),
            "confidence": _percent(d.get("confidence")),
            "deadline": _when(d.get("deadline")),
        },
        "suggest": _suggest_text(d),
        "whistle": _("%(who)s called %(departments)s to the site, to arrive by %(deadline)s.")
        % {
            "who": who,
            "departments": d.get("departments", ""),
            "deadline": _when(d.get("deadline")),
        },
        "whistle_arrive": _("%(who)s of %(department)s reported on site (%(timing)s).")
        % {
            "who": who,
            "department": d.get("department", ""),
            "timing": _("late") if d.get("late") else _("in time"),
        },
        "whistle_close": _("%(who)s closed the call to the site: the problem is handled.")
        % {"who": who},
    }
    return texts.get(event.action, event.action)


def _percent(value) -> str:
    try:
        return f"{float(value):.1%}"
    except (TypeError, ValueError):
        return "?"


def _suggest_text(d: dict) -> str:
    ideas = ", ".join(
        f"{s.get('label', '')} {_percent(s.get('confidence'))}" for s in d.get("suggestions", [])
    )
    values = {"model": d.get("model", ""), "ideas": ideas, "label": d.get("label") or ""}
    if not ideas:
        return _("The router %(model)s found no words it knows; it is left to the dispatcher.") % (
            values
        )
    if d.get("reason") in ("no_department", "unknown_label"):
        return (
            _(
                "The router %(model)s chose %(label)s, but no department here takes that "
                "category; it suggests %(ideas)s."
            )
            % values
        )
    return _("The router %(model)s was not sure enough; it suggests %(ideas)s.") % values


def staff_timeline(events) -> list[Line]:
    return [Line(e.at, _staff_text(e), e.note, e.action) for e in events]


# What residents see: passive voice, no staff names, no internal notes.
_PUBLIC_NOTE = {"solve_on_spot", "resolve", "batch_resolve", "reject", "reopen"}
_PUBLIC_SKIP = {"note", "reveal_phone", "merge", "suggest", "visit_overdue", "whistle_close"}


def _public_text(event: CaseEvent) -> str:
    d = event.data or {}
    level = _label(Level, event.to_level)
    texts = {
        "report": _("Your problem was written down."),
        "solve_on_spot": _("It was solved on the spot."),
        "accept": _("It was accepted; someone is responsible for it now."),
        "dispatch": _("It was sent to %(to)s, to be fixed by %(deadline)s.")
        % {"to": d.get("to", ""), "deadline": _when(d.get("deadline"))},
        "route": _("It was sent to %(to)s, to be fixed by %(deadline)s.")
        % {"to": d.get("to", ""), "deadline": _when(d.get("deadline"))},
        "start": _("Work on it has started."),
        "resolve": _("It was reported fixed."),
        "send_back": _("It is being passed to the right department."),
        "recall": _("It is being passed to the right department."),
        "escalate": _("It was passed up to the %(level)s level.") % {"level": level},
        "reject": _("It was not taken up as a case."),
        "batch_resolve": _("It was fixed together with similar problems nearby."),
        "return_visit": _("We checked with you: %(solved)s, %(satisfied)s.")
        % {
            "solved": _label(Solved, d.get("solved", "")),
            "satisfied": _label(Satisfaction, d.get("satisfied", "")),
        },
        "close": _("It was closed."),
        "reopen": _("It was reopened."),
        "overdue": _("It passed its deadline and is being followed up."),
        "visit_due": _("We would like to know whether it is fixed."),
        "whistle": _("The departments concerned were called to the site."),
        "whistle_arrive": _("%(department)s came to the site.")
        % {"department": d.get("department", "")},
    }
    return texts.get(event.action, "")


def public_timeline(events) -> list[Line]:
    return [
        Line(e.at, _public_text(e), e.note if e.action in _PUBLIC_NOTE else "", e.action)
        for e in events
        if e.action not in _PUBLIC_SKIP
    ]
