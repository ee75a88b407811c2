"""Describing a group of messages: how hot it is, where, what, and its name.

How hot a group is (see :class:`HeatWeights`)
    ``heat = (reporters + support_weight · ln(1 + support)) · recency · persistence`` where
    reporters are distinct people, support is likes minus dislikes (not below 0), recency
    halves every ``half_life_days`` since the group's last message (counted back from the
    newest message of the whole input, or ``now``), and persistence grows from 1 to
    ``1 + span_weight`` as the group's time span grows to ``span_days``: a problem that has
    been raised again and again for a month is hotter than one raised on a single day.

How a group is named
    By the title of its most central message (residents' titles say where and what), with the
    group's place in front when that title leaves it out. Each group also carries its place
    (the most named administrative unit, ``A5区``, and the most named specific place when at
    least a third of the messages name it) and the three words that best tell its problem
    (the highest mean TF-IDF weight over the group's titles: frequent in the group, rare
    elsewhere; place names left out).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity

from minqing.routing import places
from minqing.routing import text as textmod
from minqing.routing.hot.cluster import PlaceEvidence, centres
from minqing.routing.hot.load import Message


@dataclass(frozen=True)
class HeatWeights:
    support_weight: float = 1.0
    half_life_days: float = 180.0
    span_days: float = 30.0
    span_weight: float = 0.5


@dataclass
class HotIssue:
    heat: float
    ids: list[str]
    name: str
    place: str
    keywords: list[str]
    reporters: int
    likes: int
    dislikes: int
    first: datetime | None
    last: datetime | None
    representative: str = ""
    rank: int = 0
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.ids)

    @property
    def span_days(self) -> float:
        if self.first is None or self.last is None:
            return 0.0
        return (self.last - self.first).total_seconds() / 86400

    def as_dict(self) -> dict[str, object]:
        return {
            "rank": self.rank,
            "name": self.name,
            "heat": round(self.heat, 3),
            "size": self.size,
            "reporters": self.reporters,
            "likes": self.likes,
            "dislikes": self.dislikes,
            "first": self.first.isoformat(sep=" ") if self.first else None,
            "last": self.last.isoformat(sep=" ") if self.last else None,
            "place": self.place,
            "keywords": self.keywords,
            "representative": self.representative,
            "ids": self.ids,
        }


def _split(text: str) -> list[str]:
    return text.split()


_WEAK = frozenset(
    _split(
        "问题 反映 投诉 举报 建议 咨询 关于 请问 希望 要求 请求 恳请 强烈 "
        "尽快 什么 为什么 何时 怎么 如何 能否 是否 可以 不能 没有 一直 严重 "
        "相关 部门 领导 政府 市民 群众 我们 你们 他们 现在 目前 已经 进行 "
        "存在 情况 解决 处理 合理 多次 一些 一个 这个 那个 还是 为何 到底 "
        "有关 希望 能够 应该 依旧 仍然 还有 谁来 管管 了 的 吗 呢 和 与 "
        "及 对 在 是 有 被 把 将 给 让 请 问 再次"
    )
)


def problem_words(text: str) -> list[str]:
    """The analyzer of the keywords: the words of ``text`` that can tell a problem (two
    characters or more, not a number, not one of the words every complaint uses)."""
    return [w for w in textmod.words(text) if len(w) >= 2 and not w.isdigit() and w not in _WEAK]


def describe(
    messages: Sequence[Message],
    groups: list[list[int]],
    found: PlaceEvidence,
    titles: list[str],
    vectors: sp.csr_matrix,
    weights: HeatWeights,
    reference: datetime | None,
) -> list[HotIssue]:
    """One :class:`HotIssue` for each group of message indices. ``titles`` are the titles
    without their administrative units and main place (the keywords come from them); heat
    is counted back from ``reference``."""
    if not groups:
        return []
    vectorizer = TfidfVectorizer(analyzer=problem_words, binary=True, norm=None)
    try:
        word_weights = vectorizer.fit_transform(titles)
        vocabulary = vectorizer.get_feature_names_out()
    except ValueError:  # no title holds such a word
        word_weights, vocabulary = sp.csr_matrix((len(titles), 0)), np.array([], dtype=object)
    # Each group's mean TF-IDF weight of each word over its titles.
    means = centres(word_weights, groups)
    issues = []
    for k, members in enumerate(groups):
        row = slice(means.indptr[k], means.indptr[k + 1])
        words = dict(zip(vocabulary[means.indices[row]], means.data[row].tolist(), strict=True))
        issues.append(_issue(messages, members, found, words, vectors, weights, reference))
    return issues


def _issue(
    messages: Sequence[Message],
    members: list[int],
    found: PlaceEvidence,
    words: dict[str, float],
    vectors: sp.csr_matrix,
    weights: HeatWeights,
    reference: datetime | None,
) -> HotIssue:
    group = [messages[i] for i in members]
    reporters = len({m.reporter or f"#{m.id}" for m in group})
    likes = sum(max(0, m.likes) for m in group)
    dislikes = sum(max(0, m.dislikes) for m in group)
    support = max(0, likes - dislikes)
    times = sorted(m.time for m in group if m.time is not None)
    first, last = (times[0], times[-1]) if times else (None, None)

    recency = 1.0
    if reference is not None and last is not None:
        age = max(0.0, (reference - last).total_seconds() / 86400)
        recency = 0.5 ** (age / weights.half_life_days)
    span = (last - first).total_seconds() / 86400 if first and last else 0.0
    persistence = 1.0 + weights.span_weight * min(1.0, span / weights.span_days)
    heat = (reporters + weights.support_weight * math.log1p(support)) * recency * persistence

    admin_count = Counter(a for i in members for a in found.admin[i][:1])
    place_count = Counter(p for i in members for p in found.specific[i])
    unit = admin_count.most_common(1)[0][0] if admin_count else ""
    place = ""
    if place_count:
        name, count = place_count.most_common(1)[0]
        if count * 3 >= len(members):
            place = name
    keywords = _keywords(words, {unit, place, *place_count})
    # The representative title: the member closest to the group's centre.
    closest = members[0]
    if len(members) > 2:
        block = vectors[members]
        centre = np.asarray(block.mean(axis=0))
        closest = members[int(np.argmax(cosine_similarity(block, centre)))]
    where = " ".join(p for p in (unit, place) if p)
    # Residents' own titles name the place and the problem; the most central one names the
    # group, with the place in front when that title leaves it out.
    title = " ".join(messages[closest].title.split())
    key = places.place_key(place) if place else ""
    named_in_titles = bool(key) and any(key in messages[i].title for i in members)
    name = f"{place}：{title}" if named_in_titles and key not in title else title
    return HotIssue(
        heat=heat,
        ids=[m.id for m in group],
        name=name or " ".join(keywords),
        place=where,
        keywords=keywords,
        reporters=reporters,
        likes=likes,
        dislikes=dislikes,
        first=first,
        last=last,
        representative=messages[closest].title,
    )


def _keywords(words: dict[str, float], exclude: set[str], k: int = 3) -> list[str]:
    """The ``k`` words of highest weight, leaving out the words that hold or are held by one
    of ``exclude`` (the group's place names)."""
    scored = [
        (weight, word)
        for word, weight in words.items()
        if not any(word in e or e in word for e in exclude if e)
    ]
    scored.sort(key=lambda x: (-x[0], x[1]))
    return [w for _, w in scored[:k]]
