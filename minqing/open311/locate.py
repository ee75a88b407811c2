"""Where an Open311 request is: ``address_id`` (a building code), ``lat``/``long`` (the nearest
building with coordinates) or ``address_string`` (matched to a building's name or address)."""

from __future__ import annotations

import math
import re
import unicodedata

from django.conf import settings
from django.db.models import CharField, F, Value
from django.db.models.functions import Length
from django.utils.translation import gettext_lazy as _

from minqing.lib.errors import DomainError
from minqing.places.models import Place, PlaceKind

EARTH_RADIUS_M = 6_371_000.0
METRES_PER_DEGREE = 111_320.0
# Enough ancestors for the tracking code and the public address, in the same query.
PLACE_RELATED = "parent__parent__parent__parent"

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4}
_DIGITS |= {"五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_NUMBER = re.compile(r"([零〇一二两三四五六七八九十百]{1,5})(?=[号號栋幢楼樓单元])")


def _cn_to_int(text: str) -> int | None:
    """Chinese numerals up to 999 (七 → 7, 十二 → 12, 二十 → 20, 一百零五 → 105)."""
    total, current = 0, 0
    for char in text:
        if char in _DIGITS:
            current = _DIGITS[char]
        elif char == "十":
            total += (current or 1) * 10
            current = 0
        elif char == "百":
            total += (current or 1) * 100
            current = 0
        else:
            return None
    return total + current


def normalize_address(text: str) -> str:
    """Full-width to half-width, no spaces, Chinese house numbers as digits."""
    text = unicodedata.normalize("NFKC", text or "")
    text = re.sub(r"\s+", "", text)

    def digits(match: re.Match[str]) -> str:
        value = _cn_to_int(match.group(1))
        return str(value) if value is not None else match.group(1)

    return _CN_NUMBER.sub(digits, text)


def _buildings(within: Place | None):
    qs = Place.objects.filter(kind=PlaceKind.BUILDING).select_related(PLACE_RELATED)
    return qs.filter(path__startswith=within.path) if within is not None else qs


def place_by_code(code: str, *, within: Place | None) -> Place:
    """``address_id``: a building code (a grid code is accepted too)."""
    place = (
        Place.objects.filter(code=code.strip(), kind__in=[PlaceKind.BUILDING, PlaceKind.GRID])
        .select_related(PLACE_RELATED)
        .first()
    )
    if place is None or (within is not None and not place.path.startswith(within.path)):
        raise DomainError(
            _("address_id %(code)s is not a building code in this jurisdiction.") % {"code": code},
            field="address_id",
        )
    return place


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def place_near(lat: float, lng: float, *, within: Place | None) -> Place:
    """The nearest building with coordinates, no further than MINQING_OPEN311_MAX_DISTANCE_M."""
    limit = float(getattr(settings, "MINQING_OPEN311_MAX_DISTANCE_M", 1000))
    dlat = limit / METRES_PER_DEGREE
    dlng = limit / (METRES_PER_DEGREE * max(math.cos(math.radians(lat)), 0.01))
    candidates = _buildings(within).filter(
        lat__isnull=False,
        lng__isnull=False,
        lat__range=(lat - dlat, lat + dlat),
        lng__range=(lng - dlng, lng + dlng),
    )
    best: tuple[float, str, Place] | None = None
    for place in candidates:
        assert place.lat is not None and place.lng is not None
        metres = distance_m(lat, lng, place.lat, place.lng)
        if metres <= limit and (best is None or (metres, place.code) < best[:2]):
            best = (metres, place.code, place)
    if best is None:
        raise DomainError(
            _(
                "No building of ours is within %(metres)s m of lat %(lat)s, long %(long)s; "
                "give an address_id or an address_string."
            )
            % {"metres": int(limit), "lat": lat, "long": lng},
            field="lat",
        )
    return best[2]


def place_by_address(text: str, *, within: Place | None) -> Place:
    """Match a free-text address to one building: its exact address or name, else the
    building whose name (or address) the text contains — the longest such name wins."""
    needle = normalize_address(text)
    if not needle:
        raise DomainError(_("address_string is empty."), field="address_string")
    buildings = _buildings(within)
    exact = list(buildings.filter(address=needle)[:2]) or list(buildings.filter(name=needle)[:2])
    if len(exact) == 1:
        return exact[0]
    if not exact:
        given = Value(needle, output_field=CharField())
        for field in ("name", "address"):
            matches = list(
                buildings.exclude(**{field: ""})
                .alias(given=given, size=Length(field))
                .filter(given__contains=F(field))
                .order_by("-size", "code")[:2]
            )
            if len(matches) == 1 or (
                len(matches) == 2
                and len(getattr(matches[0], field)) > len(getattr(matches[1], field))
            ):
                return matches[0]
            if matches:
                exact = matches
                break
    if exact:
        raise DomainError(
            _("address_string “%(text)s” matches several buildings (%(names)s); be more precise.")
            % {"text": text, "names": ", ".join(p.full_name for p in exact)},
            field="address_string",
        )
    raise DomainError(
        _(
            "address_string “%(text)s” matches none of our buildings; give the building's "
            "street and number (such as 义顺里7号), an address_id, or lat and long."
        )
        % {"text": text},
        field="address_string",
    )
