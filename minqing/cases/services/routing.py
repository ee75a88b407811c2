"""Automatic dispatch by the category router, and one-click dispatch of its suggestion."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import transaction

from minqing.cases.models import (
    Case,
    CaseState,
)
from minqing.cases.routes import RouteMap, suggested_dispatch
from minqing.cases.services._core import (
    _transition,
)
from minqing.cases.services.lifecycle import case_accept, case_dispatch
from minqing.cases.timelimits import (
    deadline_for,
)
from minqing.cases.transitions import SYSTEM
from minqing.lib import clock
from minqing.people.models import User

logger = logging.getLogger(__name__)


def _route_safely(case: Case) -> Case:
    """Route a new case; whatever goes wrong, the report stands and waits in triage."""
    try:
        with transaction.atomic():  # a savepoint: a failed routing leaves the report alone
            return case_route(case=case)
    except Exception:  # the router must never lose a report
        logger.exception("Routing case %s failed; it waits in triage.", case.code)
        return case


@transaction.atomic
def case_route(*, case: Case) -> Case:
    """Let the category router decide a newly reported case (docs/routing.md).

    Sure enough (confidence at or above ``settings.MINQING_ROUTER_THRESHOLD``) and the label
    maps onto a category whose department serves the place: the case is dispatched there
    with the category's deadline (``route``; the event says which model and how sure).
    Otherwise it stays in triage and the router's three suggestions are written down
    (``suggest``). With no model trained, nothing happens: routing is not switched on.
    """
    from minqing.routing.runtime import decide  # scikit-learn: loaded on first use

    threshold = float(settings.MINQING_ROUTER_THRESHOLD)
    try:
        decision = decide(f"{case.title}\n{case.description}", threshold=threshold)
    except Exception:  # a damaged model or a bug in it: leave the case to a person
        logger.exception("The router could not read case %s.", case.code)
        return case
    if decision.version is None:
        return case
    base: dict[str, Any] = {
        "model": decision.version,
        "confidence": round(float(decision.confidence), 4),
        "threshold": threshold,
    }
    reason = decision.reason
    routes = RouteMap(case)
    if decision.dispatch and decision.label:
        target = routes.target(case, decision.label)
        if target is None:
            reason = "unknown_label"
        elif target.department is None:
            reason = "no_department"
        else:
            department = target.department
            deadline = deadline_for(
                target.category, case.urgency, clock.now(), place=case.place, level=case.level
            )
            changes: dict[str, Any] = {
                "assignee_department": department,
                "assignee_user": None,
                "deadline": deadline,
                "overdue": False,
            }
            if target.category.pk != case.category_id:
                changes["category"] = target.category
            return _transition(
                case,
                "route",
                actor=None,
                role=SYSTEM,
                version=None,
                data=base
                | {
                    "label": decision.label,
                    "category": target.category.code,
                    "department": department.code,
                    "to": department.name,
                    "deadline": deadline.isoformat(),
                },
                changes=changes,
            )
    suggestions = []
    for idea in decision.suggestions[:3]:
        mapped = routes.target(case, idea.label)
        suggestions.append(
            {
                "label": idea.label,
                "confidence": round(float(idea.confidence), 4),
                "category": mapped.category.code if mapped else None,
                "department": mapped.department.code if mapped and mapped.department else None,
            }
        )
    return _transition(
        case,
        "suggest",
        actor=None,
        role=SYSTEM,
        version=None,
        data=base
        | {
            "label": decision.suggestions[0].label if decision.suggestions else None,
            "reason": reason,
            "suggestions": suggestions,
        },
    )


@transaction.atomic
def case_dispatch_suggested(
    *, actor: User | None, case: Case, version: int | None, label: str, note: str = ""
) -> Case:
    """A confirmed router suggestion: accept the case if it is new, then dispatch it to the
    department of the suggested category, under which the case is filed from now on (its
    own leaf, when that already sits under the suggested label; see
    :func:`suggested_dispatch`)."""
    # Refused (DomainError) when no department here takes the label's cases.
    target = suggested_dispatch(case=case, label=label).target
    if case.state == CaseState.REPORTED:
        case = case_accept(actor=actor, case=case, version=version, note=note)
        version = case.version
    return case_dispatch(
        actor=actor,
        case=case,
        version=version,
        department=target.department,
        category=target.category,
        note=note,
    )
