"""Router labels onto the district's category tree: which category and which department a
label of the category router (a first-level category name, such as 城乡建设) stands for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from minqing.cases.models import Case, Category
from minqing.cases.timelimits import deadline_for
from minqing.lib import clock
from minqing.lib.errors import DomainError
from minqing.places.models import Department


@dataclass(frozen=True)
class RouteTarget:
    """Where a router label sends a case: the category it is filed under and the department
    that takes it (None when no department of that category serves the case's place)."""

    label: str
    category: Category
    department: Department | None
    path: str = ""  # the category with its parents, top first: "城乡建设 › 住房 › 楼门损坏"


class RouteMap:
    """Router labels (first-level category names) onto the district's categories and the
    departments that take them. Reads every category and department once (two queries), so
    a page can map the suggestions of many cases."""

    def __init__(self, case: Case | None = None) -> None:
        categories = Category.objects.select_related("district").order_by("code")
        departments = Department.objects.select_related("place")
        if case is not None:
            # One case (the intake's hot path): the first-level categories and its own chain
            # are all it can need, not the whole tree.
            own = Q(pk=case.category_id) | Q(children__pk=case.category_id)
            own |= Q(children__children__pk=case.category_id)
            categories = categories.filter(Q(parent__isnull=True) | own).distinct()
        loaded = list(categories)
        self.partial = case is not None  # only part of the tree is read: load more on demand
        self.categories = {c.pk: c for c in loaded}
        self.tops: dict[str, list[Category]] = {}
        for c in loaded:
            if c.parent_id is None:
                self.tops.setdefault(c.name, []).append(c)
        self._leaves: dict[int, list[Category]] = {}
        if case is not None:
            departments = departments.filter(
                pk__in={c.default_department_id for c in loaded if c.default_department_id}
            )
        self.departments = {d.pk: d for d in departments}

    def _chain(self, category_id: int) -> list[Category]:
        chain: list[Category] = []
        node = self.categories.get(category_id)
        while node is not None and len(chain) < 10:
            chain.append(node)
            node = self.categories.get(node.parent_id) if node.parent_id else None
        return chain

    def _leaves_under(self, top: Category) -> list[Category]:
        """The categories without children under the first-level category ``top``."""
        if top.pk not in self._leaves:
            if self.partial:
                below = Q(parent_id=top.pk) | Q(parent__parent_id=top.pk)
                found = list(Category.objects.select_related("district").filter(below))
                for c in found:
                    self.categories.setdefault(c.pk, c)
                wanted = {c.default_department_id for c in found if c.default_department_id}
                wanted -= set(self.departments)
                if wanted:
                    more = Department.objects.select_related("place").filter(pk__in=wanted)
                    self.departments.update({d.pk: d for d in more})
            parents = {c.parent_id for c in self.categories.values()}
            self._leaves[top.pk] = sorted(
                (
                    c
                    for c in self.categories.values()
                    if c.pk != top.pk and c.pk not in parents and self._chain(c.pk)[-1] == top
                ),
                key=lambda c: c.code,
            )
        return self._leaves[top.pk]

    def _leaf_by_keywords(self, case: Case, top: Category) -> Category | None:
        """The leaf under ``top`` whose keywords the case's words match best, if any."""
        # Imported here: the selectors module imports this one.
        from minqing.cases.categories import category_suggest

        leaves = [c for c in self._leaves_under(top) if _in_district(c, case)]
        if not leaves:
            return None
        return category_suggest(f"{case.title} {case.description}", leaves)

    def target(self, case: Case, label: str) -> RouteTarget | None:
        """Where ``label`` sends ``case``.

        The case keeps its own category when that already sits under a first-level category
        of this name (its department is the more precise one). Otherwise it takes the leaf
        under that first-level category that the keyword rules pick from the case's words,
        or the first-level category itself when they pick none. None when the case's
        district has no first-level category of that name. The department is the nearest
        one along the category's chain (leaf first) that serves the case's place; None when
        none of them does.
        """
        own = self._chain(case.category_id)
        if own and own[-1].name == label:
            chain = own
            if len(own) == 1:  # filed under the first-level category alone: find its leaf
                leaf = self._leaf_by_keywords(case, own[0])
                chain = self._chain(leaf.pk) if leaf is not None else own
        else:
            top = next((c for c in self.tops.get(label, []) if _in_district(c, case)), None)
            if top is None:
                return None
            leaf = self._leaf_by_keywords(case, top)
            chain = self._chain((leaf or top).pk)
        department = next(
            (
                d
                for d in (self.departments.get(c.default_department_id or 0) for c in chain)
                if d is not None and case.place.path.startswith(d.place.path)
            ),
            None,
        )
        path = " › ".join(c.name for c in reversed(chain))
        return RouteTarget(label, chain[0], department, path)


def _in_district(category: Category, case: Case) -> bool:
    """Whether the case's district files cases under ``category`` (shared, or its own)."""
    district = category.district
    return district is None or case.place.path.startswith(f"{district.code}/")


def route_target(case: Case, label: str) -> RouteTarget | None:
    """Where the router label ``label`` sends ``case`` (see :meth:`RouteMap.target`)."""
    return RouteMap(case).target(case, label)


@dataclass(frozen=True)
class SuggestedDispatch:
    """Where a router suggestion would send a case now: what the dispatcher confirms."""

    target: RouteTarget
    deadline: datetime


def suggested_dispatch(*, case: Case, label: str) -> SuggestedDispatch:
    """The category, department and deadline that taking the router's ``label`` gives
    ``case`` now (``services.case_dispatch_suggested`` dispatches exactly so). DomainError
    when no department here takes that label's cases."""
    target = route_target(case, label)
    if target is None or target.department is None:
        raise DomainError(
            _("No department here takes “%(label)s” cases; dispatch this case by hand.")
            % {"label": label},
            field="label",
        )
    deadline = deadline_for(
        target.category, case.urgency, clock.now(), place=case.place, level=case.level
    )
    return SuggestedDispatch(target, deadline)
