"""Cases: list, read, report, and every transition (each needs If-Match with the ETag)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status

from minqing.api import present, selectors
from minqing.api.api_marks import ETAG, TRANSITION
from minqing.api.etags import etag, expected_version
from minqing.api.routes.common import Limit, Offset, user_of
from minqing.api.schemas import (
    CaseDetailOut,
    CaseIn,
    CasePage,
    DispatchIn,
    NoteIn,
    PhoneOut,
    ReasonIn,
    ReplyIn,
    RequiredNoteIn,
    State,
    When,
)
from minqing.cases import services
from minqing.cases.actions import Action, with_reason
from minqing.cases.models import Case
from minqing.cases.selectors import case_actions_for, case_events, case_get_for, case_list_for
from minqing.lib.errors import DomainError, NotFound
from minqing.outreach.selectors import session_get_for
from minqing.people.models import User

router = Router(tags=["cases"])
Act = Callable[[User, Case, int | None], Case]


def _detail(response: HttpResponse, user: User, case: Case) -> dict[str, Any]:
    response["ETag"] = etag(case)
    return present.case_detail(case, case_actions_for(user, case), list(case_events(case)))


def _act(request: HttpRequest, response: HttpResponse, code: str, act: Act) -> dict[str, Any]:
    """Find the case, read If-Match, run the transition, answer with the new case and ETag."""
    user = user_of(request)
    case = case_get_for(user, code)
    version = expected_version(request, case)
    return _detail(response, user, act(user, case, version))


@router.get("/cases", response=CasePage, summary="Cases you can see, newest first")
def list_cases(
    request: HttpRequest,
    state: Annotated[list[State] | None, Query()] = None,
    category: Annotated[str | None, Query(max_length=32)] = None,
    place: Annotated[str | None, Query(max_length=32)] = None,
    overdue: bool | None = None,
    since: When | None = None,
    until: When | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    user = user_of(request)
    cases = case_list_for(
        user,
        state=list(state) if state else None,
        category=selectors.category_by_code(category) if category else None,
        place_path=selectors.place_by_code(place).path if place else None,
        overdue=overdue,
        since=since,
        until=until,
        search=q,
    ).order_by("-reported_at", "-pk")
    return {
        "count": cases.count(),
        "limit": limit,
        "offset": offset,
        "items": [present.case(c) for c in cases.select_related("batch")[offset : offset + limit]],
    }


@router.get(
    "/cases/{code}",
    response=CaseDetailOut,
    summary="One case with its history and the actions open to you",
    openapi_extra={ETAG: True},
)
def get_case(request: HttpRequest, response: HttpResponse, code: str) -> dict[str, Any]:
    user = user_of(request)
    return _detail(response, user, case_get_for(user, code))


@router.post(
    "/cases",
    response={201: CaseDetailOut},
    summary="Report a case",
    openapi_extra={ETAG: True},
)
def create_case(request: HttpRequest, response: HttpResponse, payload: CaseIn) -> Any:
    user = user_of(request)
    session = None
    if payload.session is not None:
        try:
            session = session_get_for(user, payload.session)
        except NotFound as error:
            raise DomainError(error.message, field="session") from None
    case = services.case_report(
        actor=user,
        title=payload.title,
        description=payload.description,
        category=selectors.category_by_code(payload.category),
        place=selectors.place_by_code(payload.place),
        channel=payload.channel,
        urgency=payload.urgency,
        reporter_name=payload.reporter_name,
        reporter_phone=payload.reporter_phone,
        session=session,
        solved_on_spot=payload.solved_on_spot,
        reply=payload.reply,
    )
    response["Location"] = f"/api/v1/cases/{case.code}"
    return Status(201, _detail(response, user, case))


@router.post(
    "/cases/{code}/accept",
    response=CaseDetailOut,
    summary="Accept (立案)",
    openapi_extra=TRANSITION,
)
def accept_case(
    request: HttpRequest, response: HttpResponse, code: str, payload: NoteIn | None = None
) -> dict[str, Any]:
    note = payload.note if payload is not None else ""
    return _act(
        request,
        response,
        code,
        lambda user, case, version: services.case_accept(
            actor=user, case=case, version=version, note=note
        ),
    )


@router.post(
    "/cases/{code}/dispatch",
    response=CaseDetailOut,
    summary="Dispatch to a department or a person, with a deadline (派遣)",
    openapi_extra=TRANSITION,
)
def dispatch_case(
    request: HttpRequest, response: HttpResponse, code: str, payload: DispatchIn
) -> dict[str, Any]:
    department = selectors.department_by_code(payload.department) if payload.department else None
    assignee = selectors.user_by_username(payload.assignee) if payload.assignee else None
    return _act(
        request,
        response,
        code,
        lambda user, case, version: services.case_dispatch(
            actor=user,
            case=case,
            version=version,
            department=department,
            assignee=assignee,
            deadline=payload.deadline,
            note=payload.note,
        ),
    )


@router.post(
    "/cases/{code}/start", response=CaseDetailOut, summary="Start work", openapi_extra=TRANSITION
)
def start_case(
    request: HttpRequest, response: HttpResponse, code: str, payload: NoteIn | None = None
) -> dict[str, Any]:
    note = payload.note if payload is not None else ""
    return _act(
        request,
        response,
        code,
        lambda user, case, version: services.case_start(
            actor=user, case=case, version=version, note=note
        ),
    )


@router.post(
    "/cases/{code}/resolve",
    response=CaseDetailOut,
    summary="Resolve, with the reply to the resident",
    openapi_extra=TRANSITION,
)
def resolve_case(
    request: HttpRequest, response: HttpResponse, code: str, payload: ReplyIn
) -> dict[str, Any]:
    return _act(
        request,
        response,
        code,
        lambda user, case, version: services.case_resolve(
            actor=user,
            case=case,
            version=version,
            reply=payload.reply,
            override_reason=payload.override_reason,
        ),
    )


def _reason_endpoint(action: Action) -> Callable[..., dict[str, Any]]:
    """``POST /cases/{code}/<action>`` for an action whose only input is a reason."""
    service = getattr(services, f"case_{action.name}")

    def run(
        request: HttpRequest, response: HttpResponse, code: str, payload: ReasonIn
    ) -> dict[str, Any]:
        return _act(
            request,
            response,
            code,
            lambda user, case, version: service(
                actor=user, case=case, version=version, reason=payload.reason
            ),
        )

    run.__name__ = f"{action.name}_case"  # the OpenAPI operation id, as before
    return run


# One endpoint per action of the catalogue that asks for a reason (send back, recall,
# escalate, reject, close, reopen).
for _action in with_reason():
    router.post(
        f"/cases/{{code}}/{_action.name.replace('_', '-')}",
        response=CaseDetailOut,
        summary=_action.summary,
        openapi_extra=TRANSITION,
    )(_reason_endpoint(_action))


@router.post(
    "/cases/{code}/notes", response=CaseDetailOut, summary="Add a note", openapi_extra=TRANSITION
)
def add_note(
    request: HttpRequest, response: HttpResponse, code: str, payload: RequiredNoteIn
) -> dict[str, Any]:
    return _act(
        request,
        response,
        code,
        lambda user, case, version: services.case_add_note(
            actor=user, case=case, version=version, note=payload.note
        ),
    )


@router.post(
    "/cases/{code}/reveal-phone",
    response=PhoneOut,
    summary="The reporter's full phone number (the look is recorded in the history)",
)
def reveal_phone(request: HttpRequest, response: HttpResponse, code: str) -> dict[str, Any]:
    user = user_of(request)
    response["Cache-Control"] = "no-store"  # personal data: kept by no cache, no replay
    case = case_get_for(user, code)
    phone = services.case_reveal_phone(actor=user, case=case)
    case.refresh_from_db(fields=["version"])
    return {"phone": phone, "etag": etag(case)}
