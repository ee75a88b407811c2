"""The two entry points the running system uses: routing a new case, and the model behind it.

    from minqing.routing.runtime import decide, predict

    decision = decide("义顺里7号楼门坏了关不上", threshold=0.8)
    if decision.dispatch:          # confident: send to decision.label's department
        ...decision.label, decision.confidence, decision.version
    else:                          # not sure (or no model): to triage, with up to 3 ideas
        ...decision.suggestions, decision.reason

Models live in ``settings.MINQING_ROUTER_MODELS_DIR``, by default ``<VAR_DIR>/models`` (see
:mod:`.store`); the newest trained one is used, and a newly trained one is picked up within
seconds without a restart.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from minqing.routing.errors import RoutingError
from minqing.routing.router import Router, Suggestion
from minqing.routing.store import CurrentRouter

DEFAULT_THRESHOLD = 0.8
_current: dict[Path, CurrentRouter] = {}


def models_dir() -> Path:
    """``settings.MINQING_ROUTER_MODELS_DIR`` (by default ``<VAR_DIR>/models``) when Django is
    configured; else ``$MINQING_VAR_DIR/models``, else ``./var/models``."""
    try:
        from django.conf import settings

        if settings.configured:
            configured = getattr(settings, "MINQING_ROUTER_MODELS_DIR", None)
            if configured:
                return Path(configured)
            if getattr(settings, "VAR_DIR", None):
                return Path(settings.VAR_DIR) / "models"
    except ImportError:  # pragma: no cover - Django is a dependency
        pass
    env = os.environ.get("MINQING_VAR_DIR")
    if env:
        return Path(env) / "models"
    return Path("var") / "models"


def current_router(directory: Path | None = None) -> Router:
    """The model in use; :class:`RoutingError` (``not_trained``) when there is none."""
    directory = directory or models_dir()
    holder = _current.get(directory)
    if holder is None:
        holder = _current.setdefault(directory, CurrentRouter(directory))
    return holder.get()


def model_version(directory: Path | None = None) -> str | None:
    """The version of the model in use (``router-20250711T101544Z``), or None."""
    try:
        return current_router(directory).version
    except RoutingError:
        return None


@dataclass(frozen=True)
class Routed:
    version: str
    suggestions: list[list[Suggestion]]


def predict(texts: Sequence[str], k: int = 3, directory: Path | None = None) -> Routed:
    """The ``k`` likeliest labels of each text with their confidence, and the model version.
    Raises :class:`RoutingError` (``not_trained``) when no model has been trained."""
    router = current_router(directory)
    return Routed(router.version, router.predict(texts, k=k))


@dataclass(frozen=True)
class Decision:
    """What intake should do with one new case."""

    dispatch: bool
    label: str | None
    confidence: float
    version: str | None
    suggestions: list[Suggestion] = field(default_factory=list)
    reason: str = ""  # "confident", "unsure", "no_known_words", "not_trained"


def decide(text: str, *, threshold: float | None = None, directory: Path | None = None) -> Decision:
    """Dispatch when the top label's confidence reaches ``threshold`` (default:
    ``settings.MINQING_ROUTER_THRESHOLD`` or 0.8); otherwise triage with up to three
    suggestions. Never raises for want of a model or of words: that is triage too."""
    if threshold is None:
        threshold = _setting_threshold()
    try:
        router = current_router(directory)
    except RoutingError:
        return Decision(False, None, 0.0, None, [], "not_trained")
    ideas = router.predict([text or ""], k=3)[0]
    if not ideas:
        return Decision(False, None, 0.0, router.version, [], "no_known_words")
    best = ideas[0]
    if best.confidence >= threshold:
        return Decision(True, best.label, best.confidence, router.version, ideas, "confident")
    return Decision(False, None, best.confidence, router.version, ideas, "unsure")


def _setting_threshold() -> float:
    try:
        from django.conf import settings

        if settings.configured:
            return float(getattr(settings, "MINQING_ROUTER_THRESHOLD", DEFAULT_THRESHOLD))
    except ImportError:  # pragma: no cover
        pass
    return DEFAULT_THRESHOLD
