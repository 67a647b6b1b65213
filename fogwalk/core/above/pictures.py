"""The pictures from above the fog: basin panels side by side, a sweep's map or curve.

Drawn with Pillow (no plotting library), at the grid's own resolution or
enlarged to a readable size, with titles, axes in the grid's units, and a key
that says what every colour means.
"""

from __future__ import annotations

import colorsys
import functools
import math

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from .basins import DIVERGED, ELSEWHERE, UNSETTLED, Attractor, BasinMap

Color = tuple[int, int, int]
Face = ImageFont.FreeTypeFont | ImageFont.ImageFont

BACKGROUND = (24, 26, 30)
TEXT = (230, 232, 236)
MUTED = (160, 165, 175)
SPECIAL = {
    DIVERGED: ((128, 128, 128), "diverged"),
    UNSETTLED: ((48, 48, 52), "did not settle"),
    ELSEWHERE: ((120, 96, 140), "stopped elsewhere"),
}
# Tableau 10 without its grey, then evenly spaced hues: one colour per attractor.
_FIRST = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1",
          "#ff9da7", "#9c755f")  # fmt: skip
MIN_PANEL = 360  # pixels: a small grid is enlarged to at least this
MARGIN, GAP = 24, 20


def attractor_colors(count: int) -> list[Color]:
    """``count`` distinct colours, none grey (grey is for walkers that diverged)."""
    colors = [tuple(int(c[i : i + 2], 16) for i in (1, 3, 5)) for c in _FIRST[:count]]
    for i in range(count - len(colors)):
        r, g, b = colorsys.hsv_to_rgb((i * 0.618034) % 1.0, 0.65, 0.9)
        colors.append((int(r * 255), int(g * 255), int(b * 255)))
    return colors  # type: ignore[return-value]


@functools.cache
def font(size: int) -> Face:
    """DejaVu Sans at ``size`` pixels, or Pillow's own font where DejaVu is missing."""
    try:
        return ImageFont.truetype("DejaVuSans.ttf", size)
    except OSError:
        return ImageFont.load_default(size)


def basin_rgb(bmap: BasinMap, k: int) -> np.ndarray:
    """One optimizer's panel as RGB ``(ny, nx, 3)``, row ``j`` at ``y[j]`` (the smallest
    y first, as the map panel draws it; the picture flips it)."""
    labels = bmap.labels[k]
    colors = np.array(attractor_colors(len(bmap.attractors)) or [(0, 0, 0)], dtype=float)
    # Brightness tells speed: settled at once is full colour, at the last step 40 %.
    speed = 1.0 - np.log1p(bmap.settled[k]) / math.log1p(max(bmap.steps, 1))
    shade = (0.4 + 0.6 * speed)[..., None]
    rgb = colors[np.clip(labels, 0, None)] * shade
    for label, (color, _) in SPECIAL.items():
        rgb[labels == label] = color
    return np.clip(rgb, 0, 255).astype(np.uint8)


def basin_picture(bmap: BasinMap) -> Image.Image:
    """The basin map as one image: a panel per optimizer, the attractors marked, a key."""
    ny, nx = bmap.labels.shape[1:]
    scale = max(1, math.ceil(MIN_PANEL / max(nx, ny)))
    width, height = nx * scale, ny * scale
    count = len(bmap.optimizers)
    title, small = font(20), font(14)
    left, top = MARGIN + 52, MARGIN + 34
    key_rows = _key_entries(bmap)
    image_width = left + count * (width + GAP) - GAP + MARGIN
    key_height = _key_layout(key_rows, left, image_width - MARGIN)[1] + KEY_NOTE_HEIGHT
    image = Image.new("RGB", (image_width, top + height + 34 + key_height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    colors = attractor_colors(len(bmap.attractors))
    for k, label in enumerate(bmap.optimizers):
        x0 = left + k * (width + GAP)
        panel = Image.fromarray(basin_rgb(bmap, k)[::-1]).resize(
            (width, height), Image.Resampling.NEAREST
        )
        image.paste(panel, (x0, top))
        diverged = float((bmap.labels[k] == DIVERGED).mean())
        draw.text((x0, MARGIN), _elide(draw, label, title, width), fill=TEXT, font=title)
        draw.text((x0, top + height + 6), f"{bmap.x[0]:.3g}", fill=MUTED, font=small)
        right = f"{bmap.x[-1]:.3g}  ·  diverged {diverged:.1%}"
        draw.text((x0 + width, top + height + 6), right, fill=MUTED, font=small, anchor="ra")
        for attractor, color in zip(bmap.attractors, colors, strict=True):
            _mark(draw, attractor, bmap, (x0, top, width, height), color)
    draw.text((left - 6, top), f"{bmap.y[-1]:.3g}", fill=MUTED, font=small, anchor="ra")
    draw.text((left - 6, top + height), f"{bmap.y[0]:.3g}", fill=MUTED, font=small, anchor="rd")
    draw.text((left - 6, top + height // 2), "y", fill=MUTED, font=small, anchor="rm")
    _draw_key(draw, key_rows, (left, top + height + 34), image.width - MARGIN, bmap.steps)
    return image


def _elide(draw: ImageDraw.ImageDraw, text: str, face: Face, width: int) -> str:
    """``text``, cut with an ellipsis to fit ``width`` pixels."""
    if draw.textlength(text, font=face) <= width:
        return text
    while text and draw.textlength(text + "…", font=face) > width:
        text = text[:-1]
    return text + "…"


def _mark(
    draw: ImageDraw.ImageDraw,
    attractor: Attractor,
    bmap: BasinMap,
    box: tuple[int, int, int, int],
    color: Color,
) -> None:
    """The attractor's symbol at its place in a panel (nothing when outside the region)."""
    x0, top, width, height = box
    (xmin, xmax), (ymin, ymax) = (bmap.x[0], bmap.x[-1]), (bmap.y[0], bmap.y[-1])
    if not (xmin <= attractor.x <= xmax and ymin <= attractor.y <= ymax):
        return
    px = x0 + (attractor.x - xmin) / (xmax - xmin) * (width - 1)
    py = top + (ymax - attractor.y) / (ymax - ymin) * (height - 1)
    _symbol(draw, attractor.kind, px, py, 7, color)


def _symbol(
    draw: ImageDraw.ImageDraw, kind: str, px: float, py: float, r: float, color: Color
) -> None:
    """A minimum's disc, a saddle's diamond, a maximum's triangle, a plateau's square."""
    if kind == "minimum":
        draw.ellipse((px - r, py - r, px + r, py + r), fill=color, outline="white", width=2)
    elif kind == "saddle":
        points = [(px, py - r), (px + r, py), (px, py + r), (px - r, py)]
        draw.polygon(points, fill=color, outline="white", width=2)
    elif kind == "maximum":
        points = [(px, py - r), (px + r, py + r * 0.8), (px - r, py + r * 0.8)]
        draw.polygon(points, fill=color, outline="white", width=2)
    else:
        draw.rectangle((px - r, py - r, px + r, py + r), fill=color, outline="white", width=2)


def _key_entries(bmap: BasinMap) -> list[tuple[str, Color, str]]:
    """(kind, colour, text) for every attractor and special label that appears."""
    colors = attractor_colors(len(bmap.attractors))
    entries = [
        (a.kind, c, f"{a.name}  f={a.loss:.4g}")
        for a, c in zip(bmap.attractors, colors, strict=True)
    ]
    present = set(np.unique(bmap.labels).tolist())
    entries += [
        ("swatch", color, text) for label, (color, text) in SPECIAL.items() if label in present
    ]
    return entries


def _key_layout(
    entries: list[tuple[str, Color, str]], left: int, right: int
) -> tuple[list[tuple[int, int]], int]:
    """Where each key entry goes, relative to the key's top (in rows, as many as fit),
    and the rows' height."""
    small = font(14)
    measure = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    x, y, places = left, 0, []
    for _, _, text in entries:
        width = 26 + int(measure.textlength(text, font=small)) + 22
        if x + width > right and x > left:
            x, y = left, y + 26
        places.append((x, y))
        x += width
    return places, (y + 26 if places else 0)


KEY_NOTE_HEIGHT = 46  # the two lines under the key: how to read brightness and symbols


def _draw_key(
    draw: ImageDraw.ImageDraw,
    entries: list[tuple[str, Color, str]],
    origin: tuple[int, int],
    right: int,
    steps: int,
) -> None:
    """The key: a symbol and its text per entry, in rows, then how to read brightness."""
    small = font(14)
    places, rows_height = _key_layout(entries, origin[0], right)
    for (kind, color, text), (x, dy) in zip(entries, places, strict=True):
        y = origin[1] + dy
        if kind == "swatch":
            draw.rectangle((x, y + 2, x + 14, y + 16), fill=color, outline=MUTED)
        else:
            _symbol(draw, kind, x + 7, y + 9, 7, color)
        draw.text((x + 22, y + 2), text, fill=TEXT, font=small)
    y = origin[1] + rows_height
    # Two lines, so that a single narrow panel's key keeps it whole.
    note = f"brighter: settled sooner (0 to {steps} steps)\nthe symbols mark where walkers ended"
    draw.multiline_text((origin[0], y + 2), note, fill=MUTED, font=small, spacing=4)
