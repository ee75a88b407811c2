"""Start page, log-in and the helpers every page view shares."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from django import forms
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render

from minqing.core.nav import home_url_for
from minqing.lib.errors import DomainError
from minqing.people.models import User


def home(request: HttpRequest) -> HttpResponse:
    """Residents get the public start page; staff go to the page that fits their role."""
    if not request.user.is_authenticated:
        return render(request, "core/landing.html")
    return HttpResponseRedirect(home_url_for(request.user))


def no_role(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return HttpResponseRedirect(home_url_for(request.user))
    return render(request, "core/no_role.html")


class LoginView(auth_views.LoginView):
    template_name = "core/login.html"
    redirect_authenticated_user = True


def acting_user(request: HttpRequest) -> Any:
    """The logged-in user of a view behind ``login_required`` (typed for the selectors)."""

    return cast(User, request.user)


def add_domain_error(
    form: forms.BaseForm, error: DomainError, field_map: Mapping[str, str] | None = None
) -> None:
    """Show a service's refusal next to the field it names, or above the form."""
    field = (field_map or {}).get(error.field or "", error.field)
    form.add_error(field if field in form.fields else None, str(error.message))


def too_many(request: HttpRequest) -> HttpResponse:
    return render(request, "429.html", status=429)


def forbid() -> None:
    raise PermissionDenied
