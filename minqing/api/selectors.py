"""Reads the API needs beside the domain's selectors: codes in a request body or query turned
into objects (an unknown code is a 422 naming the field), and scoped look-ups by id."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from minqing.cases.models import UNSORTED_CATEGORY, Batch, Case, Category, ReturnVisit
from minqing.cases.permissions import scope_q
from minqing.lib.errors import DomainError, NotFound
from minqing.people.models import User
from minqing.places.models import Department, LiaisonUnit, Place


def _unknown(field: str, value: str) -> DomainError:
    return DomainError(
        _("%(field)s: there is no %(value)s.") % {"field": field, "value": value}, field=field
    )


def category_by_code(code: str, *, field: str = "category") -> Category:
    found = Category.objects.filter(code=code).first()
    if found is None:
        raise _unknown(field, code)
    return found


def place_by_code(code: str, *, field: str = "place") -> Place:
    found = Place.objects.select_related("parent").filter(code=code).first()
    if found is None:
        raise _unknown(field, code)
    return found


def department_by_code(code: str, *, field: str = "department") -> Department:
    found = Department.objects.filter(code=code).first()
    if found is None:
        raise _unknown(field, code)
    return found


def user_by_username(username: str, *, field: str = "assignee") -> User:
    found = User.objects.filter(username=username, is_active=True).first()
    if found is None:
        raise _unknown(field, username)
    return found


def liaison_units_by_code(codes: list[str]) -> list[LiaisonUnit]:
    found = {u.code: u for u in LiaisonUnit.objects.filter(code__in=codes)}
    for code in codes:
        if code not in found:
            raise _unknown("liaison_units", code)
    return [found[c] for c in codes]


def places(*, kind: str | None, parent: str | None, search: str | None) -> QuerySet[Place]:
    qs = Place.objects.all().order_by("path")
    if kind:
        qs = qs.filter(kind=kind)
    if parent:
        qs = qs.filter(parent__code=parent)
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(code__iexact=search))
    return qs


def place_get(code: str) -> Place:
    found = Place.objects.filter(code=code).first()
    if found is None:
        raise NotFound(_("There is no place with the code %(code)s.") % {"code": code})
    return found


def categories(
    *, leaf: bool | None, parent: str | None, unsorted: bool = False
) -> QuerySet[Category]:
    """The category tree; the catch-all 待分类 (cases nobody sorted yet) only with
    ``unsorted``: it is not a category to file a case under."""
    children = Category.objects.filter(parent=OuterRef("pk"))
    qs = (
        Category.objects.select_related("parent", "default_department")
        .annotate(has_children=Exists(children))
        .order_by("code")
    )
    if not unsorted:
        qs = qs.exclude(code=UNSORTED_CATEGORY)
    if leaf is not None:
        qs = qs.filter(has_children=not leaf)
    if parent:
        qs = qs.filter(parent__code=parent)
    return qs


def category_get(code: str) -> Category:
    found = categories(leaf=None, parent=None, unsorted=True).filter(code=code).first()
    if found is None:
        raise NotFound(_("There is no category with the code %(code)s.") % {"code": code})
    return found


def departments() -> QuerySet[Department]:
    return Department.objects.select_related("place").order_by("code")


def visit_get_for(user: User, pk: int) -> ReturnVisit:
    visit = (
        ReturnVisit.objects.filter(pk=pk, case__in=Case.objects.filter(scope_q(user)))
        .select_related("case")
        .first()
    )
    if visit is None:
        raise NotFound(_("No return visit %(id)s that you can see.") % {"id": pk})
    return visit


def batch_get_for(user: User, code: str) -> Batch:
    batch = (
        Batch.objects.filter(code=code, cases__in=Case.objects.filter(scope_q(user)))
        .distinct()
        .first()
    )
    if batch is None:
        raise NotFound(_("No batch %(code)s that you can see.") % {"code": code})
    return batch
