"""check_integrity replays each case's events; tampering shows up, clean data passes."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from minqing import cli
from minqing.cases.integrity import Mismatch, check_integrity, replay
from minqing.cases.models import Case, CaseEvent

pytestmark = pytest.mark.usefixtures("english")

STATES = ["reported", "accepted", "dispatched", "in_progress", "resolved", "closed", "rejected"]


@pytest.fixture
def every_state(world, cases) -> dict[str, Case]:
    made = {state: cases.in_state(state) for state in STATES}
    made["escalated"] = cases.in_state("dispatched", level="subdistrict")
    return made


def test_clean_histories_replay_to_their_stored_states(every_state):
    assert list(check_integrity()) == []
    for case in every_state.values():
        state, level, problems = replay(list(case.events.order_by("seq")))
        assert (state, level, problems) == (case.state, case.level, [])


def test_the_command_exits_0_on_clean_data(every_state, capsys):
    call_command("check_integrity")
    assert capsys.readouterr().out.strip() == "Every case's history replays to its stored state."


def test_a_state_changed_behind_the_services_back_is_found(every_state, capsys):
    case = every_state["dispatched"]
    Case.objects.filter(pk=case.pk).update(state="closed")
    assert list(check_integrity()) == [
        Mismatch(case.code, "stored state “closed”, the events give “dispatched”")
    ]
    with pytest.raises(SystemExit) as exited:
        call_command("check_integrity")
    assert exited.value.code == 1
    out, err = capsys.readouterr()
    assert out.strip() == f"{case.code}\tstored state “closed”, the events give “dispatched”"
    assert err.strip() == "1 problems found."


# The console command closes the database connection when it ends, as management commands
# do; with committed data (transaction=True) the test survives that.
@pytest.mark.django_db(transaction=True)
def test_the_minqing_console_command_exits_1_on_tampered_data(every_state, capsys):
    cli.main(["minqing", "check-integrity"])
    assert "replays to its stored state" in capsys.readouterr().out
    Case.objects.filter(pk=every_state["escalated"].pk).update(level="grid")
    with pytest.raises(SystemExit) as exited:
        cli.main(["minqing", "check-integrity"])
    assert exited.value.code == 1
    assert "stored level “grid”, the events give “subdistrict”" in capsys.readouterr().out


def test_a_missing_or_rewritten_event_is_found(every_state):
    resolved, closed = every_state["resolved"], every_state["closed"]
    # Deleting rows in bulk goes around CaseEvent.delete(), as a careless script would.
    CaseEvent.objects.filter(case=resolved, action="start").delete()
    CaseEvent.objects.filter(case=closed, action="close").update(action="teleport")
    found = {(m.code, m.problem) for m in check_integrity()}
    assert (resolved.code, "event numbers have gaps") in found
    assert (
        resolved.code,
        "#5: starts from “in_progress”, the history before it says “dispatched”",
    ) in found
    assert (resolved.code, "#5: resolve is not allowed from “dispatched”") in found
    assert (closed.code, "#6: unknown action teleport") in found
    assert {code for code, _ in found} == {resolved.code, closed.code}


def test_events_cannot_be_changed_or_deleted_one_by_one(every_state):
    event = every_state["accepted"].events.first()
    event.note = "改写历史"
    with pytest.raises(RuntimeError, match="immutable"):
        event.save()
    with pytest.raises(RuntimeError, match="immutable"):
        event.delete()
    assert CaseEvent.objects.get(pk=event.pk).note == ""


def test_the_check_reads_cases_in_chunks(every_state):
    Case.objects.filter(pk=every_state["closed"].pk).update(state="resolved")
    assert [m.code for m in check_integrity(chunk=3)] == [every_state["closed"].code]
