"""Who am I, places, departments and categories: what a staff app needs to fill its forms."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Query, Router

from minqing.api import present, selectors
from minqing.api.routes.common import Limit, Offset, user_of
from minqing.api.schemas import (
    CategoryOut,
    DepartmentOut,
    MeOut,
    PlaceKindName,
    PlaceOut,
    PlacePage,
)
from minqing.people import access

router = Router(tags=["reference"])
Search = Annotated[str | None, Query(max_length=100)]


@router.get("/me", response=MeOut, summary="The person behind the token, with their roles")
def me(request: HttpRequest) -> dict[str, Any]:
    user = user_of(request)
    return present.me(user, access.memberships(user))


@router.get("/places", response=PlacePage, summary="Places (district … building)")
def list_places(
    request: HttpRequest,
    kind: PlaceKindName | None = None,
    parent: Annotated[str | None, Query(max_length=32)] = None,
    q: Search = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> dict[str, Any]:
    places = selectors.places(kind=kind, parent=parent, search=q)
    return {
        "count": places.count(),
        "limit": limit,
        "offset": offset,
        "items": [present.place(p) for p in places[offset : offset + limit]],
    }


@router.get("/places/{code}", response=PlaceOut, summary="One place")
def get_place(request: HttpRequest, code: str) -> dict[str, Any]:
    return present.place(selectors.place_get(code))


@router.get("/departments", response=list[DepartmentOut], summary="Departments")
def list_departments(request: HttpRequest) -> list[dict[str, Any]]:
    return [present.department(d) for d in selectors.departments()]


@router.get("/categories", response=list[CategoryOut], summary="Categories (three levels)")
def list_categories(
    request: HttpRequest,
    leaf: bool | None = None,
    parent: Annotated[str | None, Query(max_length=32)] = None,
) -> list[dict[str, Any]]:
    return [
        present.category(c, leaf=not c.has_children)  # type: ignore[attr-defined]
        for c in selectors.categories(leaf=leaf, parent=parent)
    ]


@router.get("/categories/{code}", response=CategoryOut, summary="One category")
def get_category(request: HttpRequest, code: str) -> dict[str, Any]:
    category = selectors.category_get(code)
    return present.category(category, leaf=not category.has_children)  # type: ignore[attr-defined]
