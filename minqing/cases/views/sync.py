"""The phone's offline queue (民情手册 in the field): entries and return-visit answers written
without a connection are kept on the phone, each with a key the phone made, and sent here
when the connection returns. Each key is recorded once: a resend, a double tap, a second tab
or a retry after a lost answer get the first result back.

Answers are JSON. 201: recorded now; 200: recorded before (``created`` false); 4xx: refused,
with the reason in the user's language (the phone keeps the entry, editable); 401: logged
out (the phone keeps it and sends it after the next log-in). Anything else (5xx, no answer)
the phone retries later.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minqing.cases import forms as f
from minqing.cases import services
from minqing.cases.selectors import (
    case_actions_for,
    case_for_client_key,
    visit_for_client_key,
    visits_due_for,
)
from minqing.cases.views.field import capture_record, capture_said, capture_setup, client_key
from minqing.core.views import acting_user
from minqing.lib.errors import DomainError
from minqing.outreach.models import SessionStatus


def refused(status: int, code: str, message: Any, *, field: str | None = None, errors=None):
    """The API's error body (``minqing.api.errors``), plus the form's errors by field."""
    return JsonResponse(
        {
            "status": status,
            "code": code,
            "message": str(message),
            "field": field,
            "errors": errors or {},
        },
        status=status,
    )


def _form_refused(form) -> JsonResponse:
    errors = {name: [str(m) for m in messages] for name, messages in form.errors.items()}
    field, first = next(iter(errors.items()))
    return refused(
        400, "invalid", first[0], field=None if field == "__all__" else field, errors=errors
    )


FIELDS = {"phone": "reporter_phone"}  # the service's names for the form's fields


def _domain_refused(error: DomainError) -> JsonResponse:
    status = error.status if error.status in (403, 404, 409) else 400
    field = FIELDS.get(error.field or "", error.field)
    errors = {field: [str(error.message)]} if field else {}
    return refused(status, error.code, error.message, field=field, errors=errors)


def _logged_out() -> JsonResponse:
    return refused(401, "unauthorized", _("Log in again to send what is waiting on this phone."))


def _case_answer(request: HttpRequest, code: str, created: bool, session_id: Any) -> JsonResponse:
    if request.POST.get("show"):  # sent from the page the worker is looking at
        capture_said(request, code, created)
    url = (
        f"{reverse('cases:capture')}?session={session_id}"
        if session_id
        else reverse("cases:detail", kwargs={"code": code})
    )
    message = (
        _("Recorded as %(code)s.") if created else _("This was already recorded as %(code)s.")
    ) % {"code": code}
    return JsonResponse(
        {"code": code, "created": created, "url": url, "message": message},
        status=201 if created else 200,
    )


@require_POST
def sync_capture(request: HttpRequest) -> JsonResponse:
    """One queued capture: the capture form's fields, with its key in ``token``."""
    if not request.user.is_authenticated:
        return _logged_out()
    user = acting_user(request)
    key = client_key(request.POST.get("token", ""))
    if key is None:
        return refused(400, "invalid", _("This entry has no key; save it again."), field="token")
    try:
        done = case_for_client_key(user, key)
        if done is not None:  # sent before: the answer got lost, or a second tab sent it
            return _case_answer(request, done.code, False, request.POST.get("session"))
        session, places, leaves, recent = capture_setup(user, request.POST.get("session"))
    except Http404:
        return refused(
            404,
            "not_found",
            _("The evening talk of this entry is not one you can see."),
            field="session",
        )
    except PermissionDenied:
        return refused(403, "not_allowed", _("You have no places to record problems about."))
    if session is not None and session.status == SessionStatus.CLOSED:
        message = _("This evening talk is closed; record the problem without it.")
        return refused(409, "session_closed", message, field="session")
    form = f.CaptureForm(request.POST, request.FILES, places=places, leaves=leaves, recent=recent)
    if not form.is_valid():
        return _form_refused(form)
    try:
        code, created = capture_record(user, form, places, leaves, session, key)
    except DomainError as e:
        return _domain_refused(e)
    return _case_answer(request, code, created, session.pk if session else None)


@require_POST
def sync_visit(request: HttpRequest) -> JsonResponse:
    """One queued return-visit answer (:class:`~minqing.cases.forms.QueuedVisitForm`)."""
    if not request.user.is_authenticated:
        return _logged_out()
    user = acting_user(request)
    key = client_key(request.POST.get("token", ""))
    if key is None:
        return refused(400, "invalid", _("This answer has no key; save it again."), field="token")
    done = visit_for_client_key(user, key)
    if done is not None:
        return _visit_answer(done.case.code, False)
    form = f.QueuedVisitForm(request.POST)
    if not form.is_valid():
        return _form_refused(form)
    data = form.cleaned_data
    visit = visits_due_for(user).filter(pk=data["visit"]).first()
    if visit is None or "return_visit" not in case_actions_for(user, visit.case):
        message = _(
            "This return visit is no longer waiting for you: it was recorded or cancelled, "
            "or the case has moved on."
        )
        return refused(409, "visit_done", message, field="visit")
    try:
        visit, created = services.return_visit_record_once(
            client_key=key,
            actor=user,
            visit=visit,
            method=data["method"],
            solved=data["solved"],
            satisfied=data["satisfied"],
            comment=data["comment"],
        )
    except DomainError as e:
        return _domain_refused(e)
    return _visit_answer(visit.case.code, created)


def _visit_answer(code: str, created: bool) -> JsonResponse:
    message = (
        _("Return visit of %(code)s recorded.")
        if created
        else _("The return visit of %(code)s was already recorded.")
    ) % {"code": code}
    return JsonResponse(
        {
            "code": code,
            "created": created,
            "url": reverse("cases:detail", kwargs={"code": code}),
            "message": message,
        },
        status=201 if created else 200,
    )
