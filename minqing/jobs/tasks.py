"""What the job runner runs: the same two functions as ``minqing tick`` and ``minqing deliver``.

Both are idempotent and safe when two run at once (cases/tick.py, notify/services.py), so a
task the broker hands out again after a worker died, or a schedule that fires while the last
run is still going, does no harm: the outbox and delivery rows say what is done.
"""

from __future__ import annotations

from dataclasses import asdict

from django.db import connection, transaction

from minqing.cases.tick import tick
from minqing.notify.services import outbox_deliver

TICK = "minqing.jobs.tasks.run_tick"
DELIVER = "minqing.jobs.tasks.run_deliver"


def run_tick() -> dict[str, int]:
    """The time-limit sweep (every minute)."""
    return asdict(tick())


def run_deliver() -> int:
    """Deliver the due outbox messages and notifications (after each write, and every minute
    as a safety net for retries with back-off). Returns how many messages were handled."""
    return outbox_deliver()


def _enqueue_deliver() -> None:
    from django_q.tasks import async_task

    async_task(DELIVER, q_options={"group": "deliver"})


def deliver_soon(message: object) -> None:
    """After the transaction that wrote ``message`` commits, ask a worker to deliver: once per
    transaction however many messages it wrote (a sweep may write hundreds)."""
    pending = connection.run_on_commit if connection.in_atomic_block else []
    if any(entry[1] is _enqueue_deliver for entry in pending):  # (sids, func, robust)
        return
    transaction.on_commit(_enqueue_deliver, robust=True)
