"""Mainland mobile numbers and landlines: normalise, validate, mask (DESIGN §4)."""

from __future__ import annotations

import re
import unicodedata

from django.utils.translation import gettext_lazy as _

from minqing.lib.errors import DomainError

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
# Area code, then a 7–8 digit local number. Area codes are 010 and 020–029 (three digits)
# or 0 + three digits starting 3–9 (four digits); naming them keeps 022-2345 6789 from
# being split as 0222-3456789.
_LANDLINE = re.compile(r"^(010|02\d|0[3-9]\d{2})(\d{7,8})$")


def normalize_phone(raw: str) -> str:
    """Return the stored form (``13812345678`` or ``022-23456789``) or raise DomainError."""
    text = unicodedata.normalize("NFKC", raw or "").strip()
    if text.startswith("+86"):
        text = text[3:]
    digits = re.sub(r"[\s\-()]", "", text)
    if _MOBILE.match(digits):
        return digits
    match = _LANDLINE.match(digits)
    if match:
        return f"{match.group(1)}-{match.group(2)}"
    raise DomainError(
        _(
            "“%(phone)s” is not a phone number: use a mobile number of 11 digits "
            "starting with 13–19, or a landline with its area code such as 022-2345 6789."
        )
        % {"phone": raw},
        code="invalid_phone",
        field="phone",
    )


def mask_phone(phone: str) -> str:
    """``13812345678`` → ``138****5678``; ``022-23456789`` → ``022-****6789``."""
    if not phone:
        return ""
    if "-" in phone:
        area, local = phone.split("-", 1)
        return f"{area}-{'*' * max(len(local) - 4, 0)}{local[-4:]}"
    return f"{phone[:3]}****{phone[-4:]}"


def last4(phone: str) -> str:
    return phone[-4:] if phone else ""
