"""Training the category router from the district's own closed cases.

A closed case's text is its title and description; its label is the name of its first-level
category (the category it was finally filed under, which the dispatcher and the department
agreed on). The labels are therefore exactly the names the router's decisions are mapped back
onto (:mod:`minqing.cases.routes`).
"""

from __future__ import annotations

from minqing.cases.models import UNSORTED_CATEGORY, Case, CaseState, Category


def closed_case_examples() -> tuple[list[str], list[str]]:
    """(texts, labels) of every closed case, oldest first; not those still filed under the
    catch-all 待分类 (nobody sorted them: their label says nothing)."""
    tops: dict[int, str] = {}
    parents: dict[int, int | None] = {}
    names: dict[int, str] = {}
    for pk, parent_id, name in Category.objects.values_list("pk", "parent_id", "name"):
        parents[pk], names[pk] = parent_id, name

    def top_name(pk: int) -> str:
        if pk not in tops:
            node = pk
            for _ in range(10):  # the tree has three levels; never loop on a bad one
                parent = parents.get(node)
                if parent is None:
                    break
                node = parent
            tops[pk] = names[node]
        return tops[pk]

    texts: list[str] = []
    labels: list[str] = []
    rows = (
        Case.objects.filter(state=CaseState.CLOSED)
        .exclude(category__code=UNSORTED_CATEGORY)
        .order_by("reported_at", "pk")
        .values_list("title", "description", "category_id")
    )
    for title, description, category_id in rows.iterator(chunk_size=5000):
        texts.append(f"{title}\n{description}")
        labels.append(top_name(category_id))
    return texts, labels
