"""Terrain geometry in NumPy: sampling a surface, the world mapping, normals and shading."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.surfaces import Surface

WORLD_SIZE = 10.0  # the terrain's longer side, in world units
RELIEF = 0.42  # height of the terrain relative to its longer side
CONTOURS = 12  # contour lines between the lowest and the highest sampled loss, map and ground
LIGHT = np.array([-0.6, 0.45, 0.55])  # from the upper left, as maps are lit


@dataclass(frozen=True)
class WorldMap:
    """Maps surface coordinates and loss to world coordinates, and back.

    The domain is centred and scaled so that its longer side is
    ``WORLD_SIZE``; the loss is mapped linearly or logarithmically onto
    ``[0, RELIEF * WORLD_SIZE]`` over the range sampled on the grid.
    """

    domain: tuple[float, float, float, float]
    loss_min: float
    loss_max: float
    log: bool

    @property
    def scale(self) -> float:
        xmin, xmax, ymin, ymax = self.domain
        return WORLD_SIZE / max(xmax - xmin, ymax - ymin)

    @property
    def center(self) -> tuple[float, float]:
        xmin, xmax, ymin, ymax = self.domain
        return (xmin + xmax) / 2, (ymin + ymax) / 2

    @property
    def height(self) -> float:
        return RELIEF * WORLD_SIZE

    def xy(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        cx, cy = self.center
        return (np.asarray(x) - cx) * self.scale, (np.asarray(y) - cy) * self.scale

    def surface_xy(self, wx, wy) -> tuple[np.ndarray, np.ndarray]:
        cx, cy = self.center
        return np.asarray(wx) / self.scale + cx, np.asarray(wy) / self.scale + cy

    def level(self, loss) -> np.ndarray:
        """Loss -> 0..1 over the sampled range, linearly or logarithmically (not clipped)."""
        loss = np.asarray(loss, dtype=float)
        span = max(self.loss_max - self.loss_min, 1e-300)
        if not self.log:
            return (loss - self.loss_min) / span
        floor = span * 1e-5  # keeps the log finite at the minimum, where the valley must read
        above = np.maximum(loss - self.loss_min, 0.0)
        return np.log1p(above / floor) / np.log1p(span / floor)

    def z(self, loss) -> np.ndarray:
        return self.level(loss) * self.height


@dataclass(frozen=True)
class TerrainMesh:
    """Everything the GPU needs for one surface at one level of detail."""

    world: WorldMap
    vertexes: np.ndarray  # (n, 3) float32, world coordinates
    faces: np.ndarray  # (m, 3) uint32
    colors: np.ndarray  # (n, 4) float32, colour map times shading
    loss: np.ndarray  # (ny, nx) the sampled loss, NaN where the surface has no value


def sample(surface: Surface, resolution: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The loss on a square grid over the domain: ``(xs, ys, loss[iy, ix])``."""
    xmin, xmax, ymin, ymax = surface.domain
    xs = np.linspace(xmin, xmax, resolution)
    ys = np.linspace(ymin, ymax, resolution)
    gx, gy = np.meshgrid(xs, ys)
    with np.errstate(all="ignore"):
        loss = np.asarray(surface.value(gx, gy), dtype=float)
    loss[~np.isfinite(loss)] = np.nan
    return xs, ys, loss


def height_is_log(surface: Surface, mode: str) -> bool:
    """``mode`` is "linear", "log" or "auto" (the surface's own preference)."""
    if mode == "auto":
        return bool(getattr(surface, "log_height", False))
    return mode == "log"


def grid_faces(nx: int, ny: int) -> np.ndarray:
    """Two triangles per grid cell, indices into a row-major (ny, nx) vertex grid."""
    index = np.arange(nx * ny, dtype=np.uint32).reshape(ny, nx)
    a, b = index[:-1, :-1].ravel(), index[:-1, 1:].ravel()
    c, d = index[1:, :-1].ravel(), index[1:, 1:].ravel()
    return np.concatenate([np.stack([a, b, d], 1), np.stack([a, d, c], 1)])


def shading(z: np.ndarray, spacing_x: float, spacing_y: float) -> np.ndarray:
    """Lambert shading in 0..1 from normals of the height grid (NumPy, no per-vertex loop)."""
    dz_dy, dz_dx = np.gradient(z, spacing_y, spacing_x)
    normals = np.stack([-dz_dx, -dz_dy, np.ones_like(z)], axis=-1)
    normals /= np.linalg.norm(normals, axis=-1, keepdims=True)
    light = LIGHT / np.linalg.norm(LIGHT)
    return np.clip(normals @ light, 0.0, 1.0)


def relief(world: WorldMap, z: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """The ground's brightness (ny, nx) over heights ``z`` (world units) at ``xs``, ``ys``:
    ambient plus diffuse light, what the terrain's colours are multiplied by."""
    light = shading(z, (xs[1] - xs[0]) * world.scale, (ys[1] - ys[0]) * world.scale)
    return np.minimum(0.5 + 0.62 * light, 1.0)


def shaded_colors(
    world: WorldMap, loss: np.ndarray, xs: np.ndarray, ys: np.ndarray, colormap=None
) -> np.ndarray:
    """The terrain's colours times its hill shading, (ny, nx, 4) float32; holes transparent.

    ``colormap`` maps levels in 0..1 to RGBA floats (n, 4); the default is a
    grey ramp. The terrain view and the 2-D map both colour the ground here.
    """
    level = np.nan_to_num(world.level(loss), nan=0.0)
    if colormap is None:
        rgba = np.repeat(level[..., None], 4, axis=-1)
    else:
        rgba = np.asarray(colormap(level.ravel()), dtype=np.float32).reshape(*loss.shape, 4)
    colors = rgba.astype(np.float32, copy=True)
    colors[..., :3] *= relief(world, level * world.height, xs, ys)[..., None]
    colors[..., 3] = 1.0
    colors[np.isnan(loss)] = 0.0  # holes where there is no value
    return colors


@dataclass(frozen=True)
class GroundImage:
    """A picture laid on the ground: RGB ``(ny, nx, 3)`` uint8, row ``j`` at the smallest y
    first, over ``rect`` (xmin, xmax, ymin, ymax: the pixels' outer edges), at ``opacity``."""

    rgb: np.ndarray
    rect: tuple[float, float, float, float]
    opacity: float


def draped_colors(mesh: TerrainMesh, image: GroundImage) -> np.ndarray:
    """The mesh's colours with ``image`` laid over them, hill-shaded as the ground is,
    ``(n, 4)`` float32; the ground shows as it is outside the image and in holes."""
    ny, nx = mesh.loss.shape
    xmin, xmax, ymin, ymax = image.rect
    x0, x1, y0, y1 = mesh.world.domain
    xs, ys = np.linspace(x0, x1, nx), np.linspace(y0, y1, ny)
    rows, columns = image.rgb.shape[:2]
    i = np.floor((xs - xmin) / (xmax - xmin) * columns).astype(int)
    j = np.floor((ys - ymin) / (ymax - ymin) * rows).astype(int)
    inside = ((j >= 0) & (j < rows))[:, None] & ((i >= 0) & (i < columns))[None, :]
    rgb = image.rgb[np.clip(j, 0, rows - 1)][:, np.clip(i, 0, columns - 1)] / 255.0
    shaded = rgb * relief(mesh.world, mesh.vertexes[:, 2].reshape(ny, nx), xs, ys)[..., None]
    colors = mesh.colors.reshape(ny, nx, 4).copy()
    laid = inside & np.isfinite(mesh.loss)
    colors[laid, :3] = (1 - image.opacity) * colors[laid, :3] + image.opacity * shaded[laid]
    return colors.reshape(-1, 4).astype(np.float32)


def build_mesh(
    surface: Surface,
    resolution: int = 256,
    height: str = "auto",
    colormap=None,
    world: WorldMap | None = None,
) -> TerrainMesh:
    """Sample ``surface`` and build its shaded, coloured terrain mesh.

    ``colormap`` maps levels in 0..1 to RGBA floats (n, 4); the default is a
    grey ramp, the view passes a perceptual colour map. ``world`` reuses the
    mapping of another mesh of the same surface (a coarser level of detail
    must put hikers at the same heights).
    """
    xs, ys, loss = sample(surface, resolution)
    if world is None:
        finite = loss[np.isfinite(loss)]
        low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        world = WorldMap(tuple(surface.domain), low, high, height_is_log(surface, height))
    wx, wy = world.xy(*np.meshgrid(xs, ys))
    wz = np.nan_to_num(world.level(loss), nan=0.0) * world.height
    vertexes = np.stack([wx, wy, wz], axis=-1).reshape(-1, 3).astype(np.float32)
    colors = shaded_colors(world, loss, xs, ys, colormap).reshape(-1, 4)
    faces = grid_faces(resolution, resolution)
    return TerrainMesh(world, vertexes, faces, colors, loss)
