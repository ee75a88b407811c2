"""Hot issues: recent messages grouped by place and problem, ranked by heat.

How a group forms
    Each message becomes a vector of character-bigram TF-IDF weights, the title counting more
    than the body (titles say the problem; bodies wander). Similarity is the cosine, adjusted
    by place: messages that name the same specific place (``魅力之城小区``) move closer;
    messages that each name specific places but no common one move apart (the same complaint
    about two different estates is two problems). Groups are cut from an average-linkage
    tree at ``threshold``, so every member is on average that similar to the rest; a chain of
    loosely related messages does not become one group.

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
    (frequent in the group, rare elsewhere, place names left out).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import scipy.sparse as sp
from scipy.cluster.hierarchy import fcluster, linkage

from minqing.routing import places
from minqing.routing import text as textmod
from minqing.routing.errors import RoutingError
from minqing.routing.tables import Table, parse_time


def _split(text: str) -> list[str]:
    return text.split()


@dataclass(frozen=True)
class Message:
    id: str
    title: str
    body: str = ""
    reporter: str = ""
    time: datetime | None = None
    likes: int = 0
    dislikes: int = 0


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


DEFAULT_THRESHOLD = 0.27
TITLE_WEIGHT = 0.8
BODY_CHARS = 600
SAME_PLACE_BONUS = 0.15
SAME_AREA_BONUS = 0.05
OTHER_PLACE_FACTOR = 0.25
SHARED_NAME_BONUS = 0.15
SHARED_NAME_PAIRS = 3
RARE_MAX_DF = 20
MERGE_SAME_PLACE = 0.3
MERGE_NO_PLACE = 0.4


DEFAULT_TEXT_COLUMNS = ("留言主题", "留言详情")
DEFAULT_COLUMNS = {
    "id": "留言编号",
    "reporter": "留言用户",
    "time": "留言时间",
    "likes": "点赞数",
    "dislikes": "反对数",
}


def load_messages(
    table: Table,
    *,
    text_columns: Sequence[str] = DEFAULT_TEXT_COLUMNS,
    id_column: str | None = None,
    reporter_column: str | None = None,
    time_column: str | None = None,
    likes_column: str | None = None,
    dislikes_column: str | None = None,
) -> list[Message]:
    """Messages from a spreadsheet. The first text column is the title, the others the body.
    A column named explicitly must exist; a default column (``留言编号``, ``留言用户``,
    ``留言时间``, ``点赞数``, ``反对数``) is used when present. Without an id column, the
    spreadsheet row number is the id."""

    def pick(given: str | None, default: str) -> str | None:
        if given:
            table.column(given)  # raises, naming the column and those present
            return given
        return default if default in table.header else None

    if not text_columns:
        raise RoutingError("no_columns")
    for column in text_columns:
        table.column(column)
    title_col, body_cols = text_columns[0], list(text_columns[1:])
    titles = table.texts([title_col], allow_empty=True)
    bodies = table.texts(body_cols, allow_empty=True) if body_cols else [""] * len(titles)
    for number, title, body in zip(table.numbers(), titles, bodies, strict=True):
        if not title.strip() and not body.strip():
            raise RoutingError(
                "empty_text", row=number, path=str(table.path), columns=", ".join(text_columns)
            )
    id_col = pick(id_column, DEFAULT_COLUMNS["id"])
    ids = table.values(id_col) if id_col else [str(n) for n in table.numbers()]
    reporter_col = pick(reporter_column, DEFAULT_COLUMNS["reporter"])
    reporters = table.values(reporter_col, required=False) if reporter_col else [""] * len(titles)
    times: list[datetime | None] = [None] * len(titles)
    time_col = pick(time_column, DEFAULT_COLUMNS["time"])
    if time_col:
        for k, (number, value) in enumerate(zip(table.numbers(), table.raw(time_col), strict=True)):
            try:
                times[k] = parse_time(value)
            except ValueError:
                raise RoutingError(
                    "bad_time", row=number, path=str(table.path), value=str(value), column=time_col
                ) from None
    likes = _counts(table, pick(likes_column, DEFAULT_COLUMNS["likes"]))
    dislikes = _counts(table, pick(dislikes_column, DEFAULT_COLUMNS["dislikes"]))
    return [
        Message(id=i, title=t, body=b, reporter=r, time=tm, likes=lk, dislikes=dk)
        for i, t, b, r, tm, lk, dk in zip(
            ids, titles, bodies, reporters, times, likes, dislikes, strict=True
        )
    ]


def _counts(table: Table, column: str | None) -> list[int]:
    if not column:
        return [0] * len(table.rows)
    out = []
    for number, value in zip(table.numbers(), table.raw(column), strict=True):
        try:
            out.append(int(float(value)) if value not in (None, "") else 0)
        except (TypeError, ValueError):
            raise RoutingError(
                "bad_number", row=number, path=str(table.path), value=str(value), column=column
            ) from None
    return out


def find_hot_issues(
    messages: Sequence[Message],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    weights: HeatWeights | None = None,
    now: datetime | None = None,
    top: int | None = None,
    min_size: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> list[HotIssue]:
    """Group ``messages`` and return the groups hottest first (``top`` of them).

    ``progress(done, 5)`` after each stage: places, vectors, clusters, merges, heat.
    """
    report = progress or (lambda done, total: None)
    weights = weights or HeatWeights()
    n = len(messages)
    if n == 0:
        report(5, 5)
        return []
    titles = [m.title or "" for m in messages]
    bodies = [(m.body or "")[:BODY_CHARS] for m in messages]
    # Places come from the title first; the body only when the title names none.
    specific: list[list[str]] = []
    admin: list[list[str]] = []
    for t, b in zip(titles, bodies, strict=True):
        specific.append(places.specific_places(t) or places.specific_places(b[:200]))
        admin.append(places.admin_units(t) or places.admin_units(b[:200]))
    keys = _place_keys(specific)
    broad = [
        bool(k) and all(places.is_broad(p) for p in s) for k, s in zip(keys, specific, strict=True)
    ]
    # What the problem is: the text without its administrative units and main place.
    clean_titles = [places.strip_places(t, s[:1]) for t, s in zip(titles, specific, strict=True)]
    clean_bodies = [places.strip_places(b, s[:1]) for b, s in zip(bodies, specific, strict=True)]
    report(1, 5)

    vectors = _vectors(clean_titles, clean_bodies)
    bare_titles = [places.strip_places(t, s) for t, s in zip(titles, specific, strict=True)]
    report(2, 5)
    labels = (
        _cluster(vectors, keys, broad, admin, bare_titles, threshold) if n > 1 else np.array([1])
    )
    report(3, 5)
    labels = _merge_groups(labels, vectors, keys, admin)
    report(4, 5)

    times = [m.time for m in messages if m.time is not None]
    reference = now or (max(times) if times else None)
    groups: dict[int, list[int]] = {}
    for i, label in enumerate(labels):
        groups.setdefault(int(label), []).append(i)

    word_lists = [textmod.words(t) for t in clean_titles]
    document_frequency = Counter(w for ws in word_lists for w in set(ws))
    issues = []
    for members in groups.values():
        if len(members) < min_size:
            continue
        issues.append(
            _issue(
                messages,
                members,
                specific,
                admin,
                word_lists,
                document_frequency,
                vectors,
                weights,
                reference,
            )
        )
    issues.sort(key=lambda g: (-g.heat, -g.size, g.ids[0]))
    report(5, 5)
    for rank, issue in enumerate(issues, start=1):
        issue.rank = rank
    return issues[:top] if top else issues


def _vectors(titles: list[str], bodies: list[str]) -> sp.csr_matrix:
    def block(texts: list[str]) -> sp.csr_matrix:
        codes, doc = textmod.char_codes(texts)
        grams, gram_doc = textmod.char_ngrams(codes, doc, (2,))
        if len(grams) == 0:
            return sp.csr_matrix((len(texts), 1), dtype=np.float32)
        unique, inverse = np.unique(grams, return_inverse=True)
        counts = sp.csr_matrix(
            (np.ones(len(grams), dtype=np.float32), (gram_doc, inverse)),
            shape=(len(texts), len(unique)),
        )
        counts.sum_duplicates()
        df = np.bincount(counts.indices, minlength=len(unique))
        idf = np.log((1 + len(texts)) / (1 + df)) + 1
        counts.data = (1 + np.log(counts.data)) * idf[counts.indices].astype(np.float32)
        return _normalise(counts)

    combined = sp.hstack(
        [block(titles) * TITLE_WEIGHT, block(bodies) * (1 - TITLE_WEIGHT)], format="csr"
    )
    return _normalise(combined)


def _normalise(matrix: sp.csr_matrix) -> sp.csr_matrix:
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms) @ matrix)


def _place_keys(specific: list[list[str]]) -> list[str]:
    """Each message's main place as a key; keys where one holds the other (``丽发`` and
    ``丽发新城``, ``魅力之城`` and ``万科魅力之城``) are the same place."""
    keys = [places.primary_place(names) for names in specific]
    roots: dict[str, str] = {}
    for key in sorted(set(keys) - {""}, key=len):
        roots[key] = next((r for r in roots.values() if len(r) >= 3 and r in key), key)
    return [roots.get(k, "") for k in keys]


def _cluster(
    vectors: sp.csr_matrix,
    keys: list[str],
    broad: list[bool],
    districts: list[list[str]],
    titles: list[str],
    threshold: float,
) -> np.ndarray:
    """Average-linkage groups of topic similarity, adjusted by evidence:

    * the same specific place: ``+SAME_PLACE_BONUS`` (a broad place such as a road or a
      sub-district: ``+SAME_AREA_BONUS``);
    * two different places, or two different districts: similarity times
      ``OTHER_PLACE_FACTOR`` (each);
    * titles sharing ``SHARED_NAME_PAIRS`` or more rare character pairs (a name such as
      "58车贷" that only a few messages use): ``+SHARED_NAME_BONUS``.
    """
    n = vectors.shape[0]
    sim = (vectors @ vectors.T).toarray().astype(np.float32)
    rare = _rare_title_bigrams(titles)
    if rare.shape[1]:
        shared = (rare @ rare.T).tocoo()
        hit = shared.data >= SHARED_NAME_PAIRS
        sim[shared.row[hit], shared.col[hit]] += SHARED_NAME_BONUS
    # Different places, or different districts: two problems unless the text is very alike.
    for groups in (_district_sets(districts), [{k} if k else set() for k in keys]):
        incidence = _incidence(groups)
        if incidence is None:
            continue
        placed = np.flatnonzero(np.asarray(incidence.sum(axis=1)).ravel() > 0)
        same = (incidence @ incidence.T).tocoo()
        block = np.ix_(placed, placed)
        sim[block] *= OTHER_PLACE_FACTOR
        sim[same.row, same.col] /= OTHER_PLACE_FACTOR  # those that share one: undo
    # The same place: closer (a broad place such as a road: a little closer).
    incidence = _incidence([{k} if k else set() for k in keys])
    if incidence is not None:
        same = (incidence @ incidence.T).tocoo()
        wide = np.array(broad)
        r, c = same.row, same.col
        sim[r, c] += np.where(wide[r] | wide[c], SAME_AREA_BONUS, SAME_PLACE_BONUS)
    iu = np.triu_indices(n, k=1)
    condensed = 1.0 - sim[iu].astype(np.float64)
    np.clip(condensed, 0.0, 1.0, out=condensed)
    tree = linkage(condensed, method="average")
    return fcluster(tree, t=1.0 - threshold, criterion="distance")


def _merge_groups(
    labels: np.ndarray, vectors: sp.csr_matrix, keys: list[str], admin: list[list[str]]
) -> np.ndarray:
    """Second pass: join groups that are one problem told in different words.

    Two groups join when their centres (mean topic vectors) are alike and their places agree:
    ``MERGE_SAME_PLACE`` when both are mostly about the same place, ``MERGE_NO_PLACE`` when
    one names no place and their districts do not differ. Groups about different places never
    join.
    """
    members: dict[int, list[int]] = {}
    for i, label in enumerate(labels.tolist()):
        members.setdefault(label, []).append(i)
    order = list(members)
    if len(order) < 2:
        return labels
    rows = np.repeat(np.arange(len(order)), [len(members[g]) for g in order])
    cols = np.concatenate([members[g] for g in order])
    weights = np.concatenate([np.full(len(members[g]), 1.0 / len(members[g])) for g in order])
    averaging = sp.csr_matrix((weights, (rows, cols)), shape=(len(order), len(labels)))
    centres = sp.csr_matrix(averaging @ vectors)
    centres = _normalise(centres)
    sim = (centres @ centres.T).tocoo()
    key_of = []
    districts = []
    for g in order:
        counted = Counter(keys[i] for i in members[g] if keys[i])
        key_of.append(counted.most_common(1)[0][0] if counted else "")
        districts.append(set().union(*(_district_sets([admin[i]])[0] for i in members[g])))
    parent = list(range(len(order)))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    pick = (sim.row < sim.col) & (sim.data >= MERGE_SAME_PLACE)
    for a, b, value in zip(sim.row[pick], sim.col[pick], sim.data[pick], strict=True):
        ka, kb = key_of[a], key_of[b]
        if ka and kb:
            join = ka == kb
        else:
            disjoint = bool(districts[a] and districts[b] and not districts[a] & districts[b])
            join = value >= MERGE_NO_PLACE and not disjoint and bool(ka or kb)
        if join:
            parent[find(int(a))] = find(int(b))
    out = labels.copy()
    for k, g in enumerate(order):
        out[members[g]] = order[find(k)]
    return out


def _incidence(groups: list[set[str]]) -> sp.csr_matrix | None:
    index: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    for i, names in enumerate(groups):
        for name in names:
            rows.append(i)
            cols.append(index.setdefault(name, len(index)))
    if not rows:
        return None
    return sp.csr_matrix(
        (np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(groups), len(index))
    )


def _district_sets(admin: list[list[str]]) -> list[set[str]]:
    """The district- and county-level units of each message (cities say too little)."""
    return [{a for a in units if a.endswith(("区", "县"))} for units in admin]


def _rare_title_bigrams(titles: list[str]) -> sp.csr_matrix:
    """Incidence of title character pairs used by 2 to ``RARE_MAX_DF`` titles (pass titles
    without their place names: a shared name of a place is place evidence, not topic)."""
    codes, doc = textmod.char_codes(titles)
    grams, gram_doc = textmod.char_ngrams(codes, doc, (2,))
    if len(grams) == 0:
        return sp.csr_matrix((len(titles), 0), dtype=np.float32)
    unique, inverse = np.unique(grams, return_inverse=True)
    incidence = sp.csr_matrix(
        (np.ones(len(grams), dtype=np.float32), (gram_doc, inverse)),
        shape=(len(titles), len(unique)),
    )
    incidence.sum_duplicates()
    incidence.data[:] = 1.0
    df = np.asarray(incidence.sum(axis=0)).ravel()
    keep = np.flatnonzero((df >= 2) & (df <= RARE_MAX_DF))
    return sp.csr_matrix(incidence[:, keep])


def _issue(
    messages: Sequence[Message],
    members: list[int],
    specific: list[list[str]],
    admin: list[list[str]],
    word_lists: list[list[str]],
    document_frequency: Counter[str],
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

    admin_count = Counter(a for i in members for a in admin[i][:1])
    place_count = Counter(p for i in members for p in specific[i])
    unit = admin_count.most_common(1)[0][0] if admin_count else ""
    place = ""
    if place_count:
        name, count = place_count.most_common(1)[0]
        if count * 3 >= len(members):
            place = name
    keywords = _keywords(
        members, word_lists, document_frequency, len(messages), {unit, place, *place_count}
    )
    # The representative title: the member closest to the group's centre.
    closest = members[0]
    if len(members) > 2:
        block = vectors[members]
        centre = np.asarray(block.mean(axis=0)).ravel()
        closest = members[int(np.argmax(block @ centre))]
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


_WEAK = frozenset(
    _split(
        "问题 反映 投诉 举报 建议 咨询 关于 请问 希望 要求 请求 恳请 强烈 "
        "尽快 什么 为什么 何时 怎么 如何 能否 是否 可以 不能 没有 一直 严重 "
        "相关 部门 领导 政府 市民 群众 我们 你们 他们 现在 目前 已经 进行 "
        "存在 情况 解决 处理 合理 多次 一些 一个 这个 那个 还是 为何 到底 "
        "有关 希望 能够 应该 依旧 仍然 还有 谁来 管管 了 的 吗 呢 和 与 "
        "及 对 在 是 有 被 把 将 给 让 请 问 再次 "
    )
)


def _keywords(
    members: list[int],
    word_lists: list[list[str]],
    document_frequency: Counter[str],
    n_docs: int,
    exclude: set[str],
    k: int = 3,
) -> list[str]:
    counts = Counter(w for i in members for w in set(word_lists[i]))
    scored = []
    for word, count in counts.items():
        if word in _WEAK or len(word) < 2 or word.isdigit():
            continue
        if any(word in e or e in word for e in exclude if e):
            continue
        idf = math.log((1 + n_docs) / (1 + document_frequency[word])) + 1
        scored.append(((count / len(members)) * idf, word))
    scored.sort(key=lambda x: (-x[0], x[1]))
    return [w for _, w in scored[:k]]
