"""The handbook's app icon, drawn here: ``python -m minqing.cases.icons`` writes the SVG and
the PNGs (192, 512, and a maskable 512 with a safe margin) into ``static/minqing/icons/``.

One list of shapes on a 512 × 512 grid is drawn twice, as SVG and with Pillow, so the files
agree: a blue tile, a white notebook page with three lines, and an orange place pin.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

BLUE, WHITE, LINE, PIN = "#0b4f9c", "#ffffff", "#9db8da", "#e8781e"
OUT = Path(__file__).parent / "static" / "minqing" / "icons"

# (kind, colour, geometry) on 512 × 512
SHAPES: list[tuple[str, str, tuple]] = [
    ("rrect", WHITE, (128, 96, 384, 416, 28)),  # the page
    ("rect", LINE, (168, 200, 344, 220)),
    ("rect", LINE, (168, 256, 344, 276)),
    ("rect", LINE, (168, 312, 296, 332)),
    ("circle", PIN, (352, 128, 64)),  # the pin's head
    ("poly", PIN, ((296, 160), (408, 160), (352, 256))),
    ("circle", WHITE, (352, 128, 24)),
]


def svg() -> str:
    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512">',
        f'<rect width="512" height="512" rx="96" fill="{BLUE}"/>',
    ]
    for kind, colour, g in SHAPES:
        if kind == "rrect":
            x0, y0, x1, y1, r = g
            parts.append(
                f'<rect x="{x0}" y="{y0}" width="{x1 - x0}" height="{y1 - y0}" rx="{r}" '
                f'fill="{colour}"/>'
            )
        elif kind == "rect":
            x0, y0, x1, y1 = g
            parts.append(
                f'<rect x="{x0}" y="{y0}" width="{x1 - x0}" height="{y1 - y0}" fill="{colour}"/>'
            )
        elif kind == "circle":
            cx, cy, r = g
            parts.append(f'<circle cx="{cx}" cy="{cy}" r="{r}" fill="{colour}"/>')
        else:
            points = " ".join(f"{x},{y}" for x, y in g)
            parts.append(f'<polygon points="{points}" fill="{colour}"/>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def png(size: int, *, maskable: bool = False) -> Image.Image:
    scale = 4  # drawn large, then shrunk: smooth edges
    big = 512 * scale
    img = Image.new("RGB" if maskable else "RGBA", (big, big), BLUE if maskable else (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    if not maskable:
        draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=96 * scale, fill=BLUE)
    # A maskable icon keeps its drawing inside the middle 80 % (the launcher cuts the rest).
    shrink = 0.8 if maskable else 1.0
    offset = big * (1 - shrink) / 2

    def p(v: float) -> float:
        return offset + v * scale * shrink

    for kind, colour, g in SHAPES:
        if kind == "rrect":
            x0, y0, x1, y1, r = g
            draw.rounded_rectangle(
                (p(x0), p(y0), p(x1), p(y1)), radius=r * scale * shrink, fill=colour
            )
        elif kind == "rect":
            draw.rectangle(tuple(p(v) for v in g), fill=colour)
        elif kind == "circle":
            cx, cy, r = g
            draw.ellipse((p(cx - r), p(cy - r), p(cx + r), p(cy + r)), fill=colour)
        else:
            draw.polygon([(p(x), p(y)) for x, y in g], fill=colour)
    return img.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "icon.svg").write_text(svg(), encoding="utf-8")
    png(192).save(OUT / "icon-192.png", optimize=True)
    png(512).save(OUT / "icon-512.png", optimize=True)
    png(512, maskable=True).save(OUT / "icon-maskable-512.png", optimize=True)


if __name__ == "__main__":
    main()
