"""Long commands show where they are: counted steps, and a bar (on a terminal) or a line at
each quarter (in a log) for the long steps."""

from __future__ import annotations

import os
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import translation

from minqing.lib.progress import BAR_WIDTH, Steps


class Terminal(StringIO):
    def isatty(self) -> bool:
        return True


def test_in_a_log_each_step_is_a_line_and_its_progress_a_line_per_quarter():
    out = StringIO()
    steps = Steps(out, 2)
    steps.step("Reading")
    steps.step("Playing")
    for day in range(1, 121):
        steps.update(day, 120)
    steps.done()
    assert out.getvalue().splitlines() == [
        "[1/2] Reading",
        "[2/2] Playing",
        "      25% (30/120)",
        "      50% (60/120)",
        "      75% (90/120)",
        "      100% (120/120)",
    ]


def test_on_a_terminal_the_steps_line_is_redrawn_in_place_with_a_bar(monkeypatch):
    monkeypatch.setattr("shutil.get_terminal_size", lambda: os.terminal_size((80, 24)))
    out = Terminal()
    steps = Steps(out, 3)
    steps.step("播放工单…")
    for done in range(1, 401):
        steps.update(done, 400)
    steps.step("保存")
    steps.done()
    text = out.getvalue()
    lines = text.split("\n")
    assert lines[0].startswith("[1/3] 播放工单…")
    assert lines[0].endswith(f"\r[1/3] 播放工单… [{'#' * BAR_WIDTH}] 100%")
    assert lines[0].count("\r") == 101  # once per percent (0 to 100), not once per update
    assert "[##########----------]  50%" in lines[0]
    assert lines[1:] == ["[2/3] 保存", ""]


def test_a_narrow_terminal_gets_the_percentage_without_the_bar(monkeypatch):
    monkeypatch.setattr("shutil.get_terminal_size", lambda: os.terminal_size((30, 24)))
    out = Terminal()
    steps = Steps(out, 1)
    steps.step("Grouping 4326 messages by place and problem…")
    steps.update(1, 2)
    steps.done()
    assert out.getvalue().endswith("\r[1/1] Grouping 4326 messages by place and problem…  50%\n")


def test_a_disabled_progress_shows_nothing():
    out = StringIO()
    steps = Steps(out, 2, enabled=False)
    steps.step("Reading")
    steps.update(1, 1)
    steps.done()
    assert out.getvalue() == ""


def run_setup_demo(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    with translation.override("en"):
        call_command("setup_demo", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_setup_demo_counts_its_steps_and_verbosity_zero_hides_them():
    out, err = run_setup_demo("--cases", "60")
    steps = [line for line in err.splitlines() if line.startswith("[")]
    assert [s.split("]")[0] + "]" for s in steps] == ["[1/5]", "[2/5]", "[3/5]", "[4/5]", "[5/5]"]
    assert steps[0].startswith("[1/5] Migrating the database")
    assert steps[1] == "[2/5] Seeding the demo district: playing 120 days of 60 cases…"
    assert steps[2] == "[3/5] Training the category router on the closed cases…"
    assert steps[3] == "[4/5] Reporting this evening's new cases…"
    assert steps[4] == "[5/5] Setting up the Open311 demo integrator…"
    assert "      100% (120/120)" in err.splitlines()
    assert "Seeded the demo district" in out and "Trained router" in out
    # The router's own steps are not shown inside setup-demo's.
    assert "[1/3]" not in err

    out, err = run_setup_demo()
    assert "already there" in out
    assert [line for line in err.splitlines() if line.startswith("[")] == [
        "[1/2] Migrating the database: up to date.",
        "[2/2] Setting up the Open311 demo integrator…",
    ]

    out, err = run_setup_demo("--verbosity", "0")
    assert "Demo log-ins" in out and "[1/2]" not in err
