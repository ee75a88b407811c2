"""The JSON API at /api/v1/: every operation passes the gate (body checks, idempotency);
anything else under /api/v1/ is a 404 in the API's error body."""

from django.urls import URLPattern, URLResolver, include, path, re_path

from minqing.api.api import api
from minqing.api.gate import gate, not_found

ninja_patterns, ninja_app, ninja_namespace = api.urls
for pattern in ninja_patterns:
    if isinstance(pattern, URLPattern):
        pattern.callback = gate(pattern.callback)

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include((ninja_patterns, ninja_app), namespace=ninja_namespace)),
    re_path(r"^(?P<path>.*)$", not_found),
]
