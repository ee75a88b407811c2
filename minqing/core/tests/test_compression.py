"""Pages, API answers and static files go over the wire gzipped to clients that ask."""

from __future__ import annotations

import gzip
import re
from unittest import mock

import pytest
from django.core.management import call_command

from minqing.api.tests.helpers import ApiClient
from minqing.core.tests.helpers import login

GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}


def _body(response) -> bytes:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return gzip.decompress(content) if response.get("Content-Encoding") == "gzip" else content


def test_a_page_is_gzipped_for_a_client_that_asks(client, world):
    login(client, world.users["leader"])
    response = client.get("/dashboards/", **GZIP)
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    assert b"</html>" in _body(response)
    assert len(response.content) < len(_body(response)) / 3


def test_a_page_is_plain_for_a_client_that_does_not_ask(client, world):
    login(client, world.users["leader"])
    response = client.get("/dashboards/")
    assert not response.has_header("Content-Encoding")
    assert b"</html>" in response.content


def test_an_api_case_keeps_its_strong_etag_so_if_match_still_works(cases, world):
    case = cases.in_state("reported")
    api = ApiClient(world.users["grid_worker"])
    read = api.client.get(f"/api/v1/cases/{case.code}", **GZIP)
    assert read.status_code == 200
    assert read["ETag"] == f'"{case.code}.v{case.version}"'  # not W/"…", which never matches
    accepted = api.post(f"/cases/{case.code}/accept", {}, if_match=read["ETag"])
    assert accepted.status_code == 200, accepted.content
    # A list (no ETag) is compressed.
    listed = api.client.get("/api/v1/cases", **GZIP)
    assert listed["Content-Encoding"] == "gzip"


def test_a_photo_or_a_spreadsheet_is_not_gzipped_again(rf):
    from django.http import HttpResponse

    from minqing.core.middleware import GZipMiddleware

    middleware = GZipMiddleware(lambda request: HttpResponse())
    request = rf.get("/", **GZIP)
    for content_type in ("image/jpeg", XLSX):
        response = HttpResponse(b"x" * 5000, content_type=content_type)
        assert not middleware.process_response(request, response).has_header("Content-Encoding")
    text = HttpResponse(b"x" * 5000, content_type="text/csv")
    assert middleware.process_response(request, text)["Content-Encoding"] == "gzip"


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def collected(settings, tmp_path):
    """The static files collected (and gzipped) as `minqing serve` and a deployment do."""
    settings.STATIC_ROOT = tmp_path / "static"
    call_command("collectstatic", interactive=False, verbosity=0)
    return settings.STATIC_ROOT


def test_static_files_are_served_gzipped_with_caching_headers(client, collected):
    response = client.get("/static/minqing/site.css", **GZIP)
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "max-age=" in response["Cache-Control"]
    assert response.has_header("Last-Modified")
    assert b".tablewrap" in _body(response)
    again = client.get(
        "/static/minqing/site.css", HTTP_IF_MODIFIED_SINCE=response["Last-Modified"], **GZIP
    )
    assert again.status_code == 304


def test_the_api_docs_page_weighs_under_half_a_megabyte_over_the_wire(client, collected):
    """It was 1.77 MB uncompressed (Swagger UI's bundle alone is 1.5 MB)."""
    page = client.get("/api/v1/docs", **GZIP)
    assert page.status_code == 200
    assert page["Content-Encoding"] == "gzip"
    html = _body(page).decode()
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', html)
    assert "/static/ninja/swagger-ui-bundle.js" in assets
    total = len(page.content)
    for url in [*assets, "/api/v1/openapi.json"]:
        response = client.get(url, **GZIP)
        assert response.status_code == 200, url
        wire = b"".join(response.streaming_content) if response.streaming else response.content
        total += len(wire)
    assert total < 500_000, total


def test_serve_collects_the_static_files_and_lets_whitenoise_serve_them():
    from minqing.core.management.commands import serve

    with mock.patch.object(serve, "call_command") as run:
        call_command("serve", "127.0.0.1:8001", "--no-worker")
    assert run.call_args_list == [
        mock.call("collectstatic", interactive=False, verbosity=0),
        mock.call("runserver", "127.0.0.1:8001", use_reloader=False, use_static_handler=False),
    ]
