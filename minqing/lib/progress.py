"""Counted steps and a progress bar for the long commands (setup-demo, router train …).

    steps = command_steps(self, 3, options)
    steps.step(_("Reading %(file)s…") % {"file": path})
    ...
    steps.step(_("Importing %(rows)s rows…") % {"rows": len(rows)})
    for done, row in enumerate(rows, start=1):
        ...
        steps.update(done, len(rows))
    steps.done()

Everything goes to the command's stderr, so stdout (tables, ``--json``) stays clean. On a
terminal a step is one line, redrawn in place with a bar and a percentage as it goes; anywhere
else (a log file, a pipe, a test) a step is one line and its progress one more line at each
quarter, so logs stay readable. ``-v 0`` turns it all off.
"""

from __future__ import annotations

import shutil
import unicodedata
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from django.core.management.base import BaseCommand, OutputWrapper

#: What long-running functions accept to report how far they are: ``progress(done, total)``.
ProgressCallback = Callable[[int, int], None]

BAR_WIDTH = 20


class _Stream(Protocol):
    def write(self, text: str, /) -> Any: ...


def _plain(text: str) -> str:
    return text


def _columns(text: str) -> int:
    """Columns ``text`` takes in a terminal (Chinese characters take two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


class Steps:
    """``[2/5] message`` lines, each with its own progress, written to ``stream``."""

    def __init__(
        self,
        stream: _Stream,
        total: int,
        *,
        enabled: bool = True,
        tty: bool | None = None,
        flush_first: Any = None,
    ) -> None:
        self.stream = stream
        self.total = total
        self.enabled = enabled
        isatty = getattr(stream, "isatty", None)
        self.tty = bool(isatty and isatty()) if tty is None else tty
        self.flush_first = flush_first  # stdout: flushed before each step, to keep the order
        self.number = 0
        self.message = ""
        self._open = False  # a terminal line that still needs its newline
        self._shown = -1  # the percentage (terminal) or the quarter (log) last shown

    def step(self, message: str) -> None:
        """Start the next step."""
        self.number += 1
        if not self.enabled:
            return
        self._close()
        if self.flush_first is not None:
            self.flush_first.flush()
        self.message = message
        self._shown = -1
        if self.tty:
            self._write(self._head())
            self._open = True
        else:
            self._write(self._head() + "\n")

    def skip(self) -> None:
        """Leave out the next step (its number is not shown)."""
        self.number += 1

    def update(self, done: int, total: int) -> None:
        """The current step has done ``done`` of ``total``; usable as a ProgressCallback."""
        if not self.enabled or total <= 0:
            return
        done = max(0, min(done, total))
        percent = done * 100 // total
        if self.tty:
            if percent == self._shown:
                return
            self._shown = percent
            filled = BAR_WIDTH * done // total
            bar = f" [{'#' * filled}{'-' * (BAR_WIDTH - filled)}]"
            line = f"{self._head()}{bar} {percent:3d}%"
            if _columns(line) >= shutil.get_terminal_size().columns:
                line = f"{self._head()} {percent:3d}%"  # no room for the bar: never wrap
            self._write("\r" + line)
            self._open = True
        else:
            quarter = percent // 25
            if quarter <= max(self._shown, 0):
                return
            self._shown = quarter
            self._write(f"      {percent}% ({done}/{total})\n")

    def done(self) -> None:
        """End the last step's line."""
        if self.enabled:
            self._close()

    def _head(self) -> str:
        return f"[{self.number}/{self.total}] {self.message}"

    def _close(self) -> None:
        if self._open:
            self._write("\n")
            self._open = False

    def _write(self, text: str) -> None:
        if isinstance(self.stream, OutputWrapper):
            # Not in the error colour Django gives stderr on a terminal; no added newline.
            self.stream.write(text, style_func=_plain, ending="")
        else:
            self.stream.write(text)
        flush = getattr(self.stream, "flush", None)
        if flush is not None:
            flush()


def command_steps(command: BaseCommand, total: int, options: Mapping[str, Any]) -> Steps:
    """Steps on ``command``'s stderr, silent with ``--verbosity 0``."""
    return Steps(
        command.stderr,
        total,
        enabled=int(options.get("verbosity", 1)) >= 1,
        flush_first=command.stdout,
    )
