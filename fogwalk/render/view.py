"""The terrain view: fogged terrain and hikers, in one picture or one cell per optimizer."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
import pyqtgraph.opengl as gl
from OpenGL import GL
from PySide6 import QtCore, QtGui
from PySide6.QtOpenGL import QOpenGLFramebufferObject, QOpenGLFramebufferObjectFormat

from ..core.export import grid_shape
from ..core.scene import CAMERAS, Fog, walker_shades
from ..core.surfaces import Surface
from .cameras import (
    DEFAULT_AZIMUTH,
    DEFAULT_CAMERA,
    default_elevation,
    driven_camera,
    fitted_camera,
)
from .fog import FogShader
from .frame import HikerFrame
from .hikers import HikerItems, rgba
from .mesh import WORLD_SIZE, GroundImage, TerrainMesh, build_mesh, draped_colors
from .overlay import LegendEntry, burn_cell_labels, paint_cell_labels, paint_legend

COLORMAP = "CET-L20" if "CET-L20" in pg.colormap.listMaps() else "viridis"
MIN_CELL_RESOLUTION = 64

__all__ = ["COLORMAP", "TerrainView", "colormap_levels", "rgba"]

NEAR_FAR = 50.0  # the clip planes at the camera's distance divided and multiplied by this
CELL_ZOOM = 0.55  # a split cell's camera, as a share of the shared camera's distance


def colormap_levels(levels: np.ndarray) -> np.ndarray:
    """The terrain colour map at ``levels`` in 0..1, as (n, 4) floats."""
    # The darkest tenth of the map is skipped: valleys must still read through the fog.
    return pg.colormap.get(COLORMAP).map(0.1 + 0.9 * np.clip(levels, 0, 1), mode="float")


class TerrainView(gl.GLViewWidget):
    """A fog-bound 3-D terrain with hikers on it.

    The terrain is uploaded once per surface and level of detail; a frame only
    moves uniforms, markers, trails and arrows. In the "split" layout the one
    widget draws a cell per optimizer (its hikers, its fog, one shared camera
    in orbit mode) over a terrain of lower detail, so the cells together cost
    about what one picture does. :meth:`render_array` draws the same thing
    into an offscreen framebuffer of an exact size, for export.
    """

    fog_wheel = QtCore.Signal(float)  # wheel notches turned with Shift held: resize the fog

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.fog_shader = FogShader()
        self.fog = Fog()
        self.surface: Surface | None = None
        self.mesh: TerrainMesh | None = None
        self.frame: HikerFrame | None = None
        self.total_steps = 0
        self.camera_mode = "orbit"
        self.layout_mode = "overlay"
        self.groups: list[tuple[str, str, int]] = []  # (label, colour, walkers) per optimizer
        self.cell_losses = True  # split cells' labels show each hiker's loss
        self.legend: list[LegendEntry] = []  # drawn over the overlay picture on screen
        self.frame_cells = True  # split cells frame their own hikers (see cell_camera)
        self._colors = np.zeros((0, 4), dtype=np.float32)
        self._heading = np.array([1.0, 0.0])
        self._terrain: gl.GLMeshItem | None = None
        self._cell_terrain: gl.GLMeshItem | None = None
        self._cell_mesh: TerrainMesh | None = None
        self.ground_image: GroundImage | None = None  # laid on the terrain (basins)
        self._terrain_args: tuple | None = None
        self._typical_slope = 1.0
        self._bounds = (np.zeros(3), np.zeros(3))  # the terrain's box in world coordinates
        self._ghost: gl.GLLinePlotItem | None = None
        self.hikers = HikerItems(self)
        # The orbit camera's view (elevation, azimuth) while it is fitted to the terrain,
        # which it then stays as the picture changes; None once the user moves it.
        self.fitted: tuple[float | None, float] | None = None
        self.reset_camera()
        self.set_fog(self.fog)

    def _size_markers(self, height: int) -> None:
        """Markers grow with the picture (or split cell) they are drawn in: a 720-px one is 1."""
        rows = grid_shape(len(self.groups))[0] if self._split else 1
        scale = max(height / rows / 720.0, 0.6)
        if scale != self.hikers.marker_scale:
            self.hikers.marker_scale = scale
            if self.frame is not None and self.mesh is not None and not self._split:
                self._apply(self.frame, self._colors_for(len(self.frame.xy)))

    def projectionMatrix(self, region, viewport):  # pyqtgraph's, with tighter clip planes
        """pyqtgraph's perspective, its near and far planes at 1/50 and 50 times the camera's
        distance instead of 1/1000 and 1000: the depth buffer's precision then spans the
        terrain, so that the fog's push back in depth (terrain.frag) never rounds to the far
        plane, where the ground would vanish."""
        x0, y0, w, h = viewport
        distance = self.opts["distance"]
        near, far = distance / NEAR_FAR, distance * NEAR_FAR
        right = near * np.tan(0.5 * np.radians(self.opts["fov"]))
        top = right * h / w
        left_edge = right * ((region[0] - x0) * (2.0 / w) - 1)
        right_edge = right * ((region[0] + region[2] - x0) * (2.0 / w) - 1)
        bottom = top * ((region[1] - y0) * (2.0 / h) - 1)
        top_edge = top * ((region[1] + region[3] - y0) * (2.0 / h) - 1)
        matrix = QtGui.QMatrix4x4()
        matrix.frustum(left_edge, right_edge, bottom, top_edge, near, far)
        return matrix

    def resizeGL(self, w: int, h: int) -> None:  # a Qt override
        super().resizeGL(w, h)
        self._size_markers(self.height())
        self._refit()

    def gl_strings(self) -> tuple[str, str, str]:
        """The OpenGL context's vendor, renderer and version, as the driver names them."""
        self.makeCurrent()
        try:
            names = (GL.GL_VENDOR, GL.GL_RENDERER, GL.GL_VERSION)
            strings = [GL.glGetString(name) for name in names]
        finally:
            self.doneCurrent()
        vendor, renderer, version = (s.decode() if s else "?" for s in strings)
        return vendor, renderer, version

    # --- camera ----------------------------------------------------------------------
    def reset_camera(self) -> None:
        self.fit_camera(None, DEFAULT_AZIMUTH)

    def fit_camera(self, elevation: float | None, azimuth: float) -> None:
        """Look from ``elevation`` (None: the default for the picture's shape) and ``azimuth``
        at the whole terrain, fitted to the picture (to one cell in the split layout), and
        keep it fitted until the user moves it."""
        self.fitted = (elevation, azimuth)
        self._refit()

    def _refit(self) -> None:
        if self.fitted is None or self.camera_mode != "orbit":
            return
        rows, columns = grid_shape(len(self.groups)) if self._split else (1, 1)
        aspect = (max(self.width(), 1) / columns) / (max(self.height(), 1) / rows)
        elevation, azimuth = self.fitted
        if elevation is None:
            elevation = default_elevation(aspect)
        if self.mesh is None:
            self.set_camera_state({**DEFAULT_CAMERA, "elevation": elevation})
            return
        vertexes = self.mesh.vertexes[::7]  # a sample of the terrain is enough to frame it
        points = vertexes[np.isfinite(vertexes).all(axis=1)]
        self.set_camera_state(fitted_camera(points, aspect, elevation, azimuth))

    def export_camera(self) -> dict:
        """The camera for an export of this view: as it is, or marked ``fitted`` so that the
        export fits the same view to its own picture."""
        if self.fitted is None:
            return self.camera_state()
        elevation, azimuth = self.fitted
        return {**self.camera_state(), "fitted": True, "elevation": elevation, "azimuth": azimuth}

    def user_moved_camera(self) -> None:
        """The user turned, moved or zoomed the camera: it is no longer kept fitted."""
        self.fitted = None

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

    def set_camera_mode(self, mode: str) -> None:
        """Set the camera mode: orbit (free), follow (a chase camera) or eye (the hiker's)."""
        if mode not in CAMERAS:
            raise ValueError(f"camera mode must be one of {CAMERAS}, got {mode!r}")
        self.camera_mode = mode
        if mode == "orbit":
            self.reset_camera()
        if self.frame is not None:
            self.show_frame(self.frame, self.total_steps)

    # --- scene -------------------------------------------------------------------------
    def set_terrain(self, surface: Surface, resolution: int = 256, height: str = "auto") -> None:
        """Sample ``surface`` and upload its terrain (the only full upload there is)."""
        self.surface = surface
        self._terrain_args = (resolution, height)
        self.mesh = build_mesh(surface, resolution, height, colormap=colormap_levels)
        self._terrain = self._replace_mesh(self._terrain, self.mesh)
        if self._cell_terrain is not None:
            self.removeItem(self._cell_terrain)
            self._cell_terrain, self._cell_mesh = None, None
        # Slope arrows saturate at a few times the terrain's median slope.
        cell = (surface.domain[1] - surface.domain[0]) / (resolution - 1)
        median = np.nanmedian(np.abs(np.diff(self.mesh.loss, axis=1))) / cell
        self._typical_slope = max(2.0 * float(np.nan_to_num(median)), 1e-12)
        finite = self.mesh.vertexes[np.isfinite(self.mesh.vertexes).all(axis=1)]
        self._bounds = (finite.min(axis=0), finite.max(axis=0))  # the terrain's box, world
        self._arrange_terrain()
        self._refit()
        if self.frame is not None:
            self.show_frame(self.frame, self.total_steps)

    def _replace_mesh(self, old: gl.GLMeshItem | None, mesh: TerrainMesh) -> gl.GLMeshItem:
        if old is not None:
            self.removeItem(old)
        item = gl.GLMeshItem(
            vertexes=mesh.vertexes,
            faces=mesh.faces,
            vertexColors=self._ground_colors(mesh),
            smooth=True,
            computeNormals=False,  # shading is baked into the colours with NumPy
            shader=self.fog_shader.program,
            glOptions="opaque",
        )
        self.addItem(item)
        return item

    def _arrange_terrain(self) -> None:
        """Split cells draw a coarser terrain: about as many triangles per pixel as overlay."""
        split = self.layout_mode == "split" and len(self.groups) > 1
        if split and self._cell_terrain is None and self.surface is not None:
            resolution, height = self._terrain_args
            columns = grid_shape(len(self.groups))[1]
            coarse = max(MIN_CELL_RESOLUTION, resolution // columns)
            self._cell_mesh = build_mesh(
                self.surface, coarse, height, colormap=colormap_levels, world=self.mesh.world
            )
            self._cell_terrain = self._replace_mesh(None, self._cell_mesh)
        if self._terrain is not None:
            self._terrain.setVisible(not split)
        if self._cell_terrain is not None:
            self._cell_terrain.setVisible(split)

    def set_ground_image(self, image: GroundImage | None) -> None:
        """Lay a picture on the terrain (the basins seen from above the fog), or take it
        away (None)."""
        self.ground_image = image
        for item, mesh in ((self._terrain, self.mesh), (self._cell_terrain, self._cell_mesh)):
            if item is not None and mesh is not None:
                item.setMeshData(
                    vertexes=mesh.vertexes, faces=mesh.faces, vertexColors=self._ground_colors(mesh)
                )
        self.update()

    def _ground_colors(self, mesh: TerrainMesh) -> np.ndarray:
        if self.ground_image is None:
            return mesh.colors
        return draped_colors(mesh, self.ground_image)

    def set_ghost(self, points: np.ndarray | None) -> None:
        """A trajectory (n, 2) in surface coordinates drawn as a pale path on the ground."""
        if self._ghost is not None:
            self.removeItem(self._ghost)
            self._ghost = None
        if points is None or self.mesh is None or len(points) < 2:
            return
        world = self.mesh.world
        with np.errstate(all="ignore"):
            loss = np.nan_to_num(self.surface.value(points[:, 0], points[:, 1]), nan=world.loss_min)
        wx, wy = world.xy(points[:, 0], points[:, 1])
        self._ghost = gl.GLLinePlotItem(
            pos=np.column_stack([wx, wy, world.z(loss) + 0.04]),
            color=(0.95, 0.95, 0.95, 0.8),
            width=2.0,
            antialias=True,
            mode="line_strip",
        )
        self._ghost.setGLOptions("translucent")
        self.addItem(self._ghost)

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
        """Colours of every hiker in overlay order (optimizer by optimizer, walker by walker)."""
        self._colors = np.array([rgba(c) for c in colors], dtype=np.float32).reshape(-1, 4)

    def set_layout(self, layout: str, groups: Sequence[tuple[str, str, int]]) -> None:
        """Show one picture ("overlay") or a cell per optimizer ("split").

        ``groups`` holds (label, colour, walkers) for every optimizer.
        """
        if layout == self.layout_mode and list(groups) == self.groups:
            return  # unchanged: keep the coarse cell terrain already uploaded
        self.layout_mode, self.groups = layout, list(groups)
        self.set_hiker_colors(
            [shade for _, c, walkers in self.groups for shade in walker_shades(c, walkers)]
        )
        if self._cell_terrain is not None and self.surface is not None:
            self.removeItem(self._cell_terrain)  # the cell count may have changed
            self._cell_terrain = None
        self._arrange_terrain()
        self._refit()
        self._size_markers(self.height())
        self.update()

    # --- frames ------------------------------------------------------------------------
    def show_frame(self, frame: HikerFrame | None, total_steps: int = 0) -> None:
        """Move the hikers to ``frame`` (None clears them)."""
        self.frame, self.total_steps = frame, total_steps
        if frame is None or self.mesh is None:
            self.fog_shader.set_hikers(np.zeros((0, 2)))
            self.fog_shader.set_memory(np.zeros((0, 2)))
            self.hikers.hide()
        elif not self._split:
            self._apply(frame, self._colors_for(len(frame.xy)))
        self.update()  # split cells are applied while painting, one after the other

    @property
    def _split(self) -> bool:
        return self.layout_mode == "split" and len(self.groups) > 1

    def _colors_for(self, count: int) -> np.ndarray:
        if len(self._colors) >= count:
            return self._colors[:count]
        extra = np.tile(rgba("#ffffff"), (count - len(self._colors), 1))
        return np.vstack([self._colors, extra])

    def _apply(self, frame: HikerFrame, colors: np.ndarray) -> None:
        """Fog, hiker items and (for driven cameras) the camera, for one picture or cell."""
        world = self.mesh.world
        points = self.hikers.show(frame, colors, world, self.surface, self._typical_slope)
        self.fog_shader.set_hikers(points[:, :2])
        self.fog_shader.set_memory(np.column_stack(world.xy(*frame.memory.T)))
        if self.camera_mode != "orbit" and len(points):
            state, self._heading = driven_camera(
                self.camera_mode, frame, points[0], world, self.surface, self._heading
            )
            self.set_camera_state(state)

    def _cells(self, width: int, height: int):
        """(slice of hikers, colours, label, GL rectangle x, y, w, h) for every split cell."""
        rows, columns = grid_shape(len(self.groups))
        cell_w, cell_h = width // columns, height // rows
        first = 0
        for index, (label, _, walkers) in enumerate(self.groups):
            row, column = divmod(index, columns)
            rect = (column * cell_w, height - (row + 1) * cell_h, cell_w, cell_h)  # GL: y up
            yield slice(first, first + walkers), self._colors[first : first + walkers], label, rect
            first += walkers

    def cell_camera(self, camera: dict, part: HikerFrame) -> dict:
        """A split cell's orbit camera: the shared one (turned and zoomed alike in every
        cell), moved to the cell's own hikers and :data:`CELL_ZOOM` as far (less close when
        its walkers spread wide), so that each hiker and its clear ground read large."""
        if not self.frame_cells or self.camera_mode != "orbit" or self.mesh is None:
            return camera
        world = self.mesh.world
        wx, wy = world.xy(part.xy[:, 0], part.xy[:, 1])
        ground = np.column_stack([wx, wy, world.z(part.loss)])
        ground = ground[np.isfinite(ground).all(axis=1)]
        if not len(ground):
            return camera
        # A hiker that left the map is looked for from the terrain's edge nearest to it.
        low, high = self._bounds
        center = tuple(float(v) for v in np.clip(ground.mean(axis=0), low, high))
        spread = float(np.ptp(ground[:, :2], axis=0).max()) / WORLD_SIZE
        zoom = min(max(CELL_ZOOM, 1.2 * spread), 1.0)
        return {**camera, "center": center, "distance": camera["distance"] * zoom}

    def _paint_cells(self, width: int, height: int) -> list[tuple[str, tuple, HikerFrame]]:
        """Draw every split cell into the bound framebuffer; returns what the labels need."""
        camera = self.camera_state()
        drawn = []
        GL.glClearColor(*self.opts["bgcolor"])  # cells left over in the grid show the fog
        GL.glClear(GL.GL_COLOR_BUFFER_BIT | GL.GL_DEPTH_BUFFER_BIT)
        GL.glEnable(GL.GL_SCISSOR_TEST)  # glClear in paint() must only clear its own cell
        try:
            for hikers, colors, label, rect in self._cells(width, height):
                part = self.frame.select(hikers)
                self.set_camera_state(self.cell_camera(camera, part))
                self._apply(part, colors)
                GL.glScissor(*rect)
                GL.glViewport(*rect)
                self.paint(region=rect, viewport=rect)
                drawn.append((label, rect, part))
        finally:
            GL.glDisable(GL.GL_SCISSOR_TEST)
            if self.camera_mode == "orbit":
                self.set_camera_state(camera)
        return drawn

    def paintGL(self) -> None:  # a Qt override: split cells, each drawn in turn
        if not self._split or self.frame is None:
            super().paintGL()
            if self.legend and self.frame is not None:  # on screen; an export burns its own
                painter = QtGui.QPainter(self)
                paint_legend(painter, self.legend, self.width(), self.height())
                painter.end()
            return
        drawn = self._paint_cells(self.deviceWidth(), self.deviceHeight())
        self._paint_labels(drawn)

    def _cell_labels(self, drawn, height: float, ratio: float = 1.0):
        """(rectangle from the top left, legend entry) of every drawn cell, for the painter."""
        cells = []
        for (label, rect, part), (_, color, _) in zip(drawn, self.groups, strict=False):
            x, y_gl, w, h = (v / ratio for v in rect)
            loss = float(part.loss[0]) if self.cell_losses else None
            entry = LegendEntry(label, color, loss, part.marks[0])
            cells.append((QtCore.QRectF(x, height - y_gl - h, w, h), entry))
        return cells

    def _paint_labels(self, drawn) -> None:
        painter = QtGui.QPainter(self)
        ratio = self.devicePixelRatioF()
        paint_cell_labels(painter, self._cell_labels(drawn, self.height(), ratio))
        painter.end()

    # --- input ---------------------------------------------------------------------------
    def wheelEvent(self, ev) -> None:
        if ev.modifiers() & QtCore.Qt.KeyboardModifier.ShiftModifier:
            delta = ev.angleDelta()
            self.fog_wheel.emit((delta.y() or delta.x()) / 120.0)  # Shift may turn y into x
            ev.accept()
            return
        self.user_moved_camera()
        super().wheelEvent(ev)

    def orbit(self, azim, elev) -> None:  # pyqtgraph's: a drag or an arrow key turns the camera
        self.user_moved_camera()
        super().orbit(azim, elev)

    def pan(self, dx, dy, dz, relative="global") -> None:  # pyqtgraph's: a drag moves it
        self.user_moved_camera()
        super().pan(dx, dy, dz, relative)

    # --- screen <-> world -----------------------------------------------------------------
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

    # --- offscreen -------------------------------------------------------------------------
    def render_array(self, width: int, height: int) -> np.ndarray:
        """Draw the current scene into a framebuffer of exactly ``width`` x ``height``.

        Returns an (height, width, 3) uint8 RGB array, top row first: the pixels
        an export writes, drawn by the same code as the window, split cells'
        labels included.
        """
        self._size_markers(height)  # as the window would draw them at this size
        self.makeCurrent()
        fmt = QOpenGLFramebufferObjectFormat()
        fmt.setAttachment(QOpenGLFramebufferObject.Attachment.CombinedDepthStencil)
        fbo = QOpenGLFramebufferObject(width, height, fmt)
        drawn = []
        try:
            fbo.bind()
            if self._split and self.frame is not None:
                drawn = self._paint_cells(width, height)
            else:
                GL.glViewport(0, 0, width, height)
                self.paint(region=(0, 0, width, height), viewport=(0, 0, width, height))
            GL.glPixelStorei(GL.GL_PACK_ALIGNMENT, 1)
            data = GL.glReadPixels(0, 0, width, height, GL.GL_RGB, GL.GL_UNSIGNED_BYTE)
        finally:
            fbo.release()
            self.doneCurrent()
        pixels = np.frombuffer(data, dtype=np.uint8).reshape(height, width, 3)[::-1].copy()
        if drawn:
            burn_cell_labels(pixels, self._cell_labels(drawn, height))
        self._size_markers(self.height())
        return pixels
