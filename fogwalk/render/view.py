"""The terrain view: fogged terrain, hikers, trails and arrows; on screen or into an array."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
import pyqtgraph.opengl as gl
from OpenGL import GL
from PySide6 import QtCore, QtGui
from PySide6.QtOpenGL import QOpenGLFramebufferObject, QOpenGLFramebufferObjectFormat

from ..core.engine import Status
from ..core.scene import Fog
from ..core.surfaces import Surface
from .fog import FogShader
from .frame import HikerFrame
from .mesh import WORLD_SIZE, TerrainMesh, build_mesh

COLORMAP = "CET-L20" if "CET-L20" in pg.colormap.listMaps() else "viridis"
LIFT = 0.06  # markers and trails float this far above the ground (world units)
ARROW = 1.1  # longest slope arrow, world units
MARKER_PX = 13.0

# Markers are drawn over what is in front of them: a hiker behind a ridge stays visible.
_OVERLAY = {
    GL.GL_DEPTH_TEST: False,
    GL.GL_BLEND: True,
    GL.GL_CULL_FACE: False,
    "glBlendFunc": (GL.GL_SRC_ALPHA, GL.GL_ONE_MINUS_SRC_ALPHA),
}


def rgba(color: str | Sequence[float], alpha: float = 1.0) -> np.ndarray:
    """A colour name or '#rrggbb' as RGBA floats."""
    c = pg.mkColor(color)
    return np.array([c.redF(), c.greenF(), c.blueF(), alpha], dtype=np.float32)


def colormap_levels(levels: np.ndarray) -> np.ndarray:
    """The terrain colour map at ``levels`` in 0..1, as (n, 4) floats."""
    # The darkest tenth of the map is skipped: valleys must still read through the fog.
    return pg.colormap.get(COLORMAP).map(0.1 + 0.9 * np.clip(levels, 0, 1), mode="float")


class TerrainView(gl.GLViewWidget):
    """A fog-bound 3-D terrain with hikers on it.

    The terrain is uploaded once per surface and level of detail; a frame only
    moves uniforms, markers, trails and arrows. :meth:`render_array` draws the
    same scene into an offscreen framebuffer of an exact size, for export.
    """

    fog_wheel = QtCore.Signal(float)  # wheel notches turned with Shift held: resize the fog

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.fog_shader = FogShader()
        self.fog = Fog()
        self.surface: Surface | None = None
        self.mesh: TerrainMesh | None = None
        self.frame: HikerFrame | None = None
        self._colors = np.zeros((0, 4), dtype=np.float32)
        self.marker_scale = 1.0  # exports scale markers with the frame height
        self._terrain: gl.GLMeshItem | None = None
        self._trails = gl.GLLinePlotItem(mode="lines", width=2.5, antialias=True)
        self._trails.setGLOptions("translucent")
        self._trails.setDepthValue(5)
        self.addItem(self._trails)
        self._slopes = gl.GLLinePlotItem(mode="lines", width=3.0, antialias=True)
        self._velocities = gl.GLLinePlotItem(mode="lines", width=2.0, antialias=True)
        self._rings = gl.GLScatterPlotItem(pxMode=True)
        self._markers = gl.GLScatterPlotItem(pxMode=True)
        for item in (self._slopes, self._velocities, self._rings, self._markers):
            item.setGLOptions(_OVERLAY)
            item.setDepthValue(10)  # drawn after the terrain
            self.addItem(item)
        self.reset_camera()
        self.set_fog(self.fog)

    # --- scene -------------------------------------------------------------------
    def reset_camera(self) -> None:
        self.setCameraPosition(
            pos=QtGui.QVector3D(0.0, 0.0, WORLD_SIZE * 0.08),
            distance=WORLD_SIZE * 1.45,
            elevation=34,
            azimuth=-62,
        )

    def camera_state(self) -> dict:
        """The camera as plain numbers: centre (x, y, z), distance, elevation, azimuth."""
        center = self.opts["center"]
        return {
            "center": (center.x(), center.y(), center.z()),
            "distance": float(self.opts["distance"]),
            "elevation": float(self.opts["elevation"]),
            "azimuth": float(self.opts["azimuth"]),
        }

    def set_camera_state(self, state: dict) -> None:
        self.setCameraPosition(
            pos=QtGui.QVector3D(*state["center"]),
            distance=state["distance"],
            elevation=state["elevation"],
            azimuth=state["azimuth"],
        )

    def set_terrain(self, surface: Surface, resolution: int = 256, height: str = "auto") -> None:
        """Sample ``surface`` and upload its terrain (the only full upload there is)."""
        self.surface = surface
        self.mesh = build_mesh(surface, resolution, height, colormap=colormap_levels)
        if self._terrain is not None:
            self.removeItem(self._terrain)
        self._terrain = gl.GLMeshItem(
            vertexes=self.mesh.vertexes,
            faces=self.mesh.faces,
            vertexColors=self.mesh.colors,
            smooth=True,
            computeNormals=False,  # shading is baked into the colours with NumPy
            shader=self.fog_shader.program,
            glOptions="opaque",
        )
        self.addItem(self._terrain)
        # Slope arrows saturate at a few times the terrain's median slope.
        cell = (surface.domain[1] - surface.domain[0]) / (resolution - 1)
        median = np.nanmedian(np.abs(np.diff(self.mesh.loss, axis=1))) / cell
        self._typical_slope = max(2.0 * float(np.nan_to_num(median)), 1e-12)
        if self.frame is not None:
            self.show_frame(self.frame)

    def set_fog(self, fog: Fog) -> None:
        self.fog = fog
        radius = fog.radius * WORLD_SIZE
        self.fog_shader.set_fog(
            radius=radius,
            softness=fog.softness * radius,
            density=fog.density if fog.enabled else 0.0,
            memory=0.55 if fog.memory else 0.0,
            rgb=rgba(fog.color)[:3],
        )
        self.setBackgroundColor(fog.color)
        self.update()

    def set_hiker_colors(self, colors: Sequence[str]) -> None:
        self._colors = np.array([rgba(c) for c in colors], dtype=np.float32).reshape(-1, 4)

    # --- frames ------------------------------------------------------------------
    def show_frame(self, frame: HikerFrame | None) -> None:
        """Move the hikers to ``frame`` (None clears them)."""
        self.frame = frame
        if frame is None or self.mesh is None:
            self.fog_shader.set_hikers(np.zeros((0, 2)))
            self.fog_shader.set_memory(np.zeros((0, 2)))
            for item in (self._markers, self._rings, self._slopes, self._velocities, self._trails):
                item.setVisible(False)
            self.update()
            return
        world = self.mesh.world
        colors = self._hiker_colors(len(frame.xy))
        wx, wy = world.xy(frame.xy[:, 0], frame.xy[:, 1])
        ground = np.column_stack([wx, wy])
        self.fog_shader.set_hikers(ground)
        self.fog_shader.set_memory(np.column_stack(world.xy(*frame.memory.T)))
        points = np.column_stack([ground, world.z(frame.loss) + LIFT])
        self._show_markers(points, colors, frame.status)
        self._show_trails(frame, colors)
        self._show_arrows(frame, points)
        self.update()

    def _hiker_colors(self, count: int) -> np.ndarray:
        if len(self._colors) >= count:
            return self._colors[:count]
        extra = np.tile(rgba("#ffffff"), (count - len(self._colors), 1))
        return np.vstack([self._colors, extra])

    def _show_markers(self, points: np.ndarray, colors: np.ndarray, status: np.ndarray) -> None:
        diverged = status == Status.DIVERGED
        converged = status == Status.CONVERGED
        fill = colors.copy()
        fill[diverged, :3] = 0.35  # a spent hiker: grey, ringed in red
        ring = np.tile(rgba("#1a1a1a", 0.85), (len(points), 1))
        ring[converged] = rgba("#ffffff")
        ring[diverged] = rgba("#d7263d")
        sizes = np.where(converged | diverged, MARKER_PX + 9, MARKER_PX + 4) * self.marker_scale
        self._rings.setData(pos=points, color=ring, size=sizes)
        self._markers.setData(pos=points, color=fill, size=MARKER_PX * self.marker_scale)
        self._rings.setVisible(True)
        self._markers.setVisible(True)

    def _show_trails(self, frame: HikerFrame, colors: np.ndarray) -> None:
        """Every trail as segments of one line item: one draw call however many hikers."""
        trails = frame.trails
        n, m = trails.shape[:2]
        if m < 2:
            self._trails.setVisible(False)
            return
        world = self.mesh.world
        wx, wy = world.xy(trails[..., 0], trails[..., 1])
        points = np.stack([wx, wy, world.z(trails[..., 2]) + LIFT * 0.5], axis=-1)
        segments = np.stack([points[:, :-1], points[:, 1:]], axis=2).reshape(-1, 3)
        fade = np.linspace(0.08, 1.0, m - 1) ** 1.5  # older parts of a trail fade away
        shade = np.empty((n, m - 1, 2, 4), dtype=np.float32)
        shade[...] = colors[:n, None, None, :]
        shade[..., 3] = fade[None, :, None]
        self._trails.setData(pos=segments, color=shade.reshape(-1, 4))
        self._trails.setVisible(True)

    def _show_arrows(self, frame: HikerFrame, points: np.ndarray) -> None:
        world, surface = self.mesh.world, self.surface
        norms = np.hypot(frame.grad[:, 0], frame.grad[:, 1])
        length = ARROW * np.tanh(norms / self._typical_slope)  # world units
        direction = -frame.grad / np.where(norms > 0, norms, 1.0)[:, None]
        self._slopes.setData(
            **_arrows(points, direction, length, world, surface, rgba("#111111", 0.9))
        )
        self._slopes.setVisible(bool(len(points)))
        speed = np.hypot(frame.velocity[:, 0], frame.velocity[:, 1])
        moving = speed > 0
        if moving.any():
            heading = frame.velocity / np.where(speed > 0, speed, 1.0)[:, None]
            vlength = np.minimum(speed * world.scale * 12.0, ARROW * 1.4)
            self._velocities.setData(
                **_arrows(
                    points[moving],
                    heading[moving],
                    vlength[moving],
                    world,
                    surface,
                    rgba("#ffffff", 0.95),
                )
            )
        self._velocities.setVisible(bool(moving.any()))

    def wheelEvent(self, ev) -> None:
        if ev.modifiers() & QtCore.Qt.KeyboardModifier.ShiftModifier:
            delta = ev.angleDelta()
            self.fog_wheel.emit((delta.y() or delta.x()) / 120.0)  # Shift may turn y into x
            ev.accept()
            return
        super().wheelEvent(ev)

    # --- screen <-> world -----------------------------------------------------------
    def camera_matrix(self, width: int, height: int) -> np.ndarray:
        """The 4x4 world-to-clip matrix for a ``width`` x ``height`` image, as NumPy."""
        viewport = (0, 0, width, height)
        matrix = self.projectionMatrix(viewport, viewport) * self.viewMatrix()
        return np.array(matrix.data(), dtype=float).reshape(4, 4).T  # Qt stores column-major

    def project(self, points: np.ndarray, width: int, height: int) -> np.ndarray:
        """World points (n, 3) -> pixel coordinates (n, 2) in an image, top row 0."""
        points = np.asarray(points, dtype=float).reshape(-1, 3)
        clip = np.column_stack([points, np.ones(len(points))]) @ self.camera_matrix(width, height).T
        ndc = clip[:, :2] / clip[:, 3:4]
        return np.column_stack([(ndc[:, 0] + 1) * width / 2, (1 - ndc[:, 1]) * height / 2])

    def ground_at(self, pixels: np.ndarray, width: int, height: int, z: float = 0.0):
        """Where rays through pixels (n, 2) meet the horizontal plane at world height ``z``."""
        pixels = np.asarray(pixels, dtype=float).reshape(-1, 2)
        inverse = np.linalg.inv(self.camera_matrix(width, height))
        ndc_x = pixels[:, 0] * 2 / width - 1
        ndc_y = 1 - pixels[:, 1] * 2 / height
        ends = []
        for depth in (-1.0, 1.0):
            clip = np.column_stack([ndc_x, ndc_y, np.full_like(ndc_x, depth), np.ones_like(ndc_x)])
            world = clip @ inverse.T
            ends.append(world[:, :3] / world[:, 3:4])
        near, far = ends
        t = (z - near[:, 2]) / (far[:, 2] - near[:, 2])
        return near + t[:, None] * (far - near)

    # --- offscreen ---------------------------------------------------------------
    def render_array(self, width: int, height: int) -> np.ndarray:
        """Draw the current scene into a framebuffer of exactly ``width`` x ``height``.

        Returns an (height, width, 3) uint8 RGB array, top row first: the pixels
        an export writes, drawn by the same code as the window.
        """
        self.makeCurrent()
        fmt = QOpenGLFramebufferObjectFormat()
        fmt.setAttachment(QOpenGLFramebufferObject.Attachment.CombinedDepthStencil)
        fbo = QOpenGLFramebufferObject(width, height, fmt)
        try:
            fbo.bind()
            GL.glViewport(0, 0, width, height)
            self.paint(region=(0, 0, width, height), viewport=(0, 0, width, height))
            GL.glPixelStorei(GL.GL_PACK_ALIGNMENT, 1)
            data = GL.glReadPixels(0, 0, width, height, GL.GL_RGB, GL.GL_UNSIGNED_BYTE)
        finally:
            fbo.release()
            self.doneCurrent()
        pixels = np.frombuffer(data, dtype=np.uint8).reshape(height, width, 3)
        return pixels[::-1].copy()


def _arrows(start, direction, length, world, surface, color) -> dict:
    """Line segments for arrows from world points along surface-plane directions."""
    if len(start) == 0:
        return {"pos": np.zeros((0, 3), np.float32), "color": tuple(float(c) for c in color)}
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
    return {"pos": segments[keep], "color": tuple(float(c) for c in color)}
