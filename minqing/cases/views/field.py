"""The field: the grid team's home page and the handbook (民情手册) capture page."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from minqing.cases import forms as f
from minqing.cases import services
from minqing.cases.categories import (
    category_for_words,
    category_leaves,
    urgency_suggest,
)
from minqing.cases.duplicates import duplicates_for
from minqing.cases.models import (
    Category,
    Channel,
    Urgency,
    VisitStatus,
)
from minqing.cases.photos import photo_clean
from minqing.cases.selectors import capture_places_for, open_cases_for, queue_counts, visits_due_for
from minqing.cases.views.common import (
    _is_dispatcher,
    _is_field,
)
from minqing.core.services import form_token_new
from minqing.core.views import acting_user, add_domain_error
from minqing.lib import clock
from minqing.lib.errors import DomainError, NotFound
from minqing.outreach.models import SessionStatus
from minqing.outreach.selectors import revisits_due_for, session_get_for
from minqing.people.access import memberships
from minqing.people.models import User
from minqing.places.models import Place, PlaceKind
from minqing.whistles.selectors import open_whistles_for, whistle_grids_for

RECENT_PLACES = 4  # one-tap choices on the capture form: the places reported about last


@login_required
def field_home(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    if not _is_field(user):
        raise PermissionDenied
    return render(
        request,
        "cases/field.html",
        {
            "open_cases": open_cases_for(user).order_by("-reported_at")[:15],
            "visits": visits_due_for(user).filter(status=VisitStatus.OPEN)[:10],
            "counts": queue_counts(user),
            "is_dispatcher": _is_dispatcher(user),
            "revisits": revisits_due_for(user, timezone.localtime(clock.now()).date()),
            "whistle_grids": whistle_grids_for(user)[:10],
            "open_whistles": open_whistles_for(user)[:10],
        },
    )


def capture_setup(user: User, session_id: str | None):
    """What a capture needs: the evening talk it belongs to (None), the places the user may
    record about, their districts' categories and the recently used places. Raises
    Http404 for a talk the user cannot see and PermissionDenied without places; a closed
    talk is returned as it is (the caller says so)."""
    session = None
    if session_id:
        try:
            session = session_get_for(user, int(session_id))
        except (ValueError, NotFound):
            raise Http404(_("No such session that you can see.")) from None
    places = capture_places_for(user, within=session.community if session else None)
    if not places:
        raise PermissionDenied
    # Only the categories of these places' districts; no place is chosen in advance.
    leaves = category_leaves({p.district_code for p in places})
    recent = [p for p in places if getattr(p, "last_used", None)][:RECENT_PLACES]
    return session, places, leaves, recent


@login_required
def capture(request: HttpRequest) -> HttpResponse:
    """The handbook: record a problem in under 30 s; from an evening talk it is linked to it.

    With JavaScript the page keeps each entry on the phone first and sends it to
    :func:`minqing.cases.views.sync.sync_capture` (the offline queue); without, the form
    posts here. Both record through :func:`capture_record`, once per entry key."""

    user = acting_user(request)
    session, places, leaves, recent = capture_setup(
        user, request.POST.get("session") or request.GET.get("session")
    )
    if session is not None and session.status == SessionStatus.CLOSED:
        messages.error(request, _("This evening talk is closed; record the problem without it."))
        return redirect("outreach:detail", pk=session.pk)
    if request.method == "POST":
        form = f.CaptureForm(
            request.POST, request.FILES, places=places, leaves=leaves, recent=recent
        )
        if form.is_valid():
            key = client_key(form.cleaned_data["token"]) or uuid.uuid4()
            try:
                code, created = capture_record(user, form, places, leaves, session, key)
            except DomainError as e:
                add_domain_error(form, e, {"phone": "reporter_phone"})
            else:
                capture_said(request, code, created)
                if session is not None:
                    return redirect(f"{reverse('cases:capture')}?session={session.pk}")
                return redirect("cases:detail", code=code)
        status = 400
    else:
        form = f.CaptureForm(
            places=places,
            leaves=leaves,
            recent=recent,
            initial={
                "token": form_token_new(),
                "session": session.pk if session else None,
                "channel": Channel.EVENING_TALK if session else Channel.HOUSEHOLD_VISIT,
            },
        )
        status = 200
    return render(
        request,
        "cases/capture.html",
        {"form": form, "session": session, "sync_url": reverse("cases:sync")},
        status=status,
    )


def client_key(token: str) -> uuid.UUID | None:
    """The entry's key: a UUID (the phone's ``crypto.randomUUID()`` or the page's token)."""
    try:
        return uuid.UUID((token or "").strip())
    except ValueError:
        return None


def capture_said(request: HttpRequest, code: str, created: bool) -> None:
    if created:
        messages.success(request, _("Recorded as %(code)s.") % {"code": code})
    else:
        messages.info(request, _("This was already recorded as %(code)s.") % {"code": code})


def capture_record(
    user: User, form: f.CaptureForm, places, leaves, session, key: uuid.UUID
) -> tuple[str, bool]:
    """Record a valid capture form once per ``key``: ``(tracking code, created)``. Raises
    the service's DomainError, or one for the photo field when the photo cannot be read.

    Never refused for want of a category: the worker's choice, else the router's or the
    keyword rules' pick among the place's district's categories, else the catch-all (None),
    where the case waits in triage to be sorted. An urgency the worker left as the page
    suggested follows the words."""
    data = form.cleaned_data
    place = next(p for p in places if p.code == data["place"])
    words = f"{data['title']} {data['description']}"
    category: Category | None
    if data["category"]:
        category = next((leaf for leaf in leaves if leaf.code == data["category"]), None)
    else:
        mine = category_leaves([place.district_code])
        category = category_for_words(words, place=place, leaves=mine).category
    urgency = data["urgency"] if form.urgency_changed() else urgency_suggest(words)
    photo = None
    if data.get("photo"):
        try:
            photo = photo_clean(data["photo"])
        except Exception:  # Pillow raises many kinds of errors for broken files
            raise DomainError(_("This file is not a photo we can read."), field="photo") from None
    case, created = services.case_report_once(
        client_key=key,
        actor=user,
        photo=photo,
        title=data["title"],
        description=data["description"],
        category=category,
        place=place,
        channel=Channel.EVENING_TALK if session else data["channel"] or Channel.HOUSEHOLD_VISIT,
        urgency=urgency,
        reporter_name=data["reporter_name"],
        reporter_phone=data["reporter_phone"],
        session=session,
        solved_on_spot=data["solved_on_spot"],
        reply=data["reply"],
    )
    return case.code, created


def _hint_place(user: User, codes: list[str]) -> Place | None:
    """The place the live hint reads the district from: the one picked on the form, else the
    first place the user works in (the hint is only a hint; saving checks the place)."""
    code = next((c for c in codes if c), "")
    if code:
        found = Place.objects.filter(
            code=code, kind__in=[PlaceKind.BUILDING, PlaceKind.GRID]
        ).first()
        if found is not None:
            return found
    return next((m.place for m in memberships(user) if m.place is not None), None)


@login_required
@require_GET
def suggest(request: HttpRequest) -> HttpResponse:
    """htmx: the category (router, then keyword rules) and the urgency the words typed so far
    suggest. While the worker has not changed the urgency the page suggested last, the new
    suggestion is preselected (an out-of-band swap of the urgency field)."""
    user = acting_user(request)
    text = f"{request.GET.get('title', '')} {request.GET.get('description', '')}"[:1000]
    place = _hint_place(user, request.GET.getlist("place"))
    guess = category_for_words(text, place=place)
    urgency = urgency_suggest(text)
    current = request.GET.get("urgency") or Urgency.NORMAL
    untouched = current == (request.GET.get("urgency_suggested") or Urgency.NORMAL)
    urgency_field = None
    if untouched and urgency != current:
        urgency_field = f.CaptureForm(initial={"urgency": urgency, "urgency_suggested": urgency})
    return render(
        request,
        "cases/_suggest.html",
        {
            "category": guess.category,
            "source": guess.source,
            "urgency": Urgency(urgency) if urgency != Urgency.NORMAL else None,
            "urgency_form": urgency_field,
        },
    )


@login_required
@require_GET
def duplicates(request: HttpRequest) -> HttpResponse:
    """htmx: open cases nearby that the words typed so far may repeat (before saving)."""
    user = acting_user(request)
    text = f"{request.GET.get('title', '')}\n{request.GET.get('description', '')}"[:2000]
    place = (
        Place.objects.filter(
            code=request.GET.get("place", ""), kind__in=[PlaceKind.BUILDING, PlaceKind.GRID]
        ).first()
        if _is_field(user) or _is_dispatcher(user)
        else None
    )
    found = duplicates_for(user, place=place, text=text) if place is not None else []
    return render(
        request,
        "cases/_duplicates.html",
        {"duplicates": [(d, False) for d in found], "before_saving": True},
    )
