"""Parse and check Open311 parameters before anything is written (GeoReport v2).

Every refusal is an :class:`Open311Error` (400/404) with a message that names the parameter.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minqing.cases.models import Category
from minqing.lib import clock
from minqing.open311.errors import Open311Error
from minqing.open311.models import Datatype, ServiceAttribute

DEFAULT_WINDOW = timedelta(days=90)
MAX_RESULTS = 1000
MAX_DESCRIPTION = 4000
MAX_NAME = 60
MAX_IDS = 1000
STATUSES = ("open", "closed")

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$", re.IGNORECASE
)
# "+08:00" arrives as " 08:00" when a client forgets to escape the plus sign.
_UNESCAPED_PLUS = re.compile(r" (\d{2}:\d{2})$")
_ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]{1,50})\](\[\])?$")


def bad(message: Any, field: str | None = None) -> Open311Error:
    return Open311Error(400, message, field=field)


def parse_w3c(value: str, name: str) -> datetime:
    """A W3C date-time with its time zone (``2026-08-01T09:30:00+08:00`` or ``…Z``), or a
    bare date (midnight in the server's time zone)."""
    text = _UNESCAPED_PLUS.sub(r"+\1", value.strip())
    try:
        if _DATE.match(text):
            day = datetime.fromisoformat(text)
            return timezone.make_aware(day, timezone.get_default_timezone()).astimezone(UTC)
        if _DATETIME.match(text):
            moment = datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
            offset = moment.utcoffset()
            if offset is not None and abs(offset) <= timedelta(hours=14):
                return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        pass
    raise bad(
        _(
            "%(name)s “%(value)s” is not a W3C date-time: use 2026-08-01T09:30:00+08:00 "
            "(with its time zone) or 2026-08-01."
        )
        % {"name": name, "value": value},
        name,
    )


def _comma_list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


@dataclass(frozen=True)
class RequestQuery:
    """GET requests: ``service_request_id`` overrides every other filter (the spec says so)."""

    ids: list[str] | None
    service_codes: list[str] | None
    start: datetime | None
    end: datetime | None
    statuses: list[str] | None


def parse_request_query(query: QueryDict) -> RequestQuery:
    ids_text = query.get("service_request_id", "").strip()
    if ids_text:
        ids = _comma_list(ids_text)
        if len(ids) > MAX_IDS:
            raise bad(
                _("At most %(count)s service_request_id values at once.") % {"count": MAX_IDS},
                "service_request_id",
            )
        return RequestQuery(ids=ids, service_codes=None, start=None, end=None, statuses=None)
    codes = _comma_list(query.get("service_code", "")) or None
    start_text, end_text = query.get("start_date", ""), query.get("end_date", "")
    start = parse_w3c(start_text, "start_date") if start_text.strip() else None
    end = parse_w3c(end_text, "end_date") if end_text.strip() else None
    if start is None and end is None:
        end = clock.now()
        start = end - DEFAULT_WINDOW
    elif start is None:
        assert end is not None
        if end.year < 2:
            raise bad(_("end_date is too early."), "end_date")
        start = end - DEFAULT_WINDOW
    if end is not None and start > end:
        raise bad(_("start_date is after end_date."), "start_date")
    statuses = None
    status_text = query.get("status", "")
    if status_text.strip():
        statuses = _comma_list(status_text.lower())
        unknown = [s for s in statuses if s not in STATUSES]
        if unknown:
            raise bad(
                _("status must be open or closed (or both, comma separated), not “%(value)s”.")
                % {"value": ", ".join(unknown)},
                "status",
            )
    return RequestQuery(ids=None, service_codes=codes, start=start, end=end, statuses=statuses)


@dataclass
class PostedRequest:
    """A checked POST requests: everything the service needs, nothing written yet."""

    service_code: str
    description: str = ""
    lat: float | None = None
    long: float | None = None
    address_string: str = ""
    address_id: str = ""
    reporter_name: str = ""
    phone: str = ""
    email: str = ""
    device_id: str = ""
    account_id: str = ""
    media_url: str = ""
    raw_attributes: dict[str, list[str]] = field(default_factory=dict)


def _text(form: QueryDict, name: str, limit: int) -> str:
    value = (form.get(name) or "").strip()
    if len(value) > limit:
        raise bad(
            _("%(name)s is longer than %(limit)s characters (%(length)s).")
            % {"name": name, "limit": limit, "length": len(value)},
            name,
        )
    return value


def _coordinate(form: QueryDict, name: str, bound: float) -> float | None:
    text = (form.get(name) or "").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or abs(value) > bound:
        raise bad(
            _("%(name)s “%(value)s” is not a number between -%(bound)s and %(bound)s.")
            % {"name": name, "value": text, "bound": int(bound)},
            name,
        )
    return value


def _has_cjk(text: str) -> bool:
    return any("\u3400" <= char <= "\u9fff" for char in text)


def parse_post(form: QueryDict) -> PostedRequest:
    service_code = _text(form, "service_code", 32)
    if not service_code:
        raise bad(_("service_code is required."), "service_code")
    posted = PostedRequest(service_code=service_code)
    posted.description = _text(form, "description", MAX_DESCRIPTION)
    posted.lat = _coordinate(form, "lat", 90)
    posted.long = _coordinate(form, "long", 180)
    if (posted.lat is None) != (posted.long is None):
        raise bad(_("lat and long must be given together."), "lat")
    posted.address_string = _text(form, "address_string", 300)
    posted.address_id = _text(form, "address_id", 32)
    if posted.lat is None and not posted.address_string and not posted.address_id:
        raise bad(_("A location is required: lat and long, address_string or address_id."), "lat")
    first, last = _text(form, "first_name", MAX_NAME), _text(form, "last_name", MAX_NAME)
    # Chinese names are family name first; others are given name first.
    name = f"{last}{first}" if _has_cjk(first + last) else f"{first} {last}".strip()
    if len(name) > MAX_NAME:
        raise bad(
            _("first_name and last_name together are longer than %(limit)s characters.")
            % {"limit": MAX_NAME},
            "first_name",
        )
    posted.reporter_name = name
    posted.phone = _text(form, "phone", 30)
    posted.email = _text(form, "email", 254)
    if posted.email:
        try:
            EmailValidator()(posted.email)
        except ValidationError:
            raise bad(
                _("email “%(value)s” is not an e-mail address.") % {"value": posted.email},
                "email",
            ) from None
    posted.device_id = _text(form, "device_id", 100)
    posted.account_id = _text(form, "account_id", 100)
    posted.media_url = _text(form, "media_url", 500)
    if posted.media_url:
        try:
            URLValidator(schemes=["http", "https"])(posted.media_url)
        except ValidationError:
            raise bad(
                _("media_url “%(value)s” is not an http(s) URL.") % {"value": posted.media_url},
                "media_url",
            ) from None
    for key, values in form.lists():
        if not key.startswith("attribute"):
            continue
        match = _ATTRIBUTE.match(key)
        if match is None:
            raise bad(
                _("“%(key)s” is not an attribute parameter; write attribute[code].") % {"key": key},
                "attribute",
            )
        code = match.group(1)
        posted.raw_attributes.setdefault(code, []).extend(v.strip() for v in values)
    return posted


def check_attributes(
    category: Category, attributes: list[ServiceAttribute], raw: dict[str, list[str]]
) -> dict[str, Any]:
    """Check posted attribute values against the service definition; return clean values."""
    known = {a.code: a for a in attributes if a.variable}
    unknown = sorted(set(raw) - set(known))
    if unknown:
        raise bad(
            _("Service %(service)s has no attribute %(codes)s.")
            % {"service": category.code, "codes": ", ".join(unknown)},
            "attribute",
        )
    clean: dict[str, Any] = {}
    for code, attribute in known.items():
        values = [v for v in raw.get(code, []) if v]
        if not values:
            if attribute.required:
                raise bad(
                    _("attribute[%(code)s] (%(question)s) is required.")
                    % {"code": code, "question": attribute.description},
                    f"attribute[{code}]",
                )
            continue
        clean[code] = _attribute_value(attribute, values)
    return clean


def _attribute_value(attribute: ServiceAttribute, values: list[str]) -> Any:
    code = attribute.code
    name = f"attribute[{code}]"
    if attribute.datatype == Datatype.MULTIVALUELIST:
        allowed = attribute.value_keys()
        wrong = [v for v in values if v not in allowed]
        if wrong:
            raise bad(
                _("%(name)s: “%(value)s” is not one of %(allowed)s.")
                % {"name": name, "value": ", ".join(wrong), "allowed": ", ".join(allowed)},
                name,
            )
        return values
    if len(values) > 1:
        raise bad(_("%(name)s takes one value.") % {"name": name}, name)
    value = values[0]
    if attribute.datatype == Datatype.SINGLEVALUELIST:
        allowed = attribute.value_keys()
        if value not in allowed:
            raise bad(
                _("%(name)s: “%(value)s” is not one of %(allowed)s.")
                % {"name": name, "value": value, "allowed": ", ".join(allowed)},
                name,
            )
        return value
    if attribute.datatype == Datatype.NUMBER:
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            raise bad(
                _("%(name)s “%(value)s” is not a number.") % {"name": name, "value": value}, name
            )
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    if attribute.datatype == Datatype.DATETIME:
        return timezone.localtime(parse_w3c(value, name)).isoformat()
    limit = 4000 if attribute.datatype == Datatype.TEXT else 500
    if len(value) > limit:
        raise bad(
            _("%(name)s is longer than %(limit)s characters (%(length)s).")
            % {"name": name, "limit": limit, "length": len(value)},
            name,
        )
    return value


def jurisdiction_code(query: QueryDict) -> str | None:
    code = (query.get("jurisdiction_id") or "").strip()
    return code or None


def jurisdiction_error(code: str) -> Open311Error:
    return Open311Error(
        404,
        _("jurisdiction_id %(code)s is not served here.") % {"code": code},
        field="jurisdiction_id",
    )
