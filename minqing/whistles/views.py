"""Pages of 吹哨报到: the call form, the whistle page, the department's phone page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minqing.cases.selectors import case_get_for
from minqing.core.views import acting_user, add_domain_error
from minqing.lib import clock
from minqing.lib.errors import DomainError, NotFound
from minqing.people.access import roles_of
from minqing.people.models import Role
from minqing.places.selectors import departments_serving
from minqing.whistles import selectors as s
from minqing.whistles import services
from minqing.whistles.forms import CloseForm, WhistleForm


@login_required
def whistle_new(request: HttpRequest) -> HttpResponse:
    """Call departments to the site: from a case (``?case=CODE``) or a grid (``?grid=CODE``)."""
    user = acting_user(request)
    source = request.POST if request.method == "POST" else request.GET
    case = grid = None
    try:
        if source.get("case"):
            case = case_get_for(user, source["case"])
            place = case.place
        else:
            grid = s.whistle_grids_for(user).filter(code=source.get("grid", "")).first()
            if grid is None:
                raise Http404
            place = grid
    except NotFound as e:
        raise Http404(str(e)) from None
    if not s.may_whistle(user, place):
        raise PermissionDenied
    form = WhistleForm(
        request.POST if request.method == "POST" else None,
        departments=departments_serving(place),
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                whistle = services.whistle_call(
                    actor=user,
                    case=case,
                    grid=grid,
                    departments=form.chosen(),
                    minutes=form.cleaned_data["minutes"],
                    note=form.cleaned_data["note"],
                )
            except DomainError as e:
                add_domain_error(form, e)
            else:
                messages.success(
                    request,
                    _("%(n)s departments called; they are to arrive by %(deadline)s.")
                    % {
                        "n": whistle.calls.count(),
                        "deadline": timezone.localtime(whistle.deadline).strftime("%H:%M"),
                    },
                )
                return redirect("whistles:detail", pk=whistle.pk)
        status = 400
    return render(
        request,
        "whistles/new.html",
        {"form": form, "case": case, "grid": grid, "place": place},
        status=status,
    )


def _whistle_or_404(user, pk: int):
    try:
        return s.whistle_get_for(user, pk)
    except NotFound as e:
        raise Http404(str(e)) from None


def _whistle_page(request: HttpRequest, whistle, form=None, status: int = 200) -> HttpResponse:
    user = acting_user(request)
    may_close = whistle.is_open and s.may_whistle(user, whistle.place)
    calls = list(s.whistle_calls(whistle))
    for call in calls:
        may = whistle.is_open and not call.arrived_at and s.handles(user, call.department)
        call.may_arrive = may  # type: ignore[attr-defined]
    return render(
        request,
        "whistles/detail.html",
        {
            "whistle": whistle,
            "calls": calls,
            "close_form": (form or CloseForm()) if may_close else None,
            "now": clock.now(),
        },
        status=status,
    )


@login_required
def whistle_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _whistle_page(request, _whistle_or_404(acting_user(request), pk))


@login_required
@require_POST
def whistle_close(request: HttpRequest, pk: int) -> HttpResponse:
    user = acting_user(request)
    whistle = _whistle_or_404(user, pk)
    if not s.may_whistle(user, whistle.place):
        raise PermissionDenied
    form = CloseForm(request.POST)
    if form.is_valid():
        try:
            services.whistle_close(actor=user, whistle=whistle, note=form.cleaned_data["note"])
        except DomainError as e:
            add_domain_error(form, e)
        else:
            messages.success(request, _("The call to the site is closed."))
            if whistle.case_id:
                return redirect("cases:detail", code=whistle.case.code)
            return redirect("whistles:detail", pk=whistle.pk)
    return _whistle_page(request, whistle, form, status=400)


def _is_handler(user) -> bool:
    return Role.HANDLER in roles_of(user)


@login_required
def calls(request: HttpRequest) -> HttpResponse:
    """The department handler's phone page: open calls to the site, with a button to report."""
    user = acting_user(request)
    if not _is_handler(user):
        raise PermissionDenied
    return render(
        request,
        "whistles/calls.html",
        {"calls": s.calls_waiting_for(user), "now": clock.now()},
    )


@login_required
@require_POST
def call_arrive(request: HttpRequest, pk: int) -> HttpResponse:
    user = acting_user(request)
    try:
        call = s.call_get_for(user, pk)
    except NotFound as e:
        raise Http404(str(e)) from None
    try:
        done = services.whistle_arrive(actor=user, call=call)
    except DomainError as e:
        messages.error(request, str(e.message))
    else:
        if done.late:
            messages.warning(request, _("Arrival recorded, after the deadline."))
        else:
            messages.success(request, _("Arrival recorded, in time."))
    return redirect("whistles:calls")
