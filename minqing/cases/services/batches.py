"""Batches: one fix for many (并案)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from minqing.cases import codes
from minqing.cases.models import (
    OPEN_STATES,
    Batch,
    Case,
)
from minqing.cases.selectors import recent_replies
from minqing.cases.services._core import (
    _reply_data,
    _required,
    _resolved,
    _schedule_visit,
    _transition,
)
from minqing.lib import clock
from minqing.lib.errors import Conflict, DomainError
from minqing.people.models import User


def _into_batch(batch: Batch) -> Callable[[Case], dict[str, Any]]:
    def changes(locked: Case) -> dict[str, Any]:
        # Checked on the locked row: the caller's copy may predate someone else's merge.
        if locked.batch is not None:
            raise Conflict(
                _("Case %(code)s is already in batch %(batch)s.")
                % {"code": locked.code, "batch": locked.batch.code},
                code="already_batched",
            )
        return {"batch": batch}

    return changes


@transaction.atomic
def batch_create(
    *, actor: User | None, title: str, description: str = "", cases: Iterable[Case]
) -> Batch:
    """Group open cases that one piece of work will fix (the whole estate's water pipes)."""
    title = _required(title, "title", _("Title"))
    members = list({c.pk: c for c in cases}.values())
    if not members:
        raise DomainError(_("A batch needs at least one case."), field="cases")
    moment = clock.now()
    batch = Batch.objects.create(
        code=codes.next_batch_code(moment),
        title=title,
        description=(description or "").strip(),
        created_by=actor,
        created_at=moment,
    )
    for case in members:
        _transition(
            case,
            "merge",
            actor=actor,
            role=None,
            version=None,
            note=title,
            data={"batch": batch.code},
            changes=_into_batch(batch),
        )
    return batch


@transaction.atomic
def batch_resolve(*, actor: User | None, batch: Batch, reply: str) -> Batch:
    """Resolve every open member; each one gets its own return visit."""
    reply = _required(reply, "reply", _("Reply to the resident"))
    batch = Batch.objects.select_for_update().get(pk=batch.pk)
    if batch.resolved_at is not None:
        raise Conflict(_("This batch is already resolved."), code="batch_resolved")
    moment = clock.now()
    members = list(batch.cases.filter(state__in=OPEN_STATES).select_related("category"))
    # The reply quality check runs on every member but never refuses: one piece of work for
    # many cases is reported by whoever runs the batch, and the flags are only recorded (and
    # counted on the dashboard). The replies to compare with are read once, before any member
    # is resolved, so the members do not count as copies of each other.
    others = recent_replies(members[0]) if members else []
    for case in members:
        _flags, flagged = _reply_data(case, reply, others=others)
        case = _transition(
            case,
            "batch_resolve",
            actor=actor,
            role=None,
            version=None,
            note=reply,
            data={"batch": batch.code, **flagged},
            changes=_resolved(moment, reply),
        )
        _schedule_visit(case, moment)
    batch.resolved_at = moment
    batch.reply = reply
    batch.save(update_fields=["resolved_at", "reply"])
    return batch


@transaction.atomic
def batch_add(*, actor: User | None, batch: Batch, cases: Iterable[Case]) -> Batch:
    """Merge more open cases into an existing, unresolved batch."""
    batch = Batch.objects.select_for_update().get(pk=batch.pk)
    if batch.resolved_at is not None:
        raise Conflict(_("This batch is already resolved."), code="batch_resolved")
    for case in {c.pk: c for c in cases}.values():
        _transition(
            case,
            "merge",
            actor=actor,
            role=None,
            version=None,
            note=batch.title,
            data={"batch": batch.code},
            changes=_into_batch(batch),
        )
    return batch


@transaction.atomic
def batch_merge(*, actor: User | None, case: Case, duplicate: Case) -> Batch:
    """One fix for many, in one step: put ``case`` and its ``duplicate`` into one batch.

    If one of them is in an unresolved batch already, the other joins it (``batch_add``);
    otherwise a new batch, named after the earlier report, takes both (``batch_create``).
    """
    case = Case.objects.select_related("batch").get(pk=case.pk)
    duplicate = Case.objects.select_related("batch").get(pk=duplicate.pk)
    if case.pk == duplicate.pk:
        raise DomainError(_("A case cannot be merged with itself."), field="duplicate")
    if case.batch is not None and duplicate.batch is not None:
        raise Conflict(
            _("Case %(a)s is in batch %(x)s and case %(b)s in batch %(y)s already.")
            % {"a": case.code, "x": case.batch.code, "b": duplicate.code, "y": duplicate.batch.code}
            if case.batch_id != duplicate.batch_id
            else _("Both cases are in batch %(batch)s already.") % {"batch": case.batch.code},
            code="already_batched",
        )
    if duplicate.batch is not None:
        return batch_add(actor=actor, batch=duplicate.batch, cases=[case])
    if case.batch is not None:
        return batch_add(actor=actor, batch=case.batch, cases=[duplicate])
    first, second = sorted([case, duplicate], key=lambda c: (c.reported_at, c.pk))
    return batch_create(actor=actor, title=first.title, cases=[first, second])
