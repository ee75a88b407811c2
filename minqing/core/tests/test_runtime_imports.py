"""`make demo` installs only what running needs (``pip install -e .``), not the ``dev`` extras:
so nothing outside the tests may import a test or lint tool when it is loaded, and a dev-only
package is imported lazily only where a command needs it (``minqing screenshots``)."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

REPO = Path(__file__).resolve().parents[3]
PACKAGE = REPO / "minqing"
PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]

# Where a dev-only package may be imported inside a function: (file, top-level module).
LAZY_ALLOWED = {("minqing/core/management/commands/screenshots.py", "playwright")}


def _key(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _modules_of(distributions: set[str]) -> set[str]:
    """Top-level import names that the given distributions install."""
    return {
        module
        for module, dists in metadata.packages_distributions().items()
        if any(_key(d) in distributions for d in dists)
    }


def _runtime_distributions() -> set[str]:
    """The runtime dependencies and, recursively, theirs (with the extras asked for)."""
    seen: set[str] = set()
    todo = [Requirement(r) for r in PROJECT["dependencies"]]
    while todo:
        req = todo.pop()
        key = _key(req.name)
        extras = sorted(req.extras) or [""]
        if all(f"{key}[{e}]" in seen for e in extras):
            continue
        seen.update(f"{key}[{e}]" for e in extras)
        for line in metadata.distribution(req.name).requires or []:
            dep = Requirement(line)
            if dep.marker is None or any(dep.marker.evaluate({"extra": e}) for e in extras):
                todo.append(dep)
    return {s.split("[")[0] for s in seen}


def _dev_only_modules() -> set[str]:
    dev = {_key(Requirement(r).name) for r in PROJECT["optional-dependencies"]["dev"]}
    return _modules_of(dev) - _modules_of(_runtime_distributions())


def _product_files() -> Iterator[Path]:
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if "tests" in relative.parts or path.name == "conftest.py":
            continue
        yield path


def _imports(tree: ast.AST, *, lazy: bool) -> Iterator[tuple[int, str]]:
    """(line, imported module) of the statements run when the module is loaded (``lazy``:
    those inside functions, run later); ``if TYPE_CHECKING:`` blocks never run."""

    def walk(node: ast.AST, in_function: bool) -> Iterator[tuple[int, str]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                yield from (x for n in child.orelse for x in walk_one(n, in_function))
                continue
            yield from walk_one(child, in_function)

    def walk_one(node: ast.AST, in_function: bool) -> Iterator[tuple[int, str]]:
        if isinstance(node, ast.Import) and in_function == lazy:
            yield from ((node.lineno, a.name) for a in node.names)
        elif isinstance(node, ast.ImportFrom) and in_function == lazy and not node.level:
            yield node.lineno, node.module or ""
        inner = in_function or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        yield from walk(node, inner)

    yield from walk(tree, False)


def test_nothing_outside_the_tests_imports_a_dev_only_package_or_a_test_module():
    allowed = set(sys.stdlib_module_names) | _modules_of(_runtime_distributions()) | {"minqing"}
    dev_only = _dev_only_modules()
    assert {"pytest", "playwright", "hypothesis", "factory", "schemathesis"} <= dev_only
    loaded, lazy = [], []
    for path in _product_files():
        name = str(path.relative_to(REPO))
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=name)
        for line, module in _imports(tree, lazy=False):
            top = module.split(".")[0]
            if top not in allowed or ".tests" in module or "conftest" in module:
                loaded.append(f"{name}:{line} imports {module}")
        for line, module in _imports(tree, lazy=True):
            top = module.split(".")[0]
            if (top in dev_only and (name, top) not in LAZY_ALLOWED) or ".tests" in module:
                lazy.append(f"{name}:{line} imports {module} (a dev-only package)")
    assert loaded == []
    assert lazy == []


def test_the_check_sees_imports_at_load_time_and_inside_functions():
    tree = ast.parse(
        "import pytest\n"
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    import hypothesis\n"
        "class A:\n    import factory\n"
        "def f():\n    from playwright.sync_api import x\n"
    )
    assert [m for _, m in _imports(tree, lazy=False)] == ["pytest", "typing", "factory"]
    assert [m for _, m in _imports(tree, lazy=True)] == ["playwright.sync_api"]
