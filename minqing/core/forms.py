"""Small helpers for the page forms."""

from __future__ import annotations

from typing import Any, cast

from django import forms


def set_choices(field: forms.Field, choices: Any) -> None:
    """Give a choice field its choices at run time (they depend on the user)."""
    cast(forms.ChoiceField, field).choices = choices
