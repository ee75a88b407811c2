"""Reply quality check against hand labels.

    .venv/bin/python bench/reply_quality.py [--window 100] [--limit N]

Reads the 2,816 official replies of ``附件4.xlsx`` and a team's hand labels of the same rows
(``T3/附件4_人工标注.xlsx``, column 可解释性: 0 = the reply explains nothing, 1 = it does)
from ``../shared/data``, runs ``reply_check`` on each reply against its message (title and
detail) and the ``--window`` replies before it in time (the data names no department, so
"recent replies" are the previous replies of the whole board), and prints precision, recall
and F1 of "flagged" against label 0, the count of each reason and the median time per reply.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

SHARED = REPO.parent / "shared" / "data" / "raw" / "Syucryingstar__NLP_tipdm"
REPLIES = SHARED / "全部数据" / "附件4.xlsx"
LABELS = SHARED / "T3" / "附件4_人工标注.xlsx"
# 可解释性 0 means "empty of substance" (docs/routing.md, "Reply quality").
EMPTY = 0


@dataclass(frozen=True)
class Row:
    case_text: str
    reply: str
    at: str
    empty: bool  # the hand label says the reply is empty of substance


def available() -> bool:
    return REPLIES.is_file() and LABELS.is_file()


def load(limit: int | None = None) -> list[Row]:
    """The replies with their messages and labels, in the order they were written."""
    from minqing.lib.spreadsheets import cell_text, read_grid

    replies = read_grid(REPLIES)
    labels = read_grid(LABELS)
    head = [cell_text(c) for c in replies[0]]
    lhead = [cell_text(c) for c in labels[0]]
    col = {
        name: head.index(name)
        for name in ("留言编号", "留言主题", "留言详情", "答复意见", "答复时间")
    }
    label_of = {
        cell_text(r[lhead.index("留言编号")]): r[lhead.index("可解释性")]
        for r in labels[1:]
        if r[lhead.index("可解释性")] is not None
    }
    rows = []
    for r in replies[1:]:
        key = cell_text(r[col["留言编号"]])
        if key not in label_of:
            continue
        rows.append(
            Row(
                case_text=f"{cell_text(r[col['留言主题']])} {cell_text(r[col['留言详情']])}",
                reply=cell_text(r[col["答复意见"]]),
                at=cell_text(r[col["答复时间"]]),
                empty=int(label_of[key]) == EMPTY,
            )
        )
    rows.sort(key=lambda row: row.at)
    return rows[:limit] if limit else rows


def measure(rows: Sequence[Row], *, window: int = 100) -> dict[str, Any]:
    """Precision, recall and F1 of "flagged" against the hand labels, the per-reason counts
    and the median milliseconds per reply."""
    from minqing.cases.replies import reply_check

    tp = fp = fn = 0
    reasons: Counter[str] = Counter()
    times = []
    for i, row in enumerate(rows):
        others = [r.reply for r in rows[max(0, i - window) : i]]
        start = time.perf_counter()
        flags = reply_check(row.reply, case_text=row.case_text, other_replies=others)
        times.append((time.perf_counter() - start) * 1000)
        reasons.update(flag.code for flag in flags)
        flagged = bool(flags)
        tp += flagged and row.empty
        fp += flagged and not row.empty
        fn += row.empty and not flagged
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "replies": len(rows),
        "labelled_empty": sum(r.empty for r in rows),
        "flagged": tp + fp,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "reasons": dict(reasons),
        "median_ms": statistics.median(times) if times else 0.0,
        "p99_ms": sorted(times)[int(len(times) * 0.99)] if times else 0.0,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--window", type=int, default=100)
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()
    if not available():
        print(f"skipped: {REPLIES} or {LABELS} is absent (the shared data is not here)")
        return 0
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minqing.settings")
    import django

    django.setup()
    rows = load(args.limit)
    m = measure(rows, window=args.window)
    print(f"replies            {m['replies']} ({m['labelled_empty']} labelled empty)")
    print(f"flagged            {m['flagged']}")
    print(f"precision          {m['precision']:.3f}")
    print(f"recall             {m['recall']:.3f}")
    print(f"F1                 {m['f1']:.3f}")
    for code, n in sorted(m["reasons"].items(), key=lambda kv: -kv[1]):
        print(f"  {code:<16} {n}")
    print(f"median ms / reply  {m['median_ms']:.3f} (p99 {m['p99_ms']:.3f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
