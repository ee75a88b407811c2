"""Duplicate suggestion against a large index of open cases.

    .venv/bin/python bench/duplicates.py [--cases 1000000] [--communities 3000] [--queries 2000]

Builds a synthetic index from real texts: every public message text under ``../shared/data``
(附件3, 附件4, 测试数据 and the labelled sample, about 10,000 distinct texts) is segmented
once, then ``--cases`` open cases draw a text, a community (sizes follow a Zipf-like law,
so some communities are far busier than others), a building (30 per community) and a
creation time in the last 90 days. Queries are real texts in random communities with a
30-day window (the default). Prints the build time, the index size, and the latency of one
query (p50, p99, max), including segmenting the new case's text, plus how many suggestions
the queries got.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from minqing.routing.duplicates import DuplicateIndex, OpenCase, index_words  # noqa: E402
from minqing.routing.tables import read_table  # noqa: E402

SHARED = REPO.parent / "shared" / "data"
SOURCES = [
    (
        SHARED / "raw" / "Syucryingstar__NLP_tipdm" / "全部数据" / "附件3.xlsx",
        ["留言主题", "留言详情"],
    ),
    (
        SHARED / "raw" / "Syucryingstar__NLP_tipdm" / "全部数据" / "附件4.xlsx",
        ["留言主题", "留言详情"],
    ),
    (
        SHARED / "raw" / "15625103741__Text-Mining" / "data" / "测试数据.xlsx",
        ["留言主题", "留言详情"],
    ),
    (SHARED / "teddycup2020" / "messages_labeled_sample.csv", ["留言主题", "留言详情"]),
]
TZ = timezone(timedelta(hours=8))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--communities", type=int, default=3000)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    texts: list[str] = []
    for path, columns in SOURCES:
        texts += read_table(path).texts(columns, allow_empty=True)
    texts = list(dict.fromkeys(t for t in texts if t.strip()))
    started = time.perf_counter()
    words = [index_words(t) for t in texts]
    print(f"{len(texts)} distinct real texts segmented in {time.perf_counter() - started:.1f} s")

    weights = [1 / (rank + 1) ** 0.8 for rank in range(args.communities)]
    communities = rng.choices(range(args.communities), weights=weights, k=args.cases)
    now = datetime(2025, 7, 1, 20, 0, tzinfo=TZ)
    index = DuplicateIndex(window=timedelta(days=30))
    started = time.perf_counter()
    for n, community in enumerate(communities):
        k = rng.randrange(len(texts))
        case = OpenCase(
            id=f"C{n}",
            community=f"P{community}",
            building=f"P{community}-B{rng.randrange(30)}",
            created=now - timedelta(seconds=rng.randrange(90 * 86400)),
            text="",  # the words are given: the text itself is not kept
        )
        index.add(case, words[k], defer=True)
    index.refresh()
    build = time.perf_counter() - started
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"index of {len(index):,} open cases in {args.communities} communities built in "
        f"{build:.1f} s; peak memory {rss:,.0f} MiB"
    )
    busiest, in_busiest = Counter(communities).most_common(1)[0]

    latencies = []
    found = 0
    for _ in range(args.queries):
        community = rng.choices(range(args.communities), weights=weights, k=1)[0]
        text = texts[rng.randrange(len(texts))]
        started = time.perf_counter()
        suggestions = index.suggest(
            text=text,
            community=f"P{community}",
            building=f"P{community}-B{rng.randrange(30)}",
            created=now,
        )
        latencies.append(time.perf_counter() - started)
        found += bool(suggestions)
    latencies.sort()
    ms = [x * 1000 for x in latencies]
    print(
        f"{args.queries} queries (segmenting the new text included): "
        f"p50 {ms[len(ms) // 2]:.2f} ms, p99 {ms[int(len(ms) * 0.99)]:.2f} ms, "
        f"max {ms[-1]:.2f} ms, mean {statistics.mean(ms):.2f} ms; "
        f"{found} of them got suggestions"
    )
    # The busiest community, where a query has the most candidates.
    heavy = []
    for _ in range(200):
        text = texts[rng.randrange(len(texts))]
        started = time.perf_counter()
        index.suggest(text=text, community=f"P{busiest}", created=now)
        heavy.append(time.perf_counter() - started)
    heavy.sort()
    print(
        f"busiest community ({in_busiest:,} open cases): p50 {heavy[100] * 1000:.2f} ms, "
        f"p99 {heavy[198] * 1000:.2f} ms"
    )


if __name__ == "__main__":
    main()
