"""``import-categories`` shows its steps and how many rows it has done."""

from __future__ import annotations

import csv
from io import StringIO

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def test_import_categories_counts_its_steps_and_rows(tmp_path):
    path = tmp_path / "cats.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["一级分类", "二级分类", "三级分类"])
        writer.writerows([["城乡建设", "供水", f"问题{n}"] for n in range(8)])
    out, err = StringIO(), StringIO()
    call_command("import_categories", str(path), stdout=out, stderr=err)
    assert err.getvalue().splitlines() == [
        f"[1/2] Reading {path}…",
        "[2/2] Importing 8 rows…",
        "      25% (2/8)",
        "      50% (4/8)",
        "      75% (6/8)",
        "      100% (8/8)",
    ]
    assert out.getvalue().startswith("8 rows: 10 categories created")
