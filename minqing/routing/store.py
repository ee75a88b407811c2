"""Versioned router models on disk.

Layout of the models directory (``<VAR_DIR>/models`` by default)::

    router-20250704T093012Z.joblib   one file per trained model, never overwritten
    router-20250711T101544Z.joblib
    current                          one line: the file name of the model in use

Saving writes the model file first and then replaces ``current`` atomically, so a running
process sees either the old model or the new one, never half of one. The version of a model
is its file name without the suffix (``router-20250711T101544Z``); case events record it.
"""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib

from minqing.routing.errors import RoutingError
from minqing.routing.router import FORMAT, Router

POINTER = "current"
PREFIX = "router-"
SUFFIX = ".joblib"


def save(router: Router, models_dir: Path, *, now: datetime | None = None) -> Path:
    """Write ``router`` as a new version and make it the current one. Returns its path."""
    models_dir.mkdir(parents=True, exist_ok=True)
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    path = models_dir / f"{PREFIX}{stamp}{SUFFIX}"
    n = 1
    while path.exists():  # two trainings in one second
        n += 1
        path = models_dir / f"{PREFIX}{stamp}-{n}{SUFFIX}"
    router.version = path.stem
    payload: dict[str, Any] = {"format": FORMAT, "router": router}
    tmp = path.with_suffix(".tmp")
    joblib.dump(payload, tmp, compress=3)
    os.replace(tmp, path)
    pointer_tmp = models_dir / (POINTER + ".tmp")
    pointer_tmp.write_text(path.name + "\n", encoding="utf-8")
    os.replace(pointer_tmp, models_dir / POINTER)
    return path


def current_path(models_dir: Path) -> Path:
    """The file of the current model; :class:`RoutingError` ``not_trained`` if none."""
    pointer = models_dir / POINTER
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise RoutingError("not_trained", path=str(models_dir)) from None
    path = models_dir / name
    if not name or not path.is_file():
        raise RoutingError("not_trained", path=str(models_dir))
    return path


def load(path: Path) -> Router:
    try:
        payload = joblib.load(path)
    except FileNotFoundError:
        raise RoutingError("not_trained", path=str(path.parent)) from None
    except Exception as exc:  # a damaged or foreign file: say so, do not crash
        raise RoutingError("model_unreadable", path=str(path), reason=str(exc)) from exc
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise RoutingError("model_unreadable", path=str(path), reason=f"not a {FORMAT} file")
    router = payload["router"]
    router.version = path.stem
    return router  # type: ignore[no-any-return]


def versions(models_dir: Path) -> list[str]:
    """All saved versions, oldest first."""
    if not models_dir.is_dir():
        return []
    return sorted(p.stem for p in models_dir.glob(f"{PREFIX}*{SUFFIX}"))


class CurrentRouter:
    """The current model of one directory, loaded once and reloaded when ``current`` changes
    (checked at most every ``check_seconds``). Thread-safe."""

    def __init__(self, models_dir: Path, check_seconds: float = 5.0) -> None:
        self.models_dir = models_dir
        self.check_seconds = check_seconds
        self._lock = threading.Lock()
        self._router: Router | None = None
        self._name = ""
        self._checked = 0.0

    def get(self) -> Router:
        import time

        now = time.monotonic()
        if self._router is not None and now - self._checked < self.check_seconds:
            return self._router
        with self._lock:
            path = current_path(self.models_dir)
            if self._router is None or path.name != self._name:
                self._router = load(path)
                self._name = path.name
            self._checked = now
            return self._router
