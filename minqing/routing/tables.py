"""Reading the spreadsheets people actually have: .xlsx and .csv, with checked columns.

Rows are numbered as a person sees them in a spreadsheet program: the header is row 1, the
first data row is row 2. Wholly blank rows are skipped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from minqing.lib.spreadsheets import SpreadsheetError, cell_text, read_grid
from minqing.routing.errors import RoutingError


@dataclass
class Table:
    path: Path
    header: list[str]
    rows: list[tuple[int, list[Any]]]  # (spreadsheet row number, cells)

    def column(self, name: str) -> int:
        name = name.strip()
        for i, h in enumerate(self.header):
            if h == name:
                return i
        raise RoutingError(
            "column_missing",
            column=name,
            path=str(self.path),
            present=", ".join(h for h in self.header if h) or "-",
        )

    def texts(self, columns: Sequence[str], *, allow_empty: bool = False) -> list[str]:
        """The named columns of every row joined in order (with a newline between)."""
        if not columns:
            raise RoutingError("no_columns")
        idx = [self.column(c) for c in columns]
        out: list[str] = []
        for number, cells in self.rows:
            parts = [cell_text(cells[i]) if i < len(cells) else "" for i in idx]
            text = "\n".join(p for p in parts if p.strip())
            if not text.strip() and not allow_empty:
                raise RoutingError(
                    "empty_text", row=number, path=str(self.path), columns=", ".join(columns)
                )
            out.append(text)
        return out

    def values(self, column: str, *, required: bool = True) -> list[str]:
        i = self.column(column)
        out: list[str] = []
        for number, cells in self.rows:
            value = cell_text(cells[i]).strip() if i < len(cells) else ""
            if not value and required:
                raise RoutingError("empty_label", row=number, path=str(self.path), column=column)
            out.append(value)
        return out

    def raw(self, column: str) -> list[Any]:
        i = self.column(column)
        return [cells[i] if i < len(cells) else None for _, cells in self.rows]

    def numbers(self) -> list[int]:
        return [number for number, _ in self.rows]


def split_columns(spec: str) -> list[str]:
    """``"留言主题,留言详情"`` → ``["留言主题", "留言详情"]`` (full-width commas too)."""
    return [c.strip() for c in spec.replace("，", ",").split(",") if c.strip()]


def read_table(path: str | Path) -> Table:
    """Read the first sheet of an .xlsx file, or a .csv file (UTF-8 or GB18030)."""
    path = Path(path)
    try:
        grid = read_grid(path)
    except SpreadsheetError as e:
        details = {"suffix": e.reason} if e.code == "file_type" else {"reason": e.reason}
        raise RoutingError(e.code, path=str(path), **(details if e.reason else {})) from e
    if not grid:
        raise RoutingError("file_empty", path=str(path))
    header = [cell_text(h).strip() for h in grid[0]]
    rows = [
        (number, list(cells))
        for number, cells in enumerate(grid[1:], start=2)
        if any(cell_text(c).strip() for c in cells)
    ]
    if not rows:
        raise RoutingError("no_rows", path=str(path))
    return Table(path, header, rows)


# --- times ---------------------------------------------------------------------------------

_FORMATS = (
    "%Y/%m/%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d",
    "%Y-%m-%d",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日",
)
_EXCEL_EPOCH = datetime(1899, 12, 30)


def parse_time(value: Any) -> datetime | None:
    """A naive datetime from what spreadsheets hold: datetime cells, strings in the usual
    Chinese layouts (``2019/12/30 17:06:14``), ISO strings, or Excel serial numbers.
    ``None`` for an empty cell; ``ValueError`` for something else."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, int | float):
        return _EXCEL_EPOCH + timedelta(days=float(value))
    text = str(value).strip()
    for fmt in _FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return datetime.fromisoformat(text)
