"""``minqing router train|evaluate|predict``: the category router from a spreadsheet."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from minqing.lib.progress import Steps, command_steps
from minqing.routing import store
from minqing.routing.errors import RoutingError
from minqing.routing.metrics import Report
from minqing.routing.router import Router
from minqing.routing.runtime import models_dir
from minqing.routing.tables import read_table, split_columns


class Command(BaseCommand):
    help = _("Train, evaluate or try the category router.")

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

        train = actions.add_parser(
            "train",
            help=_("Learn from labelled messages and save a new model version."),
        )
        _data_arguments(train, required=False)
        train.add_argument(
            "--from-cases",
            action="store_true",
            help=_(
                "Learn from the district's closed cases (title and description; label: the "
                "first-level category) instead of a file."
            ),
        )
        train.add_argument(
            "--folds",
            type=int,
            default=5,
            help=_("Cross-validation folds for the report (0: none)."),
        )
        train.add_argument(
            "--exclude-data",
            metavar="FILE",
            help=_(
                "Leave out training rows that also occur in FILE (the data you will evaluate on)."
            ),
        )
        train.add_argument(
            "--exclude-text-columns",
            metavar="COLS",
            help=_("Text columns of --exclude-data (default: --text-columns)."),
        )
        train.add_argument(
            "--head-chars",
            type=int,
            default=24,
            help=_(
                "Count the character pairs of this many leading characters (the title) "
                "twice (0: no)."
            ),
        )
        train.add_argument(
            "--word-chars",
            type=int,
            default=0,
            help=_(
                "Also segment this many leading characters into jieba words (0: no; "
                "character pairs always cover all the text)."
            ),
        )
        train.add_argument("--models-dir", type=Path, help=_("Where models are kept."))
        train.add_argument(
            "--json",
            action="store_true",
            help=_("Print the cross-validated figures as one JSON object."),
        )

        evaluate = actions.add_parser(
            "evaluate",
            help=_("Measure the current model on labelled messages."),
        )
        _data_arguments(evaluate)
        evaluate.add_argument(
            "--json", action="store_true", help=_("Print one JSON object instead of a table.")
        )
        evaluate.add_argument("--models-dir", type=Path, help=_("Where models are kept."))

        predict = actions.add_parser(
            "predict",
            help=_("Show the three likeliest categories of a text."),
        )
        predict.add_argument("text", nargs="+", help=_("The message text."))
        predict.add_argument("--models-dir", type=Path, help=_("Where models are kept."))

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            action = options["action"]
            if action == "train":
                self._train(options)
            elif action == "evaluate":
                self._evaluate(options)
            else:
                self._predict(options)
        except RoutingError as exc:
            raise CommandError(_(exc.template) % exc.params) from exc

    # -- train ------------------------------------------------------------------------------
    def _train(self, options: dict[str, Any]) -> None:
        started = time.perf_counter()
        if options["from_cases"]:
            if options.get("data") or options.get("exclude_data"):
                raise CommandError(_("Use either --from-cases or --data, not both."))
            from minqing.cases.training import closed_case_examples

            steps = command_steps(self, 3, options)
            steps.step(_("Reading the closed cases…"))
            texts, labels = closed_case_examples()
            if not texts:
                steps.done()
                raise CommandError(
                    _("There are no closed cases to learn from yet; train from a file first.")
                )
            meta: dict[str, Any] = {"data": "closed cases", "cases": len(texts)}
            self._fit(options, texts, labels, meta, steps, started=started, excluded=0)
            return
        missing = [
            f"--{name.replace('_', '-')}"
            for name in ("data", "text_columns", "label_column")
            if not options.get(name)
        ]
        if missing:
            raise CommandError(
                _("Give %(options)s, or --from-cases.") % {"options": ", ".join(missing)}
            )
        columns = split_columns(options["text_columns"])
        steps = command_steps(self, 4 if options.get("exclude_data") else 3, options)
        steps.step(_("Reading %(file)s…") % {"file": options["data"]})
        try:
            table = read_table(options["data"])
            texts = table.texts(columns)
            labels = table.values(options["label_column"])
        finally:
            steps.done()
        excluded = 0
        if options.get("exclude_data"):
            from minqing.routing.overlap import near_copies

            steps.step(
                _("Leaving out the rows that also occur in %(file)s…")
                % {"file": options["exclude_data"]}
            )
            other_columns = split_columns(
                options.get("exclude_text_columns") or options["text_columns"]
            )
            other = read_table(options["exclude_data"]).texts(other_columns, allow_empty=True)
            drop = set(near_copies(texts, other))
            excluded = len(drop)
            texts = [t for i, t in enumerate(texts) if i not in drop]
            labels = [v for i, v in enumerate(labels) if i not in drop]
            steps.done()
        meta = {
            "data": str(options["data"]),
            "text_columns": columns,
            "label_column": options["label_column"],
            "excluded": excluded,
        }
        self._fit(options, texts, labels, meta, steps, started=started, excluded=excluded)

    def _fit(
        self,
        options: dict[str, Any],
        texts: list[str],
        labels: list[str],
        meta: dict[str, Any],
        steps: Steps,
        *,
        started: float,
        excluded: int,
    ) -> None:
        """Train, save as the current model and print the figures."""
        steps.step(_("Training on %(n)s messages…") % {"n": len(texts)})
        try:
            router = Router.train(
                texts,
                labels,
                folds=options["folds"],
                word_chars=options["word_chars"] or 0,
                head_chars=options["head_chars"],
                meta=meta,
                progress=steps.update,
            )
        finally:
            steps.done()
        steps.step(_("Saving the model…"))
        directory = options.get("models_dir") or models_dir()
        path = store.save(router, directory)
        steps.done()
        seconds = time.perf_counter() - started
        summary = router.summary
        if options["json"]:
            payload: dict[str, Any] = {
                "version": router.version,
                "path": str(path),
                "n": summary.n,
                "excluded": excluded,
                "seconds": round(seconds, 2),
                "cross_validation": summary.cv.as_dict() if summary.cv else None,
            }
            self.stdout.write(json.dumps(payload, ensure_ascii=False))
            return
        self.stdout.write(
            _("Trained router %(version)s on %(n)s messages in %(s).1f s.")
            % {"version": router.version, "n": summary.n, "s": seconds}
        )
        if options["from_cases"]:
            self.stdout.write(_("Learnt from the closed cases in the database."))
        if excluded:
            self.stdout.write(
                _("Left out %(n)s training rows that also occur in %(file)s.")
                % {"n": excluded, "file": options["exclude_data"]}
            )
        self.stdout.write(_("Saved to %(path)s (now the current model).") % {"path": path})
        if summary.cv is None:
            self.stdout.write(_("No cross-validation (too few messages per label, or --folds 0)."))
            return
        self.stdout.write(_("Cross-validated over %(k)s folds:") % {"k": summary.cv_folds})
        self._report(summary.cv)

    # -- evaluate ---------------------------------------------------------------------------
    def _evaluate(self, options: dict[str, Any]) -> None:
        directory = options.get("models_dir") or models_dir()
        router = store.load(store.current_path(directory))
        columns = split_columns(options["text_columns"])
        table = read_table(options["data"])
        texts = table.texts(columns)
        labels = table.values(options["label_column"])
        known = set(router.labels)
        for number, label in zip(table.numbers(), labels, strict=True):
            if label not in known:
                raise RoutingError(
                    "unknown_label",
                    row=number,
                    path=str(table.path),
                    label=label,
                    version=router.version,
                    known=", ".join(router.labels),
                )
        report = router.evaluate(texts, labels)
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False))
            return
        self.stdout.write(
            _("Router %(version)s on %(n)s messages of %(file)s:")
            % {"version": router.version, "n": report.n, "file": table.path}
        )
        self._report(report)

    # -- predict ----------------------------------------------------------------------------
    def _predict(self, options: dict[str, Any]) -> None:
        directory = options.get("models_dir") or models_dir()
        router = store.load(store.current_path(directory))
        text = " ".join(options["text"])
        ideas = router.predict([text], k=3)[0]
        if not ideas:
            self.stdout.write(_("No known words in this text: it goes to triage."))
            return
        for idea in ideas:
            self.stdout.write(f"{idea.confidence:6.1%}  {idea.label}")
        self.stdout.write(
            _("Why %(label)s: %(words)s")
            % {"label": ideas[0].label, "words": ", ".join(router.explain(text)[:8])}
        )

    def _report(self, report: Report) -> None:
        self.stdout.write(
            _("  macro-F1 %(f1).4f   accuracy %(acc).4f")
            % {"f1": report.macro_f1, "acc": report.accuracy}
        )
        width = max([_width(k) for k in report.per_class] + [6]) + 2
        head = _("precision"), _("recall"), "F1", _("support")
        self.stdout.write("  " + " " * width + "  ".join(f"{h:>9}" for h in head))
        for label, f in report.per_class.items():
            pad = " " * (width - _width(label))
            self.stdout.write(
                f"  {label}{pad}{f.precision:>9.3f}  {f.recall:>9.3f}  "
                f"{f.f1:>9.3f}  {f.support:>9d}"
            )
        self.stdout.write(_("  precision at coverage (the most confident share):"))
        self.stdout.write(
            "  " + "  ".join(f"{k}:{v:.3f}" for k, v in report.precision_at_coverage.items())
        )


def _data_arguments(parser: CommandParser, *, required: bool = True) -> None:
    parser.add_argument(
        "--data",
        required=required,
        metavar="FILE",
        help=_("An .xlsx or .csv file with a header row."),
    )
    parser.add_argument(
        "--text-columns",
        required=required,
        metavar="COLS",
        help=_("Comma-separated text columns, joined in this order."),
    )
    parser.add_argument(
        "--label-column",
        required=required,
        metavar="COL",
        help=_("The column holding each message's category."),
    )


def _width(text: str) -> int:
    """Columns ``text`` takes in a terminal (Chinese characters take two)."""
    return sum(2 if ord(c) >= 0x2E80 else 1 for c in text)
