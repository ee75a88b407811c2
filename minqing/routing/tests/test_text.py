from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from minqing.routing import text


def test_normalize_removes_padding_tabs_and_non_breaking_spaces():
    raw = "\n\t\t\t\t\t\n\t\t\t\t\t尊敬的领导：\xa0小区\t门口\u3000路灯坏了\n\t\t\t\t"
    assert text.normalize(raw) == "尊敬的领导: 小区 门口 路灯坏了"


def test_normalize_turns_full_width_letters_and_digits_into_ascii_lower_case():
    assert text.normalize("Ａ３区　ＡＢＣ１２３！") == "a3区 abc123!"


def test_normalize_accepts_none_and_empty():
    assert text.normalize(None) == ""
    assert text.normalize("  \n\t ") == ""


SEGMENTED = ["市", "西湖", "建筑", "集团", "占", "道", "施工"]


def test_words_drop_punctuation_and_masking_letters():
    assert text.words("Ａ市西湖建筑集团，占道施工！") == SEGMENTED


def test_words_of_pre_segmented_text_keep_its_split():
    assert text.words("市 西湖 建筑 集团 占 道 施工") == SEGMENTED


def test_character_codes_ignore_whitespace_so_raw_and_segmented_text_agree():
    raw_codes, _ = text.char_codes(["西湖建筑集团"])
    split_codes, _ = text.char_codes(["西湖 建筑\t集团"])
    assert raw_codes.tolist() == split_codes.tolist()


def test_character_codes_separate_at_punctuation_and_between_texts():
    codes, doc = text.char_codes(["路灯，坏了", "漏水"])
    grams, gram_doc = text.char_ngrams(codes, doc, (2,))
    names = [text.decode_gram(int(g)) for g in grams]
    assert names == ["路灯", "坏了", "漏水"]
    assert gram_doc.tolist() == [0, 0, 1]


def test_character_codes_expand_compatibility_characters():
    codes, _ = text.char_codes(["①号楼"])
    assert "".join(chr(int(c)) for c in codes if c) == "1号楼"


@given(st.text(max_size=40))
def test_character_codes_match_the_normalised_text(value: str):
    codes, doc = text.char_codes([value])
    kept = "".join(chr(int(c)) for c in codes if c)
    expected = "".join(c for c in text.normalize(value) if text.is_kept_char(c))
    assert kept == expected
    assert np.all(doc == 0)
