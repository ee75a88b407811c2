"""The job runner's two schedules, kept in django_q's Schedule table (and so in the admin)."""

from __future__ import annotations

from typing import Any

from minqing.jobs.tasks import DELIVER, TICK

SCHEDULES = {
    # name: (function, minutes)
    "minqing tick": (TICK, 1),
    "minqing deliver": (DELIVER, 1),
}


def ensure_schedules(**_kwargs: Any) -> None:
    """Create the schedules that are missing (after migrate and flush). An operator's changes
    to an existing one (its interval, say) are kept."""
    from django_q.models import Schedule

    for name, (func, minutes) in SCHEDULES.items():
        Schedule.objects.get_or_create(
            name=name,
            defaults={
                "func": func,
                "schedule_type": Schedule.MINUTES,
                "minutes": minutes,
                "repeats": -1,
            },
        )
