from __future__ import annotations

import csv
import json
from io import StringIO
from pathlib import Path

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from .conftest import SMALL


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


@pytest.fixture
def labelled(tmp_path: Path) -> Path:
    rows = [[title, f"\n\t\t\t{body}\xa0", label] for label, title, body in SMALL]
    return write_xlsx(tmp_path / "labelled.xlsx", ["主题", "详情", "分类"], rows)


@pytest.fixture
def models(tmp_path: Path) -> Path:
    return tmp_path / "models"


def run(*args: object) -> str:
    """Run a command in English (the messages checked here are the English sources)."""
    out = StringIO()
    with translation.override("en"):
        call_command(*[str(a) for a in args], stdout=out, stderr=StringIO())
    return out.getvalue()


def train(data: Path, models: Path, *extra: object) -> str:
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
        models,
        "--folds",
        "3",
        *extra,
    )


def test_train_saves_a_version_and_prints_cross_validated_figures(labelled, models):
    out = train(labelled, models)
    assert "macro-F1" in out and "precision at coverage" in out
    assert (models / "current").read_text().strip().startswith("router-")
    for label in ("交通", "教育", "环境"):
        assert label in out


def test_evaluate_json_is_exactly_one_object_with_the_agreed_keys(labelled, models):
    train(labelled, models)
    out = run(
        "router",
        "evaluate",
        "--data",
        labelled,
        "--text-columns",
        "主题,详情",
        "--label-column",
        "分类",
        "--models-dir",
        models,
        "--json",
    )
    report = json.loads(out)
    assert list(report) == ["macro_f1", "accuracy", "per_class", "precision_at_coverage", "n"]
    assert report["n"] == len(SMALL)
    assert set(report["per_class"]["教育"]) == {"precision", "recall", "f1", "support"}
    assert list(report["precision_at_coverage"]) == [f"{i / 10:.1f}" for i in range(1, 11)]
    assert report["accuracy"] > 0.9  # it has seen these very messages


def test_training_from_csv_with_pre_segmented_words(tmp_path, models):
    rows = [[" ".join([title, body]), label] for label, title, body in SMALL]
    data = write_csv(tmp_path / "tokens.csv", ["tokens", "label"], rows)
    run(
        "router",
        "train",
        "--data",
        data,
        "--text-columns",
        "tokens",
        "--label-column",
        "label",
        "--models-dir",
        models,
        "--folds",
        "0",
    )
    out = run("router", "predict", "--models-dir", models, "学校", "乱收费")
    assert out.splitlines()[0].endswith("教育")


def test_a_missing_column_is_named_with_the_columns_present(labelled, models):
    with pytest.raises(CommandError) as error:
        run(
            "router",
            "train",
            "--data",
            labelled,
            "--text-columns",
            "主题,内容",
            "--label-column",
            "分类",
            "--models-dir",
            models,
        )
    message = str(error.value)
    assert "内容" in message and "主题, 详情, 分类" in message


def test_an_empty_text_names_its_row(tmp_path, models):
    rows = [[title, body, label] for label, title, body in SMALL]
    rows[4] = ["", "  \n\t ", "交通"]
    data = write_csv(tmp_path / "gap.csv", ["主题", "详情", "分类"], rows)
    with pytest.raises(CommandError, match=r"Row 6 of .*gap\.csv has no text in 主题, 详情"):
        train(data, models)


def test_a_missing_label_names_its_row(tmp_path, models):
    rows = [[title, body, label] for label, title, body in SMALL]
    rows[0][2] = ""
    data = write_csv(tmp_path / "nolabel.csv", ["主题", "详情", "分类"], rows)
    with pytest.raises(CommandError, match=r"Row 2 .* has no label in 分类"):
        train(data, models)


def test_an_unknown_label_at_evaluation_names_the_row_and_the_known_labels(
    labelled, models, tmp_path
):
    train(labelled, models)
    data = write_csv(
        tmp_path / "eval.csv",
        ["主题", "详情", "分类"],
        [["路灯坏了", "晚上没有灯", "交通"], ["医院排队", "挂号难", "卫生"]],
    )
    with pytest.raises(CommandError) as error:
        run(
            "router",
            "evaluate",
            "--data",
            data,
            "--text-columns",
            "主题,详情",
            "--label-column",
            "分类",
            "--models-dir",
            models,
        )
    message = str(error.value)
    assert "Row 3" in message and "卫生" in message and "交通, 教育, 环境" in message


def test_evaluating_without_a_trained_router_says_how_to_train(labelled, models):
    with pytest.raises(CommandError, match=r"No router has been trained yet"):
        run(
            "router",
            "evaluate",
            "--data",
            labelled,
            "--text-columns",
            "主题",
            "--label-column",
            "分类",
            "--models-dir",
            models,
        )


def test_a_file_that_is_not_a_spreadsheet_is_refused(tmp_path, models):
    bad = tmp_path / "notes.docx"
    bad.write_text("hello")
    with pytest.raises(CommandError, match=r"use an \.xlsx or a \.csv file"):
        train(bad, models)
    with pytest.raises(CommandError, match=r"does not exist"):
        train(tmp_path / "nothing.csv", models)


def test_hot_issues_prints_one_line_per_group_and_json_with_ids(tmp_path):
    header = ["编号", "用户", "主题", "时间", "详情", "点赞数"]
    rows = [
        ["1", "u1", "丽发新城小区附近搅拌站噪音扰民", "2019/5/1 10:00:00", "搅拌站晚上施工", 3],
        ["2", "u2", "丽发新城搅拌站噪音扰民严重", "2019/5/3 10:00:00", "噪音太大睡不着", 5],
        ["3", "u3", "投诉丽发新城附近搅拌站噪音", "2019/5/9 10:00:00", "搅拌站粉尘噪音", 0],
        ["4", "u4", "学校食堂饭菜质量差", "2019/5/2 10:00:00", "孩子吃不饱", 1],
    ]
    data = write_xlsx(tmp_path / "msgs.xlsx", header, rows)
    args = [
        "hot_issues",
        "--data",
        data,
        "--text-columns",
        "主题,详情",
        "--id-column",
        "编号",
        "--reporter-column",
        "用户",
        "--time-column",
        "时间",
    ]
    lines = run(*args).splitlines()
    assert len(lines) == 2
    assert lines[0].split()[0] == "1" and "搅拌站" in lines[0]
    groups = json.loads(run(*args, "--json"))
    assert sorted(groups[0]["ids"]) == ["1", "2", "3"]
    assert groups[0]["likes"] == 8 and groups[1]["ids"] == ["4"]
    assert {"name", "heat", "ids"} <= set(groups[0])


def test_hot_issues_names_a_misnamed_column(tmp_path):
    data = write_csv(tmp_path / "m.csv", ["标题", "内容"], [["路灯坏了", "没有灯"]])
    with pytest.raises(CommandError, match=r"Column 留言主题 is not in .* 标题, 内容"):
        run("hot_issues", "--data", data)


def test_hot_issues_names_a_time_it_cannot_read(tmp_path):
    data = write_csv(tmp_path / "m.csv", ["主题", "留言时间"], [["路灯坏了", "昨天晚上"]])
    with pytest.raises(CommandError, match=r"Row 2 .* 昨天晚上 in 留言时间 is not a time"):
        run("hot_issues", "--data", data, "--text-columns", "主题")
