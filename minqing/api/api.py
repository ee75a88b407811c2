"""The JSON API (django-ninja): one NinjaAPI, its error handlers and its OpenAPI document.

The OpenAPI document is completed here in one place: every operation lists the error
responses it can give (all with the one error body), every POST the ``Idempotency-Key``
header, every transition the required ``If-Match`` header, and case responses their ``ETag``.
"""

from __future__ import annotations

from datetime import datetime
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.schema import OpenAPISchema
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder

from minqing.api.api_marks import ETAG, IF_MATCH
from minqing.api.auth import TokenAuth
from minqing.api.errors import (
    ErrorBody,
    domain_error_response,
    error_response,
    validation_response,
)
from minqing.lib.errors import DomainError

DESCRIPTION = """
The typed JSON API of minqing (民情) for staff apps and integrations.

* **Authentication**: `Authorization: Bearer <token>`, a per-person token made in the admin
  (or with `minqing api-token USERNAME`).
* **Language**: messages are in Chinese; send `Accept-Language: en` for English.
* **Idempotency**: every POST takes an optional `Idempotency-Key`. The same key with the same
  request returns the first answer (with `Idempotent-Replayed: true`) and creates nothing new;
  the same key with another request is a 422.
* **Concurrency**: a case carries an `ETag`; every transition needs `If-Match` with it
  (428 without, 412 when someone changed the case first).
* **Errors**: always `{"status", "code", "message", "field", "details"}`.
"""

ERRORS: dict[int, str] = {
    400: "The request is malformed (bad JSON, a bad header).",
    401: "No valid token.",
    403: "You may not do this.",
    404: "Nothing here that you can see.",
    409: "The case is not in a state that allows this.",
    412: "If-Match does not match the case: someone changed it first.",
    413: "The body is too large.",
    415: "The body is not JSON.",
    422: "The request is not valid (the details name each field).",
    428: "If-Match is required.",
}


class MinqingAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation: Any) -> str:
        return str(operation.view_func.__name__)

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        _complete(schema)
        return schema


def _error_schemas() -> dict[str, Any]:
    body = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    definitions = body.pop("$defs", {})
    return {"ErrorBody": body, **definitions}


def _complete(schema: OpenAPISchema) -> None:
    components = schema.setdefault("components", {})
    components.setdefault("schemas", {}).update(_error_schemas())
    error_ref = {"$ref": "#/components/schemas/ErrorBody"}
    for operations in schema.get("paths", {}).values():
        for method, operation in operations.items():
            codes = {400, 422}
            if operation.get("security"):
                codes.add(401)
            if any(p.get("in") == "path" for p in operation.get("parameters", [])):
                codes.add(404)
            parameters = operation.setdefault("parameters", [])
            if method == "post":
                codes |= {403, 404, 409, 413, 415}
                parameters.append(
                    {
                        "name": "Idempotency-Key",
                        "in": "header",
                        "required": False,
                        "description": "Repeat a POST safely: same key and body, same answer.",
                        "schema": {"type": "string", "pattern": r"^[\x21-\x7e]{1,255}$"},
                    }
                )
            if operation.get(IF_MATCH):
                codes |= {412, 428}
                parameters.append(
                    {
                        "name": "If-Match",
                        "in": "header",
                        "required": True,
                        "description": "The case's ETag, as last read.",
                        "schema": {"type": "string"},
                    }
                )
            responses = operation.setdefault("responses", {})
            if operation.get(ETAG):
                for status, response in responses.items():
                    if str(status).startswith("2"):
                        response["headers"] = {
                            "ETag": {
                                "description": "The case's version, for If-Match.",
                                "required": True,
                                "schema": {"type": "string"},
                            }
                        }
            for code in sorted(codes):
                responses.setdefault(
                    code,
                    {
                        "description": ERRORS[code],
                        "content": {"application/json": {"schema": error_ref}},
                    },
                )


class Encoder(NinjaJSONEncoder):
    """Every date-time in the server's zone with its offset (``+08:00`` in Asia/Shanghai),
    as docs/api.md says; the database and pydantic hand them over in UTC."""

    def default(self, o: Any) -> Any:
        if isinstance(o, datetime) and timezone.is_aware(o):
            o = timezone.localtime(o)
        return super().default(o)


class Renderer(JSONRenderer):
    """UTF-8 JSON with Chinese as it is, not as \\u escapes."""

    encoder_class = Encoder
    json_dumps_params = {"ensure_ascii": False}


api = MinqingAPI(
    title="minqing API",
    renderer=Renderer(),
    version="1",
    description=DESCRIPTION,
    auth=TokenAuth(),
    urls_namespace="api",
)


def refuse_unknown_query(run: Any) -> Any:
    """A query parameter the operation does not know is an error, not silently ignored
    (``?stat=open`` would otherwise list every case)."""
    operation = getattr(run, "__self__", None)
    if operation is None:
        return run
    known = {
        name
        for model in operation.signature.models
        if model.__ninja_param_source__ == "query"
        for name in model.__ninja_flatten_map__
    }

    @wraps(run)
    def checked(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        unknown = sorted(set(request.GET) - known)
        if unknown:
            return error_response(
                422,
                "unknown_parameter",
                _("Unknown query parameter: %(names)s.") % {"names": ", ".join(unknown)},
                field=unknown[0],
            )
        return run(request, **kwargs)

    return checked


api.add_decorator(refuse_unknown_query, mode="view")


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return domain_error_response(exc)


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return validation_response(list(exc.errors))


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = error_response(
        401,
        "unauthorized",
        _("Log in first: send Authorization: Bearer followed by your API token."),
    )
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400:
        return error_response(400, "bad_request", _("The body is not valid JSON."))
    return error_response(exc.status_code, "http_error", str(exc))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(404, "not_found", _("Not found."))


def _register_routes() -> None:
    from minqing.api.routes import cases, reference, work

    api.add_router("", reference.router)
    api.add_router("", cases.router)
    api.add_router("", work.router)


_register_routes()
