"""Hot issues over the 4,326 real messages of 附件3.xlsx: time, and the groups to look at.

    .venv/bin/python bench/hot_issues.py [--top 20] [--repeat 3]

Times reading the spreadsheet and grouping separately (median of ``--repeat`` runs of the
grouping), then prints the top groups with a few member titles each, so that a person can
judge whether each group is one problem.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from minqing.routing.hot import find_hot_issues, load_messages  # noqa: E402
from minqing.routing.tables import read_table  # noqa: E402

DATA = (
    REPO.parent / "shared" / "data" / "raw" / "Syucryingstar__NLP_tipdm" / "全部数据" / "附件3.xlsx"
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--titles", type=int, default=3, help="member titles shown per group")
    args = parser.parse_args()
    started = time.perf_counter()
    messages = load_messages(read_table(DATA))
    read_s = time.perf_counter() - started
    runs = []
    issues = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        issues = find_hot_issues(messages)
        runs.append(time.perf_counter() - started)
    grouped = sum(1 for g in issues if g.size > 1)
    print(
        f"{len(messages)} messages: read {read_s:.2f} s, grouped in "
        f"{statistics.median(runs):.2f} s (median of {args.repeat}); {len(issues)} groups, "
        f"{grouped} with more than one message"
    )
    titles = {m.id: m.title for m in messages}
    for g in issues[: args.top]:
        span = f"{g.span_days:.0f}d"
        print(
            f"{g.rank:>3} heat {g.heat:6.2f}  n={g.size:<3} reporters={g.reporters:<3} "
            f"likes={g.likes:<5} span={span:>5}  {g.name}"
        )
        for i in g.ids[: args.titles]:
            print(f"        {i}  {titles[i]}")


if __name__ == "__main__":
    main()
