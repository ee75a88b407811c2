"""Router labels onto the district's category tree: which category and which department a
label of the category router (a first-level category name, such as 城乡建设) stands for."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from minqing.cases.models import Case, Category
from minqing.places.models import Department


@dataclass(frozen=True)
class RouteTarget:
    """Where a router label sends a case: the category it is filed under and the department
    that takes it (None when no department of that category serves the case's place)."""

    label: str
    category: Category
    department: Department | None


class RouteMap:
    """Router labels (first-level category names) onto the district's categories and the
    departments that take them. Reads every category and department once (two queries), so
    a page can map the suggestions of many cases."""

    def __init__(self, case: Case | None = None) -> None:
        categories = Category.objects.order_by("code")
        departments = Department.objects.select_related("place")
        if case is not None:
            # One case (the intake's hot path): the first-level categories and its own chain
            # are all it can need, not the whole tree.
            own = Q(pk=case.category_id) | Q(children__pk=case.category_id)
            own |= Q(children__children__pk=case.category_id)
            categories = categories.filter(Q(parent__isnull=True) | own).distinct()
        loaded = list(categories)
        self.categories = {c.pk: c for c in loaded}
        self.tops: dict[str, Category] = {}
        for c in loaded:
            if c.parent_id is None:
                self.tops.setdefault(c.name, c)
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

    def target(self, case: Case, label: str) -> RouteTarget | None:
        """Where ``label`` sends ``case``.

        The case keeps its own category when that already sits under a first-level category
        of this name (its department is the more precise one); otherwise it takes the
        first-level category itself. None when the district has no first-level category of
        that name; ``department`` is None when no department of it serves the case's place.
        """
        own = self._chain(case.category_id)
        if own and own[-1].name == label:
            chain = own
        elif label in self.tops:
            chain = self._chain(self.tops[label].pk)
        else:
            return None
        department = next(
            (
                self.departments.get(c.default_department_id)
                for c in chain
                if c.default_department_id
            ),
            None,
        )
        if department is not None and not case.place.path.startswith(department.place.path):
            department = None
        return RouteTarget(label, chain[0], department)


def route_target(case: Case, label: str) -> RouteTarget | None:
    """Where the router label ``label`` sends ``case`` (see :meth:`RouteMap.target`)."""
    return RouteMap(case).target(case, label)
