"""The category router: learns from labelled texts, predicts labels with a confidence.

A linear support vector machine over the features of :mod:`minqing.routing.features`; its
scores become probabilities through a softmax whose temperature is fitted on cross-validated
scores, so "confidence 0.9" means roughly "right nine times in ten" on the training data.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
from joblib import Parallel, delayed
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold
from sklearn.svm import LinearSVC

from minqing.routing.errors import RoutingError
from minqing.routing.features import Analysed, FeatureExtractor
from minqing.routing.metrics import Report, evaluate_predictions

FORMAT = "minqing.routing.router/1"


class Suggestion(NamedTuple):
    """One candidate label for a text, with the probability that it is the right one."""

    label: str
    confidence: float


@dataclass
class TrainingSummary:
    n: int
    labels: dict[str, int]
    seconds: float
    cv: Report | None = None
    cv_folds: int = 0
    meta: dict[str, Any] = field(default_factory=dict)


class Router:
    """A trained router. Create with :meth:`train`; save and load with :mod:`.store`."""

    def __init__(
        self,
        extractor: FeatureExtractor,
        labels: list[str],
        coef: np.ndarray,
        intercept: np.ndarray,
        temperature: float,
        summary: TrainingSummary,
    ) -> None:
        self.extractor = extractor
        self.labels = labels
        self.coef = coef.astype(np.float32)
        self.weights = np.ascontiguousarray(self.coef.T)
        self.intercept = intercept.astype(np.float32)
        self.temperature = float(temperature)
        self.summary = summary
        self.version = ""  # set by the store when the model is saved or loaded

    # -- training ---------------------------------------------------------------------------
    @classmethod
    def train(
        cls,
        texts: Sequence[str],
        labels: Sequence[str],
        *,
        folds: int = 5,
        c: float = 0.5,
        word_chars: int | None = 0,
        head_chars: int = 24,
        seed: int = 0,
        n_jobs: int = 2,
        meta: dict[str, Any] | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> Router:
        """Learn from ``texts`` (raw or pre-segmented) and their ``labels``.

        With ``folds >= 2`` the summary holds a cross-validated report; identical texts stay
        in the same fold, so duplicates do not flatter the figures. ``progress(done, total)``
        is called as the work goes: reading the texts, each fold, the final model.
        """
        started = time.perf_counter()
        if len(texts) != len(labels):
            raise ValueError("texts and labels differ in length")
        y = np.asarray(labels, dtype=object)
        classes, counts = np.unique(y, return_counts=True)
        if len(classes) < 2:
            raise RoutingError("too_few_labels", n=len(classes))
        extractor = FeatureExtractor(word_chars=word_chars, head_chars=head_chars)
        batch = extractor.analyse(texts)

        cv_report: Report | None = None
        out_of_fold: np.ndarray | None = None
        usable_folds = min(folds, int(counts.min()))
        parts = 2 + (usable_folds if usable_folds >= 2 else 0)
        report = progress or (lambda done, total: None)
        report(1, parts)
        if usable_folds >= 2:
            out_of_fold = np.zeros((len(texts), len(classes)), dtype=np.float32)
            groups = _groups(batch.word_lists, texts)
            splitter: StratifiedGroupKFold | StratifiedKFold
            if len(set(groups)) == len(groups):
                splitter = StratifiedKFold(usable_folds, shuffle=True, random_state=seed)
            else:
                splitter = StratifiedGroupKFold(usable_folds, shuffle=True, random_state=seed)
            grouped = isinstance(splitter, StratifiedGroupKFold)
            splits = list(splitter.split(np.zeros(len(y)), y, groups if grouped else None))

            def run_fold(fit_idx: np.ndarray, test_idx: np.ndarray) -> None:
                fold_ex = FeatureExtractor(word_chars=word_chars, head_chars=head_chars)
                fold_ex.fit_analysed(_subset(batch, fit_idx))
                model = _svm(c, seed).fit(
                    fold_ex.transform_analysed(_subset(batch, fit_idx)).astype(np.float64),
                    y[fit_idx],
                )
                scores = model.decision_function(
                    fold_ex.transform_analysed(_subset(batch, test_idx))
                )
                assert out_of_fold is not None
                out_of_fold[test_idx] = _align(scores, list(model.classes_), list(classes))

            # liblinear releases the GIL: folds run side by side on the machine's cores.
            folds_run = Parallel(n_jobs=n_jobs, prefer="threads", return_as="generator")(
                delayed(run_fold)(a, b) for a, b in splits
            )
            for done, _ in enumerate(folds_run, start=2):
                report(done, parts)

        extractor.fit_analysed(batch)
        model = _svm(c, seed).fit(extractor.transform_analysed(batch).astype(np.float64), y)
        coef = _align(model.coef_, list(model.classes_), list(classes), axis=0)
        intercept = _align(model.intercept_[None, :], list(model.classes_), list(classes))[0]
        report(parts, parts)

        temperature = 1.0
        if out_of_fold is not None:
            temperature = _fit_temperature(out_of_fold, y, list(classes))
            probs = _softmax(out_of_fold / temperature)
            cv_report = evaluate_predictions(
                list(y), [classes[i] for i in probs.argmax(1)], probs.max(1).tolist()
            )
        summary = TrainingSummary(
            n=len(texts),
            labels={str(k): int(v) for k, v in zip(classes, counts, strict=True)},
            seconds=0.0,
            cv=cv_report,
            cv_folds=usable_folds if out_of_fold is not None else 0,
            meta=dict(meta or {}),
        )
        router = cls(extractor, [str(k) for k in classes], coef, intercept, temperature, summary)
        summary.seconds = time.perf_counter() - started
        return router

    # -- prediction -------------------------------------------------------------------------
    def probabilities(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Class probabilities (rows follow ``texts``, columns ``self.labels``) and a mask of
        the texts that had at least one known feature."""
        scores, seen = self.extractor.scores(texts, self.weights)
        return _softmax((scores + self.intercept) / self.temperature), seen > 0

    def predict(self, texts: Sequence[str], k: int = 3) -> list[list[Suggestion]]:
        """The ``k`` most likely labels of each text, most likely first.

        A text with no word or character the router knows (empty, or in another language)
        gets an empty list: there is nothing to go on, so it goes to a person.
        """
        if not texts:
            return []
        probs, known = self.probabilities(texts)
        k = max(1, min(k, len(self.labels)))
        order = np.argsort(-probs, axis=1)[:, :k]
        best = np.round(np.take_along_axis(probs, order, axis=1), 4).tolist()
        labels = self.labels
        return [
            [Suggestion(labels[i], p) for i, p in zip(idx, ps, strict=True)] if ok else []
            for idx, ps, ok in zip(order.tolist(), best, known.tolist(), strict=True)
        ]

    def evaluate(self, texts: Sequence[str], labels: Sequence[str]) -> Report:
        probs, known = self.probabilities(texts)
        best = probs.argmax(1)
        predicted = [self.labels[i] if ok else "" for i, ok in zip(best, known, strict=True)]
        confidence = [float(p) if ok else 0.0 for p, ok in zip(probs.max(1), known, strict=True)]
        return evaluate_predictions(list(labels), predicted, confidence)

    def explain(self, text: str, label: str | None = None, top: int = 8) -> list[str]:
        """The features of ``text`` that pushed it most towards ``label`` (default: the
        predicted one), for a person who asks "why this category?"."""
        features = self.extractor.transform([text])
        if features.nnz == 0:
            return []
        if label is None:
            scores = features @ self.coef.T + self.intercept
            column = int(np.asarray(scores).argmax())
        else:
            column = self.labels.index(label)
        weights = features.data * self.coef[column, features.indices]
        order = np.argsort(-weights)[:top]
        names = self.extractor.feature_names()
        return [names[int(features.indices[i])] for i in order if weights[i] > 0]


def _svm(c: float, seed: int) -> LinearSVC:
    return LinearSVC(C=c, class_weight="balanced", tol=1e-3, random_state=seed)


def _subset(batch: Analysed, idx: np.ndarray) -> Analysed:
    keep = np.zeros(batch.n_docs, dtype=bool)
    keep[idx] = True
    remap = np.cumsum(keep) - 1
    mask = keep[batch.char_doc]
    head_mask = keep[batch.head_doc]
    return Analysed(
        n_docs=len(idx),
        char_grams=batch.char_grams[mask],
        char_doc=remap[batch.char_doc[mask]],
        word_lists=[batch.word_lists[i] for i in np.sort(idx)],
        head_grams=batch.head_grams[head_mask],
        head_doc=remap[batch.head_doc[head_mask]],
    )


def _groups(word_lists: list[list[str]], texts: Sequence[str]) -> list[int]:
    """One group per distinct text (after segmentation), so copies share a fold."""
    seen: dict[tuple[str, ...], int] = {}
    return [
        seen.setdefault(tuple(w) or (t,), len(seen)) for w, t in zip(word_lists, texts, strict=True)
    ]


def _align(scores: np.ndarray, have: list[Any], want: list[Any], axis: int = 1) -> np.ndarray:
    """Reorder (and fill with -inf where a fold lacked a class) the class axis of scores."""
    scores = np.asarray(scores)
    if len(have) == 2 and scores.ndim == 2 and scores.shape[axis] == 1:
        # sklearn gives one column for two classes: score of the second class.
        one = scores if axis == 1 else scores.T
        scores = np.hstack([-one, one]) if axis == 1 else np.vstack([-one.T, one.T])
    elif scores.ndim == 1:
        scores = np.stack([-scores, scores], axis=1)
    if have == want:
        return scores
    shape = list(scores.shape)
    shape[axis] = len(want)
    out = np.full(shape, -1e3, dtype=np.float64)
    for j, label in enumerate(have):
        i = want.index(label)
        if axis == 1:
            out[:, i] = scores[:, j]
        else:
            out[i] = scores[j]
    return out


def _softmax(scores: np.ndarray) -> np.ndarray:
    z = scores - scores.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _fit_temperature(scores: np.ndarray, y: np.ndarray, classes: list[str]) -> float:
    """The softmax temperature that minimises the log loss of out-of-fold scores."""
    index = {label: i for i, label in enumerate(classes)}
    truth = np.array([index[label] for label in y])
    best_t, best_loss = 1.0, math.inf
    for t in np.exp(np.linspace(math.log(0.02), math.log(5.0), 60)):
        probs = _softmax(scores / t)
        loss = -np.log(np.clip(probs[np.arange(len(truth)), truth], 1e-12, None)).mean()
        if loss < best_loss:
            best_t, best_loss = float(t), float(loss)
    return best_t
