"""Duplicate suggestions at intake: open cases of the same community, reported within
``settings.MINQING_DUPLICATE_WINDOW_DAYS`` (30) days, whose words are alike (docs/routing.md).

One :class:`~minqing.routing.duplicates.DuplicateIndex` per process, kept current from the
case history rather than by hooks in the services, so that it is right whichever process (web
worker, API, ``tick``) wrote the change:

- built lazily from the open cases on first use;
- before each question, one cheap query asks for the newest event id; when it has moved, the
  cases touched by the events since the last look (and by the ``SLACK`` events before it, in
  case a transaction committed out of id order) are re-read, and each is added to the index
  or removed from it according to its state now;
- rebuilt from scratch every ``REBUILD_SECONDS`` as a safety net, and whenever the newest
  event id goes backwards (the database was replaced).

A case's text never changes after it is reported, so state is all there is to follow.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Max

from minqing.cases.models import OPEN_STATES, Case, CaseEvent
from minqing.cases.permissions import scope_q
from minqing.lib import clock
from minqing.people.models import User
from minqing.places.models import KIND_DEPTH, Place, PlaceKind, path_codes
from minqing.routing.duplicates import DuplicateIndex, OpenCase

SLACK = 200
REBUILD_SECONDS = 600.0
LIMIT = 5
_FIELDS = (
    *("pk", "code", "state", "title", "description", "reported_at"),
    *("place__path", "place__code", "place__kind"),
)


@dataclass(frozen=True)
class Duplicate:
    """An open case that may be the same problem, and why it was suggested."""

    case: Case
    score: float
    shared_words: list[str]
    same_building: bool

    @property
    def place(self) -> str:
        """``"building"`` or ``"community"``: where the two cases meet."""
        return "building" if self.same_building else "community"


def _window() -> timedelta:
    return timedelta(days=settings.MINQING_DUPLICATE_WINDOW_DAYS)


def community_and_building(path: str, code: str, kind: str) -> tuple[str, str]:
    """The community code and building code ("" above a building) of a case's place."""
    parts = path_codes(path)
    up = KIND_DEPTH.get(kind, 0) - KIND_DEPTH[PlaceKind.COMMUNITY]
    community = parts[-1 - up] if 0 <= up < len(parts) else path
    return community, code if kind == PlaceKind.BUILDING else ""


def case_text(title: str, description: str) -> str:
    return f"{title}\n{description}".strip()


def _open_case(row: dict) -> OpenCase:
    community, building = community_and_building(
        row["place__path"], row["place__code"], row["place__kind"]
    )
    return OpenCase(
        id=row["code"],
        community=community,
        building=building,
        created=row["reported_at"],
        text=case_text(row["title"], row["description"]),
    )


class OpenCaseIndex:
    """The process's duplicate index and how far into the case history it has read."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._index: DuplicateIndex | None = None
        self._seen = 0  # the newest event id read
        self._built = 0.0

    def reset(self) -> None:
        with self._lock:
            self._index = None
            self._seen = 0

    def current(self) -> DuplicateIndex:
        """The index, brought up to date with the database."""
        with self._lock:
            newest = CaseEvent.objects.aggregate(m=Max("pk"))["m"] or 0
            stale = time.monotonic() - self._built > REBUILD_SECONDS
            if self._index is None or newest < self._seen or stale:
                self._index = self._build(newest)
            elif newest != self._seen:
                self._catch_up(self._index, newest)
            return self._index

    def _build(self, newest: int) -> DuplicateIndex:
        index = DuplicateIndex(window=_window())
        # Every open case: the index compares only those within the window of the new one.
        rows = Case.objects.filter(state__in=OPEN_STATES).values(*_FIELDS)
        index.extend(_open_case(row) for row in rows.iterator(chunk_size=2000))
        self._seen, self._built = newest, time.monotonic()
        return index

    def _catch_up(self, index: DuplicateIndex, newest: int) -> None:
        touched = set(
            CaseEvent.objects.filter(pk__gt=max(0, self._seen - SLACK), pk__lte=newest)
            .values_list("case_id", flat=True)
            .distinct()
        )
        for row in Case.objects.filter(pk__in=touched).values(*_FIELDS):
            if row["state"] in OPEN_STATES:
                if row["code"] not in index:
                    index.add(_open_case(row))
            else:
                index.remove(row["code"])
        self._seen = newest


_INDEX = OpenCaseIndex()


def reset_duplicate_index() -> None:
    """Forget the process's index (tests, whose databases are rolled back, start afresh)."""
    _INDEX.reset()


def duplicates_for(
    user: User,
    *,
    place: Place,
    text: str,
    created: datetime | None = None,
    exclude: Iterable[str] = (),
    limit: int = LIMIT,
) -> list[Duplicate]:
    """Open cases this user may see that may be the same problem as ``text`` at ``place``."""
    if not (text or "").strip():
        return []
    community, building = community_and_building(place.path, place.code, place.kind)
    found = _INDEX.current().suggest(
        text=text,
        community=community,
        building=building,
        created=created or clock.now(),
        limit=limit + 5,  # some may be out of the user's sight
        exclude=exclude,
    )
    if not found:
        return []
    visible = {
        c.code: c
        for c in Case.objects.filter(scope_q(user), code__in=[s.case_id for s in found])
        .filter(state__in=OPEN_STATES)
        .select_related("place", "category", "batch", "assignee_department")
    }
    out = [
        Duplicate(visible[s.case_id], s.score, s.shared_words, s.same_building)
        for s in found
        if s.case_id in visible
    ]
    return out[:limit]


def case_duplicates_for(user: User, case: Case, *, limit: int = LIMIT) -> list[Duplicate]:
    """Open cases that may be the same problem as ``case`` (not those in its own batch)."""
    exclude = [case.code]
    if case.batch_id:
        exclude += list(Case.objects.filter(batch_id=case.batch_id).values_list("code", flat=True))
    return duplicates_for(
        user,
        place=case.place,
        text=case_text(case.title, case.description),
        created=case.reported_at,
        exclude=exclude,
        limit=limit,
    )
