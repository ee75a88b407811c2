"""Date and date-time inputs carry ISO values in every language, the only form browsers read."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from django.utils import timezone, translation

from minqing.dashboards.forms import DashboardForm, RankingForm
from minqing.outreach.forms import CloseForm, PlanForm


def _value(form, name: str) -> str:
    match = re.search(r'value="([^"]*)"', str(form[name]))
    assert match, str(form[name])
    return match.group(1)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize(
    ("form_class", "name"),
    [
        (DashboardForm, "since"),
        (DashboardForm, "until"),
        (RankingForm, "since"),
        (RankingForm, "until"),
        (CloseForm, "revisit_on"),
    ],
)
def test_a_date_input_shows_its_value_as_yyyy_mm_dd(form_class, name, language):
    with translation.override(language):
        form = form_class(initial={name: date(2026, 12, 2)})
        assert 'type="date"' in str(form[name])
        assert _value(form, name) == "2026-12-02"  # not 2026/12/02, which the browser drops


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_date_time_input_shows_its_value_as_local_iso(language):
    at = datetime(2026, 12, 2, 11, 30, tzinfo=UTC)  # 19:30 in Shanghai
    with translation.override(language), timezone.override("Asia/Shanghai"):
        form = PlanForm(initial={"starts_at": at})
        assert 'type="datetime-local"' in str(form["starts_at"])
        assert _value(form, "starts_at") == "2026-12-02T19:30"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_iso_input_is_read_in_every_language(language):
    with translation.override(language):
        form = DashboardForm({"since": "2026-12-02", "until": "2026-12-05"})
        assert form.is_valid(), form.errors
        assert form.cleaned_data["since"] == date(2026, 12, 2)
        close = CloseForm({"revisit_on": "2026-12-09"})
        assert close.is_valid(), close.errors
        assert close.cleaned_data["revisit_on"] == date(2026, 12, 9)
        with timezone.override("Asia/Shanghai"):
            plan = PlanForm({"starts_at": "2026-12-02T19:30"})
            plan.is_valid()
            assert "starts_at" not in plan.errors
            assert timezone.localtime(plan.cleaned_data["starts_at"]).hour == 19
