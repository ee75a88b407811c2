"""Writes for evening talks, forums and household-visit rounds."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from minqing.lib import clock
from minqing.lib.errors import Conflict, DomainError, NotAllowed
from minqing.outreach.models import OutreachSession, SessionEvent, SessionKind, SessionStatus
from minqing.people.access import may_run_sessions
from minqing.people.models import User
from minqing.places.models import LiaisonUnit, Place, PlaceKind


def _may_run(actor: User | None, community: Place) -> None:
    """Talks are run by the community's dispatchers and grid cadres (people.access); ``None``
    is the system itself (the demo's history)."""
    if actor is not None and not may_run_sessions(actor, community):
        raise NotAllowed(
            _("You may not run sessions in %(community)s.") % {"community": community.name}
        )


def _event(session: OutreachSession, action: str, actor: User | None, **data: object) -> None:
    SessionEvent.objects.create(
        session=session, action=action, actor=actor, at=clock.now(), data=data
    )


@transaction.atomic
def session_plan(
    *,
    actor: User | None,
    kind: str = SessionKind.EVENING_TALK,
    title: str,
    community: Place,
    starts_at: datetime,
    location: str = "",
    hosts: Iterable[User] = (),
    liaison_units: Iterable[LiaisonUnit] = (),
) -> OutreachSession:
    if kind not in SessionKind.values:
        raise DomainError(_("Unknown kind of session: %(kind)s.") % {"kind": kind}, field="kind")
    if not (title or "").strip():
        raise DomainError(_("Title is required."), field="title")
    if community.kind != PlaceKind.COMMUNITY:
        raise DomainError(
            _("%(place)s is not a community.") % {"place": community.name}, field="community"
        )
    _may_run(actor, community)
    session = OutreachSession.objects.create(
        kind=kind,
        title=title.strip(),
        community=community,
        starts_at=starts_at,
        location=(location or "").strip(),
        created_by=actor,
    )
    session.hosts.set(list(hosts))
    session.liaison_units.set(list(liaison_units))
    _event(session, "plan", actor, starts_at=starts_at.isoformat())
    return session


@transaction.atomic
def session_record(
    *,
    actor: User | None,
    session: OutreachSession,
    attendance: int,
    notes: str = "",
    ended_at: datetime | None = None,
) -> OutreachSession:
    """The session has been held: how many came and what was said."""
    if attendance < 0:
        raise DomainError(_("Attendance cannot be negative."), field="attendance")
    session = OutreachSession.objects.select_for_update().get(pk=session.pk)
    _may_run(actor, session.community)
    if session.status == SessionStatus.CLOSED:
        raise Conflict(_("This session is already closed."), code="session_closed")
    session.attendance = attendance
    session.notes = (notes or "").strip()
    session.ends_at = ended_at or clock.now()
    session.status = SessionStatus.HELD
    session.save(update_fields=["attendance", "notes", "ends_at", "status"])
    _event(session, "record", actor, attendance=attendance)
    return session


@transaction.atomic
def session_close(
    *,
    actor: User | None,
    session: OutreachSession,
    revisit_on: date | None,
    notes: str | None = None,
) -> OutreachSession:
    session = OutreachSession.objects.select_for_update().get(pk=session.pk)
    _may_run(actor, session.community)
    if session.status == SessionStatus.CLOSED:
        raise Conflict(_("This session is already closed."), code="session_closed")
    if revisit_on is not None and revisit_on < session.starts_at.date():
        raise DomainError(_("The revisit date cannot be before the session."), field="revisit_on")
    session.revisit_on = revisit_on
    if notes is not None:
        session.notes = notes.strip()
    session.status = SessionStatus.CLOSED
    session.save(update_fields=["revisit_on", "notes", "status"])
    _event(session, "close", actor, revisit_on=revisit_on.isoformat() if revisit_on else None)
    return session


@transaction.atomic
def session_revisit_done(
    *, actor: User, session: OutreachSession, note: str = ""
) -> OutreachSession:
    """The officials came back on the promised day (or before it): record who, when, and what
    they reported; the reminder on the hosts' home pages goes away."""
    session = OutreachSession.objects.select_for_update().get(pk=session.pk)
    if not session.hosts.filter(pk=actor.pk).exists():  # a host came back as promised
        _may_run(actor, session.community)
    if session.status != SessionStatus.CLOSED or session.revisit_on is None:
        raise Conflict(_("This session has no come-back date."), code="no_revisit")
    if session.revisit_done_at is not None:
        raise Conflict(_("The follow-up of this session is already recorded."), code="revisit_done")
    session.revisit_done_at = clock.now()
    session.revisit_done_by = actor
    session.revisit_note = (note or "").strip()
    session.save(update_fields=["revisit_done_at", "revisit_done_by", "revisit_note"])
    _event(session, "revisit", actor)
    return session
