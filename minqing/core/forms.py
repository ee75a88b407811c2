"""Small helpers for the page forms."""

from __future__ import annotations

from typing import Any, cast

from django import forms


def set_choices(field: forms.Field, choices: Any) -> None:
    """Give a choice field its choices at run time (they depend on the user)."""
    cast(forms.ChoiceField, field).choices = choices


class DateInput(forms.DateInput):
    """``<input type=date>`` with its value in ISO 8601 (``2026-12-02``) in every language.

    A browser's date input reads only that form; Django's own DateInput writes the value in
    the language's first input format (``2026/12/02`` in Chinese), which the browser drops, so
    the field showed empty. Input is parsed as ISO too (Django always accepts it)."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None, format: str | None = None):
        super().__init__(attrs, format=format or "%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    """``<input type=datetime-local>`` with its value as ``2026-12-02T19:30`` in every language
    (in the server's time zone, as Django's form fields give it)."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None, format: str | None = None):
        super().__init__(attrs, format=format or "%Y-%m-%dT%H:%M")
