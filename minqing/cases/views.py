"""Case pages for staff: field capture, queues, the case page and its actions, batches."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, F
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from minqing.cases import forms as f
from minqing.cases import services
from minqing.cases.duplicates import Duplicate, case_duplicates_for, duplicates_for
from minqing.cases.models import (
    LEVEL_LADDER,
    OPEN_STATES,
    Case,
    CaseState,
    Category,
    Channel,
    Level,
    Urgency,
    VisitStatus,
)
from minqing.cases.permissions import roles_for
from minqing.cases.photos import photo_clean, photo_names, photo_open, photo_store
from minqing.cases.routes import suggested_dispatch
from minqing.cases.selectors import (
    batch_cases_for,
    batch_get_for,
    batches_for,
    capture_places_for,
    case_actions_for,
    case_events,
    case_filter,
    case_get_for,
    category_for_words,
    category_leaves,
    category_suggest,
    department_done_for,
    department_queue_for,
    district_code_of,
    open_cases_for,
    overdue_for,
    pending_visit,
    queue_counts,
    recently_routed_for,
    router_outcomes,
    search_words,
    triage_for,
    urgency_suggest,
    visits_due_for,
)
from minqing.cases.timelimits import deadline_for
from minqing.cases.timeline import staff_timeline
from minqing.cases.transitions import allowed_actions
from minqing.core import clock
from minqing.core.errors import DomainError, NotFound, StaleVersion
from minqing.core.nav import home_url_for
from minqing.core.services import form_token_new, form_token_once
from minqing.core.views import acting_user, add_domain_error
from minqing.outreach.models import SessionStatus
from minqing.outreach.selectors import revisits_due_for, session_get_for
from minqing.people.access import DISPATCHERS, FIELD
from minqing.people.models import Role, User
from minqing.people.selectors import (
    dispatch_people_for,
    memberships_of,
    places_in_charge,
    roles_of,
)
from minqing.places.models import Place, PlaceKind
from minqing.places.selectors import departments_serving

PAGE_SIZE = 25
RECENT_PLACES = 4  # one-tap choices on the capture form: the places reported about last


def _case_or_404(user: User, code: str) -> Case:
    try:
        return case_get_for(user, code)
    except NotFound as e:
        raise Http404(str(e)) from None


def _is_field(user: User) -> bool:
    return user.is_superuser or bool(roles_of(user) & FIELD)


def _is_dispatcher(user: User) -> bool:
    return user.is_superuser or bool(roles_of(user) & DISPATCHERS)


# --- the field: home and capture ------------------------------------------------------------


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
        },
    )


def resolve_category(code: str, text: str, leaves: list[Category]) -> Category | None:
    """The chosen leaf, or the keyword rules' suggestion when none was chosen."""
    if code:
        return next((leaf for leaf in leaves if leaf.code == code), None)
    return category_suggest(text, leaves)


@login_required
def capture(request: HttpRequest) -> HttpResponse:
    """The handbook: record a problem in under 30 s; from an evening talk it is linked to it."""

    user = acting_user(request)
    session = None
    session_id = request.POST.get("session") or request.GET.get("session")
    if session_id:
        try:
            session = session_get_for(user, int(session_id))
        except (ValueError, NotFound):
            raise Http404(_("No such session that you can see.")) from None
        if session.status == SessionStatus.CLOSED:
            messages.error(
                request,
                _("This evening talk is closed; record the problem without it."),
            )
            return redirect("outreach:detail", pk=session.pk)
    places = capture_places_for(user, within=session.community if session else None)
    if not places:
        raise PermissionDenied
    # Only the categories of these places' districts; no place is chosen in advance.
    leaves = category_leaves({district_code_of(p) for p in places})
    recent = [p for p in places if getattr(p, "last_used", None)][:RECENT_PLACES]
    if request.method == "POST":
        form = f.CaptureForm(
            request.POST, request.FILES, places=places, leaves=leaves, recent=recent
        )
        if form.is_valid():
            done = _capture_save(request, form, places, leaves, session)
            if done is not None:
                return done
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
    return render(request, "cases/capture.html", {"form": form, "session": session}, status=status)


def _capture_save(request, form, places, leaves, session) -> HttpResponse | None:
    """Never refused for want of a category: the worker's choice, else the router's or the
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
        mine = category_leaves([district_code_of(place)])
        category = category_for_words(words, place=place, leaves=mine).category
    urgency = data["urgency"] if form.urgency_changed() else urgency_suggest(words)
    photo = None
    if data.get("photo"):
        try:
            photo = photo_clean(data["photo"])
        except Exception:  # Pillow raises many kinds of errors for broken files
            form.add_error("photo", _("This file is not a photo we can read."))
            return None

    def report() -> str:
        case = services.case_report(
            actor=acting_user(request),
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
        if photo is not None:
            photo_store(case, photo)
        return case.code

    try:
        code, ran = form_token_once(token=data["token"], run=report)
    except DomainError as e:
        add_domain_error(form, e, {"phone": "reporter_phone"})
        return None
    if ran:
        messages.success(request, _("Recorded as %(code)s.") % {"code": code})
    else:
        messages.info(request, _("This was already recorded as %(code)s.") % {"code": code})
    if session is not None:
        return redirect(f"{reverse('cases:capture')}?session={session.pk}")
    return redirect("cases:detail", code=code)


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
    return next((m.place for m in memberships_of(user) if m.place is not None), None)


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


# --- queues ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Queue:
    name: str
    title: Promise
    select: Callable[[User], Any]
    allowed: Callable[[User], bool]
    states: tuple[str, ...]
    intro: Promise


def _any_role(user: User) -> bool:
    return user.is_superuser or bool(roles_of(user))


def _has_department(user: User) -> bool:
    return Role.HANDLER in roles_of(user) or Case.objects.filter(assignee_user=user).exists()


QUEUES = {
    q.name: q
    for q in [
        Queue(
            "open",
            gettext_lazy("Open cases"),
            open_cases_for,
            _any_role,
            tuple(OPEN_STATES),
            gettext_lazy("Every open case in your places."),
        ),
        Queue(
            "triage",
            gettext_lazy("To triage"),
            triage_for,
            _is_dispatcher,
            (CaseState.REPORTED, CaseState.ACCEPTED),
            gettext_lazy("New and accepted cases waiting for your decision: accept, dispatch."),
        ),
        Queue(
            "department",
            gettext_lazy("My department's queue"),
            department_queue_for,
            _has_department,
            (CaseState.DISPATCHED, CaseState.IN_PROGRESS),
            gettext_lazy("Cases sent to you or your department: start, resolve or send back."),
        ),
        Queue(
            "overdue",
            gettext_lazy("Overdue"),
            overdue_for,
            _is_dispatcher,
            tuple(OPEN_STATES),
            gettext_lazy("Open cases past their deadline, by the level that owns them now."),
        ),
    ]
}
SORTS: dict[str, list[Any]] = {
    "new": ["-reported_at"],
    "old": ["reported_at"],
    "deadline": [F("deadline").asc(nulls_last=True), "-reported_at"],
    "place": ["place__path", "-reported_at"],
}


def _filter_places(user: User):
    return places_in_charge(user, kinds=(PlaceKind.COMMUNITY, PlaceKind.GRID)).order_by("path")[
        :200
    ]


def _filter_categories():
    categories = list(Category.objects.filter(level__lte=2).order_by("code"))
    for c in categories:
        if c.level == 2:
            c.name = f"— {c.name}"
    return categories


def _queue_filters(form: f.QueueFilterForm) -> dict[str, Any]:
    """The filters whose values are valid; a wrong one is shown on the form and ignored."""
    form.is_valid()
    d = form.cleaned_data
    filters: dict[str, Any] = {}
    if d.get("state"):
        filters["state"] = d["state"]
    if d.get("category"):
        filters["category"] = Category.objects.filter(code=d["category"]).first()
    if d.get("place"):
        place = next((p for p in form.places if p.code == d["place"]), None)
        if place is not None:
            filters["place_path"] = place.path
    if d.get("overdue"):
        filters["overdue"] = d["overdue"] == "yes"
    tz = timezone.get_current_timezone()
    if d.get("since"):
        filters["since"] = timezone.make_aware(datetime.combine(d["since"], time.min), tz)
    if d.get("until"):
        end = timezone.make_aware(datetime.combine(d["until"], time.min), tz)
        filters["until"] = end + timedelta(days=1)
    if d.get("q"):
        filters["search"] = d["q"]
    return filters


# The department queue's second tab: the department's finished work, last finished first.
DONE_TAB = "done"
DONE_STATES = (CaseState.RESOLVED, CaseState.CLOSED)
DONE_ORDER = [F("resolved_at").desc(nulls_last=True), "-reported_at"]


@login_required
def queue(request: HttpRequest, name: str) -> HttpResponse:
    spec = QUEUES[name]
    user = acting_user(request)
    if not spec.allowed(user):
        raise PermissionDenied
    tab = DONE_TAB if name == "department" and request.GET.get("tab") == DONE_TAB else ""
    base = department_done_for(user) if tab else spec.select(user)
    places = list(_filter_places(user))
    form = f.QueueFilterForm(
        request.GET,
        states=DONE_STATES if tab else spec.states,
        categories=_filter_categories(),
        places=places,
    )
    filters = _queue_filters(form)
    words = filters.pop("search", "") if name == "department" else ""
    qs = search_words(case_filter(base, **filters), words)
    sort = request.GET.get("sort", "")
    sort = sort if sort in SORTS else "new"
    if name == "overdue" and "sort" not in request.GET:
        sort = "deadline"
    order = DONE_ORDER if tab and "sort" not in request.GET else SORTS[sort]
    page = Paginator(qs.order_by(*order), PAGE_SIZE).get_page(request.GET.get("page"))
    routed = recently_routed_for(user) if name == "triage" else []
    if name in ("triage", "open"):
        shown = [*page.object_list, *routed]
        outcomes = router_outcomes(shown)
        for case in shown:
            case.router = outcomes.get(case.pk)  # type: ignore[attr-defined]
    by_level = None
    if name == "overdue":
        counts = dict(base.order_by().values_list("level").annotate(n=Count("id")))
        by_level = [(Level(level).label, counts.get(level, 0)) for level in LEVEL_LADDER]
    return render(
        request,
        "cases/queue.html",
        {
            "queue": spec,
            "tab": tab,
            "form": form,
            "page": page,
            "by_level": by_level,
            "can_batch": _is_dispatcher(user),
            "routed": routed,
            "route_buttons": name == "triage" and _is_dispatcher(user),
            "now": clock.now(),
            "revisits": (
                revisits_due_for(user, timezone.localtime(clock.now()).date())
                if name == "triage"
                else []
            ),
        },
    )


@login_required
def visits(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    if not _any_role(user):
        raise PermissionDenied
    qs = visits_due_for(user).select_related("case__category")
    show = request.GET.get("show", "due")
    if show != "all":
        qs = qs.filter(status=VisitStatus.OPEN)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "cases/visits.html", {"page": page, "show": show, "now": clock.now()})


# --- the case page --------------------------------------------------------------------------

ACTION_ORDER = [
    "accept",
    "dispatch",
    "recall",
    "start",
    "resolve",
    "return_visit",
    "send_back",
    "escalate",
    "merge",
    "reject",
    "close",
    "reopen",
    "note",
]
ACTION_LABELS = {
    "accept": gettext_lazy("Accept"),
    "dispatch": gettext_lazy("Dispatch"),
    "start": gettext_lazy("Start work"),
    "resolve": gettext_lazy("Resolve"),
    "return_visit": gettext_lazy("Record the return visit"),
    "send_back": gettext_lazy("Send back"),
    "recall": gettext_lazy("Recall"),
    "escalate": gettext_lazy("Escalate"),
    "merge": gettext_lazy("Merge into a batch"),
    "reject": gettext_lazy("Reject"),
    "close": gettext_lazy("Close"),
    "reopen": gettext_lazy("Reopen"),
    "note": gettext_lazy("Add a note"),
}
ACTION_DONE = {
    "accept": gettext_lazy("Accepted."),
    "dispatch": gettext_lazy("Dispatched."),
    "start": gettext_lazy("Work started."),
    "resolve": gettext_lazy("Resolved; a return visit is scheduled."),
    "return_visit": gettext_lazy("Return visit recorded."),
    "send_back": gettext_lazy("Sent back to the dispatcher."),
    "recall": gettext_lazy("Recalled: the case is back with you, to dispatch again."),
    "escalate": gettext_lazy("Escalated one level up."),
    "merge": gettext_lazy("Merged into the batch."),
    "reject": gettext_lazy("Rejected."),
    "close": gettext_lazy("Closed."),
    "reopen": gettext_lazy("Reopened."),
    "note": gettext_lazy("Note added."),
}
# When the action leaves the case out of the acting user's sight (the view lands on their
# queue instead of the case page), the message names the case.
ACTION_DONE_ELSEWHERE = {
    "send_back": gettext_lazy("Case %(code)s sent back to the dispatcher."),
}
DANGER = {"reject", "close", "escalate", "send_back"}


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
    if action in ("send_back", "recall", "escalate", "reject", "close", "reopen"):
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
        services.case_resolve(actor=user, case=case, version=v, reply=d["reply"])
    elif action in ("send_back", "recall", "escalate", "reject", "close", "reopen"):
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
    for action in ACTION_ORDER:
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
                    "label": ACTION_LABELS[action],
                    "form": form,
                    "open": bound is not None and bound[0] == action,
                    "danger": action in DANGER,
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
    if action not in ACTION_LABELS:
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
                "done": ACTION_DONE[action],
                "code": case.code,
            }
        messages.success(request, done)
        return redirect(home_url_for(user))
    messages.success(request, ACTION_DONE[action])
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


# --- batches --------------------------------------------------------------------------------


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
