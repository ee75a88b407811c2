"""Typed request and response bodies of the JSON API (pydantic via django-ninja)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Literal

from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import AfterValidator, AwareDatetime, BeforeValidator, ConfigDict

_NUMBER = re.compile(r"^\s*[-+]?\d+(\.\d*)?\s*$")


def _text_only(value: object) -> object:
    """Pydantic reads a bare number as a Unix timestamp; our API takes ISO 8601 text only."""
    if isinstance(value, (int, float)) or (isinstance(value, str) and _NUMBER.match(value)):
        raise ValueError(_("Use ISO 8601, such as 2026-08-01T09:30:00+08:00."))
    return value


def _in_utc(value: datetime) -> datetime:
    """Real time zones are within ±14 h of UTC (PostgreSQL refuses more); keep UTC."""
    offset = value.utcoffset()
    if offset is None or abs(offset) > timedelta(hours=14):
        raise ValueError(_("The time zone offset must be within ±14:00."))
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError(_("The date is out of range.")) from None


# An ISO 8601 date-time with its time zone; a date.
When = Annotated[AwareDatetime, BeforeValidator(_text_only), AfterValidator(_in_utc)]
Day = Annotated[date, BeforeValidator(_text_only)]

Text = Annotated[str, Field(max_length=4000)]
Required = Annotated[str, Field(min_length=1, max_length=4000)]
Code = Annotated[str, Field(min_length=1, max_length=32)]

State = Literal[
    "reported", "accepted", "dispatched", "in_progress", "resolved", "closed", "rejected"
]
ChannelName = Literal["evening_talk", "household_visit", "forum", "phone", "wechat", "web", "api"]
UrgencyName = Literal["normal", "urgent", "emergency"]
LevelName = Literal["grid", "community", "subdistrict", "district"]
PlaceKindName = Literal["district", "subdistrict", "community", "grid", "building"]
VisitMethodName = Literal["phone", "in_person", "online"]
SolvedName = Literal["yes", "partly", "no"]
SatisfiedName = Literal["satisfied", "basically", "unsatisfied"]
SessionKindName = Literal["evening_talk", "forum", "household_visits"]


class In(Schema):
    """Request bodies refuse fields they do not know, so a typo is an error, not a no-op."""

    model_config = ConfigDict(extra="forbid")


# --- reference data ----------------------------------------------------------------------


class Ref(Schema):
    code: str
    name: str


class PersonRef(Schema):
    username: str
    full_name: str


class MembershipOut(Schema):
    role: str
    role_label: str
    place: Ref | None
    department: Ref | None


class MeOut(Schema):
    username: str
    full_name: str
    is_superuser: bool
    memberships: list[MembershipOut]


class PlaceOut(Schema):
    code: str
    name: str
    kind: PlaceKindName
    parent: str | None
    path: str
    address: str
    lat: float | None
    lng: float | None


class PlacePage(Schema):
    count: int
    limit: int
    offset: int
    items: list[PlaceOut]


class DepartmentOut(Schema):
    code: str
    name: str
    level: str
    place: str
    phone: str


class CategoryOut(Schema):
    code: str
    name: str
    level: int
    parent: str | None
    leaf: bool
    default_department: Ref | None
    time_limit_class: str


# --- cases -------------------------------------------------------------------------------


class EventOut(Schema):
    seq: int
    action: str
    actor: str
    at: datetime
    from_state: str
    to_state: str
    from_level: str
    to_level: str
    note: str


class CaseOut(Schema):
    code: str
    title: str
    description: str
    state: State
    state_label: str
    level: LevelName
    category: Ref
    place: Ref
    channel: str
    urgency: UrgencyName
    reporter_name: str
    reporter_phone_masked: str
    session: int | None
    assignee_department: Ref | None
    assignee_user: PersonRef | None
    deadline: datetime | None
    overdue: bool
    was_overdue: bool
    batch: str | None
    reply: str
    reject_reason: str
    solved_in_grid: bool
    reported_at: datetime
    responded_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    version: int
    etag: str


class CaseDetailOut(CaseOut):
    actions: list[str]
    events: list[EventOut]


class CasePage(Schema):
    count: int
    limit: int
    offset: int
    items: list[CaseOut]


class CaseIn(In):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "title": "单元门关不上",
                    "description": "楼门老化变形，晚上关不严。",
                    "category": "C01.01.01",
                    "place": "HYNL-G1-B07",
                    "channel": "household_visit",
                    "reporter_name": "王阿姨",
                    "reporter_phone": "13812345678",
                }
            ]
        },
    )

    title: Annotated[str, Field(min_length=1, max_length=200)]
    description: Text = ""
    category: Code
    place: Code
    channel: ChannelName = "api"
    urgency: UrgencyName = "normal"
    reporter_name: Annotated[str, Field(max_length=60)] = ""
    reporter_phone: Annotated[str, Field(max_length=20)] = ""
    session: Annotated[int, Field(ge=1, le=2**62)] | None = None
    solved_on_spot: bool = False
    reply: Text = ""


class NoteIn(In):
    note: Text = ""


class RequiredNoteIn(In):
    note: Required


class DispatchIn(In):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"department": "D-HOUSING"}]}
    )

    department: Code | None = None
    assignee: Annotated[str, Field(min_length=1, max_length=150)] | None = None
    deadline: When | None = None
    note: Text = ""


class ReplyIn(In):
    reply: Required
    # Required when the reply quality check flags the reply (the 422 lists the reasons).
    override_reason: Text = ""


class ReasonIn(In):
    reason: Required


class PhoneOut(Schema):
    phone: str
    etag: str


# --- return visits and batches -----------------------------------------------------------


class VisitOut(Schema):
    id: int
    case: str
    case_title: str
    case_etag: str
    status: str
    opens_at: datetime
    due_at: datetime
    done_at: datetime | None
    method: str
    solved: str
    satisfied: str
    comment: str


class VisitIn(In):
    method: VisitMethodName
    solved: SolvedName
    satisfied: SatisfiedName
    comment: Text = ""


class BatchIn(In):
    title: Annotated[str, Field(min_length=1, max_length=200)]
    description: Text = ""
    cases: Annotated[list[Code], Field(min_length=1, max_length=500)]


class BatchOut(Schema):
    code: str
    title: str
    description: str
    created_at: datetime
    resolved_at: datetime | None
    reply: str
    cases: list[str]


# --- outreach ----------------------------------------------------------------------------


class SessionOut(Schema):
    id: int
    kind: SessionKindName
    title: str
    community: Ref
    starts_at: datetime
    ends_at: datetime | None
    location: str
    attendance: int
    notes: str
    revisit_on: date | None
    status: str
    raised: int
    resolved: int
    satisfied: int


class SessionIn(In):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "title": "和平夜话·华荫南里",
                    "community": "HYNL",
                    "starts_at": "2026-08-01T19:00:00+08:00",
                }
            ]
        },
    )

    kind: SessionKindName = "evening_talk"
    title: Annotated[str, Field(min_length=1, max_length=200)]
    community: Code
    starts_at: When
    location: Annotated[str, Field(max_length=200)] = ""
    hosts: Annotated[list[Annotated[str, Field(max_length=150)]], Field(max_length=50)] = []
    liaison_units: Annotated[list[Code], Field(max_length=50)] = []


class SessionRecordIn(In):
    attendance: Annotated[int, Field(ge=0, le=100_000)]
    notes: Text = ""
    ended_at: When | None = None


class SessionCloseIn(In):
    revisit_on: Day | None = None
    notes: Text | None = None
