"""What the staff pages share."""

from __future__ import annotations

from django.http import Http404

from minqing.cases.models import (
    Case,
)
from minqing.cases.selectors import (
    case_get_for,
)
from minqing.lib.errors import NotFound
from minqing.people.access import DISPATCHERS, FIELD, roles_of
from minqing.people.models import User

PAGE_SIZE = 25


def _case_or_404(user: User, code: str) -> Case:
    try:
        return case_get_for(user, code)
    except NotFound as e:
        raise Http404(str(e)) from None


def _is_field(user: User) -> bool:
    return user.is_superuser or bool(roles_of(user) & FIELD)


def _is_dispatcher(user: User) -> bool:
    return user.is_superuser or bool(roles_of(user) & DISPATCHERS)
