"""A sweep's picture: a map over two hyper-parameters with a colour bar, or a curve over one."""

from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageDraw

from .basins import DIVERGED, UNSETTLED
from .pictures import BACKGROUND, MARGIN, MUTED, SPECIAL, TEXT, Color, font
from .sweep import Axis, SweepMap

# viridis at ten stops: dark is low (a small loss, few steps), yellow high.
_VIRIDIS = np.array([
    (68, 1, 84), (72, 40, 120), (62, 73, 137), (49, 104, 142), (38, 130, 142),
    (31, 158, 137), (53, 183, 121), (110, 206, 88), (181, 222, 43), (253, 231, 37),
], dtype=float)  # fmt: skip
NOT_REACHED = SPECIAL[UNSETTLED][0]
GONE = SPECIAL[DIVERGED][0]
MAP_SIDE = 480  # pixels the map's longer side is enlarged to, at least
PLOT = (640, 360)


def colormap(fraction: np.ndarray) -> np.ndarray:
    """Viridis at ``fraction`` in [0, 1] (beyond: the ends; NaN: the low end, for cells
    drawn otherwise): RGB floats, the last axis of three."""
    position = np.clip(np.nan_to_num(fraction), 0.0, 1.0) * (len(_VIRIDIS) - 1)
    low = np.minimum(position.astype(int), len(_VIRIDIS) - 2)
    share = (position - low)[..., None]
    return _VIRIDIS[low] * (1 - share) + _VIRIDIS[low + 1] * share


Scale = tuple[bool, float, float]
"""How a sweep's metric is drawn: on a log scale or not, and the range (in that scale) its
colours or heights span."""


def colour_scale(smap: SweepMap) -> Scale:
    """Whether the metric is drawn on a log scale, and its finite range (in that scale)."""
    finite = smap.value[np.isfinite(smap.value)]
    log = smap.metric == "loss" and finite.size > 0 and bool((finite > 0).all())
    shown = np.log10(finite) if log else finite
    if shown.size == 0:
        return log, 0.0, 1.0
    low, high = float(shown.min()), float(shown.max())
    return log, low, high if high > low else low + 1.0


def _metric_name(smap: SweepMap) -> str:
    starts = len(smap.starts)
    median = f"median of {starts} starts" if starts > 1 else "one start"
    if smap.metric == "loss":
        return f"final loss after {smap.steps} steps ({median})"
    return f"steps to loss <= {smap.target:.4g} ({median})"


def sweep_picture(smap: SweepMap, scale: Scale | None = None) -> Image.Image:
    """The sweep as one image: a map for two axes, a curve for one; its metric drawn on
    ``scale`` (default :func:`colour_scale`'s, its own; a zoom's frames share the first's)."""
    scale = scale or colour_scale(smap)
    return _map(smap, scale) if len(smap.axes) == 2 else _curve(smap, scale)


def _map(smap: SweepMap, scale: Scale) -> Image.Image:
    ny, nx = smap.value.shape
    enlarged = max(1, math.ceil(MAP_SIDE / max(nx, ny)))
    width, height = nx * enlarged, ny * enlarged
    log, low, high = scale
    shown = np.log10(smap.value) if log else smap.value
    with np.errstate(invalid="ignore"):
        rgb = colormap((shown - low) / (high - low))
    rgb[np.isnan(smap.value)] = NOT_REACHED
    rgb[smap.diverged > 0.5] = GONE
    left, top = MARGIN + 70, MARGIN + 84
    image = Image.new("RGB", (left + width + 150, top + height + 110), BACKGROUND)
    draw = ImageDraw.Draw(image)
    cells = Image.fromarray(rgb.astype(np.uint8)[::-1]).resize(
        (width, height), Image.Resampling.NEAREST
    )
    image.paste(cells, (left, top))
    draw.text((MARGIN, MARGIN), f"{smap.base} on {smap.surface}", fill=TEXT, font=font(20))
    draw.text((MARGIN, MARGIN + 28), _metric_name(smap), fill=MUTED, font=font(14))
    x_axis, y_axis = smap.axes
    _x_axis(draw, x_axis, (left, top, width, height))
    for value, text in _ticks(y_axis):
        py = top + height - _position(y_axis, value) * height
        draw.line((left - 5, py, left, py), fill=MUTED)
        draw.text((left - 8, py), text, fill=MUTED, font=font(13), anchor="rm")
    draw.text((MARGIN, top - 22), _axis_name(y_axis), fill=TEXT, font=font(15))
    _colour_bar(draw, (left + width + 24, top, 18, height), log, low, high)
    _special_key(draw, (left, top + height + 62), smap.metric)
    return image


def _x_axis(draw: ImageDraw.ImageDraw, axis: Axis, box: tuple[int, int, int, int]) -> None:
    """The ticks, their values and the axis's name under a plot's ``box``."""
    left, top, width, height = box
    for value, text in _ticks(axis):
        px = left + _position(axis, value) * width
        draw.line((px, top + height, px, top + height + 5), fill=MUTED)
        draw.text((px, top + height + 8), text, fill=MUTED, font=font(13), anchor="ma")
    name = _axis_name(axis)
    draw.text((left + width / 2, top + height + 30), name, fill=TEXT, font=font(15), anchor="ma")


def _axis_name(axis: Axis) -> str:
    return f"{axis.name}{' (log scale)' if axis.log else ''}"


def _position(axis: Axis, value: float) -> float:
    """Where ``value`` lies along the axis, 0 at the first cell's centre side, 1 at the last's
    (cells are equally wide in the axis's scale)."""
    values = axis.values.astype(float)
    t = np.log10 if axis.log else (lambda v: v)
    first, last = t(values[0]), t(values[-1])
    n = len(values)
    fraction = 0.5 if last == first else (t(value) - first) / (last - first)
    return float((0.5 + fraction * (n - 1)) / n)


def _ticks(axis: Axis) -> list[tuple[float, str]]:
    """Round values along the axis: the decades of a log axis, about five steps otherwise."""
    low, high = float(axis.values.min()), float(axis.values.max())
    if axis.log:
        decades = range(math.ceil(math.log10(low) - 1e-9), math.floor(math.log10(high) + 1e-9) + 1)
        ticks = [10.0**d for d in decades]
        if len(ticks) < 2:
            ticks = [low, high]
        return [(t, f"{t:g}") for t in ticks]
    if high == low:
        return [(low, f"{low:g}")]
    step = 10 ** math.floor(math.log10((high - low) / 4))
    step *= next(m for m in (1, 2, 5, 10) if (high - low) / (step * m) <= 5)
    first = math.ceil(low / step - 1e-9) * step
    count = math.floor((high - first) / step + 1e-9) + 1
    return [(first + i * step, f"{first + i * step:.4g}") for i in range(count)]


def _colour_bar(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], log: bool,
                low: float, high: float) -> None:  # fmt: skip
    x, y, width, height = box
    for row in range(height):
        color = colormap(np.array(1.0 - row / max(1, height - 1)))
        draw.line((x, y + row, x + width, y + row), fill=tuple(int(c) for c in color))
    draw.rectangle((x, y, x + width, y + height), outline=MUTED)
    for fraction in (0.0, 0.25, 0.5, 0.75, 1.0):
        value = low + fraction * (high - low)
        text = f"{10**value:.2g}" if log else f"{value:.4g}"
        py = y + height - fraction * height
        draw.text((x + width + 6, py), text, fill=MUTED, font=font(13), anchor="lm")


def _special_key(draw: ImageDraw.ImageDraw, origin: tuple[int, int], metric: str) -> None:
    x, y = origin
    entries: list[tuple[Color, str]] = [(GONE, "diverged (most starts)")]
    if metric == "steps":
        entries.append((NOT_REACHED, "target not reached"))
    for color, text in entries:
        draw.rectangle((x, y + 2, x + 14, y + 16), fill=color, outline=MUTED)
        draw.text((x + 22, y + 2), text, fill=TEXT, font=font(14))
        x += 40 + int(draw.textlength(text, font=font(14)))


def _curve(smap: SweepMap, scale: Scale) -> Image.Image:
    (axis,) = smap.axes
    width, height = PLOT
    left, top = MARGIN + 80, MARGIN + 60
    image = Image.new("RGB", (left + width + MARGIN + 20, top + height + 110), BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.text((MARGIN, MARGIN), f"{smap.base} on {smap.surface}", fill=TEXT, font=font(20))
    draw.text((MARGIN, MARGIN + 28), _metric_name(smap), fill=MUTED, font=font(14))
    draw.rectangle((left, top, left + width, top + height), outline=MUTED)
    log, low, high = scale
    shown = np.log10(smap.value) if log else smap.value
    # On a shared scale (a zoom's), a value beyond it keeps to the plot's edge.
    heights = np.clip((shown - low) / (high - low), 0.0, 1.0) * (height - 24)
    points = []
    for i, value in enumerate(axis.values):
        px = left + _position(axis, float(value)) * width
        if smap.diverged[i] > 0.5:
            draw.line((px, top + height - 8, px, top + height), fill=GONE, width=3)
        if np.isfinite(shown[i]):
            points.append((px, top + height - 12 - heights[i]))
        elif len(points) > 1:
            draw.line(points, fill=tuple(int(c) for c in _VIRIDIS[6]), width=3)
            points = []
        else:
            points = []
    if len(points) > 1:
        draw.line(points, fill=tuple(int(c) for c in _VIRIDIS[6]), width=3)
    _x_axis(draw, axis, (left, top, width, height))
    for fraction in (0.0, 0.5, 1.0):
        value = low + fraction * (high - low)
        text = f"{10**value:.2g}" if log else f"{value:.4g}"
        draw.text((left - 8, top + height - 12 - fraction * (height - 24)), text, fill=MUTED,
                  font=font(13), anchor="rm")  # fmt: skip
    if log:
        draw.text((left, top - 20), "log scale", fill=MUTED, font=font(13))
    _special_key(draw, (left, top + height + 62), smap.metric)
    return image
