"""Place names in free text, for naming groups and for telling problems apart.

Two kinds:

* administrative units: masked codes as in the public data (``A市``, ``A5区``, ``K9县``) and
  ordinary names ending in 省/市/区/县 (``和平区``);
* specific places: a short name ending in a word that names a place people live or go to
  (``魅力之城小区``, ``滨河苑``, ``月亮岛路``, ``郝家坪小学``, ``义顺里``).

This is deliberately simple pattern matching (no model): it finds most names and misses some;
callers use it as evidence, never as the only evidence.
"""

from __future__ import annotations

import re

from minqing.routing.text import normalize


def _split(text: str) -> list[str]:
    return text.split()


_ADMIN = re.compile(r"(?<![a-z0-9])[a-z]\d{0,2}(?:省|市|区|县)|[\u4e00-\u9fff]{2,3}(?:省|自治区)")
_SUFFIXES = (
    "小区|花园|家园|公寓|大厦|广场|新城|新村|山庄|公馆|国际|名苑|华府|雅苑|华庭|豪庭|名邸|首府|"
    "庄园|世家|苑|园|府|城|湾|里|"
    "村|镇|乡|街道|社区|大道|路|街|巷|桥|中学|小学|学校|学院|大学|医院|幼儿园|市场|"
    "公园|楼盘|酒店|大桥|隧道|高速|地铁|号线|车站|地铁站|高铁站|汽车站|公司|集团"
)
# A name is 2-8 characters of Chinese, letters or digits before a place word; it may not
# start with a word that is really part of the sentence ("反映", "关于", …).
_SPECIFIC = re.compile(
    r"([\u4e00-\u9fff0-9a-z]{2,8}?(?:" + _SUFFIXES + r")(?:" + _SUFFIXES + r")*)"
)
_LEADING = re.compile(
    r"^(?:关于|反映|投诉|举报|建议|咨询|请问|希望|要求|强烈|恳请|请求|请|问问|问|位于|"
    r"地处|住在|居住在|家住|我们|我是|本人|对于|对|在|从|到|向|给|把|将|和|与|及|的|是|"
    r"有|又|还|已|都|被|让|为|由|近日|目前|现在|最近|附近|周边|旁边|里面|门口|所在|"
    r"整个|全体|多名|一个|一些|这个|那个|该|此|其|个|家|市|区|县|省|镇|乡|村|"
    r"小区|社区|街道|楼盘|项目|公司|学校|医院)+"
)
_GENERIC = frozenset(
    _split(
        "小区 花园 家园 公寓 大厦 广场 新城 新村 苑 园 府 城 湾 里 村 镇 "
        "乡 街道 社区 大道 路 街 巷 桥 站 中学 小学 学校 学院 大学 医院 "
        "幼儿园 市场 公司 集团 公园 工地 项目 楼盘 酒店 地铁 车站 高速 一路 "
        "马路 道路 公路 线路 网站 站点 农村 城市 城区 县城 乡镇 城乡 全市 "
        "本市 该小区 我们小区 本小区 这个小区 老小区 物业公司 开发商 学院 政府 "
        "主城 新区 校园 家里 心里 城管 "
    )
)


# Endings that look like a place word but are ordinary words ("跑路", "城市").
_FALSE_ENDINGS = tuple(
    _split(
        "跑路 马路 道路 公路 线路 出路 走路 修路 退路 思路 门路 套路 网路 "
        "电路 进城 回城 全城 县城 省城 满城 公园里 这里 那里 哪里 家里 村里 "
        "心里 手里 夜里 城里 国际 花园里 "
    )
)
# A place word followed by one of these characters is part of a longer ordinary word
# ("城" + "市", "园" + "区" is fine, "站" is not a suffix at all).
_CONTINUES = {
    "城": "市管乡镇区际",
    "路": "费线口况段灯面上边径过",
    "里": "面边头",
    "桥": "梁",
    "街": "道头",
    "村": "民委干",
}


def _continues(name: str, following: str) -> bool:
    return bool(following) and following in _CONTINUES.get(name[-1], "")


def admin_units(text: str) -> list[str]:
    """Administrative units named in ``text``, in order, without repeats."""
    found = _ADMIN.findall(normalize(text))
    return list(dict.fromkeys(u.upper() if u[0].isascii() else u for u in found))


def specific_places(text: str) -> list[str]:
    """Specific place names in ``text``, in order, without repeats."""
    clean = _ADMIN.sub(" ", normalize(text))
    out: list[str] = []
    for chunk in re.split(r"[^\u4e00-\u9fff0-9a-z]+", clean):
        for match in _SPECIFIC.finditer(chunk):
            name = _LEADING.sub("", match.group(1))
            if (
                len(name) >= 3
                and name not in _GENERIC
                and not name.isdigit()
                and not name.endswith(_FALSE_ENDINGS)
                and not _continues(name, chunk[match.end() : match.end() + 1])
            ):
                out.append(name)
    return list(dict.fromkeys(out))


_PLACE_TAIL = re.compile(r"(?:小区|社区|片区|业主|街道|一期|二期|三期)+$")


def place_key(name: str) -> str:
    """The part of a place name that tells places apart: ``丽发新城小区`` and ``丽发新城社区``
    both give ``丽发新城``."""
    key = _PLACE_TAIL.sub("", name)
    return key if len(key) >= 2 else name


def strip_places(text: str, names: list[str] | None = None) -> str:
    """``text`` normalised, with administrative units and the given place names (default:
    every specific place found) blanked out, so that what is left says what the problem is,
    not where."""
    clean = _ADMIN.sub(" ", normalize(text))
    if names is None:
        names = specific_places(clean)
    for name in sorted(names, key=len, reverse=True):
        clean = clean.replace(name, " ")
    return clean


_BROAD = re.compile(r"(?:街道|镇|乡|村|社区|路|大道|街|巷|高速|地铁|号线)$")


def is_broad(name: str) -> bool:
    """True for places that hold many problems: a sub-district, a town, a road, a line."""
    return bool(_BROAD.search(name))


def primary_place(names: list[str]) -> str:
    """The most specific of ``names`` as a :func:`place_key` (an estate or a school before a
    road, a road before a sub-district); ``""`` when there is none."""
    if not names:
        return ""
    ranked = sorted(names, key=lambda n: (bool(_BROAD.search(n)), names.index(n)))
    return place_key(ranked[0])
