"""What a problem is about: the categories a district files cases under, the category and the
urgency its words suggest (the router first, then the keyword rules), and the district of a
place. Read by the capture pages, the public form and the demo."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q

from minqing.cases.models import (
    UNSORTED_CATEGORY,
    Case,
    Category,
    Urgency,
)
from minqing.cases.routes import RouteMap
from minqing.places.models import Place

logger = logging.getLogger(__name__)


# The catch-all category (待分类, made by migration 0004): a case whose words fit no category
# is filed under it and waits in triage to be sorted. It is never offered as a choice.


def category_leaves(district_codes: Iterable[str] | None = None) -> list[Category]:
    """Categories without children, each with ``label`` "top › middle › leaf", in code order
    (with ``district_codes``: only those these districts file cases under). The catch-all
    category for unsorted cases is not among them."""
    qs = Category.objects.filter(children__isnull=True).exclude(code=UNSORTED_CATEGORY)
    if district_codes is not None:
        qs = qs.filter(Q(district__isnull=True) | Q(district__code__in=list(district_codes)))
    leaves = list(qs.select_related("parent__parent").order_by("code"))
    for leaf in leaves:
        names: list[str] = []
        node: Category | None = leaf
        while node is not None:
            names.append(node.name)
            node = node.parent
        leaf.label = " › ".join(reversed(names))  # type: ignore[attr-defined]
        leaf.top_name = names[-1]  # type: ignore[attr-defined]
    return leaves


def category_suggest(text: str, leaves: list[Category] | None = None) -> Category | None:
    """The leaf whose keywords occur most often in ``text`` (simple rules until the router).

    Keywords live in ``Category.keywords`` (space or comma separated); ties go to the longer
    matched keyword, then to the lower code.
    """
    text = (text or "").lower()
    if not text.strip():
        return None
    best: tuple[int, int] = (0, 0)
    found: Category | None = None
    for leaf in leaves if leaves is not None else category_leaves():
        words = [w for w in leaf.keywords.replace(",", " ").replace("，", " ").split() if w]
        hits = [w for w in words if w.lower() in text]
        score = (len(hits), max((len(w) for w in hits), default=0))
        if hits and score > best:
            best, found = score, leaf
    return found


@dataclass(frozen=True)
class CategoryGuess:
    """The category the words of a new case point to, and who picked it: ``"router"`` (the
    trained category router, sure enough), ``"keywords"`` (the keyword rules) or ``""``
    (neither: the case is filed under the catch-all and sorted in triage)."""

    category: Category | None
    source: str


def category_for_words(
    text: str, *, place: Place | None, leaves: list[Category] | None = None
) -> CategoryGuess:
    """The category to file a new case under when the person writing it down chose none.

    The trained router first, when it is sure enough (``settings.MINQING_ROUTER_THRESHOLD``)
    and its label (a first-level category name) is a category of the place's district (see
    :meth:`RouteMap.target`); then the keyword rules among ``leaves`` (by default the leaves
    of the place's district); else none. Never raises: a broken router is skipped.
    """
    text = (text or "")[:2000]
    if not text.strip():
        return CategoryGuess(None, "")
    if leaves is None:
        leaves = category_leaves([place.district_code] if place is not None else None)
    if place is not None:
        found = _router_category(text, place)
        if found is not None:
            return CategoryGuess(found, "router")
    found = category_suggest(text, leaves)
    return CategoryGuess(found, "keywords" if found is not None else "")


def _router_category(text: str, place: Place) -> Category | None:
    from minqing.routing.runtime import decide  # scikit-learn: loaded on first use

    try:
        decision = decide(text)
        if not (decision.dispatch and decision.label):
            return None
        # A draft of the case (never saved): the label maps onto the place's district.
        draft = Case(title=text[:200], description="", place=place)
        target = RouteMap().target(draft, decision.label)
    except Exception:  # a damaged model or a bug in it: the keyword rules decide
        logger.exception("The router could not suggest a category.")
        return None
    if target is None or target.category.code == UNSORTED_CATEGORY:
        return None
    district = target.category.district
    if district is not None and place.district_code != district.code:
        return None  # another district's category (RouteMap keeps to the place's district)
    return target.category


def urgency_suggest(text: str) -> str:
    """The urgency the words suggest (燃气, 漏电, 安全隐患… are emergencies; 漏水, 停电…
    urgent), from ``settings.MINQING_URGENCY_WORDS``; the person writing it down decides."""
    text = text or ""
    for urgency in (Urgency.EMERGENCY, Urgency.URGENT):
        if any(word in text for word in settings.MINQING_URGENCY_WORDS[urgency]):
            return urgency
    return Urgency.NORMAL
