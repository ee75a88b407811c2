"""The handbook as an installable web app: its manifest and its service worker.

The service worker is served from the site's root (``/sw.js``) so that its scope covers the
field pages; it is rebuilt from ``cases/sw.js`` with the list of pages and files it keeps on
the phone, and a version made from their contents, so a change reaches phones on their next
visit (the worker itself is never cached: ``no-cache``).
"""

from __future__ import annotations

import hashlib
import json
from functools import cache

from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import get_template, render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

# What a phone keeps to open the field pages without a connection.
ASSETS = [
    "minqing/site.css",
    "minqing/field.css",
    "minqing/queue.js",
    "minqing/field.js",
    "minqing/app.js",
    "django_htmx/htmx-2.min.js",
    "minqing/icons/icon.svg",
    "minqing/icons/icon-192.png",
]


def offline_pages() -> list[str]:
    """The field pages kept on the phone once visited (and fetched ahead after log-in)."""
    return [
        reverse("cases:field"),
        reverse("cases:capture"),
        reverse("cases:visits"),
        reverse("people:contacts"),
    ]


@cache
def _version() -> str:
    """Changes whenever the worker's code or one of the files it keeps changes."""
    digest = hashlib.sha256()
    template = get_template("cases/sw.js").template  # type: ignore[attr-defined]
    digest.update(template.source.encode())
    for name in ASSETS:
        found = finders.find(name)
        if found:
            with open(found, "rb") as fh:
                digest.update(fh.read())
    return digest.hexdigest()[:12]


@require_GET
@cache_control(no_cache=True)
def service_worker(request: HttpRequest) -> HttpResponse:
    config = {
        "version": _version(),
        "assets": [static(name) for name in ASSETS],
        "pages": offline_pages(),
        "queue": static("minqing/queue.js"),
        "sync": {"case": reverse("cases:sync"), "visit": reverse("cases:sync_visit")},
    }
    body = render_to_string("cases/sw.js", {"config": json.dumps(config)})
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    return response


@require_GET
@cache_control(max_age=3600)
def manifest(request: HttpRequest) -> JsonResponse:
    icons = [
        {"src": static("minqing/icons/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
        {"src": static("minqing/icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
        {"src": static("minqing/icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
        {
            "src": static("minqing/icons/icon-maskable-512.png"),
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "maskable",
        },
    ]
    data = {
        "name": _("Minqing handbook"),
        "short_name": _("Handbook"),
        "description": _("Record residents' problems in the field, with or without a signal."),
        "start_url": reverse("cases:field"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0b4f9c",
        "lang": request.LANGUAGE_CODE,
        "icons": icons,
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    return response
