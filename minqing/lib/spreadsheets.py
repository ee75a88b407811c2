"""Reading the spreadsheets people actually have: the first sheet of an .xlsx file, or a .csv
(or tab-separated) file in UTF-8 or GB18030. One reader for every importer; each importer
turns ``SpreadsheetError`` into its own message."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

ENCODINGS = ("utf-8-sig", "gb18030")
XLSX = (".xlsx", ".xlsm")
TEXT = (".csv", ".tsv", ".txt")


class SpreadsheetError(Exception):
    """``code`` is ``file_missing``, ``file_type`` or ``file_unreadable``."""

    def __init__(self, code: str, *, path: Path, reason: str = "") -> None:
        self.code, self.path, self.reason = code, path, reason
        super().__init__(f"{code}: {path} {reason}".strip())


def read_grid(path: str | Path) -> list[list[Any]]:
    """Every row of the file as a list of cell values (None for an empty .xlsx cell)."""
    path = Path(path)
    if not path.is_file():
        raise SpreadsheetError("file_missing", path=path)
    suffix = path.suffix.lower()
    if suffix in XLSX:
        return _read_xlsx(path)
    if suffix in TEXT:
        return _read_text(path)
    raise SpreadsheetError("file_type", path=path, reason=suffix or "-")


def cell_text(value: Any) -> str:
    """A cell as text: 12.0 → "12", None → ""."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_xlsx(path: Path) -> list[list[Any]]:
    import openpyxl  # loaded on first use: most commands never read a workbook

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # not a zip, damaged, encrypted …
        raise SpreadsheetError("file_unreadable", path=path, reason=str(exc)) from exc
    try:
        return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()


def _read_text(path: Path) -> list[list[Any]]:
    data = path.read_bytes()
    for encoding in ENCODINGS:
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise SpreadsheetError(
            "file_unreadable", path=path, reason="neither UTF-8 nor GB18030 text"
        )
    # Comma-separated unless the header has tabs and no commas (a tab-separated export).
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first and "," not in first else ","
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
