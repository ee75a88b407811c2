"""Evening talks (夜话), forums and household-visit rounds: plan, run, close."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minqing.cases.selectors import case_list_for
from minqing.core.views import acting_user, add_domain_error
from minqing.lib import clock
from minqing.lib.errors import DomainError, NotAllowed, NotFound
from minqing.outreach import forms as f
from minqing.outreach import services
from minqing.outreach.models import SessionStatus
from minqing.outreach.selectors import session_get_for, session_list_for
from minqing.people.access import may_run_sessions, roles_of
from minqing.people.models import User
from minqing.people.selectors import people_at, places_in_charge
from minqing.places.models import PlaceKind
from minqing.places.selectors import liaison_units_of


def _session_or_404(user: User, pk: int):
    try:
        return session_get_for(user, pk)
    except NotFound as e:
        raise Http404(str(e)) from None


def _communities(user: User) -> list:
    """The communities where the user may run talks (people.access.may_run_sessions)."""
    places = places_in_charge(user, kinds=(PlaceKind.COMMUNITY,)).order_by("path")
    return [c for c in places if may_run_sessions(user, c)]


def _can_use(user: User) -> bool:
    return user.is_superuser or any(roles_of(user) - {"handler"})


@login_required
def session_list(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    if not _can_use(user):
        raise PermissionDenied
    qs = session_list_for(user).order_by("-starts_at")
    status = request.GET.get("status", "")
    if status in SessionStatus.values:
        qs = qs.filter(status=status)
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    for s in page.object_list:
        s.solve_rate = (s.resolved / s.raised) if s.raised else None
    return render(
        request,
        "outreach/list.html",
        {
            "page": page,
            "status": status,
            "statuses": SessionStatus.choices,
            "can_plan": bool(_communities(user)),
        },
    )


def _plan_form(user: User, data=None):
    communities = _communities(user)
    hosts = people_at(communities, also=[user])
    units = liaison_units_of(communities)
    form = f.PlanForm(data, communities=communities, hosts=hosts, units=units)
    return form, communities, hosts, units


@login_required
def session_plan(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    form, communities, hosts, units = _plan_form(user, request.POST or None)
    if not communities:
        raise PermissionDenied
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        community = next(c for c in communities if c.code == d["community"])
        try:
            session = services.session_plan(
                actor=user,
                kind=d["kind"],
                title=d["title"],
                community=community,
                starts_at=d["starts_at"],
                location=d["location"],
                hosts=[h for h in hosts if str(h.pk) in d["hosts"]],
                liaison_units=[u for u in units if u.code in d["liaison_units"]],
            )
        except DomainError as e:
            add_domain_error(form, e)
        else:
            messages.success(request, _("Planned."))
            return redirect("outreach:detail", pk=session.pk)
    if not request.POST:
        form.initial = {"kind": "evening_talk"}
    status = 400 if request.method == "POST" else 200
    return render(request, "outreach/plan.html", {"form": form}, status=status)


@login_required
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = acting_user(request)
    session = _session_or_404(user, pk)
    return _detail(request, session)


def _detail(request, session, record_form=None, close_form=None, status=200, revisit_form=None):
    user = acting_user(request)
    cases = case_list_for(user).filter(session=session).order_by("reported_at")
    # Everyone who sees the talk sees its record; only those who run talks change it.
    open_ = session.status != SessionStatus.CLOSED and may_run_sessions(user, session.community)
    if open_ and record_form is None:
        record_form = f.RecordForm(
            initial={"attendance": session.attendance or None, "notes": session.notes}
        )
    if session.status == SessionStatus.HELD and close_form is None:
        close_form = f.CloseForm(initial={"notes": session.notes})
    revisit_due = (
        session.status == SessionStatus.CLOSED
        and session.revisit_on is not None
        and session.revisit_done_at is None
    )
    if revisit_due and revisit_form is None:
        revisit_form = f.RevisitDoneForm()
    return render(
        request,
        "outreach/detail.html",
        {
            "session": session,
            "cases": cases,
            "solve_rate": (session.resolved / session.raised) if session.raised else None,
            "record_form": record_form if open_ else None,
            "close_form": close_form if open_ and session.status == SessionStatus.HELD else None,
            "revisit_form": revisit_form if revisit_due else None,
            "today": timezone.localtime(clock.now()).date(),
        },
        status=status,
    )


@login_required
@require_POST
def session_record(request: HttpRequest, pk: int) -> HttpResponse:
    user = acting_user(request)
    session = _session_or_404(user, pk)
    form = f.RecordForm(request.POST)
    if form.is_valid():
        try:
            services.session_record(
                actor=user,
                session=session,
                attendance=form.cleaned_data["attendance"],
                notes=form.cleaned_data["notes"],
            )
        except NotAllowed as e:
            raise PermissionDenied(str(e)) from None
        except DomainError as e:
            if e.field in form.fields:
                add_domain_error(form, e)
            else:
                messages.error(request, str(e))
                return redirect("outreach:detail", pk=session.pk)
        else:
            messages.success(request, _("Attendance and notes saved."))
            return redirect("outreach:detail", pk=session.pk)
    return _detail(request, session, record_form=form, status=400)


@login_required
@require_POST
def session_close(request: HttpRequest, pk: int) -> HttpResponse:
    user = acting_user(request)
    session = _session_or_404(user, pk)
    form = f.CloseForm(request.POST)
    if form.is_valid():
        try:
            services.session_close(
                actor=user,
                session=session,
                revisit_on=form.cleaned_data["revisit_on"],
                notes=form.cleaned_data["notes"] or None,
            )
        except NotAllowed as e:
            raise PermissionDenied(str(e)) from None
        except DomainError as e:
            if e.field in form.fields:
                add_domain_error(form, e)
            else:
                messages.error(request, str(e))
                return redirect("outreach:detail", pk=session.pk)
        else:
            messages.success(request, _("The session is closed."))
            return redirect("outreach:detail", pk=session.pk)
    return _detail(request, session, close_form=form, status=400)


@login_required
@require_POST
def session_revisit_done(request: HttpRequest, pk: int) -> HttpResponse:
    """The officials came back as promised at the close: record the follow-up."""
    user = acting_user(request)
    session = _session_or_404(user, pk)
    form = f.RevisitDoneForm(request.POST)
    if not form.is_valid():
        return _detail(request, session, revisit_form=form, status=400)
    try:
        services.session_revisit_done(actor=user, session=session, note=form.cleaned_data["note"])
    except DomainError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, _("The follow-up is recorded."))
    return redirect("outreach:detail", pk=session.pk)
