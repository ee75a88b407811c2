"""``minqing router train --from-cases``: the router learns from the district's closed cases."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from minqing.cases import services
from minqing.cases.models import Category
from minqing.cases.training import closed_case_examples
from minqing.routing import store

DOORS = [
    "楼门坏了关不上",
    "单元门关不严晚上外人进出",
    "楼门禁损坏一直开着",
    "老旧楼门变形关不上",
]
BUSES = [
    "公交车不按时发车",
    "公交站台等车太久",
    "希望增加公交线路",
    "公交车经常晚点",
]


@pytest.fixture
def closed(world, cases):
    """Eight closed cases under two first-level categories, and some that are not closed."""
    top = Category.objects.create(code="C07", name="交通运输", level=1)
    bus = Category.objects.create(code="C07.01", name="公交", level=2, parent=top)
    for title in DOORS:
        cases.in_state("closed", title=title, description="居民反映")
    for title in BUSES:
        cases.in_state("closed", title=title, description="居民反映", category=bus)
    cases.in_state("dispatched", title="公交车不按时发车", category=bus)
    cases.in_state("rejected", title="楼门坏了关不上")
    return top


def run(*args: str) -> str:
    out = StringIO()
    call_command("router", "train", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_closed_cases_give_their_text_and_first_level_category(closed):
    texts, labels = closed_case_examples()
    assert len(texts) == 8
    assert texts[0] == "楼门坏了关不上\n居民反映"
    assert labels.count("城乡建设") == 4 and labels.count("交通运输") == 4


def test_closed_cases_nobody_sorted_are_not_learnt_from(closed, cases):
    unsorted = Category.objects.get(code="UNSORTED")
    cases.in_state("closed", title="天气很好随便说说", category=unsorted)
    texts, labels = closed_case_examples()
    assert len(texts) == 8
    assert "待分类" not in labels


def test_train_from_cases_saves_a_version_and_prints_the_figures(closed, settings, english):
    out = run("--from-cases", "--folds", "2")
    assert "Trained router router-" in out and "on 8 messages" in out
    assert "Learnt from the closed cases in the database." in out
    assert "Cross-validated over 2 folds:" in out
    assert "macro-F1" in out and "precision at coverage" in out
    models = settings.MINQING_ROUTER_MODELS_DIR
    path = store.current_path(models)
    assert str(path) in out
    router = store.load(path)
    assert sorted(router.labels) == ["交通运输", "城乡建设"]
    assert router.summary.meta["data"] == "closed cases"


def test_a_router_trained_on_closed_cases_routes_the_next_web_case(
    closed, world, settings, english
):
    transport = world.water  # any department of the district will do for the test
    closed.default_department = transport
    closed.save()
    settings.MINQING_ROUTER_THRESHOLD = 0.5
    run("--from-cases", "--folds", "0")
    case = services.case_report(
        actor=None,
        role="resident",
        title="公交车不按时发车",
        category=world.door,
        place=world.building,
        channel="web",
    )
    assert case.state == "dispatched"
    assert case.category == closed and case.assignee_department == transport


def test_without_closed_cases_it_says_there_is_nothing_to_learn_from(world, english):
    with pytest.raises(CommandError, match="no closed cases to learn from"):
        run("--from-cases")


def test_from_cases_and_a_file_cannot_be_mixed(world, english, tmp_path):
    with pytest.raises(CommandError, match="either --from-cases or --data"):
        run("--from-cases", "--data", str(tmp_path / "x.csv"))


def test_without_from_cases_the_file_options_are_named(world, english):
    with pytest.raises(CommandError, match="--data, --text-columns, --label-column"):
        run()
