"""Replay every case's events and compare with the stored state (the history is complete)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.utils.translation import gettext as _

from minqing.cases.models import Case, CaseEvent
from minqing.cases.transitions import TRANSITIONS


@dataclass(frozen=True)
class Mismatch:
    code: str
    problem: str


def replay(events: list[CaseEvent]) -> tuple[str, str, list[str]]:
    """Fold the events into (state, level, problems found on the way)."""
    state, level, problems = "", "", []
    for event in events:
        transition = TRANSITIONS.get(event.action)
        if transition is None:
            problems.append(
                _("#%(seq)s: unknown action %(action)s")
                % {"seq": event.seq, "action": event.action}
            )
        if event.from_state != state:
            problems.append(
                _("#%(seq)s: starts from “%(from)s”, the history before it says “%(state)s”")
                % {"seq": event.seq, "from": event.from_state, "state": state}
            )
        if transition is not None:
            if state not in transition.sources:
                problems.append(
                    _("#%(seq)s: %(action)s is not allowed from “%(state)s”")
                    % {"seq": event.seq, "action": event.action, "state": state}
                )
            allowed = transition.targets or {state}
            if event.to_state not in allowed:
                problems.append(
                    _("#%(seq)s: %(action)s cannot lead to “%(to)s”")
                    % {"seq": event.seq, "action": event.action, "to": event.to_state}
                )
        state = event.to_state
        level = event.to_level or level
    return state, level, problems


def check_integrity(*, chunk: int = 2000) -> Iterator[Mismatch]:
    last_pk = 0
    while True:
        cases = list(
            Case.objects.filter(pk__gt=last_pk)
            .order_by("pk")
            .only("pk", "code", "state", "level")[:chunk]
        )
        if not cases:
            return
        last_pk = cases[-1].pk
        by_case: dict[int, list[CaseEvent]] = {c.pk: [] for c in cases}
        for event in CaseEvent.objects.filter(case_id__in=by_case).order_by("case_id", "seq"):
            by_case[event.case_id].append(event)
        for case in cases:
            events = by_case[case.pk]
            if [e.seq for e in events] != list(range(1, len(events) + 1)):
                yield Mismatch(case.code, _("event numbers have gaps"))
            state, level, problems = replay(events)
            for problem in problems:
                yield Mismatch(case.code, problem)
            if state != case.state:
                yield Mismatch(
                    case.code,
                    _("stored state “%(stored)s”, the events give “%(replayed)s”")
                    % {"stored": case.state, "replayed": state},
                )
            if level != case.level:
                yield Mismatch(
                    case.code,
                    _("stored level “%(stored)s”, the events give “%(replayed)s”")
                    % {"stored": case.level, "replayed": level},
                )
