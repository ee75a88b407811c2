"""Contact cards: every building's grid team, on call 24 h (public, no log-in)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from minqing.people.selectors import contact_card_for
from minqing.places.models import PlaceKind
from minqing.places.selectors import places_of_kind


def contacts(request: HttpRequest) -> HttpResponse:
    """Pick a community, then a building."""
    communities = places_of_kind(PlaceKind.COMMUNITY)
    code = request.GET.get("community", "")
    community = communities.filter(code=code).first() if code else None
    buildings = places_of_kind(PlaceKind.BUILDING, within=community) if community else []
    return render(
        request,
        "people/contacts.html",
        {"communities": communities, "community": community, "buildings": buildings},
    )


def card(request: HttpRequest, code: str) -> HttpResponse:
    place = (
        places_of_kind(PlaceKind.BUILDING).filter(code=code).select_related("parent").first()
        or places_of_kind(PlaceKind.GRID).filter(code=code).first()
    )
    if place is None:
        raise Http404
    return render(request, "people/card.html", {"card": contact_card_for(place)})
