"""Messages for hot issues, read from a spreadsheet (:func:`load_messages`).

A :class:`Message` is what grouping needs of one message: its id, title and body, who wrote it,
when, and how many people agreed or disagreed with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from minqing.routing.errors import RoutingError
from minqing.routing.tables import Table, parse_time

DEFAULT_TEXT_COLUMNS = ("留言主题", "留言详情")
DEFAULT_COLUMNS = {
    "id": "留言编号",
    "reporter": "留言用户",
    "time": "留言时间",
    "likes": "点赞数",
    "dislikes": "反对数",
}


@dataclass(frozen=True)
class Message:
    id: str
    title: str
    body: str = ""
    reporter: str = ""
    time: datetime | None = None
    likes: int = 0
    dislikes: int = 0


def load_messages(
    table: Table,
    *,
    text_columns: Sequence[str] = DEFAULT_TEXT_COLUMNS,
    id_column: str | None = None,
    reporter_column: str | None = None,
    time_column: str | None = None,
    likes_column: str | None = None,
    dislikes_column: str | None = None,
) -> list[Message]:
    """Messages from a spreadsheet. The first text column is the title, the others the body.
    A column named explicitly must exist; a default column (``留言编号``, ``留言用户``,
    ``留言时间``, ``点赞数``, ``反对数``) is used when present. Without an id column, the
    spreadsheet row number is the id."""

    def pick(given: str | None, default: str) -> str | None:
        if given:
            table.column(given)  # raises, naming the column and those present
            return given
        return default if default in table.header else None

    if not text_columns:
        raise RoutingError("no_columns")
    for column in text_columns:
        table.column(column)
    title_col, body_cols = text_columns[0], list(text_columns[1:])
    titles = table.texts([title_col], allow_empty=True)
    bodies = table.texts(body_cols, allow_empty=True) if body_cols else [""] * len(titles)
    for number, title, body in zip(table.numbers(), titles, bodies, strict=True):
        if not title.strip() and not body.strip():
            raise RoutingError(
                "empty_text", row=number, path=str(table.path), columns=", ".join(text_columns)
            )
    id_col = pick(id_column, DEFAULT_COLUMNS["id"])
    ids = table.values(id_col) if id_col else [str(n) for n in table.numbers()]
    reporter_col = pick(reporter_column, DEFAULT_COLUMNS["reporter"])
    reporters = table.values(reporter_col, required=False) if reporter_col else [""] * len(titles)
    times: list[datetime | None] = [None] * len(titles)
    time_col = pick(time_column, DEFAULT_COLUMNS["time"])
    if time_col:
        for k, (number, value) in enumerate(zip(table.numbers(), table.raw(time_col), strict=True)):
            try:
                times[k] = parse_time(value)
            except ValueError:
                raise RoutingError(
                    "bad_time", row=number, path=str(table.path), value=str(value), column=time_col
                ) from None
    likes = _counts(table, pick(likes_column, DEFAULT_COLUMNS["likes"]))
    dislikes = _counts(table, pick(dislikes_column, DEFAULT_COLUMNS["dislikes"]))
    return [
        Message(id=i, title=t, body=b, reporter=r, time=tm, likes=lk, dislikes=dk)
        for i, t, b, r, tm, lk, dk in zip(
            ids, titles, bodies, reporters, times, likes, dislikes, strict=True
        )
    ]


def _counts(table: Table, column: str | None) -> list[int]:
    if not column:
        return [0] * len(table.rows)
    out = []
    for number, value in zip(table.numbers(), table.raw(column), strict=True):
        try:
            out.append(int(float(value)) if value not in (None, "") else 0)
        except (TypeError, ValueError):
            raise RoutingError(
                "bad_number", row=number, path=str(table.path), value=str(value), column=column
            ) from None
    return out
