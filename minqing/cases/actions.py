"""The catalogue of what a person can do to a case: one entry per action, in the order the case
page offers them. The case page, the JSON API and the webhooks loop over it; ``TRANSITIONS``
(cases/transitions.py) stays the one source of states and roles. Adding an action is one entry
here, its transition, and its service.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# What an action asks for, which picks its form on the page and its body in the API.
NOTE, REASON, REPLY, DISPATCH, MERGE, VISIT, TEXT = (
    "note",  # an optional note
    "reason",  # a required reason
    "reply",  # the reply to the resident
    "dispatch",  # a department or a person, a deadline
    "merge",  # a batch, or the title of a new one
    "visit",  # the return visit's answers
    "text",  # a required note
)


@dataclass(frozen=True)
class Action:
    name: str  # the transition's action
    label: Promise  # the case page's button
    done: Promise  # the message once it is done
    asks: str  # NOTE, REASON, …
    webhook: str  # the event type webhook subscribers see
    summary: str = ""  # the JSON API operation's summary (OpenAPI is in English)
    danger: bool = False  # the page asks for care (a second look, a red button)


ACTIONS: dict[str, Action] = {
    a.name: a
    for a in [
        Action("accept", _("Accept"), _("Accepted."), NOTE, "case.accepted", "Accept (立案)"),
        Action("dispatch", _("Dispatch"), _("Dispatched."), DISPATCH, "case.dispatched"),
        Action(
            "recall",
            _("Recall"),
            _("Recalled: the case is back with you, to dispatch again."),
            REASON,
            "case.recalled",
            "Recall a dispatched case the department has not started, with the reason",
        ),
        Action("start", _("Start work"), _("Work started."), NOTE, "case.started", "Start work"),
        Action(
            "resolve",
            _("Resolve"),
            _("Resolved; a return visit is scheduled."),
            REPLY,
            "case.resolved",
        ),
        Action(
            "return_visit",
            _("Record the return visit"),
            _("Return visit recorded."),
            VISIT,
            "case.visited",
        ),
        Action(
            "send_back",
            _("Send back"),
            _("Sent back to the dispatcher."),
            REASON,
            "case.sent_back",
            "Send back to the dispatcher: not ours, with the reason",
            danger=True,
        ),
        Action(
            "escalate",
            _("Escalate"),
            _("Escalated one level up."),
            REASON,
            "case.escalated",
            "Escalate one level up",
            danger=True,
        ),
        Action("merge", _("Merge into a batch"), _("Merged into the batch."), MERGE, "case.merged"),
        Action(
            "reject",
            _("Reject"),
            _("Rejected."),
            REASON,
            "case.rejected",
            "Reject: not a case, with the reason shown to the reporter",
            danger=True,
        ),
        Action(
            "close",
            _("Close"),
            _("Closed."),
            REASON,
            "case.closed",
            "Close a resolved case without a return visit, with the reason",
            danger=True,
        ),
        Action(
            "reopen",
            _("Reopen"),
            _("Reopened."),
            REASON,
            "case.reopened",
            "Reopen: the problem is not solved",
        ),
        Action("note", _("Add a note"), _("Note added."), TEXT, "case.noted"),
    ]
}

# Steps taken only inside another one or by the system, for the webhooks' event types.
OTHER_EVENT_TYPES = {
    "report": "case.created",
    "solve_on_spot": "case.resolved",
    "route": "case.dispatched",
    "batch_resolve": "case.resolved",
}


def with_reason() -> list[Action]:
    """The actions whose only input is a reason (one shape of API endpoint serves them)."""
    return [a for a in ACTIONS.values() if a.asks == REASON]
