"""`minqing serve` does the demo's background work itself: no cron needed to see the loop."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from minqing.core.management.commands.serve import work_once
from minqing.notify.models import OutboxMessage


def test_one_round_delivers_what_is_due_and_sweeps_the_time_limits(world, cases, time_machine):
    case = cases.in_state("dispatched")  # a broken door: 2 hours
    pending = OutboxMessage.objects.filter(status="pending").count()
    assert pending > 0
    handled, swept = work_once(sweep=False)
    assert (handled, swept) == (pending, False)
    assert not OutboxMessage.objects.filter(status="pending").exists()
    time_machine.move_to(timezone.now() + timedelta(hours=3), tick=False)
    work_once(sweep=True)
    case.refresh_from_db()
    assert (case.level, case.was_overdue) == ("community", True)
