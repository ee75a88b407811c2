"""Server-rendered SVG charts: coordinates computed here, drawn by a template."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import formats

from minqing.dashboards.selectors import Trend


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    w: float
    h: float
    value: int
    label: str
    kind: str


@dataclass(frozen=True)
class Tick:
    x: float
    y: float
    text: str


def trend_chart(trend: Trend, *, width: int = 720, height: int = 240) -> dict:
    left, right, top, bottom = 40, 8, 10, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    points = trend.points or []
    n = max(len(points), 1)
    top_value = max([1, *[max(p.reported, p.resolved) for p in points]])
    slot = plot_w / n
    bar_w = max(slot * 0.38, 1.0)
    bars, xticks = [], []
    every = max(1, n // 8)
    for i, p in enumerate(points):
        label = formats.date_format(p.start, "m-d")
        for j, (kind, value) in enumerate((("reported", p.reported), ("resolved", p.resolved))):
            h = plot_h * value / top_value
            x = left + i * slot + slot * 0.1 + j * bar_w
            bars.append(
                Bar(
                    round(x, 1),
                    round(top + plot_h - h, 1),
                    round(bar_w, 1),
                    round(h, 1),
                    value,
                    label,
                    kind,
                )
            )
        if i % every == 0:
            xticks.append(Tick(round(left + i * slot + slot / 2, 1), height - 8, label))
    yticks = [
        Tick(left - 6, round(top + plot_h - plot_h * k / 4, 1) + 4, str(round(top_value * k / 4)))
        for k in range(5)
    ]
    return {
        "width": width,
        "height": height,
        "bars": bars,
        "xticks": xticks,
        "yticks": yticks,
        "left": left,
        "base": top + plot_h,
        "right": width - right,
        "grid": [t.y - 4 for t in yticks],
    }


def hbar_chart(rows: list[tuple[str, str, int]], *, width: int = 360, row_h: int = 26) -> dict:
    label_w = 110
    top_value = max([1, *[n for _k, _l, n in rows]])
    bars = [
        {
            "key": key,
            "label": label,
            "value": n,
            "y": i * row_h,
            "w": round((width - label_w - 40) * n / top_value, 1),
        }
        for i, (key, label, n) in enumerate(rows)
    ]
    return {"width": width, "height": row_h * len(rows), "bars": bars, "label_w": label_w}
