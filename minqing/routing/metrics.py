"""Measures of a router: macro-F1, accuracy, per class, precision at each coverage level."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

COVERAGE_LEVELS = tuple(round(0.1 * i, 1) for i in range(1, 11))


@dataclass
class ClassFigures:
    precision: float
    recall: float
    f1: float
    support: int


@dataclass
class Report:
    macro_f1: float
    accuracy: float
    per_class: dict[str, ClassFigures]
    precision_at_coverage: dict[str, float]
    n: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "macro_f1": round(self.macro_f1, 4),
            "accuracy": round(self.accuracy, 4),
            "per_class": {
                label: {
                    "precision": round(f.precision, 4),
                    "recall": round(f.recall, 4),
                    "f1": round(f.f1, 4),
                    "support": f.support,
                }
                for label, f in self.per_class.items()
            },
            "precision_at_coverage": {
                k: round(v, 4) for k, v in self.precision_at_coverage.items()
            },
            "n": self.n,
        }


def evaluate_predictions(
    truth: Sequence[str], predicted: Sequence[str], confidence: Sequence[float]
) -> Report:
    """Compare predictions with the truth.

    Macro-F1 averages the F1 of the labels present in the truth (a label the router predicts
    but the data never has does not count as a class of its own). Precision at coverage c is
    the accuracy on the share c of texts with the highest confidence (ties keep input order).
    """
    n = len(truth)
    if n == 0:
        return Report(0.0, 0.0, {}, {f"{c:.1f}": 0.0 for c in COVERAGE_LEVELS}, 0)
    t = np.asarray(truth, dtype=object)
    p = np.asarray(predicted, dtype=object)
    correct = t == p
    per_class: dict[str, ClassFigures] = {}
    for label in sorted(set(t.tolist())):
        tp = int(np.sum(correct & (t == label)))
        predicted_n = int(np.sum(p == label))
        support = int(np.sum(t == label))
        precision = tp / predicted_n if predicted_n else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[str(label)] = ClassFigures(precision, recall, f1, support)
    macro_f1 = float(np.mean([f.f1 for f in per_class.values()]))
    order = np.argsort(-np.asarray(confidence, dtype=np.float64), kind="stable")
    ranked = correct[order]
    at: dict[str, float] = {}
    for level in COVERAGE_LEVELS:
        k = max(1, int(level * n + 0.5))
        at[f"{level:.1f}"] = float(ranked[:k].mean())
    return Report(macro_f1, float(correct.mean()), per_class, at, n)
