from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from minqing.routing import store
from minqing.routing.errors import RoutingError
from minqing.routing.metrics import evaluate_predictions
from minqing.routing.overlap import near_copies
from minqing.routing.router import Router
from minqing.routing.runtime import decide, model_version, predict


@pytest.fixture
def router(small_texts) -> Router:
    texts, labels = small_texts
    return Router.train(texts, labels, folds=0, word_chars=None)


def test_it_routes_messages_to_the_category_they_talk_about(router):
    ideas = router.predict(["孩子上小学没有学位", "工地半夜施工噪音太大", "公交车总是晚点"], k=3)
    assert [i[0].label for i in ideas] == ["教育", "环境", "交通"]


def test_suggestions_come_best_first_with_confidences_that_sum_to_at_most_one(router):
    [ideas] = router.predict(["学校食堂饭菜太差"], k=3)
    assert len(ideas) == 3
    confidences = [i.confidence for i in ideas]
    assert confidences == sorted(confidences, reverse=True)
    assert 0 < sum(confidences) <= 1.0001


def test_text_with_nothing_known_gets_no_suggestion(router):
    assert router.predict(["", "   \n\t", "Hello, is anybody there?"]) == [[], [], []]


def test_raw_and_pre_segmented_text_are_routed_alike(router):
    raw = router.predict(["\n\t\t\t学校乱收费，教育局管一管\xa0"])[0][0]
    split = router.predict(["学校 乱 收费 教育局 管 一管"])[0][0]
    assert raw.label == split.label == "教育"


def test_training_needs_two_labels(small_texts):
    texts, _ = small_texts
    with pytest.raises(RoutingError) as error:
        Router.train(texts, ["教育"] * len(texts), folds=0)
    assert error.value.code == "too_few_labels"


def test_cross_validation_report_covers_every_label(small_texts):
    texts, labels = small_texts
    trained = Router.train(texts, labels, folds=3, word_chars=None)
    report = trained.summary.cv
    assert report is not None
    assert set(report.per_class) == {"交通", "教育", "环境"}
    assert report.n == len(texts)
    assert trained.summary.cv_folds == 3


def test_explanation_names_words_of_the_text(router):
    reasons = router.explain("学校食堂饭菜质量差")
    assert reasons
    assert any(r.strip("^") in "学校食堂饭菜质量差" or " " in r for r in reasons)


def test_saving_makes_a_new_version_the_current_one(router, tmp_path: Path):
    first = store.save(router, tmp_path, now=datetime(2025, 7, 1, 9, 0, tzinfo=UTC))
    second = store.save(router, tmp_path, now=datetime(2025, 7, 1, 9, 0, tzinfo=UTC))
    assert first.name == "router-20250701T090000Z.joblib"
    assert second.name == "router-20250701T090000Z-2.joblib"
    assert store.current_path(tmp_path) == second
    assert store.versions(tmp_path) == ["router-20250701T090000Z", "router-20250701T090000Z-2"]
    loaded = store.load(second)
    assert loaded.version == "router-20250701T090000Z-2"
    assert loaded.predict(["幼儿园收费太高"])[0][0].label == "教育"


def test_an_untrained_router_is_a_clear_error(tmp_path: Path):
    with pytest.raises(RoutingError) as error:
        store.current_path(tmp_path / "models")
    assert error.value.code == "not_trained"
    assert "minqing router train" in str(error.value)


def test_a_damaged_model_file_is_a_clear_error(tmp_path: Path):
    (tmp_path / "router-x.joblib").write_bytes(b"not a model")
    (tmp_path / "current").write_text("router-x.joblib\n")
    with pytest.raises(RoutingError) as error:
        store.load(store.current_path(tmp_path))
    assert error.value.code == "model_unreadable"


def test_predict_api_gives_suggestions_and_the_model_version(router, tmp_path: Path):
    path = store.save(router, tmp_path)
    routed = predict(["路口红绿灯太短"], directory=tmp_path)
    assert routed.version == path.stem == model_version(tmp_path)
    assert routed.suggestions[0][0].label == "交通"


def test_confident_cases_are_dispatched_and_unsure_ones_go_to_triage(router, tmp_path: Path):
    store.save(router, tmp_path)
    sure = decide("学校乱收费补课费", threshold=0.0, directory=tmp_path)
    assert sure.dispatch and sure.label == "教育" and sure.reason == "confident"
    unsure = decide("学校乱收费补课费", threshold=1.01, directory=tmp_path)
    assert not unsure.dispatch and unsure.label is None and unsure.reason == "unsure"
    assert unsure.suggestions[0].label == "教育"
    assert len(unsure.suggestions) == 3


def test_without_a_model_or_words_intake_falls_back_to_triage(router, tmp_path: Path):
    untrained = decide("学校乱收费", directory=tmp_path / "nothing")
    assert (untrained.dispatch, untrained.reason, untrained.version) == (False, "not_trained", None)
    store.save(router, tmp_path)
    empty = decide("   ", directory=tmp_path)
    assert (empty.dispatch, empty.reason, empty.suggestions) == (False, "no_known_words", [])


def test_precision_at_coverage_counts_the_most_confident_share():
    truth = ["a", "a", "b", "b"]
    predicted = ["a", "b", "b", "a"]
    confidence = [0.9, 0.2, 0.8, 0.1]
    report = evaluate_predictions(truth, predicted, confidence)
    assert report.accuracy == 0.5
    assert report.precision_at_coverage["0.5"] == 1.0
    assert report.precision_at_coverage["1.0"] == 0.5
    assert report.per_class["a"].support == 2
    assert report.per_class["a"].precision == 0.5
    assert list(report.as_dict()) == [
        "macro_f1",
        "accuracy",
        "per_class",
        "precision_at_coverage",
        "n",
    ]
    assert list(report.precision_at_coverage) == [f"{i / 10:.1f}" for i in range(1, 11)]


def test_copies_of_evaluation_messages_are_found_in_segmented_training_text():
    train = ["市 西湖 建筑 集团 占 道 施工 安全隐患", "小区 物业 乱 收费", "路灯 坏 了"]
    other = ["A市西湖建筑集团占道施工，有安全隐患！", "学校食堂饭菜差"]
    assert near_copies(train, other) == [0]
