"""Duplicate suggestions at intake: open cases in the same community, within a time window,
whose words are alike, each with the reason it was suggested.

Usage (the cases app keeps one index per process, fills it from the open cases and keeps it
current as cases open and close)::

    index = DuplicateIndex(window=timedelta(days=30))
    index.add(OpenCase(id="HP-2025-0001", community="HYNL", building="HYNL-G1-B07",
                       created=..., text="义顺里7号楼门坏了关不上"))
    for s in index.suggest(text="7号楼的门关不上", community="HYNL",
                           building="HYNL-G1-B07", created=now):
        s.case_id, s.score, s.shared_words, s.same_building

How alike is measured: each text is a set of words; a word weighs its inverse document
frequency squared over all cases in the index, so "小区" counts little and "搅拌站" much.
The score is the cosine of the two weighted word sets (0-1). Cases in the same building get
``building_bonus`` on top, since a second report from the same building is the likeliest
duplicate. Only cases of the same community are ever compared, and only those created
within ``window`` before (or after) the new case.

Speed: each community keeps an inverted index (word → its cases) that is rebuilt lazily
after a number of additions; cases added since are compared one by one. A query touches only
its community's postings for its own words.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from minqing.routing import text as textmod

_REBUILD_AFTER = 64


@dataclass(frozen=True)
class OpenCase:
    id: str
    community: str
    building: str
    created: datetime
    text: str


@dataclass(frozen=True)
class DuplicateSuggestion:
    """One open case that may be the same problem, and why."""

    case_id: str
    score: float
    shared_words: list[str]
    same_building: bool
    community: str
    building: str
    created: datetime

    @property
    def place(self) -> str:
        """``"building"`` when both are in the same building, else ``"community"``."""
        return "building" if self.same_building else "community"


def index_words(text: str) -> list[str]:
    """The words of ``text`` that can make two cases alike (two characters or more)."""
    return sorted({w for w in textmod.words(text) if len(w) >= 2})


@dataclass
class _Community:
    ids: list[str] = field(default_factory=list)
    buildings: list[str] = field(default_factory=list)
    created: list[float] = field(default_factory=list)
    when: list[datetime] = field(default_factory=list)
    tokens: list[np.ndarray] = field(default_factory=list)
    norms: list[float] = field(default_factory=list)
    alive: list[bool] = field(default_factory=list)
    dead: int = 0
    built: int = 0  # rows covered by the postings
    postings: dict[int, np.ndarray] = field(default_factory=dict)
    created_arr: np.ndarray = field(default_factory=lambda: np.zeros(0))
    norms_arr: np.ndarray = field(default_factory=lambda: np.zeros(0))
    alive_arr: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))

    def rebuild(self, norm: Callable[[np.ndarray], float]) -> bool:
        """Rebuild the postings (and the norms, with today's word weights). True when dead
        rows were dropped, so row numbers changed."""
        compacted = self.dead > len(self.ids) // 4
        if compacted:
            self._compact()
        self.norms = [norm(t) for t in self.tokens]
        n = len(self.ids)
        if n:
            lengths = np.fromiter((len(t) for t in self.tokens), dtype=np.int64, count=n)
            flat = np.concatenate(self.tokens) if lengths.sum() else np.zeros(0, np.int32)
            rows = np.repeat(np.arange(n, dtype=np.int32), lengths)
            order = np.argsort(flat, kind="stable")
            flat, rows = flat[order], rows[order]
            cuts = np.flatnonzero(np.diff(flat)) + 1
            starts = np.r_[0, cuts]
            ends = np.r_[cuts, len(flat)]
            self.postings = (
                {int(flat[s]): rows[s:e] for s, e in zip(starts, ends, strict=True)}
                if len(flat)
                else {}
            )
        else:
            self.postings = {}
        self.created_arr = np.asarray(self.created, dtype=np.float64)
        self.norms_arr = np.asarray(self.norms, dtype=np.float64)
        self.alive_arr = np.asarray(self.alive, dtype=bool)
        self.built = n
        return compacted

    def _compact(self) -> None:
        keep = [i for i, a in enumerate(self.alive) if a]
        self.ids = [self.ids[i] for i in keep]
        self.buildings = [self.buildings[i] for i in keep]
        self.created = [self.created[i] for i in keep]
        self.when = [self.when[i] for i in keep]
        self.tokens = [self.tokens[i] for i in keep]
        self.norms = [self.norms[i] for i in keep]
        self.alive = [True] * len(keep)
        self.dead = 0


class DuplicateIndex:
    """Open cases by community, for fast "is this already reported?" questions. Thread-safe."""

    def __init__(
        self,
        *,
        window: timedelta = timedelta(days=30),
        min_score: float = 0.3,
        building_bonus: float = 0.1,
    ) -> None:
        self.window = window
        self.min_score = min_score
        self.building_bonus = building_bonus
        self._vocabulary: dict[str, int] = {}
        self._words: list[str] = []
        self._df: list[int] = []
        self._n = 0
        self._communities: dict[str, _Community] = {}
        self._where: dict[str, tuple[str, int]] = {}
        self._lock = threading.RLock()

    def __len__(self) -> int:
        return len(self._where)

    def __contains__(self, case_id: object) -> bool:
        return case_id in self._where

    # -- changes ----------------------------------------------------------------------------
    def add(
        self, case: OpenCase, words: Sequence[str] | None = None, *, defer: bool = False
    ) -> None:
        """Add an open case (or replace it, if its id is already there). ``words`` may be
        given when the caller has them already (:func:`index_words` of the text). With
        ``defer``, the community's postings are not brought up to date: call :meth:`refresh`
        after a bulk load."""
        if words is None:
            words = index_words(case.text)
        with self._lock:
            if case.id in self._where:
                self.remove(case.id)
            ids = self._ids(words, grow=True)
            for i in ids:
                self._df[i] += 1
            self._n += 1
            community = self._communities.setdefault(case.community, _Community())
            community.ids.append(case.id)
            community.buildings.append(case.building or "")
            community.created.append(case.created.timestamp())
            community.when.append(case.created)
            community.tokens.append(ids)
            community.norms.append(1.0 if defer else self._norm(ids))  # refreshed on rebuild
            community.alive.append(True)
            self._where[case.id] = (case.community, len(community.ids) - 1)
            if not defer and len(community.ids) - community.built > _REBUILD_AFTER:
                self._rebuild(case.community)

    def extend(self, cases: Iterable[OpenCase]) -> None:
        """Add many cases, then bring every community up to date once."""
        for case in cases:
            self.add(case, defer=True)
        self.refresh()

    def refresh(self) -> None:
        """Rebuild the postings of every community that has cases added since."""
        with self._lock:
            for key, community in self._communities.items():
                if community.built < len(community.ids) or community.dead:
                    self._rebuild(key)

    def remove(self, case_id: str) -> bool:
        """Forget a case (closed, merged, rejected). True if it was there."""
        with self._lock:
            where = self._where.pop(case_id, None)
            if where is None:
                return False
            community = self._communities[where[0]]
            row = where[1]
            community.alive[row] = False
            community.dead += 1
            if row < community.built:
                community.alive_arr[row] = False
            for i in community.tokens[row]:
                self._df[i] -= 1
            self._n -= 1
            if community.dead > max(_REBUILD_AFTER, len(community.ids) // 4):
                self._rebuild(where[0])
            return True

    # -- questions --------------------------------------------------------------------------
    def suggest(
        self,
        *,
        text: str,
        community: str,
        building: str = "",
        created: datetime | None = None,
        limit: int = 5,
        exclude: Iterable[str] = (),
    ) -> list[DuplicateSuggestion]:
        """Open cases of ``community`` that may be the same problem as ``text``, best
        first, at most ``limit``."""
        words = index_words(text)
        with self._lock:
            place = self._communities.get(community)
            if place is None or not words:
                return []
            if len(place.ids) - place.built > _REBUILD_AFTER:
                self._rebuild(community)
            query = self._ids(words, grow=False)
            if len(query) == 0:
                return []
            idf2 = self._idf(query) ** 2
            qnorm = math.sqrt(float(idf2.sum()))
            weight = dict(zip(query.tolist(), idf2.tolist(), strict=True))
            when = (created or datetime.now().astimezone()).timestamp()
            low, high = when - self.window.total_seconds(), when + self.window.total_seconds()
            skip = set(exclude)

            found: list[tuple[float, int]] = []  # (cosine, row)
            if place.built:
                dots = np.zeros(place.built, dtype=np.float64)
                for token, w in weight.items():
                    rows = place.postings.get(token)
                    if rows is not None:
                        dots[rows] += w
                cand = np.flatnonzero(dots)
                if len(cand):
                    cosines = dots[cand] / (qnorm * place.norms_arr[cand])
                    ok = (
                        (cosines >= self.min_score)
                        & place.alive_arr[cand]
                        & (place.created_arr[cand] >= low)
                        & (place.created_arr[cand] <= high)
                    )
                    found.extend(
                        (c, r) for r, c in zip(cand[ok].tolist(), cosines[ok].tolist(), strict=True)
                    )
            for row in range(place.built, len(place.ids)):
                if not place.alive[row] or not low <= place.created[row] <= high:
                    continue
                dot = sum(weight.get(t, 0.0) for t in place.tokens[row].tolist())
                if dot:
                    c = dot / (qnorm * self._norm(place.tokens[row]))
                    if c >= self.min_score:
                        found.append((c, row))

            out: list[DuplicateSuggestion] = []
            ranked: list[tuple[float, float, int, bool]] = []
            for c, row in found:
                same = bool(building) and place.buildings[row] == building
                ranked.append((c + (self.building_bonus if same else 0.0), c, row, same))
            ranked.sort(key=lambda x: (-x[0], place.ids[x[2]]))
            for _rank, cos, row, same in ranked:
                case_id = place.ids[row]
                if case_id in skip:
                    continue
                shared = [int(t) for t in place.tokens[row] if int(t) in weight]
                shared.sort(key=lambda t: (-weight[t], self._words[t]))
                out.append(
                    DuplicateSuggestion(
                        case_id=case_id,
                        score=round(min(1.0, float(cos)), 4),
                        shared_words=[self._words[t] for t in shared[:6]],
                        same_building=same,
                        community=community,
                        building=place.buildings[row],
                        created=place.when[row],
                    )
                )
                if len(out) >= limit:
                    break
            return out

    # -- internals --------------------------------------------------------------------------
    def _rebuild(self, key: str) -> None:
        community = self._communities[key]
        if community.rebuild(self._norm):
            for row, case_id in enumerate(community.ids):
                self._where[case_id] = (key, row)

    def _ids(self, words: Sequence[str], *, grow: bool) -> np.ndarray:
        out = []
        for word in dict.fromkeys(words):
            i = self._vocabulary.get(word)
            if i is None:
                if not grow:
                    continue
                i = len(self._words)
                self._vocabulary[word] = i
                self._words.append(word)
                self._df.append(0)
            out.append(i)
        return np.asarray(sorted(out), dtype=np.int32)

    def _idf(self, ids: np.ndarray) -> np.ndarray:
        df = np.asarray([self._df[i] for i in ids.tolist()], dtype=np.float64)
        return np.log((1.0 + self._n) / (1.0 + df)) + 1.0

    def _norm(self, ids: np.ndarray) -> float:
        if len(ids) == 0:
            return 1.0
        return max(1e-9, math.sqrt(float((self._idf(ids) ** 2).sum())))
