"""Router prediction speed on one core, segmentation included.

    .venv/bin/python bench/router_speed.py [--repeat 5] [--singles 2000]

Trains a router on ``messages_labeled_tokens.csv`` (default settings, no cross-validation),
limits BLAS and OpenMP to one thread (prediction is one Python thread: one core at a time),
then predicts the 2,801 raw messages of ``测试数据.xlsx`` (title + body, as typed, 437
characters on average):

* batch: all 2,801 in one call, ``--repeat`` times; prints the median messages per second,
  by the wall clock and by the process's CPU time (the CPU figure does not suffer when other
  programs share the machine);
* one at a time: ``--singles`` calls with one message each; prints p50, p99 and max in ms.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from threadpoolctl import threadpool_limits  # noqa: E402

from minqing.routing.router import Router  # noqa: E402
from minqing.routing.tables import read_table  # noqa: E402

SHARED = REPO.parent / "shared" / "data"
TEST_SET = SHARED / "raw" / "15625103741__Text-Mining" / "data" / "测试数据.xlsx"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--singles", type=int, default=2000)
    parser.add_argument("--word-chars", type=int, default=0)  # the product default
    args = parser.parse_args()
    with threadpool_limits(1):
        train = read_table(SHARED / "teddycup2020" / "messages_labeled_tokens.csv")
        started = time.perf_counter()
        router = Router.train(
            train.texts(["tokens"]), train.values("label"), folds=0, word_chars=args.word_chars
        )
        print(
            f"training on {len(train.rows)} messages, one core, no cross-validation: "
            f"{time.perf_counter() - started:.1f} s"
        )
        table = read_table(TEST_SET)
        texts = table.texts(["留言主题", "留言详情"])
        chars = sum(len(t) for t in texts) / len(texts)
        router.predict(texts[:50])  # load tables, warm caches
        runs, cpu = [], []
        for _ in range(args.repeat):
            started, started_cpu = time.perf_counter(), time.process_time()
            router.predict(texts)
            runs.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
        median, median_cpu = statistics.median(runs), statistics.median(cpu)
        print(
            f"batch: {len(texts)} messages ({chars:.0f} characters on average), median of "
            f"{args.repeat}: {median * 1000:.0f} ms wall = {len(texts) / median:,.0f} "
            f"messages/s; {median_cpu * 1000:.0f} ms CPU = "
            f"{len(texts) / median_cpu:,.0f} messages/s per core"
        )
        singles = []
        for i in range(args.singles):
            text = texts[i % len(texts)]
            started = time.perf_counter()
            router.predict([text])
            singles.append(time.perf_counter() - started)
        singles.sort()
        p50 = singles[len(singles) // 2] * 1000
        p99 = singles[int(len(singles) * 0.99)] * 1000
        print(
            f"one message at a time ({args.singles} calls): p50 {p50:.2f} ms, "
            f"p99 {p99:.2f} ms, max {singles[-1] * 1000:.2f} ms"
        )


if __name__ == "__main__":
    main()
