"""Return visits, batches (one fix for many) and outreach sessions (evening talks …)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from minqing.api import present, selectors
from minqing.api.api_marks import IF_MATCH
from minqing.api.etags import expected_version
from minqing.api.routes.common import Limit, Offset, RowId, user_of
from minqing.api.schemas import (
    BatchIn,
    BatchOut,
    ReplyIn,
    SessionCloseIn,
    SessionIn,
    SessionOut,
    SessionRecordIn,
    VisitIn,
    VisitOut,
)
from minqing.cases import services
from minqing.cases.selectors import case_get_for, visits_due_for
from minqing.lib.errors import DomainError, NotFound
from minqing.outreach import services as outreach
from minqing.outreach.models import OutreachSession
from minqing.outreach.selectors import session_get_for, session_list_for
from minqing.people.models import User

router = Router()


# --- return visits -----------------------------------------------------------------------


@router.get(
    "/return-visits",
    response=list[VisitOut],
    tags=["return visits"],
    summary="Return visits scheduled or due in your scope, soonest first",
)
def list_visits(request: HttpRequest, limit: Limit = 100, offset: Offset = 0) -> Any:
    visits = visits_due_for(user_of(request))[offset : offset + limit]
    return [present.visit(v) for v in visits]


@router.post(
    "/return-visits/{visit_id}/record",
    response=VisitOut,
    tags=["return visits"],
    summary="Record the return visit (If-Match: the case's ETag)",
    openapi_extra={IF_MATCH: True},
)
def record_visit(request: HttpRequest, visit_id: RowId, payload: VisitIn) -> Any:
    user = user_of(request)
    visit = selectors.visit_get_for(user, visit_id)
    version = expected_version(request, visit.case)
    visit = services.return_visit_record(
        actor=user,
        visit=visit,
        method=payload.method,
        solved=payload.solved,
        satisfied=payload.satisfied,
        comment=payload.comment,
        version=version,
    )
    visit.case.refresh_from_db()
    return present.visit(visit)


# --- batches -----------------------------------------------------------------------------


@router.post(
    "/batches",
    response={201: BatchOut},
    tags=["batches"],
    summary="Merge open cases that one piece of work will fix (并案)",
)
def create_batch(request: HttpRequest, payload: BatchIn) -> Any:
    user = user_of(request)
    cases = []
    for code in payload.cases:
        try:
            cases.append(case_get_for(user, code))
        except NotFound as error:
            raise DomainError(error.message, field="cases") from None
    batch = services.batch_create(
        actor=user, title=payload.title, description=payload.description, cases=cases
    )
    return Status(201, present.batch(batch))


@router.get("/batches/{code}", response=BatchOut, tags=["batches"], summary="One batch")
def get_batch(request: HttpRequest, code: str) -> Any:
    return present.batch(selectors.batch_get_for(user_of(request), code))


@router.post(
    "/batches/{code}/resolve",
    response=BatchOut,
    tags=["batches"],
    summary="Resolve every open case of the batch with one reply",
)
def resolve_batch(request: HttpRequest, code: str, payload: ReplyIn) -> Any:
    user = user_of(request)
    batch = services.batch_resolve(
        actor=user, batch=selectors.batch_get_for(user, code), reply=payload.reply
    )
    return present.batch(batch)


# --- outreach sessions -------------------------------------------------------------------


def _session_out(user: User, session: OutreachSession) -> dict[str, Any]:
    return present.session(session_get_for(user, session.pk))


@router.get(
    "/sessions",
    response=list[SessionOut],
    tags=["outreach"],
    summary="Evening talks, forums and household-visit rounds in your places",
)
def list_sessions(request: HttpRequest, limit: Limit = 50, offset: Offset = 0) -> Any:
    sessions = session_list_for(user_of(request)).order_by("-starts_at", "-pk")
    return [present.session(s) for s in sessions[offset : offset + limit]]


@router.get("/sessions/{session_id}", response=SessionOut, tags=["outreach"], summary="One session")
def get_session(request: HttpRequest, session_id: RowId) -> Any:
    return present.session(session_get_for(user_of(request), session_id))


@router.post("/sessions", response={201: SessionOut}, tags=["outreach"], summary="Plan a session")
def plan_session(request: HttpRequest, payload: SessionIn) -> Any:
    user = user_of(request)
    community = selectors.place_by_code(payload.community, field="community")
    hosts = [selectors.user_by_username(name, field="hosts") for name in payload.hosts]
    session = outreach.session_plan(
        actor=user,
        kind=payload.kind,
        title=payload.title,
        community=community,
        starts_at=payload.starts_at,
        location=payload.location,
        hosts=hosts,
        liaison_units=selectors.liaison_units_by_code(payload.liaison_units),
    )
    return Status(201, _session_out(user, session))


@router.post(
    "/sessions/{session_id}/record",
    response=SessionOut,
    tags=["outreach"],
    summary="Record that the session was held: attendance and notes",
)
def record_session(request: HttpRequest, session_id: RowId, payload: SessionRecordIn) -> Any:
    user = user_of(request)
    session = session_get_for(user, session_id)
    session = outreach.session_record(
        actor=user,
        session=session,
        attendance=payload.attendance,
        notes=payload.notes,
        ended_at=payload.ended_at,
    )
    return _session_out(user, session)


@router.post(
    "/sessions/{session_id}/close",
    response=SessionOut,
    tags=["outreach"],
    summary="Close the session, with the date of the follow-up visit",
)
def close_session(request: HttpRequest, session_id: RowId, payload: SessionCloseIn) -> Any:
    user = user_of(request)
    session = session_get_for(user, session_id)
    session = outreach.session_close(
        actor=user, session=session, revisit_on=payload.revisit_on, notes=payload.notes
    )
    return _session_out(user, session)
