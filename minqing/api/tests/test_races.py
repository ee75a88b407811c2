"""Concurrent clients on PostgreSQL: one Idempotency-Key is answered once, one ETag wins once.

Each client is a thread with its own database connection, released together by a barrier.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from minqing.api.tests.helpers import ApiClient
from minqing.cases.models import Case, CaseEvent
from minqing.notify.models import OutboxMessage

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
CLIENTS = 8
REPORT = {"title": "楼门关不上", "category": "C01.01.01", "place": "HYNL-G1-B07"}


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("races need PostgreSQL's row locks; SQLite lets one writer in at a time")


def together(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run the calls at the same moment in threads; return their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        try:
            barrier.wait(10)
            results[index] = calls[index]()
        except BaseException as exc:  # reported by the caller
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def test_concurrent_posts_with_one_key_create_one_case(world):
    clients = [ApiClient(world.users["grid_worker"]) for _ in range(CLIENTS)]
    responses = together([lambda c=c: c.post("/cases", REPORT, key="same-key") for c in clients])
    assert [r.status_code for r in responses] == [201] * CLIENTS
    assert len({r.content for r in responses}) == 1
    assert sum(r.has_header("Idempotent-Replayed") for r in responses) == CLIENTS - 1
    assert Case.objects.count() == 1
    assert CaseEvent.objects.count() == 1
    assert OutboxMessage.objects.filter(topic="case.report").count() == 1


def test_concurrent_posts_with_one_key_and_different_bodies_do_one_and_refuse_the_rest(world):
    clients = [ApiClient(world.users["grid_worker"]) for _ in range(CLIENTS)]
    responses = together(
        [
            lambda c=c, n=n: c.post("/cases", {**REPORT, "title": f"第{n}件"}, key="one-key")
            for n, c in enumerate(clients)
        ]
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [422] * (CLIENTS - 1)
    assert Case.objects.count() == 1


def test_concurrent_transitions_with_one_etag_let_exactly_one_win(world, cases):
    case = cases.report()
    etag = f'"{case.code}.v1"'
    clients = [ApiClient(world.users["grid_worker"]) for _ in range(CLIENTS)]
    responses = together(
        [
            lambda c=c, n=n: c.post(
                f"/cases/{case.code}/accept", {"note": f"第{n}个"}, if_match=etag
            )
            for n, c in enumerate(clients)
        ]
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [412] * (CLIENTS - 1)
    case.refresh_from_db()
    assert case.version == 2
    assert case.events.filter(action="accept").count() == 1


def test_concurrent_accept_and_reject_on_one_etag_never_both_apply(world, cases):
    case = cases.report()
    etag = f'"{case.code}.v1"'
    worker = ApiClient(world.users["grid_worker"])
    other = ApiClient(world.users["grid_worker"])
    responses = together(
        [
            lambda: worker.post(f"/cases/{case.code}/accept", {}, if_match=etag),
            lambda: other.post(f"/cases/{case.code}/reject", {"reason": "重复"}, if_match=etag),
        ]
    )
    assert sorted(r.status_code for r in responses) == [200, 412]
    case.refresh_from_db()
    assert case.state in ("accepted", "rejected")
    assert case.events.count() == 2
