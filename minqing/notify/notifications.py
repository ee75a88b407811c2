"""Notifications to people: a ``case.*`` outbox message fans out into one
:class:`~minqing.notify.models.Delivery` per (message, channel, recipient), by the rules.

A door module (docs/decisions/0008-layers.md): it reads cases, people and places to find the
recipients and write the texts; the deliveries themselves carry everything the adapters need
(``notify.services.delivery_send_due`` sends them, each on its own).

Who gets what is :class:`~minqing.notify.models.NotificationRule` data, per district, over
the defaults (migration 0004). Audiences:

- ``reporter``: the phone the case was reported with (SMS only);
- ``assignee``: the person the case is dispatched to, or its department's handlers;
- ``grid_team``: the core of the case's grid team (grid worker and the two cadres);
- ``level``: the desk of the level the message names (the grid worker, community staff,
  sub-district staff or the district's leaders at that level's place);
- ``visitor``: the return visit's visitor, or the grid worker of the case's grid.

People who opted out (``User.notify_opt_out``) and phones in ``PhoneOptOut`` are skipped.
Idempotent: the fan-out of a message that runs again (another channel of it failed) adds
nothing, by the unique (message, channel, recipient).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from minqing.cases.models import Case, CaseEvent, Level, ReturnVisit
from minqing.lib import clock
from minqing.lib.errors import DomainError
from minqing.lib.phones import normalize_phone
from minqing.notify.models import (
    Audience,
    Delivery,
    NotificationRule,
    NotifyChannel,
    NotifyEvent,
    OutboxMessage,
    PhoneOptOut,
)
from minqing.notify.services import register_channel
from minqing.people.models import Membership, Role, User
from minqing.places.models import Place, PlaceKind

# Case actions that notify as another event.
ALIASES = {
    "solve_on_spot": NotifyEvent.RESOLVE,
    "batch_resolve": NotifyEvent.RESOLVE,
    "route": NotifyEvent.DISPATCH,
}
# Who holds the decisions at each level (the ``level`` audience).
LEVEL_ROLES = {
    Level.GRID: Role.GRID_WORKER,
    Level.COMMUNITY: Role.COMMUNITY_STAFF,
    Level.SUBDISTRICT: Role.SUBDISTRICT_STAFF,
    Level.DISTRICT: Role.LEADER,
}
GRID_TEAM_ROLES = (Role.GRID_WORKER, Role.AGENCY_CADRE, Role.STREET_CADRE)

# The texts, by (event, audience); (event, None) serves every other audience of the event, so
# a district can send any event to any audience.
TEXTS: dict[tuple[str, str | None], Any] = {
    (NotifyEvent.ACCEPT, Audience.REPORTER): gettext_lazy(
        "Your report %(code)s (%(title)s) has been accepted and will be dealt with. "
        "Follow it: %(link)s"
    ),
    (NotifyEvent.ACCEPT, None): gettext_lazy(
        "Case %(code)s (%(title)s) at %(place)s has been accepted."
    ),
    (NotifyEvent.DISPATCH, Audience.REPORTER): gettext_lazy(
        "Your report %(code)s has been passed to %(assignee)s to fix. Follow it: %(link)s"
    ),
    (NotifyEvent.DISPATCH, None): gettext_lazy(
        "New case for you: %(code)s %(title)s, at %(place)s. Deadline: %(deadline)s."
    ),
    (NotifyEvent.RESOLVE, Audience.REPORTER): gettext_lazy(
        "Your report %(code)s is resolved: %(reply)s Please tell us whether you are "
        "satisfied: %(link)s"
    ),
    (NotifyEvent.RESOLVE, None): gettext_lazy("Case %(code)s (%(title)s) is resolved: %(reply)s"),
    (NotifyEvent.REOPEN, Audience.REPORTER): gettext_lazy(
        "Your report %(code)s has been reopened and is being worked on again. Follow it: %(link)s"
    ),
    (NotifyEvent.REOPEN, None): gettext_lazy(
        "Case %(code)s (%(title)s) is reopened: the problem is not solved. Deadline: %(deadline)s."
    ),
    (NotifyEvent.SEND_BACK, None): gettext_lazy(
        "Case %(code)s (%(title)s) was sent back: %(note)s Please dispatch it again."
    ),
    (NotifyEvent.OVERDUE, None): gettext_lazy(
        "Case %(code)s (%(title)s) at %(place)s is past its deadline (%(deadline)s)."
    ),
    (NotifyEvent.ESCALATE, None): gettext_lazy(
        "Case %(code)s (%(title)s) at %(place)s has been escalated to the %(level)s level."
    ),
    (NotifyEvent.VISIT_DUE, None): gettext_lazy(
        "The return visit for case %(code)s (%(title)s) is due by %(due)s: please ask the "
        "resident whether it is fixed."
    ),
}
SUBJECT = gettext_lazy("[minqing] case %(code)s")
REPLY_CHARS = 60


@dataclass(frozen=True)
class Recipient:
    channel: str
    address: str
    user: User | None
    language: str


def event_of(payload: dict[str, Any]) -> str | None:
    """The notifying event of a case message (None: nobody is told)."""
    action = str(payload.get("action", ""))
    if action == "return_visit":
        # A visit that finds the problem unsolved sends the case back to work.
        return None if payload.get("to") == "closed" else NotifyEvent.REOPEN
    action = ALIASES.get(action, action)
    return action if action in NotifyEvent.values else None


def rules_for(district: Place | None, event: str) -> list[NotificationRule]:
    """The active rules for ``event``: the district's rows over the defaults, row by row
    (event, audience, channel); an inactive district row switches a default off."""
    chosen: dict[tuple[str, str], NotificationRule] = {}
    rows = NotificationRule.objects.filter(event=event).filter(
        Q(district__isnull=True) | Q(district=district)
    )
    for rule in sorted(rows, key=lambda r: r.district_id is not None):
        chosen[(rule.audience, rule.channel)] = rule
    return [r for r in chosen.values() if r.active]


def _language(user: User | None) -> str:
    return (user.language if user is not None else "") or settings.LANGUAGE_CODE


def _address(user: User, channel: str) -> str:
    if channel == NotifyChannel.SMS:
        return user.phone.strip()
    if channel == NotifyChannel.EMAIL:
        return user.email.strip()
    return user.wechat_id.strip()


def _people(qs: Iterable[Membership]) -> list[User]:
    seen: dict[int, User] = {}
    for membership in qs:
        seen.setdefault(membership.user_id, membership.user)
    return list(seen.values())


def _members(place_code: str | None, roles: Iterable[str]) -> list[User]:
    if not place_code:
        return []
    return _people(
        Membership.objects.filter(place__code=place_code, role__in=list(roles), active=True)
        .select_related("user")
        .order_by("pk")
    )


def people_for(audience: str, case: Case, payload: dict[str, Any]) -> list[User]:
    """The staff an audience stands for (the reporter is not a user: see recipients_for)."""
    grid = case.place.code_at(PlaceKind.GRID)
    if audience == Audience.ASSIGNEE:
        if case.assignee_user_id:
            return [case.assignee_user] if case.assignee_user else []
        if case.assignee_department_id:
            return _people(
                Membership.objects.filter(
                    department_id=case.assignee_department_id, role=Role.HANDLER, active=True
                )
                .select_related("user")
                .order_by("pk")
            )
        return []
    if audience == Audience.GRID_TEAM:
        return _members(grid, GRID_TEAM_ROLES)
    if audience == Audience.LEVEL:
        level = str(payload.get("level") or case.level)
        role = LEVEL_ROLES.get(level)  # type: ignore[call-overload]
        return _members(str(payload.get("place") or ""), [role] if role else [])
    if audience == Audience.VISITOR:
        visit = _visit(case, payload)
        if visit is not None and visit.visitor is not None:
            return [visit.visitor]
        return _members(grid, [Role.GRID_WORKER])
    return []


def _visit(case: Case, payload: dict[str, Any]) -> ReturnVisit | None:
    event = CaseEvent.objects.filter(case=case, seq=int(payload.get("seq") or 0)).first()
    pk = (event.data or {}).get("visit") if event is not None else None
    return ReturnVisit.objects.filter(pk=pk).select_related("visitor").first() if pk else None


def _phone_key(phone: str) -> str:
    try:
        return normalize_phone(phone)
    except DomainError:
        return phone.strip()


def recipients_for(rule: NotificationRule, case: Case, payload: dict[str, Any]) -> list[Recipient]:
    if rule.audience == Audience.REPORTER:
        phone = (case.reporter_phone or "").strip()
        if rule.channel != NotifyChannel.SMS or not phone:
            return []  # a resident is known by a phone number only
        if PhoneOptOut.objects.filter(phone=_phone_key(phone)).exists():
            return []
        return [Recipient(rule.channel, phone, None, _language(None))]
    found = []
    for user in people_for(rule.audience, case, payload):
        if not user.is_active or user.notify_opt_out:
            continue
        address = _address(user, rule.channel)
        if (
            rule.channel == NotifyChannel.SMS
            and address
            and PhoneOptOut.objects.filter(phone=_phone_key(address)).exists()
        ):
            continue
        if address:
            found.append(Recipient(rule.channel, address, user, _language(user)))
    return found


def public_link(code: str) -> str:
    base = str(getattr(settings, "MINQING_PUBLIC_URL", "http://127.0.0.1:8000")).rstrip("/")
    return base + reverse("cases:track_case", args=[code])


def _when(value: Any) -> str:
    moment = parse_datetime(value) if isinstance(value, str) else value
    if moment is None:
        return "—"
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _shorten(text: str, limit: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render(event: str, audience: str, case: Case, payload: dict[str, Any], language: str):
    """(subject, text) in ``language``."""
    template = TEXTS.get((event, audience)) or TEXTS.get((event, None))
    if template is None:
        return "", ""
    with translation.override(language):
        note = ""
        if event == NotifyEvent.SEND_BACK:
            last = CaseEvent.objects.filter(case=case, seq=int(payload.get("seq") or 0)).first()
            note = _shorten(last.note if last else "", REPLY_CHARS)
        visit = _visit(case, payload) if event == NotifyEvent.VISIT_DUE else None
        assignee = case.assignee_user or case.assignee_department
        level = str(payload.get("level") or case.level)
        values = {
            "code": case.code,
            "title": _shorten(case.title, 30),
            "place": case.place.name,
            "link": public_link(case.code),
            "assignee": str(assignee) if assignee else _("the responsible department"),
            "deadline": _when(case.deadline),
            "reply": _shorten(case.reply, REPLY_CHARS),
            "level": Level(level).label if level in Level.values else level,
            "note": note,
            "due": _when(visit.due_at if visit else None),
        }
        return str(SUBJECT) % values, str(template) % values


def fan_out(message: OutboxMessage) -> int:
    """One pending delivery per (channel, recipient) the rules name; returns how many new."""
    event = event_of(message.payload)
    if event is None:
        return 0
    case = (
        Case.objects.select_related("place", "assignee_user", "assignee_department")
        .filter(code=message.payload.get("case"))
        .first()
    )
    if case is None:
        return 0
    district = Place.objects.filter(code=case.place.district_code).first()
    moment = clock.now()
    rows: dict[tuple[str, str], Delivery] = {}
    for rule in rules_for(district, event):
        for recipient in recipients_for(rule, case, message.payload):
            key = (recipient.channel, recipient.address)
            if key in rows:
                continue  # the same person by two rules (grid team and level): once
            subject, text = render(event, rule.audience, case, message.payload, recipient.language)
            if not text:
                continue
            rows[key] = Delivery(
                message=message,
                channel=recipient.channel,
                recipient=recipient.address,
                user=recipient.user,
                audience=rule.audience,
                event=event,
                language=recipient.language,
                subject=subject,
                text=text,
                created_at=moment,
                available_at=moment,
            )
    before = Delivery.objects.filter(message=message).count()
    Delivery.objects.bulk_create(rows.values(), ignore_conflicts=True)
    return Delivery.objects.filter(message=message).count() - before


_registered = False


def register() -> None:
    """Plug the fan-out into the outbox (called once, from NotifyConfig.ready)."""
    global _registered
    if not _registered:
        register_channel("case.", fan_out)
        _registered = True
