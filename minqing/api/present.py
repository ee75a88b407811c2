"""Models → response bodies (plain dicts that the schemas in ``schemas.py`` validate)."""

from __future__ import annotations

from typing import Any

from minqing.api.etags import etag
from minqing.cases.models import Batch, Case, CaseEvent, CaseState, Category, ReturnVisit
from minqing.outreach.models import OutreachSession
from minqing.people.models import Membership, User
from minqing.places.models import Department, Place, path_codes


def ref(obj: Any) -> dict[str, str] | None:
    return None if obj is None else {"code": obj.code, "name": obj.name}


def me(user: User, memberships: list[Membership]) -> dict[str, Any]:
    return {
        "username": user.username,
        "full_name": user.full_name,
        "is_superuser": user.is_superuser,
        "memberships": [
            {
                "role": m.role,
                "role_label": str(m.get_role_display()),
                "place": ref(m.place),
                "department": ref(m.department),
            }
            for m in memberships
        ],
    }


def place(p: Place) -> dict[str, Any]:
    parent_code = path_codes(p.path)[-2] if p.parent_id else None
    return {
        "code": p.code,
        "name": p.name,
        "kind": p.kind,
        "parent": parent_code,
        "path": p.path,
        "address": p.address,
        "lat": p.lat,
        "lng": p.lng,
    }


def department(d: Department) -> dict[str, Any]:
    return {
        "code": d.code,
        "name": d.name,
        "level": d.level,
        "place": d.place.code,
        "phone": d.phone,
    }


def category(c: Category, leaf: bool) -> dict[str, Any]:
    return {
        "code": c.code,
        "name": c.name,
        "level": c.level,
        "parent": c.parent.code if c.parent is not None else None,
        "leaf": leaf,
        "default_department": ref(c.default_department),
        "time_limit_class": c.time_limit_class,
    }


def case(c: Case) -> dict[str, Any]:
    return {
        "code": c.code,
        "title": c.title,
        "description": c.description,
        "state": c.state,
        "state_label": str(CaseState(c.state).label),
        "level": c.level,
        "category": ref(c.category),
        "place": ref(c.place),
        "channel": c.channel,
        "urgency": c.urgency,
        "reporter_name": c.reporter_name,
        "reporter_phone_masked": c.masked_phone,
        "session": c.session_id,
        "assignee_department": ref(c.assignee_department),
        "assignee_user": (
            {"username": c.assignee_user.username, "full_name": c.assignee_user.full_name}
            if c.assignee_user is not None
            else None
        ),
        "deadline": c.deadline,
        "overdue": c.overdue,
        "was_overdue": c.was_overdue,
        "batch": c.batch.code if c.batch_id and c.batch is not None else None,
        "reply": c.reply,
        "reject_reason": c.reject_reason,
        "solved_in_grid": c.solved_in_grid,
        "reported_at": c.reported_at,
        "responded_at": c.responded_at,
        "resolved_at": c.resolved_at,
        "closed_at": c.closed_at,
        "version": c.version,
        "etag": etag(c),
    }


def event(e: CaseEvent) -> dict[str, Any]:
    return {
        "seq": e.seq,
        "action": e.action,
        "actor": e.actor_label,
        "at": e.at,
        "from_state": e.from_state,
        "to_state": e.to_state,
        "from_level": e.from_level,
        "to_level": e.to_level,
        "note": e.note,
    }


def case_detail(c: Case, actions: list[str], events: list[CaseEvent]) -> dict[str, Any]:
    return case(c) | {"actions": actions, "events": [event(e) for e in events]}


def visit(v: ReturnVisit) -> dict[str, Any]:
    return {
        "id": v.pk,
        "case": v.case.code,
        "case_title": v.case.title,
        "case_etag": etag(v.case),
        "status": v.status,
        "opens_at": v.opens_at,
        "due_at": v.due_at,
        "done_at": v.done_at,
        "method": v.method,
        "solved": v.solved,
        "satisfied": v.satisfied,
        "comment": v.comment,
    }


def batch(b: Batch) -> dict[str, Any]:
    return {
        "code": b.code,
        "title": b.title,
        "description": b.description,
        "created_at": b.created_at,
        "resolved_at": b.resolved_at,
        "reply": b.reply,
        "cases": sorted(b.cases.values_list("code", flat=True)),
    }


def session(s: OutreachSession) -> dict[str, Any]:
    return {
        "id": s.pk,
        "kind": s.kind,
        "title": s.title,
        "community": ref(s.community),
        "starts_at": s.starts_at,
        "ends_at": s.ends_at,
        "location": s.location,
        "attendance": s.attendance,
        "notes": s.notes,
        "revisit_on": s.revisit_on,
        "status": s.status,
        "raised": getattr(s, "raised", 0),
        "resolved": getattr(s, "resolved", 0),
        "satisfied": getattr(s, "satisfied", 0),
    }
