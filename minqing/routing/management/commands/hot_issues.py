"""``minqing hot-issues``: group messages by place and problem, hottest first."""

from __future__ import annotations

import json
import time
from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from minqing.lib.progress import command_steps
from minqing.routing.errors import RoutingError
from minqing.routing.hot import (
    DEFAULT_TEXT_COLUMNS,
    DEFAULT_THRESHOLD,
    HeatWeights,
    find_hot_issues,
    load_messages,
)
from minqing.routing.tables import read_table, split_columns


class Command(BaseCommand):
    help = _(
        "Group messages of a spreadsheet by place and problem and rank the groups by heat "
        "(distinct reporters, likes, recency, time span)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--data",
            required=True,
            metavar="FILE",
            help=_("An .xlsx or .csv file with a header row."),
        )
        parser.add_argument(
            "--text-columns",
            metavar="COLS",
            default=",".join(DEFAULT_TEXT_COLUMNS),
            help=_(
                "Comma-separated text columns: the first is the title, "
                "the others the body (default: %(default)s)."
            ),
        )
        parser.add_argument(
            "--id-column",
            metavar="COL",
            help=_(
                "The column of message ids (default: 留言编号 if present, else the row number)."
            ),
        )
        parser.add_argument(
            "--reporter-column",
            metavar="COL",
            help=_("Who wrote each message (default: 留言用户 if present)."),
        )
        parser.add_argument(
            "--time-column", metavar="COL", help=_("When (default: 留言时间 if present).")
        )
        parser.add_argument(
            "--likes-column", metavar="COL", help=_("Support (default: 点赞数 if present).")
        )
        parser.add_argument(
            "--dislikes-column", metavar="COL", help=_("Disagreement (default: 反对数 if present).")
        )
        parser.add_argument(
            "--top", type=int, default=20, help=_("How many groups to show (0: all).")
        )
        parser.add_argument(
            "--threshold",
            type=float,
            default=DEFAULT_THRESHOLD,
            help=_("How alike messages must be to group (0-1)."),
        )
        parser.add_argument(
            "--half-life",
            type=float,
            default=HeatWeights.half_life_days,
            metavar="DAYS",
            help=_("Heat halves for every this many days of quiet."),
        )
        parser.add_argument(
            "--now",
            metavar="TIME",
            help=_("Count recency back from this time (default: the newest message)."),
        )
        parser.add_argument("--json", action="store_true", help=_("Print a JSON list of groups."))

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            self._run(options)
        except RoutingError as exc:
            raise CommandError(_(exc.template) % exc.params) from exc

    def _run(self, options: dict[str, Any]) -> None:
        started = time.perf_counter()
        steps = command_steps(self, 2, options)
        steps.step(_("Reading %(file)s…") % {"file": options["data"]})
        try:
            table = read_table(options["data"])
            messages = load_messages(
                table,
                text_columns=split_columns(options["text_columns"]),
                id_column=options.get("id_column"),
                reporter_column=options.get("reporter_column"),
                time_column=options.get("time_column"),
                likes_column=options.get("likes_column"),
                dislikes_column=options.get("dislikes_column"),
            )
        finally:
            steps.done()
        now = None
        if options.get("now"):
            try:
                now = datetime.fromisoformat(options["now"])
            except ValueError:
                raise CommandError(
                    _("--now %(value)s is not a time (use 2020-01-31 or 2020-01-31 18:00).")
                    % {"value": options["now"]}
                ) from None
        steps.step(_("Grouping %(n)s messages by place and problem…") % {"n": len(messages)})
        issues = find_hot_issues(
            messages,
            threshold=options["threshold"],
            weights=HeatWeights(half_life_days=options["half_life"]),
            now=now,
            top=options["top"] or None,
            progress=steps.update,
        )
        steps.done()
        if options["json"]:
            self.stdout.write(json.dumps([g.as_dict() for g in issues], ensure_ascii=False))
            return
        for g in issues:
            span = _("%(d).0f days") % {"d": g.span_days} if g.first else "-"
            self.stdout.write(f"{g.rank:>3}  {g.heat:7.2f}  {g.size:>4}  {span:>9}  {g.name}")
        self.stdout.flush()
        self.stderr.write(
            _("%(n)s messages, %(g)s groups shown, %(s).1f s.")
            % {"n": len(messages), "g": len(issues), "s": time.perf_counter() - started}
        )
