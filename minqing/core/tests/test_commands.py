"""The ``minqing`` console command: every command of ours explains itself with ``--help``."""

from __future__ import annotations

import argparse

import pytest
from django.core.management import get_commands, load_command_class
from django.utils import translation

from minqing.cli import main


def _our_commands() -> list[tuple[str, tuple[str, ...]]]:
    """(command, subcommand path) for every management command of a ``minqing.*`` app and,
    for commands with subcommands (``router train`` …), for each of those too."""
    found: list[tuple[str, tuple[str, ...]]] = []
    for name, app in sorted(get_commands().items()):
        if not app.startswith("minqing."):
            continue
        found.append((name, ()))
        parser = load_command_class(app, name).create_parser("minqing", name)
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                found.extend((name, (sub,)) for sub in action.choices)
    return found


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_command_help_works(language, capsys):
    commands = _our_commands()
    assert {("hot_issues", ()), ("router", ("train",)), ("router", ("predict",))} <= set(commands)
    failures = []
    for name, sub in commands:
        argv = ["minqing", name.replace("_", "-"), *sub, "--help"]
        with translation.override(language):
            try:
                main(argv)
            except SystemExit as exc:
                code = exc.code
            except Exception as exc:  # the defect: a crash instead of the help
                failures.append(f"{' '.join(argv)}: {type(exc).__name__}: {exc}")
                continue
            else:
                code = "no exit"
        out = capsys.readouterr().out
        if code != 0 or f"usage: minqing {' '.join([name, *sub])}" not in out:
            failures.append(f"{' '.join(argv)}: exit {code}, output {out[:200]!r}")
    assert failures == []
