"""Import a three-level category tree from a spreadsheet (first, second, third level)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from minqing.cases.models import UNSORTED_CATEGORY, Category, TimeLimitClass
from minqing.lib.errors import DomainError
from minqing.lib.spreadsheets import SpreadsheetError, cell_text, read_grid
from minqing.places.models import Department

HEADER_WORDS = ("一级", "二级", "三级", "first", "second", "third", "level")


@dataclass
class ImportResult:
    rows: int = 0
    created: int = 0
    existing: int = 0
    updated: int = 0


def _read_rows(path: Path) -> list[list[str]]:
    try:
        grid = read_grid(path)
    except SpreadsheetError as e:
        message = {
            "file_missing": _("No such file: %(path)s"),
            "file_type": _("Unsupported file type %(suffix)s: use .xlsx or .csv."),
        }.get(e.code, _("%(path)s is not a readable spreadsheet: %(error)s"))
        raise DomainError(
            message
            % {
                "path": path if e.code == "file_missing" else path.name,
                "suffix": e.reason,
                "error": e.reason,
            },
            field="file",
        ) from e
    return [[cell_text(cell).strip() for cell in row] for row in grid]


def _is_header(row: list[str]) -> bool:
    joined = " ".join(row[:3]).lower()
    return any(word in joined for word in HEADER_WORDS)


def _child(parent: Category | None, name: str, result: ImportResult) -> Category:
    existing = Category.objects.filter(parent=parent, name=name).first()
    if existing is not None:
        result.existing += 1
        return existing
    siblings = Category.objects.filter(parent=parent).exclude(code=UNSORTED_CATEGORY).count()
    code = f"{parent.code}.{siblings + 1:02d}" if parent else f"C{siblings + 1:02d}"
    while Category.objects.filter(code=code).exists():
        siblings += 1
        code = f"{parent.code}.{siblings + 1:02d}" if parent else f"C{siblings + 1:02d}"
    result.created += 1
    return Category.objects.create(
        code=code, name=name, parent=parent, level=(parent.level + 1) if parent else 1
    )


@transaction.atomic
def categories_import(
    *, path: Path, progress: Callable[[int, int], None] | None = None
) -> ImportResult:
    """Create what is missing, keep what exists: running it twice changes nothing.

    Optional fourth and fifth columns set a leaf's default department (by code) and its time
    limit class (emergency, utilities, ordinary, complex). ``progress(done, rows)`` is called
    once the file is read (with 0) and after each row.
    """
    # Keep each row's number in the sheet, so messages point at it past any blank rows.
    numbered = [(n, row) for n, row in enumerate(_read_rows(path), start=1) if any(row)]
    rows = [row for _, row in numbered]
    if not rows:
        raise DomainError(_("The spreadsheet is empty."), field="file")
    start = 1 if _is_header(rows[0]) else 0
    width = max(len(row) for row in rows)
    if width < 3:
        raise DomainError(
            _(
                "The spreadsheet needs three columns (first, second and third level); "
                "it has %(count)s."
            )
            % {"count": width},
            field="file",
        )
    result = ImportResult()
    departments = {d.code: d for d in Department.objects.all()}
    todo = len(numbered) - start
    if progress is not None:
        progress(0, todo)
    for number, row in numbered[start:]:
        cells = (row + [""] * 5)[:5]
        names = cells[:3]
        for column, name in enumerate(names, start=1):
            if not name:
                raise DomainError(
                    _("Row %(row)s: column %(column)s (level %(column)s) is empty.")
                    % {"row": number, "column": column},
                    field="file",
                )
        department_code, limit = cells[3], cells[4]
        if department_code and department_code not in departments:
            raise DomainError(
                _("Row %(row)s: unknown department code %(code)s.")
                % {"row": number, "code": department_code},
                field="file",
            )
        if limit and limit not in TimeLimitClass.values:
            raise DomainError(
                _("Row %(row)s: unknown time limit %(value)s; use one of %(choices)s.")
                % {"row": number, "value": limit, "choices": ", ".join(TimeLimitClass.values)},
                field="file",
            )
        node: Category | None = None
        for name in names:
            node = _child(node, name, result)
        assert node is not None
        changed = []
        if department_code and node.default_department_id != departments[department_code].pk:
            node.default_department = departments[department_code]
            changed.append("default_department")
        if limit and node.time_limit_class != limit:
            node.time_limit_class = limit
            changed.append("time_limit_class")
        if changed:
            node.save(update_fields=changed)
            result.updated += 1
        result.rows += 1
        if progress is not None:
            progress(result.rows, todo)
    return result
