"""Errors of the routing library: a stable code, parameters, and an English message that the
commands translate (the templates are marked for gettext here, translated where shown)."""

from __future__ import annotations

from typing import Any


def gettext_noop(message: str) -> str:
    """Marks ``message`` for translation (``makemessages`` looks for this name) without
    needing Django settings; the commands translate it when they show it."""
    return message


MESSAGES: dict[str, str] = {
    "file_missing": gettext_noop("The file %(path)s does not exist."),
    "file_type": gettext_noop(
        "Cannot read %(path)s: use an .xlsx or a .csv file (got %(suffix)s)."
    ),
    "file_unreadable": gettext_noop("Cannot read %(path)s: %(reason)s"),
    "file_empty": gettext_noop("%(path)s has no header row."),
    "no_rows": gettext_noop("%(path)s has a header but no data rows."),
    "column_missing": gettext_noop(
        "Column %(column)s is not in %(path)s. Its columns are: %(present)s."
    ),
    "no_columns": gettext_noop("Name at least one text column."),
    "empty_text": gettext_noop("Row %(row)s of %(path)s has no text in %(columns)s."),
    "empty_label": gettext_noop("Row %(row)s of %(path)s has no label in %(column)s."),
    "unknown_label": gettext_noop(
        "Row %(row)s of %(path)s has the label %(label)s, which the router %(version)s "
        "does not know. It knows: %(known)s."
    ),
    "too_few_labels": gettext_noop(
        "The router needs at least two different labels to learn from; the data has %(n)s."
    ),
    "not_trained": gettext_noop(
        "No router has been trained yet (looked in %(path)s). Train one with: "
        "minqing router train --data FILE --text-columns COLS --label-column COL"
    ),
    "model_unreadable": gettext_noop("The router model %(path)s cannot be read: %(reason)s"),
    "bad_time": gettext_noop("Row %(row)s of %(path)s: %(value)s in %(column)s is not a time."),
    "bad_number": gettext_noop("Row %(row)s of %(path)s: %(value)s in %(column)s is not a number."),
}


class RoutingError(Exception):
    """A refused request with a message a person can act on."""

    def __init__(self, code: str, **params: Any) -> None:
        self.code = code
        self.params = params
        super().__init__(self.message)

    @property
    def template(self) -> str:
        return MESSAGES[self.code]

    @property
    def message(self) -> str:
        return self.template % self.params

    def __str__(self) -> str:
        return self.message
