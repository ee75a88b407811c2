"""The case page and every action on it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from minqing.cases import forms as f
from minqing.cases import services
from minqing.cases.actions import ACTIONS, REASON
from minqing.cases.duplicates import Duplicate, case_duplicates_for
from minqing.cases.models import (
    Case,
    VisitStatus,
)
from minqing.cases.permissions import roles_for
from minqing.cases.photos import photo_names, photo_open
from minqing.cases.replies import ReplyFlagged
from minqing.cases.routes import suggested_dispatch
from minqing.cases.selectors import (
    batch_get_for,
    batches_for,
    case_actions_for,
    case_events,
    case_get_for,
    pending_visit,
    router_outcomes,
)
from minqing.cases.timelimits import deadline_for
from minqing.cases.timeline import staff_timeline
from minqing.cases.transitions import allowed_actions
from minqing.cases.views.common import (
    _case_or_404,
)
from minqing.core.nav import home_url_for
from minqing.core.views import acting_user, add_domain_error
from minqing.lib import clock
from minqing.lib.errors import DomainError, NotFound, StaleVersion
from minqing.people.models import User
from minqing.people.selectors import (
    dispatch_people_for,
)
from minqing.places.selectors import departments_serving
from minqing.whistles.selectors import may_whistle, whistles_for

# When the action leaves the case out of the acting user's sight (the view lands on their
# queue instead of the case page), the message names the case.
ACTION_DONE_ELSEWHERE = {
    "send_back": gettext_lazy("Case %(code)s sent back to the dispatcher."),
}


def _action_form(action: str, case: Case, user: User, data=None) -> forms.Form | None:
    """The form for an action on this case, or None when it cannot be offered now."""
    initial: dict[str, Any] = {"version": case.version}
    if action in ("accept", "start"):
        return f.NoteForm(data, initial=initial)
    if action == "dispatch":
        department = case.category.effective_department()
        departments = departments_serving(case.place)
        if department is not None:
            initial["to"] = f"d:{department.code}"
        return f.DispatchForm(
            data,
            initial=initial,
            departments=departments,
            people=dispatch_people_for(case.place),
            default_deadline=deadline_for(
                case.category, case.urgency, clock.now(), place=case.place, level=case.level
            ),
        )
    if action == "resolve":
        return f.ReplyForm(data, initial=initial)
    if action == "escalate" and services.next_level(case) is None:
        return None
    if ACTIONS[action].asks == REASON:
        return f.ReasonForm(data, initial=initial)
    if action == "merge":
        if case.batch_id is not None:
            return None
        open_batches = batches_for(user).filter(resolved_at__isnull=True)
        return f.MergeForm(data, initial=initial, batches=open_batches)
    if action == "return_visit":
        if pending_visit(case) is None:
            return None
        return f.ReturnVisitForm(data, initial=initial)
    if action == "note":
        return f.RequiredNoteForm(data, initial=initial)
    return None


def _dispatch_target(user: User, case: Case, value: str):
    kind, _sep, key = value.partition(":")
    if kind == "d":
        department = departments_serving(case.place).filter(code=key).first()
        if department is not None:
            return {"department": department}
    if kind == "u" and key.isdigit():
        member = dispatch_people_for(case.place).filter(user_id=int(key)).first()
        if member is not None:
            return {"assignee": member.user}
    raise DomainError(_("Choose a department or a person from the list."), field="to")


def _run_action(action: str, user: User, case: Case, d: dict[str, Any]) -> None:
    v = d["version"]
    if action == "accept":
        services.case_accept(actor=user, case=case, version=v, note=d["note"])
    elif action == "start":
        services.case_start(actor=user, case=case, version=v, note=d["note"])
    elif action == "dispatch":
        services.case_dispatch(
            actor=user,
            case=case,
            version=v,
            deadline=d["deadline"],
            note=d["note"],
            **_dispatch_target(user, case, d["to"]),
        )
    elif action == "resolve":
        services.case_resolve(
            actor=user,
            case=case,
            version=v,
            reply=d["reply"],
            override_reason=d["override_reason"],
        )
    elif ACTIONS[action].asks == REASON:
        service = getattr(services, f"case_{action}")
        service(actor=user, case=case, version=v, reason=d["reason"])
    elif action == "note":
        services.case_add_note(actor=user, case=case, version=v, note=d["note"])
    elif action == "merge":
        if d["batch"]:
            try:
                batch = batch_get_for(user, d["batch"])
            except NotFound as e:
                raise DomainError(e.message, field="batch") from None
            services.batch_add(actor=user, batch=batch, cases=[case])
        else:
            services.batch_create(actor=user, title=d["title"], cases=[case])
    elif action == "return_visit":
        visit = pending_visit(case)
        if visit is None:
            raise DomainError(_("This case has no return visit waiting."))
        services.return_visit_record(
            actor=user,
            visit=visit,
            method=d["method"],
            solved=d["solved"],
            satisfied=d["satisfied"],
            comment=d["comment"],
            version=v,
        )


def _case_page(
    request: HttpRequest,
    case: Case,
    *,
    bound: tuple[str, forms.Form] | None = None,
    revealed: str | None = None,
    status: int = 200,
) -> HttpResponse:
    user = acting_user(request)
    allowed = case_actions_for(user, case)
    actions = []
    for action in ACTIONS:
        if action not in allowed:
            continue
        form: forms.Form | None
        if bound is not None and bound[0] == action:
            form = bound[1]
        else:
            form = _action_form(action, case, user)
        if form is not None:
            actions.append(
                {
                    "name": action,
                    "label": ACTIONS[action].label,
                    "form": form,
                    "open": bound is not None and bound[0] == action,
                    "danger": ACTIONS[action].danger,
                }
            )
    router = router_outcomes([case]).get(case.pk)
    return render(
        request,
        "cases/detail.html",
        {
            "case": case,
            "router": router,
            "can_route_to": bool({"accept", "dispatch"} & set(allowed)),
            "duplicates": _duplicates_with_merge(user, case) if case.is_open else [],
            "actions": actions,
            "timeline": staff_timeline(case_events(case)),
            "visit": pending_visit(case),
            "done_visits": case.visits.filter(status=VisitStatus.DONE).order_by("done_at"),
            "photos": photo_names(case),
            "can_reveal": bool(case.reporter_phone) and "reveal_phone" in allowed,
            "revealed": revealed,
            "now": clock.now(),
            "can_whistle": case.is_open and may_whistle(user, case.place),
            "whistles": whistles_for(user).filter(case=case),
        },
        status=status,
    )


def _duplicates_with_merge(user: User, case: Case) -> list[tuple[Duplicate, bool]]:
    """The case's likely duplicates, each with whether this user may merge the two."""
    may_merge_case = "merge" in allowed_actions(case.state, roles_for(user, case))
    out = []
    for d in case_duplicates_for(user, case):
        other = d.case
        both_batched = case.batch_id is not None and other.batch_id is not None
        may = (
            may_merge_case
            and not both_batched
            and "merge" in allowed_actions(other.state, roles_for(user, other))
        )
        out.append((d, may))
    return out


def _back(request: HttpRequest, case: Case) -> HttpResponse:
    """To the page the button was on (a queue), or to the case."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("cases:detail", code=case.code)


def _next_url(request: HttpRequest, case: Case) -> str:
    """The page the button was on (a queue) when it is ours, else the case's page."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("cases:detail", args=[case.code])


@login_required
@require_POST
def case_route_to(request: HttpRequest, code: str) -> HttpResponse:
    """A router suggestion: a button leads to a confirmation that names the category, the
    department and the deadline (``confirm`` not sent); confirmed, the case is accepted (if
    new) and dispatched there."""
    user = acting_user(request)
    case = _case_or_404(user, code)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        return HttpResponseBadRequest()
    if version != case.version:
        messages.warning(request, STALE)
        return redirect("cases:detail", code=case.code)
    label = request.POST.get("label", "")
    if request.POST.get("confirm") != "1":
        if not {"accept", "dispatch"} & set(case_actions_for(user, case)):
            messages.error(request, _("You cannot do that with this case now."))
            return redirect("cases:detail", code=case.code)
        try:
            plan = suggested_dispatch(case=case, label=label)
        except DomainError as e:
            messages.error(request, str(e))
            return redirect("cases:detail", code=case.code)
        return render(
            request,
            "cases/route_confirm.html",
            {
                "case": case,
                "label": label,
                "plan": plan,
                "next": request.POST.get("next", ""),
                "back": _next_url(request, case),
            },
        )
    try:
        case = services.case_dispatch_suggested(actor=user, case=case, version=version, label=label)
    except StaleVersion:
        messages.warning(request, STALE)
        return redirect("cases:detail", code=case.code)
    except DomainError as e:
        messages.error(request, str(e))
        return redirect("cases:detail", code=case.code)
    messages.success(
        request,
        _("%(code)s dispatched to %(to)s.")
        % {"code": case.code, "to": case.assignee_department or case.assignee_user},
    )
    return _back(request, case)


@login_required
@require_POST
def case_merge_with(request: HttpRequest, code: str) -> HttpResponse:
    """One fix for many: this case and a suggested duplicate into one batch, in one step."""
    user = acting_user(request)
    case = _case_or_404(user, code)
    other = _case_or_404(user, request.POST.get("other", ""))
    try:
        batch = services.batch_merge(actor=user, case=case, duplicate=other)
    except DomainError as e:
        messages.error(request, str(e))
        return redirect("cases:detail", code=case.code)
    messages.success(
        request,
        _("%(a)s and %(b)s are in batch %(batch)s now.")
        % {"a": case.code, "b": other.code, "batch": batch.code},
    )
    return redirect("cases:detail", code=case.code)


@login_required
def case_detail(request: HttpRequest, code: str) -> HttpResponse:
    return _case_page(request, _case_or_404(acting_user(request), code))


STALE = gettext_lazy(
    "Someone else changed this case while you were looking at it. This is its current state; "
    "check it and try again."
)


@login_required
@require_POST
def case_action(request: HttpRequest, code: str, action: str) -> HttpResponse:
    user = acting_user(request)
    case = _case_or_404(user, code)
    if action not in ACTIONS:
        raise Http404
    form = _action_form(action, case, user, data=request.POST)
    if form is None or action not in case_actions_for(user, case):
        if request.POST.get("version") != str(case.version):
            messages.warning(request, STALE)
        else:
            messages.error(request, _("You cannot do that with this case now."))
        return redirect("cases:detail", code=case.code)
    if not form.is_valid():
        if "version" in form.errors:
            return HttpResponseBadRequest()
        return _case_page(request, case, bound=(action, form), status=400)
    if form.cleaned_data["version"] != case.version:
        messages.warning(request, STALE)
        return redirect("cases:detail", code=case.code)
    try:
        _run_action(action, user, case, form.cleaned_data)
    except StaleVersion:
        messages.warning(request, STALE)
        return redirect("cases:detail", code=case.code)
    except ReplyFlagged as e:
        # The reasons next to the reply, and the "send anyway, because…" field shown.
        form = f.ReplyForm(request.POST, initial={"version": case.version}, flagged=True)
        form.is_valid()
        add_domain_error(form, e)
        return _case_page(request, case, bound=(action, form), status=400)
    except DomainError as e:
        if e.field and e.field in form.fields:
            add_domain_error(form, e)
            return _case_page(request, case, bound=(action, form), status=400)
        messages.error(request, str(e))
        return redirect("cases:detail", code=case.code)
    try:
        case_get_for(user, case.code)
    except NotFound:
        # The action took the case out of this user's scope (a department sent it back):
        # its page would be "not found", so land on their queue and say what was done.
        named = ACTION_DONE_ELSEWHERE.get(action)
        if named is not None:
            done = named % {"code": case.code}
        else:
            done = _("%(done)s Case %(code)s is no longer among your cases.") % {
                "done": ACTIONS[action].done,
                "code": case.code,
            }
        messages.success(request, done)
        return redirect(home_url_for(user))
    messages.success(request, str(ACTIONS[action].done))
    return redirect("cases:detail", code=case.code)


@login_required
@require_POST
def case_phone(request: HttpRequest, code: str) -> HttpResponse:
    """Show the reporter's full number; the look is written into the case history."""
    user = acting_user(request)
    case = _case_or_404(user, code)
    if not case.reporter_phone:
        raise Http404
    try:
        number = services.case_reveal_phone(actor=user, case=case)
    except DomainError as e:
        messages.error(request, str(e))
        return redirect("cases:detail", code=case.code)
    return _case_page(request, _case_or_404(user, code), revealed=number)


@login_required
@require_GET
def case_photo(request: HttpRequest, code: str, name: str) -> HttpResponseBase:
    case = _case_or_404(acting_user(request), code)
    handle = photo_open(case, name)
    if handle is None:
        raise Http404
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=86400"
    return response
