"""Reply quality: is a handler's reply to the resident empty of substance?

``reply_check`` is plain text work (no database): the service that resolves a case gives it
the case's own words and the department's recent replies (``selectors.recent_replies``).
Four reasons, each a ``Flag`` with a stable code and a message in the user's language:

* ``too_short``: fewer than ``MINQING_REPLY_MIN_CHARS`` letters, digits or Chinese characters;
* ``template``: once the stock phrases (``MINQING_REPLY_STOCK_PHRASES``), the salutation
  to the user and the dates are taken out, fewer than ``MINQING_REPLY_TEMPLATE_MIN_CHARS``
  are left ("您好，您反映的问题已收悉，已转相关部门处理。");
* ``off_topic``: not one content word in common with the case's title and description;
* ``copied``: character-trigram Jaccard similarity of at least
  ``MINQING_REPLY_COPY_THRESHOLD`` with another recent reply.

Thresholds are measured on 2,816 real replies (``bench/reply_quality.py``,
``docs/routing.md`` "Reply quality").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from minqing.lib.errors import DomainError
from minqing.routing.text import is_kept_char, normalize, segment

__all__ = [
    "CODES",
    "Flag",
    "ReplyFlagged",
    "flags_data",
    "reason_labels",
    "reply_check",
    "reply_reasons",
]

CODES = ("too_short", "template", "off_topic", "copied")

# Words that say nothing about a case in particular: a case and its reply sharing only these
# are not about the same thing.
_GENERIC_WORDS = frozenset(
    [
        "您好",
        "你好",
        "网友",
        "问题",
        "反映",
        "留言",
        "情况",
        "回复",
        "如下",
        "相关",
        "部门",
        "有关",
        "单位",
        "工作",
        "我们",
        "您的",
        "感谢",
        "支持",
        "处理",
        "已经",
        "进行",
        "关于",
        "现将",
        "目前",
        "根据",
        "要求",
        "规定",
        "同时",
        "以及",
        "可以",
        "没有",
        "一个",
        "这个",
        "什么",
        "如何",
        "为什么",
        "希望",
        "请求",
        "咨询",
        "投诉",
        "建议",
        "举报",
        "领导",
        "政府",
        "谢谢",
        "收悉",
        "及时",
        "尽快",
        "相关部门",
        "是否",
        "能否",
        "怎么",
        "我们的",
        "你们",
        "他们",
        "现在",
        "非常",
        "还是",
        "但是",
        "因为",
        "所以",
        "如果",
        "就是",
    ]
)
# A salutation to the user ("网友“UU008249”：", "“UU0082212”") and dates ("2019年10月10日").
_SALUTATION = re.compile(r"(网友)?[\"“”'‘’]?uu\d+[\"“”'‘’]?|网友")
_DATE = re.compile(r"\d{2,4}年\d{1,2}月(\d{1,2}日)?|\d{1,2}月\d{1,2}日")


@dataclass(frozen=True)
class Flag:
    """One reason a reply looks empty of substance."""

    code: str
    message: str | Promise

    def as_data(self) -> dict[str, str]:
        return {"code": self.code, "message": str(self.message)}


def _messages() -> dict[str, Any]:
    return {
        "too_short": _(
            "The reply is too short (under %(n)s characters) to tell the resident what was done."
        ),
        "template": _("The reply is only stock phrases (greeting, received, forwarded, thanks)."),
        "off_topic": _(
            "The reply shares no words with the case: it does not say what was done about it."
        ),
        "copied": _("The reply is nearly the same as another recent reply of this department."),
    }


def reason_labels() -> dict[str, Any]:
    """A short name for each reason, for tables."""
    return {
        "too_short": _("Too short"),
        "template": _("Only stock phrases"),
        "off_topic": _("Not about the case"),
        "copied": _("Copied from another case"),
    }


def _kept(text: str) -> str:
    """Normalised text reduced to its letters, digits and Chinese characters."""
    return "".join(ch for ch in normalize(text) if is_kept_char(ch))


@lru_cache(maxsize=1)
def _stock_pattern(phrases: tuple[str, ...]) -> re.Pattern[str]:
    kept = sorted({_kept(p) for p in phrases if _kept(p)}, key=len, reverse=True)
    return re.compile("|".join(re.escape(p) for p in kept) or r"(?!)")


def _substance(text: str) -> str:
    """What is left of a reply once salutation, dates and stock phrases are taken out."""
    body = _DATE.sub("", _SALUTATION.sub("", normalize(text)))
    body = "".join(ch for ch in body if is_kept_char(ch))
    return _stock_pattern(tuple(settings.MINQING_REPLY_STOCK_PHRASES)).sub("", body)


def _content_words(text: str) -> set[str]:
    return {w for w in segment(normalize(text)) if len(w) >= 2 and w not in _GENERIC_WORDS}


@lru_cache(maxsize=4096)
def _trigrams(text: str) -> frozenset[str]:
    kept = _kept(text)
    return frozenset(kept[i : i + 3] for i in range(len(kept) - 2))


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    common = len(a & b)
    return common / (len(a) + len(b) - common)


def reply_check(reply: str, *, case_text: str, other_replies: Iterable[str] = ()) -> list[Flag]:
    """The reasons ``reply`` looks empty of substance, in a fixed order; [] when it is fine.

    ``case_text`` is the case's title and description; ``other_replies`` are recent replies
    to other cases of the same department (the one being written is compared with each).
    """
    messages = _messages()
    flags: list[Flag] = []
    kept = _kept(reply)
    minimum = settings.MINQING_REPLY_MIN_CHARS
    if len(kept) < minimum:
        flags.append(Flag("too_short", messages["too_short"] % {"n": minimum}))
    if kept and len(_substance(reply)) < settings.MINQING_REPLY_TEMPLATE_MIN_CHARS:
        flags.append(Flag("template", messages["template"]))
    case_words = _content_words(case_text)
    if case_words and not (case_words & _content_words(reply)):
        flags.append(Flag("off_topic", messages["off_topic"]))
    own = _trigrams(reply)
    threshold = settings.MINQING_REPLY_COPY_THRESHOLD
    if own and any(_jaccard(own, _trigrams(other)) >= threshold for other in other_replies):
        flags.append(Flag("copied", messages["copied"]))
    return flags


def flags_data(flags: Iterable[Flag]) -> list[dict[str, str]]:
    """The flags as stored in an event's data: code and message (in the writer's language)."""
    return [flag.as_data() for flag in flags]


def reply_reasons(flags: Iterable[Flag]) -> str:
    """The flags' messages as one line, for an error message."""
    return " ".join(str(flag.message) for flag in flags)


class ReplyFlagged(DomainError):
    """A reply the check flagged, sent without a reason to send it anyway."""

    code = "reply_flagged"
    status = 422

    def __init__(self, flags: list[Flag]) -> None:
        self.flags = flags
        self.details = [{"field": "reply", **flag.as_data()} for flag in flags]
        super().__init__(
            _(
                "This reply looks empty of substance: %(reasons)s Say what was done about "
                "the case, or give the reason to send it anyway."
            )
            % {"reasons": reply_reasons(flags)},
            field="reply",
        )
