"""``router train`` and ``hot-issues`` show their steps on stderr; stdout stays the result."""

from __future__ import annotations

import csv
import json
from io import StringIO
from pathlib import Path

from django.core.management import call_command
from django.utils import translation

from .conftest import SMALL


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def run(*args: object, **options: object) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    with translation.override("en"):
        call_command(*[str(a) for a in args], stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def train(tmp_path: Path, *extra: object, **options: object) -> tuple[str, str]:
    data = write_csv(
        tmp_path / "labelled.csv",
        ["主题", "详情", "分类"],
        [[t, b, label] for label, t, b in SMALL],
    )
    return run(
        "router",
        "train",
        "--data",
        data,
        "--text-columns",
        "主题,详情",
        "--label-column",
        "分类",
        "--models-dir",
        tmp_path / "models",
        "--folds",
        "3",
        *extra,
        **options,
    )


def test_router_train_counts_its_steps_and_shows_the_folds(tmp_path):
    out, err = train(tmp_path, "--json")
    lines = err.splitlines()
    assert lines[0].startswith("[1/3] Reading ") and lines[0].endswith("labelled.csv…")
    assert lines[1] == f"[2/3] Training on {len(SMALL)} messages…"
    # Reading the texts, three folds, the final model: five parts, shown at each quarter.
    assert lines[2:-1] == [
        "      40% (2/5)",
        "      60% (3/5)",
        "      80% (4/5)",
        "      100% (5/5)",
    ]
    assert lines[-1] == "[3/3] Saving the model…"
    assert json.loads(out)["n"] == len(SMALL)  # stdout is still exactly one JSON object


def test_router_train_with_verbosity_zero_shows_no_steps(tmp_path):
    out, err = train(tmp_path, verbosity=0)  # `minqing router -v 0 train …`
    assert err == "" and "macro-F1" in out


def test_hot_issues_counts_its_steps_and_keeps_stdout_for_the_groups(tmp_path):
    data = write_csv(
        tmp_path / "msgs.csv",
        ["主题", "详情"],
        [
            ["丽发新城搅拌站噪音扰民", "搅拌站晚上施工"],
            ["丽发新城搅拌站噪音扰民严重", "噪音太大睡不着"],
            ["学校食堂饭菜质量差", "孩子吃不饱"],
        ],
    )
    out, err = run("hot_issues", "--data", data, "--text-columns", "主题,详情")
    lines = err.splitlines()
    assert lines[0].startswith("[1/2] Reading ") and lines[0].endswith("msgs.csv…")
    assert lines[1] == "[2/2] Grouping 3 messages by place and problem…"
    assert "      100% (5/5)" in lines
    assert lines[-1].startswith("3 messages, 2 groups shown")
    assert len(out.splitlines()) == 2
