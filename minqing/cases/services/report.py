"""Writing a problem down (民情手册, the web, the hotline, the API)."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from minqing.cases import codes
from minqing.cases.models import (
    UNSORTED_CATEGORY,
    Case,
    CaseState,
    Category,
    Channel,
    Urgency,
)
from minqing.cases.photos import photo_store
from minqing.cases.services._core import (
    CASE_PLACE_KINDS,
    _check,
    _choice,
    _record,
    _reply_data,
    _required,
    _resolved,
    _schedule_visit,
    _transition,
)
from minqing.cases.services.routing import _route_safely
from minqing.cases.timelimits import (
    deadline_for,
    policy_for,
    respond_by,
)
from minqing.lib import clock
from minqing.lib.errors import Conflict, DomainError, NotAllowed
from minqing.lib.phones import normalize_phone
from minqing.people.models import User
from minqing.places.models import Place


def _session_closed(session: Any) -> bool:
    """Is this talk closed (outreach.SessionStatus.CLOSED)? Read afresh, as the caller's copy
    may predate the close; through the case's own relation, since talks are built on cases
    (the outreach app sits above this one)."""
    talks = Case._meta.get_field("session").related_model
    assert talks is not None and not isinstance(talks, str)
    return talks._default_manager.filter(pk=session.pk, status="closed").exists()


@transaction.atomic
def case_report(
    *,
    actor: User | None,
    role: str | None = None,
    title: str,
    description: str = "",
    category: Category | None,
    place: Place,
    channel: str,
    urgency: str = Urgency.NORMAL,
    reporter_name: str = "",
    reporter_phone: str = "",
    session: Any = None,
    solved_on_spot: bool = False,
    reply: str = "",
    route: bool = True,
    client_key: uuid.UUID | None = None,
) -> Case:
    """Write a problem down. With ``solved_on_spot`` it is resolved in the same step.

    A case from one of ``settings.MINQING_ROUTER_CHANNELS`` (web, API, phone, WeChat) that
    was not solved on the spot is then routed (:func:`case_route`); ``route=False`` leaves it
    in triage whatever its channel (history being replayed, imports).

    A case is never refused for want of a category: with ``category`` None it is filed under
    the catch-all 待分类 (``UNSORTED``, no department), where it waits in triage to be sorted.
    """
    title = _required(title, "title", _("Title"))
    if len(title) > 200:
        raise DomainError(_("The title is longer than 200 characters."), field="title")
    _choice(channel, Channel, "channel", _("channel"))
    _choice(urgency, Urgency, "urgency", _("urgency"))
    if place.kind not in CASE_PLACE_KINDS:
        raise DomainError(
            _("A case is about a building or a grid; %(place)s is a %(kind)s.")
            % {"place": place.name, "kind": place.get_kind_display()},
            field="place",
        )
    if session is not None and _session_closed(session):
        raise DomainError(
            _("This evening talk is closed; record the problem without it."), field="session"
        )
    if category is None:
        category, _made = Category.objects.get_or_create(
            code=UNSORTED_CATEGORY, defaults={"name": "待分类", "level": 1}
        )
    own_district = category.district
    if own_district is not None and not place.path.startswith(f"{own_district.code}/"):
        raise DomainError(
            _("The category %(category)s is not used in the district of %(place)s.")
            % {"category": category.name, "place": place.name},
            field="category",
        )
    phone = normalize_phone(reporter_phone) if (reporter_phone or "").strip() else ""
    if actor is None and role is None:
        raise NotAllowed(_("A case needs someone who reports it."))
    moment = clock.now()
    policy = policy_for(place)
    respond = respond_by(category, urgency, moment, place=place)
    # Heard in person (a household visit, an evening talk) by someone of the team: the
    # resident has had their answer, and the level's time to fix it starts now. Otherwise
    # the case must be taken up within the response limit.
    in_person = actor is not None and channel in settings.MINQING_IN_PERSON_CHANNELS
    deadline = (
        deadline_for(category, urgency, moment, place=place, level=policy.start_level)
        if in_person
        else respond
    )
    case = Case(
        title=title,
        description=(description or "").strip(),
        category=category,
        place=place,
        reporter_name=(reporter_name or "").strip()[:60],
        reporter_phone=phone,
        channel=channel,
        urgency=urgency,
        session=session,
        level=policy.start_level,
        reported_at=moment,
        respond_by=respond,
        responded_at=moment if in_person else None,
        deadline=deadline,
        created_by=actor,
        client_key=client_key,
        state="",
        code="(new)",
    )
    _check(case, "report", actor, role, None)
    case.state = CaseState.REPORTED
    if solved_on_spot:
        _check(case, "solve_on_spot", actor, role, None)
        reply = _required(reply, "reply", _("What was done"))
    case.code = codes.next_case_code(place, moment)
    case.save()
    _record(case, "report", actor, role, from_state="", from_level="", data={"channel": channel})
    if solved_on_spot:
        # Solved during the visit: the reply quality check runs but never refuses (the
        # report must not be lost on a phone in the street); the flags are only recorded.
        _flags, flagged = _reply_data(case, reply)
        case = _transition(
            case,
            "solve_on_spot",
            actor=actor,
            role=role,
            version=None,
            note=reply,
            data=flagged,
            changes=_resolved(moment, reply),
        )
        _schedule_visit(case, moment)
    elif route and channel in settings.MINQING_ROUTER_CHANNELS:
        case = _route_safely(case)
    return case


def _case_for_key(client_key: uuid.UUID, actor: User) -> Case | None:
    case = Case.objects.filter(client_key=client_key).first()
    if case is not None and case.created_by_id != actor.pk:
        # Keys are random: this is not a resend of the actor's own entry. Say nothing of
        # the case that has it.
        raise Conflict(
            _("This entry's key belongs to another entry; record it again."),
            code="client_key_taken",
            field="key",
        )
    return case


@transaction.atomic
def case_report_once(
    *, client_key: uuid.UUID, actor: User, photo: bytes | None = None, **report: Any
) -> tuple[Case, bool]:
    """:func:`case_report` once per ``client_key`` (the phone's key for one entry): the
    second and later calls with the key — a resend, a double tap, a second tab, a retry after
    a lost answer — return the first case and ``False``. ``photo`` (a cleaned JPEG) is stored
    with the case in the same step, so a resend never adds it twice.

    Race-safe: the key is unique in the database. A concurrent call with the same key waits
    on the unique index until the first commits, then gets its case.
    """
    found = _case_for_key(client_key, actor)
    if found is not None:
        return found, False
    try:
        with transaction.atomic():
            case = case_report(actor=actor, client_key=client_key, **report)
            if photo is not None:
                photo_store(case, photo)
    except IntegrityError:
        found = _case_for_key(client_key, actor)
        if found is None:
            raise
        return found, False
    return case, True
