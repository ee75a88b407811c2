"""Pages for residents (no log-in): report a problem, follow it, say whether it is fixed."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from minqing.cases import forms as f
from minqing.cases import services
from minqing.cases.categories import category_for_words, category_leaves
from minqing.cases.models import Case, CaseState, Channel, VisitMethod
from minqing.cases.selectors import case_events, case_get_public, case_track, pending_visit
from minqing.cases.timeline import public_timeline
from minqing.cases.transitions import RESIDENT
from minqing.core import ratelimit
from minqing.core.services import form_token_new, form_token_once
from minqing.core.views import add_domain_error, too_many
from minqing.lib.errors import DomainError, NotFound
from minqing.places.models import PlaceKind
from minqing.places.selectors import places_of_kind

TRACKED = "minqing_tracked"  # session key: codes this browser has proven the digits for
REPORTED = "minqing_reported"


def _community(code: str):
    return places_of_kind(PlaceKind.COMMUNITY).filter(code=code).first() if code else None


def _buildings(community):
    if community is None:
        return []
    return list(places_of_kind(PlaceKind.BUILDING, within=community).select_related("parent"))


def public_report(request: HttpRequest) -> HttpResponse:
    """Step 1 picks the community (a plain GET form); step 2 is the report itself."""
    communities = list(places_of_kind(PlaceKind.COMMUNITY))
    source = request.POST if request.method == "POST" else request.GET
    community = _community(source.get("community", ""))
    buildings = _buildings(community)
    leaves = category_leaves()
    status = 200
    if request.method == "POST":
        who = ratelimit.client_key(request)
        if ratelimit.blocked("report", who):
            return too_many(request)
        form = f.PublicReportForm(
            request.POST, communities=communities, buildings=buildings, leaves=leaves
        )
        if form.is_valid() and not form.cleaned_data["website"]:
            done = _report_save(request, form, buildings, leaves, who)
            if done is not None:
                return done
        elif form.is_valid():  # the hidden field was filled in: a bot; say nothing
            return redirect("cases:public_report")
        status = 400
    else:
        form = f.PublicReportForm(
            communities=communities,
            buildings=buildings,
            leaves=leaves,
            initial={"community": community.code if community else ""},
        )
    return render(
        request,
        "cases/public_report.html",
        {"form": form, "community": community, "token": form_token_new()},
        status=status,
    )


def _report_save(request, form, buildings, leaves, who) -> HttpResponse | None:
    data = form.cleaned_data
    place = next((b for b in buildings if b.code == data["building"]), None)
    if place is None:
        form.add_error("building", _("Choose your building from the list."))
        return None
    text = f"{data['title']} {data['description']}"
    # A resident's report is never refused for want of a category: the one they chose, else
    # the router's or the keyword rules' guess, else 待分类 for a dispatcher to sort.
    if data["category"]:
        category = next((leaf for leaf in leaves if leaf.code == data["category"]), None)
        if category is None:
            form.add_error("category", _("Choose the kind of problem that fits best."))
            return None
    else:
        category = category_for_words(text, place=place).category

    def report() -> str:
        case = services.case_report(
            actor=None,
            role=RESIDENT,
            title=data["title"],
            description=data["description"],
            category=category,
            place=place,
            channel=Channel.WEB,
            reporter_name=data["reporter_name"],
            reporter_phone=data["reporter_phone"],
        )
        return case.code

    try:
        code, ran = form_token_once(token=request.POST.get("token", ""), run=report)
    except DomainError as e:
        add_domain_error(form, e, {"phone": "reporter_phone"})
        return None
    if ran:
        ratelimit.hit("report", who)
    request.session[REPORTED] = code
    _remember(request, code)
    return redirect("cases:report_thanks")


def report_thanks(request: HttpRequest) -> HttpResponse:
    code = request.session.get(REPORTED)
    if not code:
        return redirect("cases:public_report")
    return render(request, "cases/public_thanks.html", {"code": code})


@require_GET
def public_buildings(request: HttpRequest) -> HttpResponse:
    """htmx: the building options of the chosen community."""
    community = _community(request.GET.get("community", ""))
    return render(request, "cases/_building_options.html", {"buildings": _buildings(community)})


def _remember(request: HttpRequest, code: str) -> None:
    codes = [c for c in request.session.get(TRACKED, []) if c != code]
    request.session[TRACKED] = [code, *codes][:10]


def track(request: HttpRequest) -> HttpResponse:
    """Code + last 4 digits of the phone; one neutral message whatever was wrong."""
    form = f.TrackForm(request.POST or None)
    if request.method == "POST":
        who = ratelimit.client_key(request)
        code = (request.POST.get("code") or "").strip().upper()[:32]
        if ratelimit.blocked("track", who) or ratelimit.blocked("track_code", code):
            return too_many(request)
        case = None
        if form.is_valid():
            try:
                case = case_track(form.cleaned_data["code"], form.cleaned_data["last4"])
            except NotFound:
                case = None
        if case is not None:
            _remember(request, case.code)
            return redirect("cases:track_case", code=case.code)
        ratelimit.hit("track", who)
        ratelimit.hit("track_code", code)
        form = f.TrackForm(initial={"code": request.POST.get("code", "")})
        form.neutral_error = _("No case matches this code and these digits.")  # type: ignore[attr-defined]
    return render(request, "cases/track.html", {"form": form})


def _tracked_case(request: HttpRequest, code: str):
    if code not in request.session.get(TRACKED, []):
        return None
    try:
        return case_get_public(code)
    except NotFound:
        return None


def track_case(request: HttpRequest, code: str) -> HttpResponse:
    case = _tracked_case(request, code)
    if case is None:
        return redirect("cases:track")
    visit = pending_visit(case)
    return render(
        request,
        "cases/track_case.html",
        _track_context(case, visit, f.RateForm() if visit else None),
    )


def _track_context(case: Case, visit, form) -> dict[str, Any]:
    """The tracking page. After a reopen the case keeps the reply of the round that did not
    solve the problem: it is shown as an earlier reply, with a notice, not as the answer."""
    events = list(case_events(case))
    done = (CaseState.RESOLVED, CaseState.CLOSED)
    earlier_reply = bool(case.reply) and case.state not in done
    reopened_at = None
    if earlier_reply and case.is_open:
        reopened_at = next(
            (e.at for e in reversed(events) if e.from_state in done and e.to_state not in done),
            None,
        )
    return {
        "case": case,
        "timeline": public_timeline(events),
        "visit": visit,
        "form": form,
        "earlier_reply": earlier_reply,
        "reopened_at": reopened_at,
    }


@require_POST
def track_rate(request: HttpRequest, code: str) -> HttpResponse:
    case = _tracked_case(request, code)
    if case is None:
        return redirect("cases:track")
    who = ratelimit.client_key(request)
    if ratelimit.blocked("rate", who):
        return too_many(request)
    visit = pending_visit(case)
    form = f.RateForm(request.POST)
    if visit is None:
        messages.info(request, _("There is nothing to rate for this case now."))
        return redirect("cases:track_case", code=case.code)
    if form.is_valid():
        try:
            services.return_visit_record(
                actor=None,
                role=RESIDENT,
                visit=visit,
                method=VisitMethod.ONLINE,
                solved=form.cleaned_data["solved"],
                satisfied=form.cleaned_data["satisfied"],
                comment=form.cleaned_data["comment"],
            )
        except DomainError as e:
            if e.field in form.fields:
                add_domain_error(form, e)
            else:
                messages.error(request, str(e))
                return redirect("cases:track_case", code=case.code)
        else:
            ratelimit.hit("rate", who)
            messages.success(request, _("Thank you. Your answer is recorded."))
            return redirect("cases:track_case", code=case.code)
    return render(
        request,
        "cases/track_case.html",
        _track_context(case, visit, form),
        status=400,
    )
