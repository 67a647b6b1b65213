"""Sampled surfaces: a grid of heights as a bicubic spline with exact spline derivatives."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from ..errors import FogwalkError
from .base import Domain, Minimum
from .start import pick_start

if TYPE_CHECKING:
    from scipy.interpolate import RectBivariateSpline

MAX_SIDE = 1024  # nodes per side; the renderer's finest level of detail is 1024^2
# Shrinking never takes a side below this many nodes (or below what it has): a long thin grid
# (2 x 3000) shrinks along its long side only, so both sides keep the 2 nodes a grid needs.
MIN_KEPT = 4


class GridSurface:
    """Heights ``z[iy, ix]`` at nodes ``(x[ix], y[iy])``, as a bicubic interpolating spline.

    SciPy's ``RectBivariateSpline`` (``kx = ky = 3``, ``s = 0``) passes through
    every node exactly; the gradient and Hessian are the spline's own exact
    derivatives, so an optimizer walks a smooth (C2) surface that honours the
    data. An axis of two or three nodes is first refined to five by linear
    interpolation between its nodes (FITPACK's cubic needs four).

    Missing data (NaN in ``z``) makes holes. For the fit, every missing node
    takes the value of the nearest valid node, so the spline and its
    derivatives stay finite everywhere; then :meth:`value` is NaN at every
    point whose nearest node is missing (the renderer shows a hole, and the
    engine freezes a walker that steps into one) while the gradient stays
    finite. The value is NaN outside the domain too (off the map there is no
    data; the spline would only repeat its edge), so a walker that walks off
    the map stops there; the gradient there is the one at the nearest edge
    point. Non-finite points give NaN everything.

    A grid with more than ``max_side`` nodes on a side is shrunk first, by
    the same whole factor on both axes, each new node the mean of the valid
    nodes of its block; :attr:`notes` says so and a warning is emitted. A
    short side is shrunk less, so that it keeps at least 4 nodes (or all it
    has): a 2 x 3000 grid becomes 2 x 1000.

    Parameters
    ----------
    x : (nx,) array
        Strictly increasing node positions; at least 2.
    y : (ny,) array
        Strictly increasing node positions; at least 2.
    z : (ny, nx) array
        Heights, row ``iy`` at ``y[iy]``; NaN or infinity where data is missing.
    name, label, description, source
        As for every surface; ``source`` says where the data came from.
    start
        Where hikers start by default; else a node part-way up (see
        :func:`~fogwalk.core.surfaces.start.pick_start`).
    notes
        Human-readable remarks about the data (a loader's conversions).
    max_side
        The largest number of nodes kept on a side.

    Raises
    ------
    FogwalkError
        If the axes are not strictly increasing, the shapes disagree, or no
        height is finite.
    """

    log_height = False
    minima: tuple[Minimum, ...] = ()  # nothing is known: the data's lowest node is only a node

    def __init__(
        self,
        x: ArrayLike,
        y: ArrayLike,
        z: ArrayLike,
        *,
        name: str = "grid",
        label: str = "",
        description: str = "",
        source: str = "",
        start: tuple[float, float] | None = None,
        notes: Sequence[str] = (),
        max_side: int = MAX_SIDE,
    ) -> None:
        x, y, z = _check_grid(x, y, z)
        notes = list(notes)
        if max(z.shape) > max_side:
            factor = math.ceil(max(z.shape) / max(max_side, MIN_KEPT))
            shape = z.shape
            x, y, z = downsample(x, y, z, factor)
            times = f"{factor} times" if min(shape) // factor >= MIN_KEPT else "along its long side"
            note = (
                f"{shape[1]} x {shape[0]} nodes shrunk {times} to "
                f"{z.shape[1]} x {z.shape[0]} (block means of the valid nodes)"
            )
            notes.append(note)
            warnings.warn(f"{name}: {note}", stacklevel=2)
        self.missing = ~np.isfinite(z)
        z = np.where(self.missing, np.nan, z)
        for array in (x, y, z, self.missing):
            array.setflags(write=False)
        self.x, self.y, self.z = x, y, z
        self.name, self.source = name, source
        self.label = label or name
        self.domain: Domain = (float(x[0]), float(x[-1]), float(y[0]), float(y[-1]))
        self.notes = tuple(notes)
        self.description = description or f"{x.size} x {y.size} grid of heights"
        self._spline = _fit(x, y, fill_missing(z, self.missing))
        self._holes = bool(self.missing.any())
        # Points a rounding error outside the domain still count as inside.
        self._slack = 1e-9 * max(x[-1] - x[0], y[-1] - y[0])
        if start is None:
            grid_x, grid_y = np.meshgrid(x, y)
            start = pick_start(grid_x, grid_y, z)
        self.start = (float(start[0]), float(start[1]))

    def __repr__(self) -> str:
        return f"GridSurface({self.name!r}, {self.x.size} x {self.y.size}, domain={self.domain})"

    def _points(
        self, x: ArrayLike, y: ArrayLike
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[int, ...]]:
        """Flat evaluation points (non-finite ones moved to a corner) and their mask."""
        x, y = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
        shape = x.shape
        x, y = x.ravel(), y.ravel()
        bad = ~(np.isfinite(x) & np.isfinite(y))
        if bad.any():
            x, y = np.where(bad, self.x[0], x), np.where(bad, self.y[0], y)
        return x, y, bad, shape

    def _off_data(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """True where a point lies outside the domain or its nearest node is missing."""
        xmin, xmax, ymin, ymax = self.domain
        s = self._slack
        off = (x < xmin - s) | (x > xmax + s) | (y < ymin - s) | (y > ymax + s)
        if self._holes:
            off |= self.missing[_nearest(self.y, y), _nearest(self.x, x)]
        return off

    def _ev(self, x: np.ndarray, y: np.ndarray, dx: int, dy: int) -> np.ndarray:
        return self._spline.ev(x, y, dx=dx, dy=dy)

    def value(self, x: ArrayLike, y: ArrayLike) -> np.ndarray:
        px, py, bad, shape = self._points(x, y)
        f = self._ev(px, py, 0, 0)
        f[bad | self._off_data(px, py)] = np.nan
        return f.reshape(shape)

    def grad(self, x: ArrayLike, y: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        px, py, bad, shape = self._points(x, y)
        gx, gy = self._ev(px, py, 1, 0), self._ev(px, py, 0, 1)
        gx[bad] = gy[bad] = np.nan
        return gx.reshape(shape), gy.reshape(shape)

    def value_and_grad(
        self, x: ArrayLike, y: ArrayLike
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        px, py, bad, shape = self._points(x, y)
        f = self._ev(px, py, 0, 0)
        gx, gy = self._ev(px, py, 1, 0), self._ev(px, py, 0, 1)
        f[bad | self._off_data(px, py)] = np.nan
        gx[bad] = gy[bad] = np.nan
        return f.reshape(shape), gx.reshape(shape), gy.reshape(shape)

    def hessian(self, x: ArrayLike, y: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        px, py, bad, shape = self._points(x, y)
        terms = self._ev(px, py, 2, 0), self._ev(px, py, 1, 1), self._ev(px, py, 0, 2)
        for term in terms:
            term[bad] = np.nan
        hxx, hxy, hyy = (term.reshape(shape) for term in terms)
        return hxx, hxy, hyy


def _check_grid(
    x: ArrayLike, y: ArrayLike, z: ArrayLike
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    try:
        x = np.array(x, dtype=float).ravel()
        y = np.array(y, dtype=float).ravel()
        z = np.asarray(z, dtype=float)  # no copy of a big float grid: it is not written to
    except (TypeError, ValueError):
        raise FogwalkError("a grid needs numeric axes and heights") from None
    if z.ndim != 2 or z.shape != (y.size, x.size):
        raise FogwalkError(
            f"heights must be z[iy, ix] of shape (len(y), len(x)) = ({y.size}, {x.size}), "
            f"got {z.shape}"
        )
    if x.size < 2 or y.size < 2:
        raise FogwalkError(f"a grid needs at least 2 x 2 nodes, got {x.size} x {y.size}")
    for axis, values in (("x", x), ("y", y)):
        if not np.isfinite(values).all() or not (np.diff(values) > 0).all():
            raise FogwalkError(f"the {axis} axis of a grid must be finite and strictly increasing")
    if not np.isfinite(z).any():
        raise FogwalkError("the grid has no finite height")
    return x, y, z


def _fit(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> RectBivariateSpline:
    from scipy.interpolate import RectBivariateSpline  # SciPy's import is slow: only when needed

    x, z = _refine(x, z, along=1)
    y, z = _refine(y, z, along=0)
    # RectBivariateSpline wants z[ix, iy].
    return RectBivariateSpline(x, y, z.T, kx=3, ky=3, s=0)


def _refine(axis: np.ndarray, z: np.ndarray, along: int) -> tuple[np.ndarray, np.ndarray]:
    """Halve the steps of a short axis until it has 4 nodes, interpolating linearly."""
    while 1 < axis.size < 4:  # a grid has at least 2 nodes a side: 1 would never grow
        finer = np.sort(np.concatenate([axis, (axis[:-1] + axis[1:]) / 2]))
        left = np.clip(np.searchsorted(axis, finer, side="right") - 1, 0, axis.size - 2)
        weight = (finer - axis[left]) / (axis[left + 1] - axis[left])
        weight = weight[None, :] if along == 1 else weight[:, None]
        # At an old node the weight is exactly 0 or 1: the data stay exact.
        z = np.take(z, left, along) * (1 - weight) + np.take(z, left + 1, along) * weight
        axis = finer
    return axis, z


def _nearest(axis: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Index of the node of a sorted axis nearest each point (clamped to the axis)."""
    right = np.clip(np.searchsorted(axis, points), 1, axis.size - 1)
    left = right - 1
    return np.where(points - axis[left] <= axis[right] - points, left, right)


def fill_missing(z: np.ndarray, missing: np.ndarray) -> np.ndarray:
    """``z`` with every missing node set to the value of its nearest valid node.

    Parameters
    ----------
    z : (ny, nx) array
    missing : (ny, nx) bool array
        At least one node must be valid.

    Returns
    -------
    (ny, nx) array
        A copy, finite everywhere.
    """
    if not missing.any():
        return z.copy()
    from scipy.ndimage import distance_transform_edt

    # The indices of the nearest zero of the mask, i.e. the nearest valid node.
    index = distance_transform_edt(missing, return_distances=False, return_indices=True)
    return z[tuple(index)]


def downsample(
    x: np.ndarray, y: np.ndarray, z: np.ndarray, factor: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Shrink a grid ``factor`` times per side: each new node is its block's mean.

    Missing (non-finite) nodes are left out of the means; a block with no
    valid node stays missing. The last block of an axis may be shorter. Node
    positions are the means of their blocks' positions.

    Parameters
    ----------
    x : (nx,) array
    y : (ny,) array
    z : (ny, nx) array
    factor : int
        At least 1; a side of fewer than ``4 * factor`` nodes is shrunk less,
        keeping at least 4 nodes (or all it has).

    Returns
    -------
    x, y, z
        The coarser grid.
    """
    ny, nx = z.shape
    fy, fx = _factor(ny, factor), _factor(nx, factor)
    by, bx = -(-ny // fy), -(-nx // fx)
    padded = np.full((by * fy, bx * fx), np.nan)
    padded[:ny, :nx] = z
    blocks = padded.reshape(by, fy, bx, fx)
    valid = np.isfinite(blocks)
    counts = valid.sum(axis=(1, 3))
    sums = np.where(valid, blocks, 0.0).sum(axis=(1, 3))
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    return _block_mean(x, fx), _block_mean(y, fy), means


def _factor(size: int, factor: int) -> int:
    """The factor a side of ``size`` nodes is shrunk by: ``factor``, or less for a short side."""
    return max(1, min(factor, size // MIN_KEPT))


def _block_mean(axis: np.ndarray, factor: int) -> np.ndarray:
    blocks = -(-axis.size // factor)
    padded = np.full(blocks * factor, np.nan)
    padded[: axis.size] = axis
    return np.nanmean(padded.reshape(blocks, factor), axis=1)
