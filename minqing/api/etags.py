"""ETags on cases and the If-Match every transition needs (DESIGN §4: no lost updates)."""

from __future__ import annotations

import re

from django.http import HttpRequest
from django.utils.translation import gettext as _

from minqing.api.errors import PreconditionFailed, PreconditionRequired
from minqing.cases.models import Case

_TAG = re.compile(r'^"(?P<code>[^"]+)\.v(?P<version>\d{1,18})"$')


def etag(case: Case) -> str:
    return f'"{case.code}.v{case.version}"'


def expected_version(request: HttpRequest, case: Case) -> int | None:
    """The version the caller saw, from If-Match (``*``: any version, by explicit choice).

    No If-Match is 428; a tag that is not this case's is 412. A tag for an older version is
    passed on, and the service refuses it under the row lock (412 as well), so two clients
    with the same ETag never both win.
    """
    header = (request.headers.get("If-Match") or "").strip()
    if not header:
        raise PreconditionRequired(
            _(
                "Send If-Match with the case's ETag (%(etag)s) to change it, so that nobody's "
                "change is lost."
            )
            % {"etag": etag(case)},
            field="If-Match",
        )
    for tag in (part.strip() for part in header.split(",")):
        if tag == "*":
            return None
        match = _TAG.match(tag)
        if match and match.group("code") == case.code:
            return int(match.group("version"))
    raise PreconditionFailed(
        _("If-Match %(given)s does not match case %(code)s, which is now %(etag)s.")
        % {"given": header[:100], "code": case.code, "etag": etag(case)},
        field="If-Match",
    )
