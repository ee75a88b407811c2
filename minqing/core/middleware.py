"""Response compression for the pages and the API (docs/operations.md, "Compression")."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseBase
from django.middleware.gzip import GZipMiddleware as DjangoGZipMiddleware

# Already compressed: photos, spreadsheets (zip inside). Gzip would only cost time.
COMPRESSED_TYPES = (
    "image/jpeg",
    "image/png",
    "image/webp",
    "image/gif",
    "application/zip",
    "application/vnd.openxmlformats",
)


class GZipMiddleware(DjangoGZipMiddleware):
    """Django's GZipMiddleware, except for responses that carry an ETag or are compressed.

    Compressing turns an ETag weak (``W/"HP-2608-0007.v3"``), and a weak tag in ``If-Match``
    never matches (RFC 9110 §13.1.1): an API client that asked for gzip could not change the
    case it had just read. Those responses are single cases, small; everything else is
    compressed. Safe from BREACH for the CSRF token: Django masks it anew in every response.
    """

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if response.has_header("ETag"):
            return response
        if response.get("Content-Type", "").startswith(COMPRESSED_TYPES):
            return response
        return super().process_response(request, response)
