"""Deadlines from category and urgency (DESIGN §4), configurable in settings."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings

from minqing.cases.models import Category, TimeLimitClass, Urgency


def limit_class(category: Category, urgency: str) -> str:
    if urgency == Urgency.EMERGENCY:
        return TimeLimitClass.EMERGENCY
    if urgency == Urgency.URGENT and category.time_limit_class in (
        TimeLimitClass.ORDINARY,
        TimeLimitClass.COMPLEX,
    ):
        return TimeLimitClass.UTILITIES
    return category.time_limit_class


def time_limit(category: Category, urgency: str) -> timedelta:
    return settings.MINQING_TIME_LIMITS[limit_class(category, urgency)]


def deadline_for(category: Category, urgency: str, start: datetime) -> datetime:
    return start + time_limit(category, urgency)
