"""Fixtures of the routing tests: the shared real data (skipped with a reason when absent)
and small hand-written data."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
SHARED_DATA = REPO.parent / "shared" / "data"
TEDDY = SHARED_DATA / "teddycup2020"
ATTACHMENT_3 = SHARED_DATA / "raw" / "Syucryingstar__NLP_tipdm" / "全部数据" / "附件3.xlsx"


def need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"real data not found at {path} (the shared data sits beside the repository)")
    return path


@pytest.fixture
def teddy() -> Path:
    return need(TEDDY)


@pytest.fixture
def attachment_3() -> Path:
    return need(ATTACHMENT_3)


# A small labelled set in the shape of the real data: titles and bodies as people type them.
SMALL = [
    ("交通", "公交车经常不按时发车", "205路公交车每天早上都晚点，等车要半个小时"),
    ("交通", "路口红绿灯时间太短", "行人过马路绿灯只有十秒，老人走不过去，红绿灯要调整"),
    ("交通", "出租车拒载", "晚上在火车站打出租车，司机拒载还乱收费"),
    ("交通", "地铁站出入口设置不合理", "地铁站出入口离小区太远，希望增设出入口"),
    ("交通", "公交线路调整", "希望公交线路延长到我们小区，方便居民出行坐公交车"),
    ("交通", "高速路口拥堵", "每天上下班高速路口拥堵严重，交警能否疏导交通"),
    ("交通", "停车难乱停车", "小区门口道路乱停车，车辆堵塞交通，希望交警处理"),
    ("交通", "公交站台没有遮雨棚", "公交站台下雨没有遮挡，等公交车的人都淋湿了"),
    ("教育", "孩子入学难", "孩子到了上小学的年龄，学位不够，学校不让入学"),
    ("教育", "学校乱收费", "学校收取补课费和资料费，教育局应该管一管"),
    ("教育", "幼儿园收费太高", "民办幼儿园学费一年涨了两次，家长负担太重"),
    ("教育", "教师工资拖欠", "乡村学校老师的绩效工资拖了半年，教育局不回复"),
    ("教育", "学生午餐质量差", "学校食堂给学生吃的饭菜质量很差，孩子们吃不饱"),
    ("教育", "培训机构退费难", "校外培训机构关门了，家长交的学费退不回来"),
    ("教育", "中考政策咨询", "请问今年中考招生政策有什么变化，学校怎么录取"),
    ("教育", "学校周边安全", "小学门口放学时车辆太多，学生过马路很危险，学校应该安排老师"),
    ("环境", "工地噪音扰民", "附近工地晚上施工到凌晨，噪音太大，居民无法休息"),
    ("环境", "河道污染发臭", "小区旁边的河道被排污，水发黑发臭，环保局快来看看"),
    ("环境", "餐馆油烟直排", "楼下餐馆油烟直接排到居民窗户，空气污染严重"),
    ("环境", "垃圾站臭味", "垃圾站每天散发臭味，苍蝇很多，环境很差"),
    ("环境", "工厂排放废气", "化工厂晚上偷偷排放废气，味道刺鼻，污染环境"),
    ("环境", "搅拌站粉尘", "搅拌站粉尘大，噪音大，严重污染环境，影响居民健康"),
    ("环境", "焚烧秸秆烟雾", "农村焚烧秸秆，烟雾很大，空气质量很差"),
    ("环境", "夜市噪音扰民", "夜市音响声音太大到半夜，噪音污染影响休息"),
]


@pytest.fixture
def small_texts() -> tuple[list[str], list[str]]:
    texts = [f"{title}\n\t\t\t{body}\xa0" for _, title, body in SMALL]
    labels = [label for label, _, _ in SMALL]
    return texts, labels
