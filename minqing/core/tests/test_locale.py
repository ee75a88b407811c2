"""Chinese is the default language: its catalogue is complete and the compiled file is current."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

from django.utils import translation

from minqing.cases.models import CaseState

LC = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES"
ENTRY = re.compile(
    r'^(#, fuzzy\n)?(?:#.*\n)*(?:msgctxt "(?P<ctx>.*)"\n)?msgid (?P<id>(?:".*"\n)+)'
    r"(?:msgid_plural (?:\".*\"\n)+)?msgstr(?:\[0\])? (?P<str>(?:\".*\"\n?)+)",
    re.M,
)


def _text(quoted: str) -> str:
    return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', quoted))


def _entries() -> list[tuple[str, str, str, bool]]:
    source = (LC / "django.po").read_text(encoding="utf-8")
    return [
        (m["ctx"] or "", _text(m["id"]), _text(m["str"]), bool(m.group(1)))
        for m in ENTRY.finditer(source + "\n")
        if _text(m["id"])
    ]


def test_every_message_has_a_chinese_translation_and_none_is_fuzzy():
    entries = _entries()
    assert len(entries) > 500
    assert [e[1] for e in entries if not e[2]] == []
    assert [e[1] for e in entries if e[3]] == []


def test_the_compiled_catalogue_matches_the_source():
    with (LC / "django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for ctx, msgid, _msgstr, _fuzzy in _entries():
        key = f"{ctx}\x04{msgid}" if ctx else msgid
        unescaped = key.encode().decode("unicode_escape").encode("latin-1").decode()
        assert unescaped in compiled._catalog or (unescaped, 0) in compiled._catalog, msgid


def test_pages_speak_chinese_by_default_and_english_on_request():
    with translation.override("zh-hans"):
        assert str(CaseState.RESOLVED.label) == "已办结"
    with translation.override("en"):
        assert str(CaseState.RESOLVED.label) == "Resolved"
