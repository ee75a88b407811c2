"""Replay every case's events and compare with the stored state (the history is complete)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

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
            problems.append(f"#{event.seq}: unknown action {event.action}")
        if event.from_state != state:
            problems.append(
                f"#{event.seq}: starts from {event.from_state!r}, history says {state!r}"
            )
        if transition is not None:
            if state not in transition.sources:
                problems.append(f"#{event.seq}: {event.action} is not allowed from {state!r}")
            allowed = transition.targets or {state}
            if event.to_state not in allowed:
                problems.append(f"#{event.seq}: {event.action} cannot lead to {event.to_state!r}")
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
                yield Mismatch(case.code, "event numbers have gaps")
            state, level, problems = replay(events)
            for problem in problems:
                yield Mismatch(case.code, problem)
            if state != case.state:
                yield Mismatch(case.code, f"stored state {case.state!r}, events give {state!r}")
            if level != case.level:
                yield Mismatch(case.code, f"stored level {case.level!r}, events give {level!r}")
