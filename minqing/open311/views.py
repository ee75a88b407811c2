"""Open311 GeoReport v2 endpoints: thin views over params, selectors and one service.

Every refusal is the specification's ``errors`` list in the format the URL asked for.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from minqing.lib.errors import DomainError
from minqing.open311 import keys, locate, present, selectors
from minqing.open311.errors import Open311Error, PayloadTooLarge
from minqing.open311.params import (
    check_attributes,
    jurisdiction_code,
    parse_post,
    parse_request_query,
)
from minqing.open311.render import document, errors
from minqing.open311.services import open311_request_create

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-29T00:00:00+08:00"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
View = Callable[..., HttpResponse]


def endpoint(*methods: str) -> Callable[[View], View]:
    """Allow these methods; turn every refusal into the spec's errors list (never a 500)."""

    def decorate(view: View) -> View:
        @csrf_exempt
        @wraps(view)
        def wrapped(request: HttpRequest, fmt: str, **kwargs: Any) -> HttpResponse:
            if request.method not in methods:
                response = errors(
                    fmt,
                    405,
                    [_("%(method)s is not allowed here.") % {"method": request.method}],
                )
                response["Allow"] = ", ".join(methods)
                return response
            try:
                _refuse_nul(request, kwargs)
                return view(request, fmt, **kwargs)
            except DomainError as error:
                return errors(fmt, error.status, [str(error)])
            except RequestDataTooBig:
                return errors(fmt, 413, [str(_too_large())])
            except TooManyFieldsSent:
                return errors(fmt, 400, [_("Too many parameters in one request.")])

        return wrapped

    return decorate


def _refuse_nul(request: HttpRequest, kwargs: dict[str, Any]) -> None:
    """A NUL character is never meaningful, and PostgreSQL cannot store one: refuse it."""
    values = [request.path, *kwargs.values()]
    values += [v for _k, vs in request.GET.lists() for v in vs]
    if request.method == "POST" and request.content_type in FORM_TYPES:
        values += [v for _k, vs in request.POST.lists() for v in vs]
    if any("\x00" in str(v) for v in values):
        raise Open311Error(400, _("Parameters may not contain NUL characters."))


def _too_large() -> PayloadTooLarge:
    limit = getattr(settings, "MINQING_OPEN311_MAX_BODY_BYTES", 256 * 1024)
    return PayloadTooLarge(_("The request body is larger than %(limit)s bytes.") % {"limit": limit})


@endpoint("GET")
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    base = request.build_absolute_uri(reverse("open311:base"))
    return document(
        fmt,
        "discovery",
        {
            "changeset": CHANGESET,
            "contact": getattr(settings, "MINQING_OPEN311_CONTACT", ""),
            "key_service": settings.MINQING_OPEN311_KEY_SERVICE
            or _("API keys are issued by the district's administrator."),
            "endpoints": [
                {
                    "specification": SPECIFICATION,
                    "url": base,
                    "changeset": CHANGESET,
                    "type": "production",
                    "formats": ["text/xml", "application/json"],
                }
            ],
        },
    )


@endpoint("GET")
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    selectors.jurisdiction_get(jurisdiction_code(request.GET))
    items = [present.service_dict(s) for s in selectors.service_list()]
    return document(fmt, "services", items)


@endpoint("GET")
def service_definition(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    selectors.jurisdiction_get(jurisdiction_code(request.GET))
    service = selectors.service_get(code)
    definition = present.definition_dict(service, selectors.service_attributes(service))
    return document(fmt, "service_definition", definition)


@endpoint("GET", "POST")
def service_requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _post_request(request, fmt)
    jurisdiction = selectors.jurisdiction_get(jurisdiction_code(request.GET))
    query = parse_request_query(request.GET)
    names = present.PlaceNames(selectors.place_names())
    cases = selectors.public_requests(query, jurisdiction=jurisdiction)
    return document(fmt, "service_requests", [present.request_dict(c, names) for c in cases])


def _post_request(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.content_type not in FORM_TYPES:
        raise Open311Error(
            400,
            _(
                "POST requests must be form-encoded (application/x-www-form-urlencoded or "
                "multipart/form-data), not %(type)s."
            )
            % {"type": request.content_type or _("no content type")},
        )
    limit = getattr(settings, "MINQING_OPEN311_MAX_BODY_BYTES", 256 * 1024)
    if int(request.META.get("CONTENT_LENGTH") or 0) > limit:
        raise _too_large()
    form = request.POST
    api_key = keys.api_key_check(form.get("api_key") or request.GET.get("api_key"))
    keys.rate_limit_hit(api_key)
    posted = parse_post(form)
    jurisdiction = selectors.jurisdiction_get(
        jurisdiction_code(form) or jurisdiction_code(request.GET)
    )
    service = selectors.service_for_post(posted.service_code)
    attributes = selectors.service_attributes(service)
    values = check_attributes(service, attributes, posted.raw_attributes)
    if posted.address_id:
        place = locate.place_by_code(posted.address_id, within=jurisdiction)
    elif posted.lat is not None and posted.long is not None:
        place = locate.place_near(posted.lat, posted.long, within=jurisdiction)
    else:
        place = locate.place_by_address(posted.address_string, within=jurisdiction)
    created = open311_request_create(
        api_key=api_key,
        service=service,
        place=place,
        description=posted.description,
        attributes=attributes,
        values=values,
        reporter_name=posted.reporter_name,
        phone=posted.phone,
        email=posted.email,
        device_id=posted.device_id,
        account_id=posted.account_id,
        media_url=posted.media_url,
        address_string=posted.address_string,
        lat=posted.lat,
        long=posted.long,
    )
    return document(fmt, "service_requests", [present.created_dict(created)], status=201)


@endpoint("GET")
def request_detail(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    jurisdiction = selectors.jurisdiction_get(jurisdiction_code(request.GET))
    case = selectors.public_request_get(code, jurisdiction=jurisdiction)
    names = present.PlaceNames(selectors.place_names())
    return document(fmt, "service_requests", [present.request_dict(case, names)])


@endpoint("GET")
def token(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    posted = selectors.token_get(token)
    return document(fmt, "service_requests", [present.token_dict(posted)])


@csrf_exempt
def not_found(request: HttpRequest, path: str) -> HttpResponse:
    fmt = "json" if path.endswith(".json") else "xml"
    return errors(
        fmt,
        404,
        [
            _(
                "There is no Open311 endpoint %(path)s; the endpoints are discovery, services, "
                "services/{service_code}, requests, requests/{service_request_id} and "
                "tokens/{token}, each ending in .xml or .json."
            )
            % {"path": request.path}
        ],
    )
