from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

from minqing.routing.duplicates import DuplicateIndex, OpenCase, index_words

TZ = timezone(timedelta(hours=8))
NOW = datetime(2025, 7, 1, 20, 0, tzinfo=TZ)


def case(case_id, text, *, community="HYNL", building="HYNL-G1-B07", days_ago=2):
    return OpenCase(case_id, community, building, NOW - timedelta(days=days_ago), text)


def filled() -> DuplicateIndex:
    index = DuplicateIndex(window=timedelta(days=30))
    index.extend(
        [
            case("door7", "义顺里7号楼的楼门坏了，关不上，有安全隐患"),
            case("door10", "义顺里10号楼门老旧关不上", building="HYNL-G1-B10"),
            case("light", "楼道灯不亮"),
            case("elsewhere", "义顺里7号楼的楼门坏了，关不上", community="OTHER"),
            case("old", "7号楼楼门坏了关不上", days_ago=90),
            case("pipes", "自来水管老化漏水", building="HYNL-G2-B01"),
        ]
    )
    return index


def test_it_suggests_the_same_problem_in_the_same_building_first_and_says_why():
    found = filled().suggest(
        text="7号楼楼门关不上了", community="HYNL", building="HYNL-G1-B07", created=NOW
    )
    assert [s.case_id for s in found] == ["door7", "door10"]
    first = found[0]
    assert first.same_building and first.place == "building"
    assert {"楼门", "关不上"} <= set(first.shared_words)
    assert found[1].place == "community" and not found[1].same_building
    assert 0 < found[1].score < first.score <= 1


def test_it_never_suggests_cases_of_another_community_or_outside_the_window():
    found = filled().suggest(text="7号楼楼门关不上了", community="HYNL", created=NOW)
    ids = {s.case_id for s in found}
    assert "elsewhere" not in ids and "old" not in ids


def test_unrelated_text_gets_no_suggestion():
    index = filled()
    assert index.suggest(text="学校食堂饭菜太差", community="HYNL", created=NOW) == []
    assert index.suggest(text="", community="HYNL", created=NOW) == []
    assert index.suggest(text="楼门坏了", community="NOWHERE", created=NOW) == []


def test_closed_cases_leave_the_index():
    index = filled()
    assert index.remove("door7") and not index.remove("door7")
    found = index.suggest(text="7号楼楼门关不上了", community="HYNL", created=NOW)
    assert [s.case_id for s in found] == ["door10"]
    assert "door7" not in index and len(index) == 5


def test_the_case_being_reported_can_be_left_out():
    found = filled().suggest(
        text="7号楼楼门关不上了", community="HYNL", created=NOW, exclude=["door7"]
    )
    assert [s.case_id for s in found] == ["door10"]


def test_large_communities_answer_as_a_plain_scan_would():
    rng = random.Random(7)
    topics = [
        "楼门坏了关不上",
        "路灯不亮晚上很黑",
        "自来水管漏水",
        "垃圾没人清运发臭",
        "电梯经常停运",
        "楼下餐馆油烟扰民",
        "小区门口乱停车",
        "下水道堵塞污水外溢",
    ]
    places = ["义顺里", "华荫南里", "五大道", "睦南道"]
    index = DuplicateIndex(window=timedelta(days=30), min_score=0.2)
    cases = []
    for i in range(700):  # several rebuilds of the postings, and removals in between
        text = f"{rng.choice(places)}{rng.randint(1, 20)}号楼{rng.choice(topics)}"
        c = case(f"c{i}", text, building=f"B{rng.randint(1, 5)}", days_ago=rng.randint(0, 60))
        cases.append(c)
        index.add(c)
        if i % 9 == 0:
            index.remove(f"c{rng.randint(0, i)}")
    alive = [c for c in cases if c.id in index]
    query = "义顺里3号楼路灯不亮"
    found = index.suggest(text=query, community="HYNL", building="B2", created=NOW, limit=10)
    # The same question, answered by brute force over the cases still open.
    brute = DuplicateIndex(window=timedelta(days=30), min_score=0.2)
    brute.extend(alive)
    expected = brute.suggest(text=query, community="HYNL", building="B2", created=NOW, limit=10)
    assert [s.case_id for s in found] == [s.case_id for s in expected]
    texts = {c.id: c.text for c in cases}
    assert found and all("路灯不亮" in texts[s.case_id] for s in found[:5])
    assert [s.score for s in found if s.same_building] == sorted(
        (s.score for s in found if s.same_building), reverse=True
    )


def test_index_words_are_the_words_of_two_characters_or_more():
    assert index_words("义顺里7号楼的楼门坏了") == ["义顺里", "号楼", "楼门"]
