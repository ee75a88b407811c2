"""Features for the router: blocks of TF-IDF weights, each scaled to unit length.

Always:

* characters: 1- and 2-grams (3-grams optional) of kept characters over the whole text,
  never across punctuation (numpy, no segmentation);
* head characters (``head_chars``, the router's default 24): the pairs of the first
  characters again, as a block of their own (the title, when title and body are joined in
  that order).

Optional (``word_chars`` > 0, off by default: no gain in accuracy, much slower):

* words: jieba words of the first ``word_chars`` characters;
* pairs: neighbouring known words;
* head words: the first known words.

Raw text and pre-segmented text give the same features (see :mod:`minqing.routing.text`).
Words are looked up in the training vocabulary, so words the training data never had (stop
words removed by an older pipeline, foreign words) drop out the same way at training and at
prediction time.

Speed: prediction never sorts. Each n-gram is looked up in an open-addressing hash table
(vectorised), and a block's length is ``sqrt(sum of idf² over occurrences)``, which needs no
per-document counting. Training builds exactly the same numbers as a sparse matrix.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from minqing.routing import text as textmod

HEAD_WORDS = 8
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_DIRECT = np.uint64(1 << 16)
_HEAD_MARK = np.uint64(1 << 63)


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """``np.unique`` by sorting (numpy's hash-based unique is slow on millions of codes)."""
    ordered = np.sort(values)
    if len(ordered) == 0:
        return ordered
    keep = np.ones(len(ordered), dtype=bool)
    keep[1:] = ordered[1:] != ordered[:-1]
    return ordered[keep]


class CodeTable:
    """Exact lookup of uint64 codes (never 0) to column numbers, vectorised.

    Codes below 2**16 (single characters) have a direct table. Other codes live in an
    open-addressing hash table with linear probing, and a code's column *is* its slot (after
    the single characters): a lookup reads one 8-byte key and nothing else. Columns of empty
    slots are simply never used.
    """

    def __init__(self, codes: np.ndarray) -> None:
        codes = np.asarray(codes, dtype=np.uint64)
        small = codes < _DIRECT
        self.n_small = int(small.sum())
        self.direct = np.full(int(_DIRECT), -1, dtype=np.int32)
        self.direct[codes[small].astype(np.int64)] = np.arange(self.n_small, dtype=np.int32)
        self.direct[-1] = -1  # U+FFFF: never a kept character
        big = codes[~small]
        self.bits = max(4, int(np.ceil(np.log2(max(1, len(big)) * 2))))
        self.keys = np.zeros(1 << self.bits, dtype=np.uint64)
        self.placement = np.zeros(len(codes), dtype=np.int64)  # column of each input code
        self.placement[small] = np.arange(self.n_small)
        big_index = np.flatnonzero(~small)
        mask = np.uint64((1 << self.bits) - 1)
        pending = np.arange(len(big), dtype=np.int64)
        slots = self._slots(big)
        while len(pending):
            free = self.keys[slots] == 0
            # Among codes that reach the same free slot, the first one takes it.
            cand = np.flatnonzero(free)
            order = np.argsort(slots[cand], kind="stable")
            ordered = slots[cand][order]
            first = np.ones(len(ordered), dtype=bool)
            first[1:] = ordered[1:] != ordered[:-1]
            won = cand[order[first]]
            self.keys[slots[won]] = big[pending[won]]
            self.placement[big_index[pending[won]]] = self.n_small + slots[won].astype(np.int64)
            lost = np.ones(len(pending), dtype=bool)
            lost[won] = False
            pending = pending[lost]
            slots = (slots[lost] + np.uint64(1)) & mask

    @property
    def n_columns(self) -> int:
        return self.n_small + len(self.keys)

    def _slots(self, codes: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):
            return (codes * _GOLDEN) >> np.uint64(64 - self.bits)

    def lookup(self, codes: np.ndarray) -> np.ndarray:
        """Column of each code, -1 where the code is unknown."""
        # Single characters straight from the direct table (U+FFFF stands for "other": -1).
        out = self.direct[np.minimum(codes, _DIRECT - np.uint64(1)).astype(np.int64)].astype(
            np.int64
        )
        if len(codes) == 0:
            return out
        mask = np.uint64((1 << self.bits) - 1)
        active = np.flatnonzero(codes >= _DIRECT)
        query = codes[active]
        slots = self._slots(query)
        while len(active):
            found = self.keys[slots]
            hit = found == query
            out[active[hit]] = slots[hit].astype(np.int64) + self.n_small
            again = ~hit & (found != 0)
            active, query, slots = active[again], query[again], (slots[again] + 1) & mask
        return out


@dataclass
class Occurrences:
    """Feature occurrences of a batch in document order: column and document of each."""

    col: np.ndarray
    doc: np.ndarray


class _Block:
    """One vocabulary of codes with idf weights, one column per slot of its table (columns of
    empty slots have code 0 and idf 0)."""

    def __init__(self) -> None:
        self.table = CodeTable(np.zeros(0, dtype=np.uint64))
        self.codes = np.zeros(self.table.n_columns, dtype=np.uint64)
        self.idf = np.zeros(self.table.n_columns, dtype=np.float32)

    @property
    def size(self) -> int:
        return len(self.codes)

    def fit(self, codes: np.ndarray, doc: np.ndarray, n_docs: int, min_df: int) -> None:
        if len(codes) == 0:
            self.__init__()  # type: ignore[misc]
            return
        unique = _sorted_unique(codes)
        inverse = CodeTable(unique)
        position = np.empty(inverse.n_columns, dtype=np.int64)
        position[inverse.placement] = np.arange(len(unique))
        index = position[inverse.lookup(codes)]
        keys = _sorted_unique(index * n_docs + doc)
        df = np.bincount(keys // n_docs, minlength=len(unique))
        keep = df >= min_df
        kept = unique[keep]
        self.table = CodeTable(kept)
        self.codes = np.zeros(self.table.n_columns, dtype=np.uint64)
        self.codes[self.table.placement] = kept
        self.idf = np.zeros(self.table.n_columns, dtype=np.float32)
        self.idf[self.table.placement] = np.log((1 + n_docs) / (1 + df[keep])) + 1

    def occurrences(self, codes: np.ndarray, doc: np.ndarray) -> Occurrences:
        col = self.table.lookup(codes)
        known = col >= 0
        return Occurrences(col[known], doc[known])


def _scaled_matrix(occ: Occurrences, idf: np.ndarray, n_docs: int) -> sp.csr_matrix:
    """Sparse matrix of tf·idf / sqrt(Σ over occurrences of idf²) (duplicates summed)."""
    weights = idf[occ.col]
    norms = np.sqrt(np.bincount(occ.doc, weights=weights.astype(np.float64) ** 2, minlength=n_docs))
    norms[norms == 0] = 1.0
    data = (weights / norms[occ.doc]).astype(np.float32)
    matrix = sp.csr_matrix((data, (occ.doc, occ.col)), shape=(n_docs, len(idf)))
    matrix.sum_duplicates()
    return matrix


@dataclass
class Analysed:
    """A batch of texts reduced to codes: character n-grams and known-word lists."""

    n_docs: int
    char_grams: np.ndarray
    char_doc: np.ndarray
    word_lists: list[list[str]]
    head_grams: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint64))
    head_doc: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


class FeatureExtractor:
    """Learns vocabularies from training texts, and scores or vectorises texts."""

    def __init__(
        self,
        *,
        min_df: int = 2,
        word_chars: int | None = None,
        char_sizes: tuple[int, ...] = (1, 2),
        head_chars: int = 0,
    ) -> None:
        self.min_df = min_df
        # Segment at most this many characters of each text into words (None: all of it).
        # Character n-grams always cover the whole text.
        self.word_chars = word_chars
        self.char_sizes = char_sizes
        self.word_index: dict[str, int] = {}
        self.word_idf = np.zeros(0, dtype=np.float32)
        self.chars = _Block()
        self.pairs = _Block()
        # Character pairs of the first ``head_chars`` characters (the title), as their own
        # block (0: none).
        self.head_chars = head_chars
        self.head_block = _Block()
        self.head_idf = np.zeros(0, dtype=np.float32)

    # -- analysis ---------------------------------------------------------------------------
    def analyse(self, texts: Sequence[str]) -> Analysed:
        codes, doc, strings = textmod.prepare_batch(
            texts, want_strings=self.word_chars != 0, limit=self.word_chars
        )
        if self.word_chars == 0:
            strings = [""] * len(texts)
        grams, gram_doc = textmod.char_ngrams(codes, doc, self.char_sizes)
        cut = textmod.cut
        batch = Analysed(len(texts), grams, gram_doc, [cut(t) if t else [] for t in strings])
        head_chars = getattr(self, "head_chars", 0)
        if head_chars and len(codes):
            # The first characters of each text (its title) again, as a block of their own.
            n = len(texts)
            starts = np.searchsorted(doc, np.arange(n))
            ends = np.searchsorted(doc, np.arange(n), side="right")
            # One row per text: its first characters, then a 0 that ends the row.
            index = starts[:, None] + np.arange(head_chars + 1)[None, :]
            inside = index < np.minimum(ends, starts + head_chars)[:, None]
            head_codes = np.where(inside, codes[np.minimum(index, len(codes) - 1)], 0)
            row_doc = np.repeat(np.arange(n, dtype=np.int64), head_chars + 1)
            h, h_doc = textmod.char_ngrams(head_codes.astype(np.uint64).ravel(), row_doc, (2,))
            batch.head_grams, batch.head_doc = h | _HEAD_MARK, h_doc
        return batch

    def _word_ids(self, word_lists: list[list[str]]) -> tuple[np.ndarray, np.ndarray]:
        get = self.word_index.get
        ids: list[int] = []
        lengths: list[int] = []
        for words in word_lists:
            known = [i for i in map(get, words) if i is not None]
            ids.extend(known)
            lengths.append(len(known))
        doc = np.repeat(np.arange(len(word_lists), dtype=np.int64), lengths)
        return np.asarray(ids, dtype=np.int64), doc

    @staticmethod
    def _pairs_and_head(
        ids: np.ndarray, doc: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        if len(ids) == 0:
            return np.zeros(0, dtype=np.uint64), doc[:0], ids[:0], doc[:0]
        same = doc[1:] == doc[:-1]
        u = ids.astype(np.uint64) + np.uint64(1)  # +1: a code is never 0
        pair_codes = (u[:-1][same] << np.uint64(32)) | u[1:][same]
        pair_doc = doc[:-1][same]
        starts = np.r_[0, np.flatnonzero(doc[1:] != doc[:-1]) + 1]
        first = np.repeat(starts, np.diff(np.r_[starts, len(doc)]))
        in_head = (np.arange(len(doc)) - first) < HEAD_WORDS
        return pair_codes, pair_doc, ids[in_head], doc[in_head]

    # -- learning ---------------------------------------------------------------------------
    def fit(self, texts: Sequence[str]) -> FeatureExtractor:
        return self.fit_analysed(self.analyse(texts))

    def fit_analysed(self, batch: Analysed) -> FeatureExtractor:
        n = batch.n_docs
        self.chars.fit(batch.char_grams, batch.char_doc, n, self.min_df)
        df: dict[str, int] = {}
        for words in batch.word_lists:
            for word in set(words):
                df[word] = df.get(word, 0) + 1
        is_word = textmod.is_word
        vocabulary = sorted(w for w, c in df.items() if c >= self.min_df and is_word(w))
        self.word_index = {w: i for i, w in enumerate(vocabulary)}
        counts = np.array([df[w] for w in vocabulary], dtype=np.float64)
        self.word_idf = (np.log((1 + n) / (1 + counts)) + 1).astype(np.float32)
        ids, doc = self._word_ids(batch.word_lists)
        pair_codes, pair_doc, head_ids, head_doc = self._pairs_and_head(ids, doc)
        self.pairs.fit(pair_codes, pair_doc, n, self.min_df)
        head_df = np.bincount(
            _sorted_unique(head_ids * n + head_doc) // n, minlength=len(vocabulary)
        ).astype(np.float64)
        self.head_idf = (np.log((1 + n) / (1 + head_df)) + 1).astype(np.float32)
        self.head_block = _Block()
        if getattr(self, "head_chars", 0):
            self.head_block.fit(batch.head_grams, batch.head_doc, n, self.min_df)
        return self

    # -- use --------------------------------------------------------------------------------
    @property
    def n_features(self) -> int:
        return self.block_offsets()[-1]

    def occurrences(self, batch: Analysed) -> list[tuple[Occurrences, np.ndarray]]:
        """Per block: its occurrences and its idf (columns numbered within the block)."""
        chars = self.chars.occurrences(batch.char_grams, batch.char_doc)
        ids, doc = self._word_ids(batch.word_lists)
        pair_codes, pair_doc, head_ids, head_doc = self._pairs_and_head(ids, doc)
        pairs = self.pairs.occurrences(pair_codes, pair_doc)
        blocks = [
            (chars, self.chars.idf),
            (Occurrences(ids, doc), self.word_idf),
            (pairs, self.pairs.idf),
            (Occurrences(head_ids, head_doc), self.head_idf),
        ]
        if getattr(self, "head_chars", 0):
            head = self.head_block.occurrences(batch.head_grams, batch.head_doc)
            blocks.append((head, self.head_block.idf))
        return blocks

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        return self.transform_analysed(self.analyse(texts))

    def transform_analysed(self, batch: Analysed) -> sp.csr_matrix:
        blocks = [_scaled_matrix(occ, idf, batch.n_docs) for occ, idf in self.occurrences(batch)]
        return sp.hstack(blocks, format="csr", dtype=np.float32)

    def block_offsets(self) -> list[int]:
        sizes = [self.chars.size, len(self.word_index), self.pairs.size, len(self.word_index)]
        if getattr(self, "head_chars", 0):
            sizes.append(self.head_block.size)
        return [int(x) for x in np.r_[0, np.cumsum(sizes)]]

    def scores(self, texts: Sequence[str], weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``X @ weights`` for the feature matrix X of ``texts``, without sorting.

        ``weights`` has one row per feature. Returns the scores and, per text, the number of
        known feature occurrences (0: the text has nothing the model knows). Occurrences come
        in document order, so each block is a CSR matrix as it stands (repeated columns are
        summed by the product).
        """
        batch = self.analyse(texts)
        n = batch.n_docs
        total = np.zeros((n, weights.shape[1]), dtype=np.float64)
        seen = np.zeros(n, dtype=np.int64)
        offsets = self.block_offsets()
        for b, (occ, idf) in enumerate(self.occurrences(batch)):
            if len(occ.col) == 0:
                continue
            w = idf[occ.col]
            per_doc = np.bincount(occ.doc, minlength=n)
            norms = np.sqrt(np.bincount(occ.doc, weights=w * w, minlength=n)).astype(np.float32)
            norms[norms == 0] = 1.0
            indptr = np.r_[0, np.cumsum(per_doc)]
            matrix = sp.csr_matrix(
                ((w / norms[occ.doc]).astype(weights.dtype), occ.col, indptr),
                shape=(n, offsets[b + 1] - offsets[b]),
            )
            total += matrix @ weights[offsets[b] : offsets[b + 1]]
            seen += per_doc
        return total, seen

    def feature_names(self) -> list[str]:
        """Readable names of the columns (for explanations)."""
        vocabulary = sorted(self.word_index, key=self.word_index.__getitem__)
        names = [textmod.decode_gram(int(c)) for c in self.chars.codes]
        names += vocabulary
        mask = np.uint64(0xFFFFFFFF)
        names += [
            vocabulary[int(c >> np.uint64(32)) - 1] + " " + vocabulary[int(c & mask) - 1]
            if c
            else ""
            for c in self.pairs.codes
        ]
        names += ["^" + w for w in vocabulary]
        if getattr(self, "head_chars", 0):
            names += [
                "^" + textmod.decode_gram(int(c & ~_HEAD_MARK)) if c else ""
                for c in self.head_block.codes
            ]
        return names
