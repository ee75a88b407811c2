"""Text as people type it: normalisation, segmentation and character codes.

Everything here is plain Python (no Django). Two forms of input are accepted everywhere and
give the same features:

* raw text as typed: padding such as ``"\\n\\t\\t\\t"``, tabs, non-breaking spaces, full-width
  letters and digits (``Ａ３区``), ideographic spaces, mixed case;
* pre-segmented text: words separated by spaces (``"市 西湖 建筑 集团"``), as in spreadsheets
  exported from older systems.

The rule that makes both forms agree: whitespace never separates characters (it is deleted
before character n-grams are taken), while punctuation and symbols do.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache

import numpy as np
import rjieba

__all__ = [
    "char_codes",
    "char_ngrams",
    "cut",
    "is_kept_char",
    "is_word",
    "normalize",
    "prepare_batch",
    "segment",
    "words",
]

_WHITESPACE = re.compile(r"\s+")
# A token is a word when it has at least one letter, digit or Chinese character.
_WORDLIKE = re.compile(r"[0-9a-z\u3400-\u4dbf\u4e00-\u9fff]")

# Code points fit in 21 bits, so three of them fit in one uint64.
_CODE_BITS = 21


def normalize(text: str | None) -> str:
    """Return ``text`` the way we store and compare it.

    NFKC (full-width letters, digits and punctuation become ASCII; the non-breaking space and
    the ideographic space become spaces), lower case, every run of whitespace becomes one
    space, no leading or trailing whitespace. ``None`` becomes ``""``.
    """
    if not text:
        return ""
    return _WHITESPACE.sub(" ", unicodedata.normalize("NFKC", text).lower()).strip()


def is_kept_char(char: str) -> bool:
    """True for the characters that carry meaning in features: a-z, 0-9 and Chinese."""
    return bool(_WORDLIKE.fullmatch(char))


def segment(text: str) -> list[str]:
    """Split normalised text into words (jieba dictionary, via rjieba) and drop non-words.

    Punctuation, whitespace and single Latin letters (the masking letters in "A市") are
    dropped. Text that is already split by spaces keeps its split.
    """
    return [token for token in rjieba.cut(text) if is_word(token)]


def cut(text: str) -> list[str]:
    """rjieba's split of ``text``, non-words included (the fast path: callers that look
    words up in a vocabulary drop the non-words for free)."""
    return rjieba.cut(text)  # type: ignore[no-any-return]


def is_word(token: str) -> bool:
    """True for a token that can be a feature: it has a letter, digit or Chinese character,
    and is not a lone Latin letter (the masking letters in "A市")."""
    return bool(_WORDLIKE.search(token)) and not (len(token) == 1 and "a" <= token <= "z")


def words(text: str | None) -> list[str]:
    """Normalise and segment ``text`` in one step."""
    return segment(normalize(text))


# --- fast character codes ------------------------------------------------------------------
#
# Batch prediction must not pay for Python-level work per character. We map every code point
# through a lookup table to its normalised form (NFKC, lower case), to 0 when it separates
# (punctuation, symbols), or to a marker when it is whitespace (deleted). Code points whose
# NFKC form is longer than one character (①, ㎡, ...) are rare: texts holding one are
# normalised in Python first.

_DELETE = 0xFFFFFFFF


_TABLE_SIZE = 0x10000  # the Basic Multilingual Plane; code points beyond it separate words


@lru_cache(maxsize=1)
def _tables() -> tuple[np.ndarray, re.Pattern[str]]:
    table = np.zeros(_TABLE_SIZE, dtype=np.uint32)
    expanding: list[int] = []
    for cp in range(_TABLE_SIZE - 1):  # U+FFFF is a non-character: it stands for the rest
        if 0xD800 <= cp <= 0xDFFF:
            continue
        if 0x3400 <= cp <= 0x9FFF and not 0x4DC0 <= cp <= 0x4DFF:
            table[cp] = cp
            continue
        char = chr(cp)
        if char.isspace():
            table[cp] = _DELETE
            continue
        mapped = char.lower() if cp < 0x80 else unicodedata.normalize("NFKC", char).lower()
        if len(mapped) == 1:
            if mapped.isspace():
                table[cp] = _DELETE
            elif _WORDLIKE.fullmatch(mapped):
                table[cp] = ord(mapped)
        elif any(_WORDLIKE.fullmatch(c) for c in mapped):
            expanding.append(cp)
    # A character class of the code points that expand to several characters.
    ranges: list[str] = []
    start = prev = -2
    for cp in [*expanding, -10]:
        if cp != prev + 1:
            if start >= 0:
                ranges.append(
                    re.escape(chr(start)) + ("" if prev == start else "-" + re.escape(chr(prev)))
                )
            start = cp
        prev = cp
    # Beyond the table, NFKC decides too (mathematical letters such as "𝐀" become "a").
    ranges.append("\U00010000-\U0010ffff")
    pattern = re.compile("[" + "".join(ranges) + "]")
    return table, pattern


def _prepare(text: str | None, expanding: re.Pattern[str]) -> str:
    if not text:
        return ""
    if "\x00" in text:
        text = text.replace("\x00", " ")
    if expanding.search(text):
        text = unicodedata.normalize("NFKC", text)
    return text


def char_codes(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Map a batch of texts (raw or normalised) to kept-character codes, vectorised.

    Returns ``(codes, doc)``: ``codes`` is uint64, 0 where a character separates words (the
    texts themselves are separated by a 0 too); whitespace is deleted. ``doc[i]`` is the index
    of the text that ``codes[i]`` belongs to.
    """
    codes, doc, _ = prepare_batch(texts, want_strings=False)
    return codes, doc


def prepare_batch(
    texts: Sequence[str], *, want_strings: bool = True, limit: int | None = None
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Normalise a batch in one pass: character codes (see :func:`char_codes`) and, when
    ``want_strings``, each text as a string fit for word segmentation: normalised, with
    punctuation and whitespace as single spaces, cut to ``limit`` characters."""
    table, expanding = _tables()
    prepared = [_prepare(t, expanding) for t in texts]
    joined = "\x00".join(prepared)
    raw = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
    is_sep = raw == 0
    doc = np.cumsum(is_sep, dtype=np.int64)
    mapped = table[np.minimum(raw, _TABLE_SIZE - 1)]
    strings: list[str] = []
    if want_strings:
        spaced = np.where((mapped == 0) | (mapped == _DELETE), np.uint32(0x20), mapped)
        spaced[is_sep] = 0
        strings = spaced.tobytes().decode("utf-32-le").split("\x00")
        if limit is not None:
            strings = [t[:limit] for t in strings]
    keep = mapped != _DELETE
    return mapped[keep].astype(np.uint64), doc[keep], strings


def char_ngrams(
    codes: np.ndarray, doc: np.ndarray, sizes: Iterable[int] = (1, 2, 3)
) -> tuple[np.ndarray, np.ndarray]:
    """Character n-grams that do not cross a separator, as uint64 codes, in text order.

    A unigram's code is its code point, a bigram's ``c1 << 21 | c2``, a trigram's
    ``c1 << 42 | c2 << 21 | c3``; the ranges cannot collide because every kept code point is
    at least 0x30. The n-grams starting at one position come together, so the result stays
    in document order. Returns ``(grams, doc)``.
    """
    sizes = tuple(sizes)
    n = len(codes)
    if n == 0 or not sizes:
        return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64)
    grams = np.zeros((n, len(sizes)), dtype=np.uint64)
    valid = np.zeros((n, len(sizes)), dtype=bool)
    for j, size in enumerate(sizes):
        if n < size:
            continue
        m = n - size + 1
        ok = np.ones(m, dtype=bool)
        gram = np.zeros(m, dtype=np.uint64)
        for k in range(size):
            part = codes[k : m + k]
            ok &= part != 0
            gram = (gram << np.uint64(_CODE_BITS)) | part
        grams[:m, j] = gram
        valid[:m, j] = ok
    flat = valid.ravel()
    return grams.ravel()[flat], np.repeat(doc, len(sizes))[flat]


def decode_gram(code: int) -> str:
    """The text of an n-gram code (for explanations and debugging)."""
    chars = []
    while code:
        chars.append(chr(code & ((1 << _CODE_BITS) - 1)))
        code >>= _CODE_BITS
    return "".join(reversed(chars))
