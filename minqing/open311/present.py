"""The public face of services and cases in GeoReport v2 terms.

Privacy: the reporter's name, phone and e-mail are never part of a public request; phone
numbers and e-mail addresses written inside public text are masked as well, and a moderator's
redaction replaces the description where one exists.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone
from django.utils.translation import gettext as _

from minqing.cases.models import Case, CaseState, Category
from minqing.lib.errors import DomainError
from minqing.lib.phones import mask_phone, normalize_phone
from minqing.open311.models import CaseRedaction, Open311Request, ServiceAttribute
from minqing.places.models import KIND_DEPTH, Place, path_codes

_PHONE = re.compile(
    r"(?<![\d*])(?:\+?86[-\s]?)?1[3-9]\d(?:[-\s]?\d){8}(?!\d)"
    r"|(?<![\d*])0\d{2,3}[-\s]?\d{7,8}(?!\d)"
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def _mask_number(found: re.Match[str]) -> str:
    try:
        return mask_phone(normalize_phone(found.group(0)))
    except DomainError:
        digits = re.sub(r"\D", "", found.group(0))
        return digits[:3] + "*" * max(len(digits) - 7, 4) + digits[-4:]


def public_text(text: str, *, reporter_name: str = "") -> str:
    """Mask phone numbers, e-mail addresses and the reporter's own name."""
    text = _PHONE.sub(_mask_number, text or "")
    text = _EMAIL.sub(lambda m: m.group(0)[0] + "***@" + m.group(0).split("@", 1)[1], text)
    name = (reporter_name or "").strip()
    if len(name) >= 2:
        text = text.replace(name, name[0] + "*" * (len(name) - 1))
    return text


def w3c(moment: datetime | None) -> str | None:
    """``2026-08-01T09:30:00+08:00``: the server's time zone, to the second."""
    if moment is None:
        return None
    return timezone.localtime(moment).replace(microsecond=0).isoformat()


def status_of(case: Case) -> str:
    return "open" if case.is_open else "closed"


def _top(category: Category) -> Category:
    node = category
    while node.parent is not None:
        node = node.parent
    return node


def service_dict(category: Category) -> dict[str, Any]:
    path = []
    node: Category | None = category
    while node is not None:
        path.append(node.name)
        node = node.parent
    keywords = ",".join(w for w in re.split(r"[\s,，、]+", category.keywords) if w)
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": " › ".join(reversed(path)),
        "metadata": any(a.variable for a in category.open311_attributes.all()),  # type: ignore[attr-defined]
        "type": "realtime",
        "keywords": keywords,
        "group": _top(category).name,
    }


def definition_dict(category: Category, attributes: list[ServiceAttribute]) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "attributes": [
            {
                "variable": a.variable,
                "code": a.code,
                "datatype": a.datatype,
                "required": a.required,
                "datatype_description": a.datatype_description,
                "order": a.order,
                "description": a.description,
                "values": [
                    {"key": str(v.get("key")), "name": str(v.get("name", v.get("key")))}
                    for v in a.values or []
                    if isinstance(v, dict)
                ],
            }
            for a in attributes
        ],
    }


class PlaceNames:
    """Names of a case's ancestors from its place path, without a query per case."""

    def __init__(self, places: dict[str, Place]):
        self.places = places

    def at(self, place: Place, kind: str) -> Place | None:
        codes = path_codes(place.path)
        depth = KIND_DEPTH.get(kind)
        if depth is None or depth >= len(codes):
            return None
        return place if place.kind == kind else self.places.get(codes[depth])

    def full_name(self, place: Place) -> str:
        codes = path_codes(place.path)[:-1]
        names = [self.places[c].name for c in codes if c in self.places]
        return " ".join([*names, place.name])


def agency_of(case: Case, names: PlaceNames) -> str:
    """The department the case is assigned to, else the level that owns it (a grid …)."""
    if case.assignee_department is not None:
        return case.assignee_department.name
    owner = names.at(case.place, case.level)
    return owner.name if owner is not None else ""


def _open311(case: Case) -> Open311Request | None:
    try:
        return case.open311  # type: ignore[attr-defined]
    except ObjectDoesNotExist:
        return None


def _redaction(case: Case) -> CaseRedaction | None:
    try:
        return case.redaction  # type: ignore[attr-defined]
    except ObjectDoesNotExist:
        return None


def public_description(case: Case) -> str:
    redaction = _redaction(case)
    if redaction is not None:
        return redaction.public_description
    posted = _open311(case)
    if posted is not None:
        text = posted.description or case.title
    else:
        text = case.description or case.title
    return public_text(text, reporter_name=case.reporter_name)


def status_notes(case: Case, names: PlaceNames) -> str:
    agency = agency_of(case, names)
    deadline = timezone.localtime(case.deadline).strftime("%Y-%m-%d %H:%M") if case.deadline else ""
    match case.state:
        case CaseState.REPORTED:
            note = _("Reported; waiting to be accepted.")
        case CaseState.ACCEPTED:
            note = _("Accepted by %(agency)s.") % {"agency": agency}
        case CaseState.DISPATCHED:
            note = _("Sent to %(agency)s, to be handled by %(deadline)s.") % {
                "agency": agency,
                "deadline": deadline,
            }
        case CaseState.IN_PROGRESS:
            note = _("%(agency)s is working on it.") % {"agency": agency}
        case CaseState.RESOLVED:
            note = _("Resolved: %(reply)s A return visit will check the result.") % {
                "reply": case.reply
            }
        case CaseState.CLOSED:
            note = _("Closed: %(reply)s") % {"reply": case.reply} if case.reply else _("Closed.")
        case _:
            note = _("Not taken up: %(reason)s") % {"reason": case.reject_reason}
    return public_text(note, reporter_name=case.reporter_name)


def request_dict(case: Case, names: PlaceNames) -> dict[str, Any]:
    place = case.place
    posted = _open311(case)
    updated = getattr(case, "updated_at", None) or case.reported_at
    return {
        "service_request_id": case.code,
        "status": status_of(case),
        "status_notes": status_notes(case, names),
        "service_name": case.category.name,
        "service_code": case.category.code,
        "description": public_description(case),
        "agency_responsible": agency_of(case, names),
        "service_notice": "",
        "requested_datetime": w3c(case.reported_at),
        "updated_datetime": w3c(updated),
        # Until someone takes it up, the deadline is the response limit, not a promise of a fix.
        "expected_datetime": w3c(case.deadline) if case.state != CaseState.REPORTED else None,
        "address": place.address or names.full_name(place),
        "address_id": place.code,
        "zipcode": "",
        "lat": place.lat,
        "long": place.lng,
        "media_url": posted.media_url if posted is not None else "",
    }


def created_dict(posted: Open311Request) -> dict[str, Any]:
    return {
        "service_request_id": posted.case.code,
        "token": posted.token,
        "service_notice": _(
            "Thank you. Your request is recorded as %(code)s; follow it with that number."
        )
        % {"code": posted.case.code},
        "account_id": posted.account_id or None,
    }


def token_dict(posted: Open311Request) -> dict[str, Any]:
    return {"service_request_id": posted.case.code, "token": posted.token}
