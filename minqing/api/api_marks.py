"""Marks that routes put on operations; ``api.py`` completes the OpenAPI document from them."""

IF_MATCH = "x-minqing-if-match"
ETAG = "x-minqing-etag"
TRANSITION = {IF_MATCH: True, ETAG: True}
