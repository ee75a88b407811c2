"""One error body for the whole API, in the caller's language (Chinese unless asked otherwise):

{"status": 412, "code": "stale_version", "message": "…", "field": null, "details": []}
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Schema

from minqing.lib.errors import Conflict, DomainError, NotAllowed, NotFound, StaleVersion


class ErrorDetail(Schema):
    field: str | None
    message: str
    type: str


class ErrorBody(Schema):
    status: int
    code: str
    message: str
    field: str | None = None
    details: list[ErrorDetail] = []


class BadRequest(DomainError):
    code = "bad_request"
    status = 400


class Unauthorized(DomainError):
    code = "unauthorized"
    status = 401


class PreconditionFailed(DomainError):
    code = "precondition_failed"
    status = 412


class PreconditionRequired(DomainError):
    code = "if_match_required"
    status = 428


class PayloadTooLarge(DomainError):
    code = "too_large"
    status = 413


class UnsupportedMediaType(DomainError):
    code = "unsupported_media_type"
    status = 415


class IdempotencyMismatch(DomainError):
    code = "idempotency_key_reused"
    status = 422


def status_for(error: DomainError) -> int:
    """Domain errors keep their status, except: a stale version is 412 (the API speaks ETags)
    and a plain invalid request is 422 like every other validation failure."""
    if isinstance(error, StaleVersion):
        return 412
    if isinstance(error, (Conflict, NotAllowed, NotFound)):
        return error.status
    if type(error) is DomainError:
        return 422
    return error.status


def error_response(
    status: int,
    code: str,
    message: str,
    *,
    field: str | None = None,
    details: list[dict[str, Any]] | None = None,
) -> HttpResponse:
    body = {
        "status": status,
        "code": code,
        "message": message,
        "field": field,
        "details": details or [],
    }
    return HttpResponse(
        json.dumps(body, ensure_ascii=False),
        status=status,
        content_type="application/json; charset=utf-8",
    )


def domain_error_response(error: DomainError) -> HttpResponse:
    return error_response(
        status_for(error),
        error.code,
        str(error),
        field=error.field,
        details=getattr(error, "details", None),
    )


# Pydantic's messages are English only; the common ones are translated here.
_PYDANTIC: dict[str, Any] = {
    "missing": gettext_lazy("This field is required."),
    "string_too_short": gettext_lazy("At least %(min_length)s characters."),
    "string_too_long": gettext_lazy("At most %(max_length)s characters."),
    "string_type": gettext_lazy("Must be text."),
    "string_pattern_mismatch": gettext_lazy("Does not have the expected form."),
    "int_parsing": gettext_lazy("Must be a whole number."),
    "int_type": gettext_lazy("Must be a whole number."),
    "int_from_float": gettext_lazy("Must be a whole number."),
    "bool_parsing": gettext_lazy("Must be true or false."),
    "bool_type": gettext_lazy("Must be true or false."),
    "greater_than_equal": gettext_lazy("Must be at least %(ge)s."),
    "less_than_equal": gettext_lazy("Must be at most %(le)s."),
    "literal_error": gettext_lazy("Must be one of: %(expected)s."),
    "enum": gettext_lazy("Must be one of: %(expected)s."),
    "datetime_parsing": gettext_lazy("Not a date-time: use 2026-08-01T09:30:00+08:00."),
    "datetime_from_date_parsing": gettext_lazy("Not a date-time: use 2026-08-01T09:30:00+08:00."),
    "datetime_type": gettext_lazy("Not a date-time: use 2026-08-01T09:30:00+08:00."),
    "timezone_aware": gettext_lazy("Give the time zone too, such as +08:00."),
    "date_parsing": gettext_lazy("Not a date: use 2026-08-01."),
    "date_from_datetime_parsing": gettext_lazy("Not a date: use 2026-08-01."),
    "date_type": gettext_lazy("Not a date: use 2026-08-01."),
    "list_type": gettext_lazy("Must be a list."),
    "too_long": gettext_lazy("At most %(max_length)s items."),
    "too_short": gettext_lazy("At least %(min_length)s items."),
    "model_type": gettext_lazy("Must be a JSON object."),
    "dict_type": gettext_lazy("Must be a JSON object."),
    "extra_forbidden": gettext_lazy("Unknown field."),
    "float_parsing": gettext_lazy("Must be a number."),
    "float_type": gettext_lazy("Must be a number."),
    "finite_number": gettext_lazy("Must be a finite number."),
}
_LOCATIONS = {"body", "query", "path", "header", "cookie", "form", "payload"}


def _detail(error: dict[str, Any]) -> dict[str, Any]:
    loc = [str(part) for part in error.get("loc", ())]
    field = ".".join(part for part in loc if part not in _LOCATIONS) or None
    kind = str(error.get("type", "invalid"))
    template = _PYDANTIC.get(kind)
    if kind == "missing" and field is None:
        template = gettext_lazy("A JSON body is required.")
    if kind == "string_too_short" and (error.get("ctx") or {}).get("min_length") == 1:
        template = gettext_lazy("This field cannot be empty.")
    message = str(error.get("msg", ""))
    if kind == "value_error" and (error.get("ctx") or {}).get("error") is not None:
        message = str(error["ctx"]["error"])  # our validators' own (translated) words
    if template is not None:
        try:
            message = str(template) % {k: v for k, v in (error.get("ctx") or {}).items()}
        except (KeyError, TypeError, ValueError):
            message = str(template)
    return {"field": field, "message": message, "type": kind}


def validation_response(errors: list[dict[str, Any]]) -> HttpResponse:
    details = [_detail(e) for e in errors]
    first = details[0] if details else {"field": None, "message": ""}
    message = (
        _("%(field)s: %(message)s") % {"field": first["field"], "message": first["message"]}
        if first["field"]
        else first["message"] or _("The request is not valid.")
    )
    return error_response(422, "validation", message, field=first["field"], details=details)
