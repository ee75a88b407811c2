"""Hot issues: recent messages grouped by place and problem, ranked by heat.

:func:`find_hot_issues` runs the stages of the modules of this package:

* :mod:`~minqing.routing.hot.load`: messages from a spreadsheet (:func:`load_messages`);
* :mod:`~minqing.routing.hot.cluster`: places named in each message, TF-IDF topic vectors,
  average-linkage groups adjusted by place, and a second pass that joins groups telling one
  problem in different words;
* :mod:`~minqing.routing.hot.describe`: each group's heat, place, keywords and name.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from minqing.routing import places
from minqing.routing.hot.cluster import (
    DEFAULT_THRESHOLD,
    cluster,
    merge_groups,
    place_evidence,
    topic_vectors,
)
from minqing.routing.hot.describe import HeatWeights, HotIssue, describe
from minqing.routing.hot.load import DEFAULT_COLUMNS, DEFAULT_TEXT_COLUMNS, Message, load_messages

__all__ = [
    "DEFAULT_COLUMNS",
    "DEFAULT_TEXT_COLUMNS",
    "DEFAULT_THRESHOLD",
    "HeatWeights",
    "HotIssue",
    "Message",
    "find_hot_issues",
    "load_messages",
]

BODY_CHARS = 600


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
    if not messages:
        report(5, 5)
        return []
    titles = [m.title or "" for m in messages]
    bodies = [(m.body or "")[:BODY_CHARS] for m in messages]
    found = place_evidence(titles, bodies)
    # What the problem is: the text without its administrative units and main place.
    main = [s[:1] for s in found.specific]
    clean_titles = [places.strip_places(t, s) for t, s in zip(titles, main, strict=True)]
    clean_bodies = [places.strip_places(b, s) for b, s in zip(bodies, main, strict=True)]
    report(1, 5)

    vectors = topic_vectors(clean_titles, clean_bodies)
    bare_titles = [places.strip_places(t, s) for t, s in zip(titles, found.specific, strict=True)]
    report(2, 5)
    labels = cluster(vectors, found, bare_titles, threshold)
    report(3, 5)
    labels = merge_groups(labels, vectors, found)
    report(4, 5)

    groups: dict[int, list[int]] = {}
    for i, label in enumerate(labels.tolist()):
        groups.setdefault(label, []).append(i)
    times = [m.time for m in messages if m.time is not None]
    reference = now or (max(times) if times else None)
    kept = [members for members in groups.values() if len(members) >= min_size]
    issues = describe(messages, kept, found, clean_titles, vectors, weights, reference)
    issues.sort(key=lambda g: (-g.heat, -g.size, g.ids[0]))
    report(5, 5)
    for rank, issue in enumerate(issues, start=1):
        issue.rank = rank
    return issues[:top] if top else issues
