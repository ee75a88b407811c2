"""Importing the three-level category tree from a spreadsheet."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from minqing.cases.importers import categories_import
from minqing.cases.models import Category
from minqing.lib.errors import DomainError
from minqing.places.models import Department, Place, PlaceKind

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

SHARED_DATA = Path(__file__).resolve().parents[3] / ".." / "shared" / "data"
OFFICIAL = SHARED_DATA / "raw" / "Syucryingstar__NLP_tipdm" / "全部数据" / "附件1.xlsx"

HEADER = ["一级分类", "二级分类", "三级分类"]
ROWS = [
    ["城乡建设", "住房保障", "老旧小区改造"],
    ["城乡建设", "住房保障", "公租房"],
    ["城乡建设", "供水", "水管漏水"],
    ["环境保护", "噪音污染", "施工噪音"],
]


def sheet(path: Path, rows: list[list]) -> Path:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    workbook.save(path)
    return path


def imported():
    """Every category but the catch-all 待分类 that migration 0004 makes."""
    return Category.objects.exclude(code="UNSORTED")


def tree() -> list[tuple[str, str, int]]:
    return list(imported().order_by("code").values_list("code", "name", "level"))


def test_it_builds_the_tree_from_three_columns(tmp_path):
    result = categories_import(path=sheet(tmp_path / "cats.xlsx", [HEADER, *ROWS]))
    assert (result.rows, result.created, result.existing, result.updated) == (4, 9, 3, 0)
    assert tree() == [
        ("C01", "城乡建设", 1),
        ("C01.01", "住房保障", 2),
        ("C01.01.01", "老旧小区改造", 3),
        ("C01.01.02", "公租房", 3),
        ("C01.02", "供水", 2),
        ("C01.02.01", "水管漏水", 3),
        ("C02", "环境保护", 1),
        ("C02.01", "噪音污染", 2),
        ("C02.01.01", "施工噪音", 3),
    ]
    assert Category.objects.get(name="施工噪音").top.name == "环境保护"


def test_importing_twice_changes_nothing(tmp_path):
    path = sheet(tmp_path / "cats.xlsx", [HEADER, *ROWS])
    categories_import(path=path)
    before = tree()
    again = categories_import(path=path)
    assert (again.created, again.updated, again.existing) == (0, 0, 12)
    assert tree() == before


def test_a_sheet_without_a_header_row_is_read_from_its_first_row(tmp_path):
    result = categories_import(path=sheet(tmp_path / "cats.xlsx", ROWS))
    assert result.rows == 4
    assert imported().filter(level=1).count() == 2


def test_a_later_run_adds_only_what_is_new(tmp_path):
    categories_import(path=sheet(tmp_path / "a.xlsx", [HEADER, *ROWS]))
    result = categories_import(
        path=sheet(tmp_path / "b.xlsx", [HEADER, *ROWS, ["环境保护", "噪音污染", "夜间施工"]])
    )
    assert (result.created, result.existing) == (1, 14)
    assert Category.objects.get(name="夜间施工").code == "C02.01.02"


def test_optional_columns_set_a_leafs_department_and_time_limit(tmp_path):
    district = Place.objects.create(code="120101", name="和平区", kind=PlaceKind.DISTRICT)
    water = Department.objects.create(
        code="D-WATER", name="水务局", level="district", place=district
    )
    rows = [
        [*HEADER, "部门", "时限"],
        ["城乡建设", "供水", "水管漏水", "D-WATER", "utilities"],
        ["城乡建设", "住房保障", "公租房", "", ""],
    ]
    path = sheet(tmp_path / "cats.xlsx", rows)
    assert categories_import(path=path).updated == 1
    leak = Category.objects.get(name="水管漏水")
    assert (leak.default_department, leak.time_limit_class) == (water, "utilities")
    assert Category.objects.get(name="公租房").time_limit_class == "ordinary"
    assert categories_import(path=path).updated == 0


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            [["一级分类", "二级分类"], ["城乡建设", "住房保障"]],
            "The spreadsheet needs three columns (first, second and third level); it has 2.",
        ),
        ([], "The spreadsheet is empty."),
        (
            [HEADER, ROWS[0], ["城乡建设", None, "公租房"]],
            "Row 3: column 2 (level 2) is empty.",
        ),
        (
            [HEADER, ROWS[0], [None, None, None], ["城乡建设", "住房保障", None]],
            "Row 4: column 3 (level 3) is empty.",
        ),
        (
            [HEADER, [*ROWS[0], "D-NOPE"]],
            "Row 2: unknown department code D-NOPE.",
        ),
        (
            [HEADER, [*ROWS[0], "", "soon"]],
            "Row 2: unknown time limit soon; use one of emergency, utilities, ordinary, complex.",
        ),
    ],
)
def test_a_bad_sheet_gets_a_precise_message_and_nothing_is_written(tmp_path, rows, message):
    with pytest.raises(DomainError) as refused:
        categories_import(path=sheet(tmp_path / "cats.xlsx", rows))
    assert str(refused.value) == message
    assert refused.value.field == "file"
    assert not imported().exists()


def test_files_that_are_not_spreadsheets_are_refused(tmp_path):
    other = tmp_path / "cats.ods"
    other.write_text("城乡建设,住房保障,公租房\n", encoding="utf-8")
    with pytest.raises(DomainError, match=r"^Unsupported file type \.ods: use \.xlsx or \.csv\.$"):
        categories_import(path=other)
    with pytest.raises(DomainError, match=r"^No such file: "):
        categories_import(path=tmp_path / "missing.xlsx")
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip file")
    with pytest.raises(DomainError, match=r"^broken\.xlsx is not a readable spreadsheet"):
        categories_import(path=broken)


def test_a_csv_file_works_too(tmp_path):
    path = tmp_path / "cats.csv"
    path.write_text("一级分类,二级分类,三级分类\n城乡建设,供水,水管漏水\n", encoding="utf-8-sig")
    assert categories_import(path=path).created == 3


def test_the_command_imports_and_reports(tmp_path, capsys):
    path = sheet(tmp_path / "cats.xlsx", [HEADER, *ROWS])
    call_command("import_categories", str(path))
    assert capsys.readouterr().out.strip() == (
        "4 rows: 9 categories created, 3 already there, 0 updated."
    )
    with pytest.raises(CommandError, match=r"^The spreadsheet needs three columns"):
        call_command("import_categories", str(sheet(tmp_path / "bad.xlsx", [["一级分类"]])))


@pytest.mark.skipif(
    not OFFICIAL.exists(), reason=f"the official category sheet is not here: {OFFICIAL}"
)
def test_the_official_three_level_sheet_imports_whole():
    result = categories_import(path=OFFICIAL)
    assert result.rows == 517
    # 15 / 103 / 390 are the distinct labels per level; as a tree, a second-level label that
    # sits under several first-level ones (其他, 安全生产) is a node under each of them.
    names = {
        level: imported().filter(level=level).values_list("name", flat=True).distinct()
        for level in (1, 2, 3)
    }
    assert [len(set(names[level])) for level in (1, 2, 3)] == [15, 103, 390]
    assert [imported().filter(level=level).count() for level in (1, 2, 3)] == [15, 118, 517]
    assert Category.objects.get(level=1, name="城乡建设").children.filter(name="安全生产").exists()
