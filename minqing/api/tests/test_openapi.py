"""The OpenAPI document validates, and schemathesis finds no 5xx and no answer that breaks it.

Each operation gets generated requests (valid and invalid); the last test checks that at
least 1,000 were sent in all.
"""

from __future__ import annotations

from collections import Counter

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from minqing.api.auth import token_create
from minqing.wsgi import application

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
SENT: Counter[int] = Counter()  # status → requests
TOKEN = {"value": ""}


@pytest.fixture
def in_test_transaction(db):
    """The WSGI app would close the test's connection after each request, as Django's own
    test client prevents; do the same here."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token(world, cases, in_test_transaction) -> str:
    """A leader (sees everything) and a few cases for the generated requests to meet."""
    cases.in_state("resolved")
    cases.in_state("dispatched")
    _, raw = token_create(user=world.users["leader"])
    TOKEN["value"] = raw
    return raw


# Loaded when the module is collected (schemathesis's lazy fixture loader does not work with
# this pytest); fetching the document needs no database.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@schema.auth(refresh_interval=None)
class BearerToken:
    """The test's token (a new one in each test's transaction, so never cached)."""

    def get(self, case, context):
        return TOKEN["value"]

    def set(self, case, data, context):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"


def test_the_openapi_document_is_valid_openapi():
    schema.validate()
    assert schema.raw_schema["openapi"].startswith("3.1")


@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_generated_requests_get_conforming_answers(case, token):
    # Schemathesis's WSGI transport asks for gzip but does not unpack it, as HTTP clients do.
    response = case.call(headers={"Accept-Encoding": "identity"})
    SENT[response.status_code] += 1
    case.validate_response(response, checks=CHECKS)


def test_at_least_a_thousand_requests_were_generated():
    if not SENT:
        pytest.skip("the generated tests were not run in this session")
    assert SENT.total() >= 1000, SENT
    assert not [status for status in SENT if status >= 500]
