"""The hikers' GL items: markers with status rings, fading trails, slope and velocity arrows."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
import pyqtgraph.opengl as gl
from OpenGL import GL

from ..core.defaults import SPENT_COLOR, STATUS_RING_COLORS
from ..core.end_states import Outcome
from .frame import HikerFrame
from .mesh import WorldMap

LIFT = 0.06  # markers and trails float this far above the ground (world units)
ARROW = 1.1  # longest slope arrow, world units
MARKER_PX = 13.0

# Markers and arrows are drawn over what is in front of them: a hiker behind a ridge stays visible.
_ON_TOP = {
    GL.GL_DEPTH_TEST: False,
    GL.GL_BLEND: True,
    GL.GL_CULL_FACE: False,
    "glBlendFunc": (GL.GL_SRC_ALPHA, GL.GL_ONE_MINUS_SRC_ALPHA),
}


def rgba(color: str | Sequence[float], alpha: float = 1.0) -> np.ndarray:
    """A colour name or '#rrggbb' as RGBA floats."""
    c = pg.mkColor(color)
    return np.array([c.redF(), c.greenF(), c.blueF(), alpha], dtype=np.float32)


class HikerItems:
    """The GL items that draw hikers; :meth:`show` moves them to a frame (no terrain upload)."""

    def __init__(self, view: gl.GLViewWidget) -> None:
        self.paths = gl.GLLinePlotItem(mode="lines", width=1.5, antialias=True)
        self.paths.setGLOptions("translucent")
        self.paths.setDepthValue(4)
        self.trails = gl.GLLinePlotItem(mode="lines", width=3.0, antialias=True)
        self.trails.setGLOptions("translucent")
        self.trails.setDepthValue(5)
        self.slopes = gl.GLLinePlotItem(mode="lines", width=3.0, antialias=True)
        self.velocities = gl.GLLinePlotItem(mode="lines", width=2.0, antialias=True)
        self.rings = gl.GLScatterPlotItem(pxMode=True)
        self.markers = gl.GLScatterPlotItem(pxMode=True)
        for item in (self.slopes, self.velocities, self.rings, self.markers):
            item.setGLOptions(_ON_TOP)
            item.setDepthValue(10)  # drawn after the terrain and the trails
        self.all = (
            self.paths, self.trails, self.slopes, self.velocities, self.rings, self.markers,
        )  # fmt: skip
        for item in self.all:
            view.addItem(item)
        self.marker_scale = 1.0  # the view scales markers with the picture's height

    def hide(self) -> None:
        for item in self.all:
            item.setVisible(False)

    def show(
        self, frame: HikerFrame, colors: np.ndarray, world: WorldMap, surface, typical_slope: float
    ) -> np.ndarray:
        """Move every item to ``frame``; returns the hikers' world points (n, 3)."""
        wx, wy = world.xy(frame.xy[:, 0], frame.xy[:, 1])
        points = np.column_stack([wx, wy, world.z(frame.loss) + LIFT])
        self._show_markers(points, colors, frame.outcome)
        self._show_trails(frame, colors, world)
        self._show_arrows(frame, points, world, surface, typical_slope)
        return points

    def _show_markers(self, points: np.ndarray, colors: np.ndarray, outcome: np.ndarray) -> None:
        diverged = outcome == Outcome.DIVERGED
        fill = colors.copy()
        fill[diverged, :3] = rgba(SPENT_COLOR)[:3]  # a spent hiker: grey, ringed in red
        ring = np.array([rgba(c) for c in STATUS_RING_COLORS.values()], dtype=np.float32)[outcome]
        ring[outcome == Outcome.WALKING, 3] = 0.85
        stopped = outcome != Outcome.WALKING
        sizes = np.where(stopped, MARKER_PX + 9, MARKER_PX + 4) * self.marker_scale
        self.rings.setData(pos=points, color=ring, size=sizes)
        self.markers.setData(pos=points, color=fill, size=MARKER_PX * self.marker_scale)
        self.rings.setVisible(True)
        self.markers.setVisible(True)

    def _show_trails(self, frame: HikerFrame, colors: np.ndarray, world: WorldMap) -> None:
        """The whole way so far as a thin line, the recent trail over it fading with age:
        each as segments of one line item, one draw call however many hikers."""
        _show_lines(self.paths, frame.paths, colors, world, lambda m: np.full(m - 1, 0.55))
        _show_lines(self.trails, frame.trails, colors, world, _fade)

    def _show_arrows(self, frame, points, world, surface, typical_slope: float) -> None:
        norms = np.hypot(frame.grad[:, 0], frame.grad[:, 1])
        length = ARROW * np.tanh(norms / typical_slope)  # longer where it is steeper
        direction = -frame.grad / np.where(norms > 0, norms, 1.0)[:, None]
        dark = rgba("#111111", 0.9)
        self.slopes.setData(**_arrows(points, direction, length, world, surface, dark))
        self.slopes.setVisible(bool(len(points)))
        speed = np.hypot(frame.velocity[:, 0], frame.velocity[:, 1])
        moving = speed > 0
        if moving.any():
            heading = frame.velocity[moving] / speed[moving, None]
            reach = np.minimum(speed[moving] * world.scale * 12.0, ARROW * 1.4)
            white = rgba("#ffffff", 0.95)
            self.velocities.setData(
                **_arrows(points[moving], heading, reach, world, surface, white)
            )
        self.velocities.setVisible(bool(moving.any()))


def _arrows(start, direction, length, world: WorldMap, surface, color) -> dict:
    """Line segments for arrows from world points along surface-plane directions."""
    as_tuple = tuple(float(c) for c in color)
    if len(start) == 0:
        return {"pos": np.zeros((0, 3), np.float32), "color": as_tuple}
    tip_xy = start[:, :2] + direction * length[:, None]
    sx, sy = world.surface_xy(tip_xy[:, 0], tip_xy[:, 1])
    with np.errstate(all="ignore"):
        tip_loss = np.nan_to_num(surface.value(sx, sy), nan=world.loss_min)
    tip = np.column_stack([tip_xy, world.z(tip_loss) + LIFT])
    back = start - tip
    back_len = np.linalg.norm(back, axis=1, keepdims=True)
    back = back / np.where(back_len > 0, back_len, 1.0)
    side = np.cross(back, [0.0, 0.0, 1.0])
    side /= np.maximum(np.linalg.norm(side, axis=1, keepdims=True), 1e-9)
    head = np.minimum(0.28, 0.4 * length)[:, None]
    left = tip + head * (back * 0.9 + side * 0.45)
    right = tip + head * (back * 0.9 - side * 0.45)
    segments = np.stack([start, tip, tip, left, tip, right], axis=1).reshape(-1, 3)
    keep = np.repeat(length > 1e-3, 6)
    return {"pos": segments[keep], "color": as_tuple}


def _fade(m: int) -> np.ndarray:
    """The alpha of a trail's m - 1 segments, oldest first: older parts fade away."""
    return np.linspace(0.08, 1.0, m - 1) ** 1.5


def _show_lines(item, lines: np.ndarray, colors: np.ndarray, world: WorldMap, alpha) -> None:
    """``lines`` (n, m, 3) of surface x, y and loss as segments of ``item``, in each hiker's
    colour with ``alpha(m)`` per segment."""
    n, m = lines.shape[:2]
    if m < 2:
        item.setVisible(False)
        return
    wx, wy = world.xy(lines[..., 0], lines[..., 1])
    points = np.stack([wx, wy, world.z(lines[..., 2]) + LIFT * 0.5], axis=-1)
    segments = np.stack([points[:, :-1], points[:, 1:]], axis=2).reshape(-1, 3)
    shade = np.empty((n, m - 1, 2, 4), dtype=np.float32)
    shade[...] = colors[:n, None, None, :]
    shade[..., 3] = alpha(m)[None, :, None]
    item.setData(pos=segments, color=shade.reshape(-1, 4))
    item.setVisible(True)
