"""The package's layers (docs/decisions/0008-layers.md): an app's domain modules (models,
services, selectors…) import only apps below it; the doors (pages, the JSON API, Open311,
webhooks, commands, the admin) sit on top and may import any domain module."""

from __future__ import annotations

import ast
from pathlib import Path

import minqing

# Bottom to top.
LAYERS = [
    "lib",
    "core",
    "places",
    "people",
    "notify",
    "routing",
    "cases",
    "outreach",
    "whistles",
    "dashboards",
    "jobs",
    "demo",
    "open311",
    "api",
]
# Module names that are doors wherever they are (the outward-facing side of an app).
DOORS = {
    "views",
    "urls",
    "forms",
    "admin",
    "nav",
    "management",
    "templatetags",
    "webhooks",
    "notifications",
    "middleware",
    "public",
}
ROOT = Path(minqing.__file__).parent


def _imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append(node.module)
        elif isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
    return [m for m in found if m.startswith("minqing.")]


def _modules():
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        if len(rel.parts) < 2 or {"tests", "migrations"} & set(rel.parts):
            continue
        yield rel, path


def test_every_app_has_a_layer():
    apps = {rel.parts[0] for rel, _ in _modules()}
    assert apps <= set(LAYERS), sorted(apps - set(LAYERS))


def test_no_domain_module_imports_an_app_above_its_own():
    wrong = []
    for rel, path in _modules():
        app = rel.parts[0]
        if app in ("open311", "api") or any(p.removesuffix(".py") in DOORS for p in rel.parts[1:]):
            continue
        for module in _imports(path):
            other = module.split(".")[1]
            if other in LAYERS and LAYERS.index(other) > LAYERS.index(app):
                wrong.append(f"{rel} imports {module}")
    assert wrong == []


def test_the_bottom_imports_no_app():
    for rel, path in _modules():
        if rel.parts[0] == "lib":
            assert [m for m in _imports(path) if not m.startswith("minqing.lib")] == [], rel
