"""Finding the same message in two data sets, even when one holds raw text and the other
pre-segmented words with stop words removed: measuring a model on messages it was trained
on flatters it, so training can leave such copies out (``router train --exclude-data``)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from minqing.routing import text as textmod


def _bigram_matrix(
    texts: Sequence[str], vocabulary: dict[int, int] | None
) -> tuple[sp.csr_matrix, dict[int, int]]:
    codes, doc = textmod.char_codes(texts)
    grams, gram_doc = textmod.char_ngrams(codes, doc, (2,))
    if vocabulary is None:
        vocabulary = {int(g): i for i, g in enumerate(np.unique(grams).tolist())}
    cols = np.fromiter(
        (vocabulary.get(int(g), -1) for g in grams), dtype=np.int64, count=len(grams)
    )
    keep = cols >= 0
    matrix = sp.csr_matrix(
        (np.ones(int(keep.sum()), dtype=np.float32), (gram_doc[keep], cols[keep])),
        shape=(len(texts), len(vocabulary)),
    )
    matrix.sum_duplicates()
    matrix.data[:] = 1.0
    return matrix, vocabulary


def near_copies(
    train: Sequence[str],
    other: Sequence[str],
    *,
    min_containment: float = 0.9,
    candidates: int = 20,
) -> list[int]:
    """Indices of ``train`` texts that are copies of some text in ``other``.

    A training text is a copy when at least ``min_containment`` of its words occur in the
    other text (words of pre-segmented text are its space-separated tokens; raw text is
    segmented first). Candidates are the ``candidates`` training texts that share the most
    character pairs with each other text.
    """
    if not train or not other:
        return []
    a, vocabulary = _bigram_matrix(train, None)
    b, _ = _bigram_matrix(other, vocabulary)
    shared = (b @ a.T).tocsr()
    train_words = [textmod.words(t) for t in train]
    other_norm = ["".join(textmod.normalize(t).split()) for t in other]
    found: set[int] = set()
    for i in range(len(other)):
        row = shared.getrow(i)
        if row.nnz == 0:
            continue
        top = row.indices[np.argsort(-row.data)[:candidates]]
        for j in top.tolist():
            words = train_words[j]
            if not words:
                continue
            inside = sum(1 for w in words if w in other_norm[i])
            if inside >= min_containment * len(words):
                found.add(j)
    return sorted(found)
