"""The one Open311 write: a posted service request becomes a case (through the case services)
and a record of what was posted, in one transaction."""

from __future__ import annotations

import re
import secrets
from typing import Any

from django.db import transaction

from minqing.cases.models import Category, Channel
from minqing.cases.services import case_report
from minqing.cases.transitions import INTEGRATOR
from minqing.open311.models import ApiKey, Datatype, Open311Request, ServiceAttribute
from minqing.places.models import Place

TITLE_LENGTH = 40
_SENTENCE_END = re.compile(r"[。！？!?\n]|\.(\s|$)")


def title_from(description: str, service: Category) -> str:
    """The case title: the first sentence of the description (shortened), else the service."""
    text = description.strip()
    if not text:
        return service.name
    first = _SENTENCE_END.split(text, maxsplit=1)[0].strip() or text
    return first if len(first) <= TITLE_LENGTH else first[: TITLE_LENGTH - 1] + "…"


def _answer(attribute: ServiceAttribute, value: Any) -> str:
    names = {str(v.get("key")): str(v.get("name", v.get("key"))) for v in attribute.values or []}
    if attribute.datatype == Datatype.MULTIVALUELIST:
        return "、".join(names.get(v, v) for v in value)
    if attribute.datatype == Datatype.SINGLEVALUELIST:
        return names.get(value, value)
    return str(value)


def case_description(
    description: str, attributes: list[ServiceAttribute], values: dict[str, Any]
) -> str:
    """What staff read: the resident's words, then the answers to the service's questions."""
    lines = [
        f"{a.description}：{_answer(a, values[a.code])}" for a in attributes if a.code in values
    ]
    return "\n\n".join(part for part in (description.strip(), "\n".join(lines)) if part)


@transaction.atomic
def open311_request_create(
    *,
    api_key: ApiKey | None,
    service: Category,
    place: Place,
    description: str,
    attributes: list[ServiceAttribute],
    values: dict[str, Any],
    reporter_name: str = "",
    phone: str = "",
    email: str = "",
    device_id: str = "",
    account_id: str = "",
    media_url: str = "",
    address_string: str = "",
    lat: float | None = None,
    long: float | None = None,
) -> Open311Request:
    case = case_report(
        actor=None,
        role=INTEGRATOR,
        title=title_from(description, service),
        description=case_description(description, attributes, values),
        category=service,
        place=place,
        channel=Channel.API,
        reporter_name=reporter_name,
        reporter_phone=phone,
    )
    return Open311Request.objects.create(
        case=case,
        token=secrets.token_hex(16),
        api_key=api_key,
        description=description.strip(),
        attributes=values,
        email=email,
        device_id=device_id,
        account_id=account_id,
        media_url=media_url,
        address_string=address_string,
        lat=lat,
        long=long,
        created_at=case.reported_at,
    )
