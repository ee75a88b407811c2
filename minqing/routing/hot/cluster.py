"""Grouping messages by place and problem.

Each message becomes a TF-IDF vector of character pairs (scikit-learn's ``TfidfVectorizer``
over :func:`char_pairs`), the title counting more than the body (titles say the problem;
bodies wander). Similarity is the cosine, adjusted by place: messages that name the same
specific place (``魅力之城小区``) move closer; messages that each name specific places but no
common one move apart (the same complaint about two different estates is two problems).
Groups are cut from an average-linkage tree at ``threshold``, so every member is on average
that similar to the rest; a chain of loosely related messages does not become one group. A
second pass (:func:`merge_groups`) joins groups that tell one problem in different words.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity
from sklearn.preprocessing import MultiLabelBinarizer, normalize

from minqing.routing import places
from minqing.routing import text as textmod

DEFAULT_THRESHOLD = 0.27
TITLE_WEIGHT = 0.8
SAME_PLACE_BONUS = 0.15
SAME_AREA_BONUS = 0.05
OTHER_PLACE_FACTOR = 0.25
SHARED_NAME_BONUS = 0.15
SHARED_NAME_PAIRS = 3
RARE_MAX_DF = 20
MERGE_SAME_PLACE = 0.3
MERGE_NO_PLACE = 0.4


@dataclass(frozen=True)
class PlaceEvidence:
    """What each message says of where: its specific places (``魅力之城小区``), its
    administrative units (``A5区``), its main place as a key shared by the messages about
    that place (``""`` for none), and whether that place is broad (a road, a sub-district)."""

    specific: list[list[str]]
    admin: list[list[str]]
    keys: list[str]
    broad: list[bool]


def place_evidence(titles: list[str], bodies: list[str]) -> PlaceEvidence:
    """Places come from the title first; from the start of the body only when the title
    names none."""
    specific = [
        places.specific_places(t) or places.specific_places(b[:200])
        for t, b in zip(titles, bodies, strict=True)
    ]
    admin = [
        places.admin_units(t) or places.admin_units(b[:200])
        for t, b in zip(titles, bodies, strict=True)
    ]
    keys = _place_keys(specific)
    broad = [
        bool(k) and all(places.is_broad(p) for p in s) for k, s in zip(keys, specific, strict=True)
    ]
    return PlaceEvidence(specific=specific, admin=admin, keys=keys, broad=broad)


def _place_keys(specific: list[list[str]]) -> list[str]:
    """Each message's main place as a key; keys where one holds the other (``丽发`` and
    ``丽发新城``, ``魅力之城`` and ``万科魅力之城``) are the same place."""
    keys = [places.primary_place(names) for names in specific]
    roots: dict[str, str] = {}
    for key in sorted(set(keys) - {""}, key=len):
        roots[key] = next((r for r in roots.values() if len(r) >= 3 and r in key), key)
    return [roots.get(k, "") for k in keys]


def char_pairs(text: str) -> list[int]:
    """The analyzer of the vectorizers: the pairs of neighbouring kept characters of
    ``text``, never across punctuation, whitespace deleted (see :mod:`minqing.routing.text`),
    as n-gram codes."""
    codes, doc = textmod.char_codes([text])
    grams, _ = textmod.char_ngrams(codes, doc, (2,))
    return grams.tolist()  # type: ignore[no-any-return]


def topic_vectors(titles: list[str], bodies: list[str]) -> sp.csr_matrix:
    """What each message is about: TF-IDF of the title's character pairs (weight
    ``TITLE_WEIGHT``) beside those of the body, each block and the whole at unit length."""

    def block(texts: list[str]) -> sp.csr_matrix:
        vectorizer = TfidfVectorizer(analyzer=char_pairs, sublinear_tf=True, dtype=np.float32)
        try:
            return vectorizer.fit_transform(texts)
        except ValueError:  # no text has two characters in a row: one column of zeros
            return sp.csr_matrix((len(texts), 1), dtype=np.float32)

    combined = sp.hstack(
        [block(titles) * TITLE_WEIGHT, block(bodies) * (1 - TITLE_WEIGHT)], format="csr"
    )
    return normalize(combined)


def cluster(
    vectors: sp.csr_matrix,
    found: PlaceEvidence,
    titles: list[str],
    threshold: float,
) -> np.ndarray:
    """Average-linkage groups of topic similarity, adjusted by evidence:

    * the same specific place: ``+SAME_PLACE_BONUS`` (a broad place such as a road or a
      sub-district: ``+SAME_AREA_BONUS``);
    * two different places, or two different districts: similarity times
      ``OTHER_PLACE_FACTOR`` (each);
    * ``titles`` (without their places: a shared name of a place is place evidence, not
      topic) sharing ``SHARED_NAME_PAIRS`` or more rare character pairs (a name such as
      "58车贷" that only a few messages use): ``+SHARED_NAME_BONUS``.

    Returns a group label for each message.
    """
    n = vectors.shape[0]
    if n < 2:
        return np.ones(n, dtype=np.int32)
    sim = cosine_similarity(vectors).astype(np.float32, copy=False)
    rare = _rare_pairs(titles)
    if rare.shape[1]:
        shared = (rare @ rare.T).tocoo()
        hit = shared.data >= SHARED_NAME_PAIRS
        sim[shared.row[hit], shared.col[hit]] += SHARED_NAME_BONUS
    same_place = _incidence([{k} if k else set() for k in found.keys])
    # Different places, or different districts: two problems unless the text is very alike.
    for incidence in (_incidence(_district_sets(found.admin)), same_place):
        if not incidence.shape[1]:
            continue
        placed = np.flatnonzero(incidence.getnnz(axis=1) > 0)
        same = (incidence @ incidence.T).tocoo()
        sim[np.ix_(placed, placed)] *= OTHER_PLACE_FACTOR
        sim[same.row, same.col] /= OTHER_PLACE_FACTOR  # those that share one: undo
    # The same place: closer (a broad place such as a road: a little closer).
    if same_place.shape[1]:
        same = (same_place @ same_place.T).tocoo()
        wide = np.array(found.broad)
        r, c = same.row, same.col
        sim[r, c] += np.where(wide[r] | wide[c], SAME_AREA_BONUS, SAME_PLACE_BONUS)
    condensed = 1.0 - squareform(sim, checks=False).astype(np.float64)
    np.clip(condensed, 0.0, 1.0, out=condensed)
    tree = linkage(condensed, method="average")
    return fcluster(tree, t=1.0 - threshold, criterion="distance")


def merge_groups(labels: np.ndarray, vectors: sp.csr_matrix, found: PlaceEvidence) -> np.ndarray:
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
    sim = cosine_similarity(centres(vectors, [members[g] for g in order]), dense_output=False)
    sim = sim.tocoo()
    key_of = []
    districts = []
    for g in order:
        counted = Counter(found.keys[i] for i in members[g] if found.keys[i])
        key_of.append(counted.most_common(1)[0][0] if counted else "")
        districts.append(set().union(*_district_sets([found.admin[i] for i in members[g]])))
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


def centres(vectors: sp.csr_matrix, groups: list[list[int]]) -> sp.csr_matrix:
    """The mean vector of each group's rows (a sparse average, one row per group)."""
    rows = np.repeat(np.arange(len(groups)), [len(g) for g in groups])
    cols = np.concatenate(groups)
    weights = np.concatenate([np.full(len(g), 1.0 / len(g)) for g in groups])
    averaging = sp.csr_matrix((weights, (rows, cols)), shape=(len(groups), vectors.shape[0]))
    return sp.csr_matrix(averaging @ vectors)


def _incidence(groups: list[set[str]]) -> sp.csr_matrix:
    """Which of the names each row holds, one column per name (none: no columns)."""
    return MultiLabelBinarizer(sparse_output=True).fit_transform(groups).tocsr()


def _district_sets(admin: list[list[str]]) -> list[set[str]]:
    """The district- and county-level units of each message (cities say too little)."""
    return [{a for a in units if a.endswith(("区", "县"))} for units in admin]


def _rare_pairs(titles: list[str]) -> sp.csr_matrix:
    """Incidence of the character pairs used by 2 to ``RARE_MAX_DF`` titles."""
    vectorizer = CountVectorizer(
        analyzer=char_pairs, binary=True, min_df=2, max_df=RARE_MAX_DF, dtype=np.float32
    )
    try:
        return vectorizer.fit_transform(titles)
    except ValueError:  # no pair is rare: none shared, or every one too common
        return sp.csr_matrix((len(titles), 0), dtype=np.float32)
