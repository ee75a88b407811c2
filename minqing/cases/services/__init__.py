"""Every write to a case: one function per transition, one transaction, one event row.

Services take keyword-only arguments. ``actor`` is the acting user (None for the system or a
resident); ``role`` names a pseudo-role for callers without a membership (``resident``,
``integrator``, ``system``). ``version`` is the version the caller saw; a stale one is refused.

The services live in modules by family (report, lifecycle, visits, batches, routing) on a
common core (``_core``: the check against the transitions table and ``_transition``); import
them from here.
"""

from __future__ import annotations

from minqing.cases.services._core import next_level
from minqing.cases.services.batches import (
    batch_add,
    batch_create,
    batch_merge,
    batch_resolve,
)
from minqing.cases.services.lifecycle import (
    case_accept,
    case_add_note,
    case_annotate,
    case_close,
    case_dispatch,
    case_escalate,
    case_recall,
    case_reject,
    case_reopen,
    case_resolve,
    case_reveal_phone,
    case_send_back,
    case_start,
)
from minqing.cases.services.report import (
    case_report,
    case_report_once,
)
from minqing.cases.services.routing import (
    case_dispatch_suggested,
    case_route,
)
from minqing.cases.services.visits import (
    case_mark_overdue,
    return_visit_mark_overdue,
    return_visit_open,
    return_visit_record,
    return_visit_record_once,
)

__all__ = [
    "batch_add",
    "batch_create",
    "batch_merge",
    "batch_resolve",
    "case_accept",
    "case_add_note",
    "case_annotate",
    "case_close",
    "case_dispatch",
    "case_dispatch_suggested",
    "case_escalate",
    "case_mark_overdue",
    "case_recall",
    "case_reject",
    "case_reopen",
    "case_report",
    "case_report_once",
    "case_resolve",
    "case_reveal_phone",
    "case_route",
    "case_send_back",
    "case_start",
    "next_level",
    "return_visit_mark_overdue",
    "return_visit_open",
    "return_visit_record",
    "return_visit_record_once",
]
