"""Router accuracy on raw text it has never seen, and training time.

    .venv/bin/python bench/router_accuracy.py [--head-chars 24] [--word-chars 0] [--char-sizes 12]
                                              [--folds 5]

Trains on ``messages_labeled_tokens.csv`` (pre-segmented words) without the rows that are
copies of ``messages_labeled_sample.csv`` messages (found with ``minqing.routing.overlap``),
then measures on the 452 raw sample messages as people typed them. Prints the training time,
the cross-validated figures (identical texts kept in one fold) and the held-out figures:
macro-F1, accuracy, per class, precision at each coverage level.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from minqing.routing import features  # noqa: E402
from minqing.routing.metrics import Report  # noqa: E402
from minqing.routing.overlap import near_copies  # noqa: E402
from minqing.routing.router import Router  # noqa: E402
from minqing.routing.tables import read_table  # noqa: E402

DATA = REPO.parent / "shared" / "data" / "teddycup2020"


def show(title: str, report: Report) -> None:
    print(f"{title}: macro-F1 {report.macro_f1:.4f}  accuracy {report.accuracy:.4f}  n {report.n}")
    for label, f in report.per_class.items():
        print(f"    {label:<8} P {f.precision:.3f}  R {f.recall:.3f}  F1 {f.f1:.3f}  n {f.support}")
    print(
        "    precision at coverage: "
        + "  ".join(f"{k} {v:.3f}" for k, v in report.precision_at_coverage.items())
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--word-chars", type=int, default=0)
    parser.add_argument("--head-chars", type=int, default=24)
    parser.add_argument("--char-sizes", default="12", help="n-gram sizes, e.g. 12 or 123")
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()
    sizes = tuple(int(c) for c in args.char_sizes)
    original = features.FeatureExtractor.__init__

    def configured(self, **kwargs):  # the bench's choice of n-gram sizes
        kwargs.setdefault("char_sizes", sizes)
        original(self, **kwargs)

    features.FeatureExtractor.__init__ = configured  # type: ignore[method-assign]

    train = read_table(DATA / "messages_labeled_tokens.csv")
    sample = read_table(DATA / "messages_labeled_sample.csv")
    texts, labels = train.texts(["tokens"]), train.values("label")
    raw, truth = sample.texts(["留言主题", "留言详情"]), sample.values("一级分类")
    started = time.perf_counter()
    seen = set(near_copies(texts, raw))
    overlap_s = time.perf_counter() - started
    keep = [i for i in range(len(texts)) if i not in seen]
    print(
        f"training rows {len(texts)}, left out as copies of sample messages {len(seen)} "
        f"({overlap_s:.1f} s), trained on {len(keep)}"
    )
    started = time.perf_counter()
    router = Router.train(
        [texts[i] for i in keep],
        [labels[i] for i in keep],
        folds=args.folds,
        word_chars=args.word_chars,
    )
    print(
        f"training with {args.folds}-fold cross-validation: {time.perf_counter() - started:.1f} s"
        f"  (head_chars={args.head_chars}, word_chars={args.word_chars}, n-grams {sizes}, "
        f"{router.extractor.n_features} features, temperature {router.temperature:.3f})"
    )
    started = time.perf_counter()
    Router.train(
        [texts[i] for i in keep], [labels[i] for i in keep], folds=0, word_chars=args.word_chars
    )
    print(f"training without cross-validation: {time.perf_counter() - started:.1f} s")
    if router.summary.cv:
        show("cross-validated on the training rows", router.summary.cv)
    show("held out: raw sample messages", router.evaluate(raw, truth))


if __name__ == "__main__":
    main()
