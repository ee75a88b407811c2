"""Batches: one fix for many."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from minqing.cases import forms as f
from minqing.cases import services
from minqing.cases.selectors import (
    batch_cases_for,
    batch_get_for,
    batches_for,
)
from minqing.cases.views.common import (
    PAGE_SIZE,
    _case_or_404,
    _is_dispatcher,
)
from minqing.core.views import acting_user, add_domain_error
from minqing.lib.errors import DomainError, NotFound
from minqing.people.models import User


@login_required
def batch_list(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    if not _is_dispatcher(user):
        raise PermissionDenied
    page = Paginator(batches_for(user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "cases/batches.html", {"page": page})


@login_required
def batch_new(request: HttpRequest) -> HttpResponse:
    """Create a batch from cases picked in a queue (their codes come along as ``cases``)."""
    user = acting_user(request)
    if not _is_dispatcher(user):
        raise PermissionDenied
    codes = request.POST.getlist("cases") if request.method == "POST" else []
    codes = codes or request.GET.getlist("cases")
    chosen = [_case_or_404(user, code) for code in dict.fromkeys(codes)]
    if request.method == "POST" and "title" in request.POST:
        form = f.BatchCreateForm(request.POST)
        if not chosen:
            form.add_error(None, _("Pick at least one case in a queue first."))
        elif form.is_valid():
            try:
                batch = services.batch_create(
                    actor=user,
                    title=form.cleaned_data["title"],
                    description=form.cleaned_data["description"],
                    cases=chosen,
                )
            except DomainError as e:
                add_domain_error(form, e)
            else:
                messages.success(request, _("Batch %(code)s created.") % {"code": batch.code})
                return redirect("cases:batch", code=batch.code)
        status = 400
    else:
        form = f.BatchCreateForm()
        status = 200
    return render(request, "cases/batch_new.html", {"form": form, "chosen": chosen}, status=status)


def _batch_or_404(user: User, code: str):
    try:
        return batch_get_for(user, code)
    except NotFound as e:
        raise Http404(str(e)) from None


@login_required
def batch_detail(request: HttpRequest, code: str) -> HttpResponse:
    user = acting_user(request)
    batch = _batch_or_404(user, code)
    form = None
    if batch.resolved_at is None and _is_dispatcher(user):
        form = f.BatchResolveForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.batch_resolve(actor=user, batch=batch, reply=form.cleaned_data["reply"])
            except DomainError as e:
                if e.field == "reply":
                    add_domain_error(form, e)
                else:
                    messages.error(request, str(e))
                    return redirect("cases:batch", code=batch.code)
            else:
                messages.success(
                    request, _("The batch is resolved; every case gets a return visit.")
                )
                return redirect("cases:batch", code=batch.code)
        status = 400
    return render(
        request,
        "cases/batch.html",
        {"batch": batch, "cases": batch_cases_for(user, batch), "form": form},
        status=status,
    )
