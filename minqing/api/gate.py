"""What every API request passes before django-ninja sees it: body size and type, and
``Idempotency-Key`` on POST.

Idempotency: the record of a key is inserted first, in the same transaction as the work. A
second request with the same key waits on that row (PostgreSQL's unique index; SQLite's write
lock) until the first commits, then gets the first answer — or, if the first failed and rolled
back, does the work itself. Only 2xx answers are kept: a refused request wrote nothing, so
trying it again is safe. Answers marked ``Cache-Control: no-store`` (the reporter's phone
number) are never kept.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from minqing.api.auth import request_user
from minqing.api.errors import (
    BadRequest,
    IdempotencyMismatch,
    PayloadTooLarge,
    UnsupportedMediaType,
    domain_error_response,
    error_response,
)
from minqing.api.models import IdempotencyRecord
from minqing.lib import clock
from minqing.lib.errors import DomainError
from minqing.people.models import User

View = Callable[..., HttpResponse]
KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
REPLAYED_HEADERS = ("ETag", "Location")
JSON_TYPES = ("application/json",)


class _Refused(Exception):
    """Leaves the transaction (rolling the record back) with a non-2xx answer."""

    def __init__(self, response: HttpResponse):
        self.response = response


def _fingerprint(request: HttpRequest) -> str:
    digest = hashlib.sha256()
    for part in (request.method or "", request.get_full_path()):
        digest.update(part.encode("utf-8", "surrogatepass") + b"\n")
    digest.update(request.body)
    return digest.hexdigest()


def _check_body(request: HttpRequest) -> None:
    limit = int(getattr(settings, "MINQING_API_MAX_BODY_BYTES", 256 * 1024))
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit:
        raise PayloadTooLarge(
            _("The request body is larger than %(limit)s bytes.") % {"limit": limit}
        )
    if length and request.content_type not in JSON_TYPES:
        raise UnsupportedMediaType(
            _("Send the body as JSON (Content-Type: application/json), not %(type)s.")
            % {"type": request.content_type or _("no content type")}
        )


def _check_nul(request: HttpRequest) -> None:
    """A NUL character is never meaningful, and PostgreSQL cannot store one: refuse it."""
    query = [v for _k, values in request.GET.lists() for v in values]
    body = request.body if request.method in ("POST", "PUT", "PATCH") else b""
    if (
        "\x00" in request.path
        or any("\x00" in v for v in query)
        or b"\x00" in body
        or b"\\u0000" in body
    ):
        raise BadRequest(_("The request may not contain NUL characters."))


def _replay(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(
        record.body, status=record.status_code or 200, content_type=record.content_type
    )
    for name, value in (record.headers or {}).items():
        response[name] = value
    response["Idempotent-Replayed"] = "true"
    return response


def _idempotent(view: View, request: HttpRequest, user: User, key: str, *a: Any, **kw: Any):
    fingerprint = _fingerprint(request)
    try:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    record = IdempotencyRecord.objects.create(
                        user=user, key=key, fingerprint=fingerprint, created_at=clock.now()
                    )
            except IntegrityError:
                # Someone got there first and has committed: answer as they were answered.
                first = IdempotencyRecord.objects.get(user=user, key=key)
                if first.fingerprint != fingerprint:
                    raise IdempotencyMismatch(
                        _(
                            "Idempotency-Key %(key)s was used for a different request; use a "
                            "new key for a new request."
                        )
                        % {"key": key},
                        field="Idempotency-Key",
                    ) from None
                return _replay(first)
            response = view(request, *a, **kw)
            if not 200 <= response.status_code < 300:
                raise _Refused(response)
            if "no-store" in response.get("Cache-Control", ""):
                # Personal data (a phone number) is not copied into the record: forget the
                # key, keep the work; the same request again is done again.
                record.delete()
                return response
            record.status_code = response.status_code
            record.content_type = response.get("Content-Type", "application/json")
            record.body = response.content.decode("utf-8")
            record.headers = {h: response[h] for h in REPLAYED_HEADERS if response.has_header(h)}
            record.save(update_fields=["status_code", "content_type", "body", "headers"])
            return response
    except _Refused as refused:
        return refused.response


def gate(view: View) -> View:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            if request.method in ("POST", "PUT", "PATCH"):
                _check_body(request)
            _check_nul(request)
            key = request.headers.get("Idempotency-Key")
            if request.method == "POST" and key is not None:
                if not KEY.match(key):
                    return error_response(
                        400,
                        "bad_request",
                        _("Idempotency-Key must be 1 to 255 visible ASCII characters."),
                        field="Idempotency-Key",
                    )
                user = request_user(request)
                if user is not None:
                    return _idempotent(view, request, user, key, *args, **kwargs)
            response = view(request, *args, **kwargs)
        except DomainError as error:
            return domain_error_response(error)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            allowed = response.get("Allow", "")
            response = error_response(
                405,
                "method_not_allowed",
                _("%(method)s is not allowed here; allowed: %(allowed)s.")
                % {"method": request.method, "allowed": allowed},
            )
            response["Allow"] = allowed
        return response

    return wrapped


def not_found(request: HttpRequest, path: str = "") -> HttpResponse:
    return error_response(
        404,
        "not_found",
        _("There is no API endpoint %(path)s; see /api/v1/docs.") % {"path": request.path},
    )
