"""Basins of attraction: a walker from every node of a grid, and where each one ended.

Each walker's end is labelled with the place it reached: a known minimum of
the surface when it ended within ``tol`` of one; otherwise, if it stopped (the
engine froze it, or it stayed within ``tol`` for the second half of the run),
a cluster of such end points, whose kind (minimum, saddle, maximum, plateau)
the Hessian there tells; otherwise it diverged, or did not settle. Labels are
shared by every optimizer's panel, so one colour is one place throughout.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..distributed import Executor, Progress, Serial
from ..end_states import MINIMUM, stop_kinds
from ..engine import Status
from ..errors import FogwalkError
from ..optimizers import make_optimizer
from ..scene import Scene
from ..session import resolve_surface
from ..sizes import check_field_size
from ..surfaces import Surface
from .walks import Ends, Walks, chunk_size, runs_compiled, walk

DIVERGED, UNSETTLED, ELSEWHERE = -1, -2, -3
"""Labels that are no attractor: ran away, still moving at the end, stopped at one of
more places than :data:`MAX_ATTRACTORS`."""
MAX_ATTRACTORS = 24
TOL_SHARE = 0.01  # the default tolerance, as a share of the region's longer side


@dataclass(frozen=True)
class Attractor:
    """A place where walkers ended: a known minimum, or a cluster of stopped walkers."""

    x: float
    y: float
    kind: str  # one of end_states.END_STATES: minimum, saddle, maximum, plateau
    loss: float
    known: bool  # one of the surface's declared minima

    @property
    def name(self) -> str:
        return f"{self.kind} ({self.x:.4g}, {self.y:.4g})"


@dataclass(frozen=True)
class BasinMap:
    """A basin map: ``labels``, ``settled``, ``evaluations`` are ``(optimizers, ny, nx)``,
    ``end`` is ``(optimizers, ny, nx, 2)``; row ``j`` of the grid is ``y[j]``."""

    surface: str
    optimizers: tuple[str, ...]
    x: np.ndarray
    y: np.ndarray
    steps: int
    tol: float
    labels: np.ndarray
    settled: np.ndarray
    evaluations: np.ndarray
    end: np.ndarray
    attractors: tuple[Attractor, ...]

    @property
    def extent(self) -> tuple[float, float, float, float]:
        """The map's outer edges (xmin, xmax, ymin, ymax): each node the centre of a pixel."""
        dx, dy = self.x[1] - self.x[0], self.y[1] - self.y[0]
        return (
            float(self.x[0] - dx / 2),
            float(self.x[-1] + dx / 2),
            float(self.y[0] - dy / 2),
            float(self.y[-1] + dy / 2),
        )

    def shares(self, optimizer: int) -> dict[int, float]:
        """The share of the grid each label takes in one optimizer's panel."""
        values, counts = np.unique(self.labels[optimizer], return_counts=True)
        return {
            int(v): c / self.labels[optimizer].size for v, c in zip(values, counts, strict=True)
        }


def grid_nodes(
    region: Sequence[float], nx: int, ny: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The grid's x and y coordinates and its nodes as starts, row by row (y outer)."""
    xmin, xmax, ymin, ymax = region
    x, y = np.linspace(xmin, xmax, nx), np.linspace(ymin, ymax, ny)
    gx, gy = np.meshgrid(x, y)
    return x, y, np.column_stack([gx.ravel(), gy.ravel()])


def compute_basins(
    scene: Scene,
    grid: tuple[int, int],
    *,
    region: Sequence[float] | None = None,
    tol: float | None = None,
    executor: Executor | None = None,
    progress: Progress | None = None,
    chunk: int | None = None,
    places: Sequence[Attractor] = (),
) -> BasinMap:
    """The basin map of the scene's walking hikers over ``grid`` = ``(nx, ny)`` nodes.

    Parameters
    ----------
    scene
        Its surface, hikers and steps (its starts are replaced by the grid).
    region
        ``(xmin, xmax, ymin, ymax)``; default the surface's domain.
    tol
        The radius of "reached" and "stayed"; default 1 % of the region's longer side.
    executor
        Where the chunks run (:mod:`fogwalk.core.distributed`); default here, serially.
    progress
        ``progress(done, total)`` as chunks finish.
    chunk
        Walkers per chunk (default: as many as fit 64 MB of records, or of tallies for
        walks without records). The numbers do not depend on it.
    places
        Attractors known from an earlier map (a zoom's first frame): they come first, in
        this order, so that each keeps its label and colour; default the surface's minima.
    """
    surface = resolve_surface(scene)
    nx, ny = grid
    if nx < 2 or ny < 2:
        raise FogwalkError(f"the grid must have at least 2 x 2 nodes, got {nx} x {ny}")
    region = tuple(region or surface.domain)
    if not (region[0] < region[1] and region[2] < region[3]):
        raise FogwalkError(f"the region {region} is empty: give xmin < xmax and ymin < ymax")
    specs = tuple(hiker.optimizer.spec for hiker in scene.walking)
    if not specs:
        raise FogwalkError("the scene has no hiker walking")
    check_field_size(nx * ny * len(specs), f"a {nx} x {ny} grid of {len(specs)} optimizers")
    tol = TOL_SHARE * max(region[1] - region[0], region[3] - region[2]) if tol is None else tol
    if not tol > 0:
        raise FogwalkError(f"the tolerance must be positive, got {tol}")
    x, y, starts = grid_nodes(region, nx, ny)
    records = not runs_compiled(surface, [make_optimizer(spec) for spec in specs])
    size = chunk or chunk_size(scene.steps, len(specs), records)
    chunks = [
        Walks(
            scene.surface,
            scene.domain,
            scene.dataset,
            specs,
            starts[lo : lo + size],
            scene.steps,
            lo,
            tol,
        )
        for lo in range(0, len(starts), size)
    ]
    ends = Ends.join((executor or Serial()).map(walk, chunks, progress))
    labels, attractors = label_ends(surface, ends, scene.steps, tol, places)
    shape = (len(specs), ny, nx)
    return BasinMap(
        surface=surface.label,
        optimizers=tuple(h.spec for h in scene.walking),
        x=x,
        y=y,
        steps=scene.steps,
        tol=tol,
        labels=labels.reshape(shape),
        settled=ends.settled.reshape(shape),
        evaluations=ends.evaluations.reshape(shape),
        end=ends.xy.reshape((*shape, 2)),
        attractors=attractors,
    )


def label_ends(
    surface: Surface, ends: Ends, steps: int, tol: float, places: Sequence[Attractor] = ()
) -> tuple[np.ndarray, tuple[Attractor, ...]]:
    """Each walk's label (an attractor's index, or DIVERGED, UNSETTLED, ELSEWHERE) and the
    attractors: ``places`` (default the surface's known minima) first, then clusters by how
    many ended there."""
    xy, status = ends.xy.reshape(-1, 2), ends.status.ravel()
    labels = np.full(len(xy), UNSETTLED, dtype=np.int64)
    labels[status == Status.DIVERGED] = DIVERGED
    known = () if getattr(surface, "game", False) else surface.minima
    attractors = list(places) or [Attractor(m.x, m.y, MINIMUM, m.value, True) for m in known]
    if attractors:
        centres = np.array([(a.x, a.y) for a in attractors])
        distance = np.abs(xy[:, None, :] - centres[None]).max(axis=-1)
        nearest = distance.argmin(axis=1)
        near = (status != Status.DIVERGED) & (distance[np.arange(len(xy)), nearest] <= tol)
        labels[near] = nearest[near]
    stayed = (status == Status.CONVERGED) | (ends.settled.ravel() <= steps // 2)
    rest = np.flatnonzero((labels == UNSETTLED) & (status != Status.DIVERGED) & stayed)
    if rest.size:
        labels[rest], found = _cluster(xy[rest], tol, len(attractors))
        if len(found):
            with np.errstate(all="ignore"):
                losses = surface.value(found[:, 0], found[:, 1])
            kinds = stop_kinds(surface, found)
            attractors += [
                Attractor(float(px), float(py), str(kind), float(loss), False)
                for (px, py), kind, loss in zip(found, kinds, losses, strict=True)
            ]
    return labels, tuple(attractors)


def _cluster(points: np.ndarray, tol: float, first: int) -> tuple[np.ndarray, np.ndarray]:
    """Greedy clusters of radius ``tol`` over ``points``, the most crowded place first:
    each point's label (from ``first`` on; ELSEWHERE past :data:`MAX_ATTRACTORS`) and the
    clusters' centres (the mean of their points)."""
    cells, inverse, counts = np.unique(
        np.floor(points / tol).astype(np.int64), axis=0, return_inverse=True, return_counts=True
    )
    inverse = inverse.ravel()
    representative = np.zeros((len(cells), 2))
    np.add.at(representative, inverse, points)
    representative /= counts[:, None]
    cell_label = np.full(len(cells), ELSEWHERE, dtype=np.int64)
    centres: list[np.ndarray] = []
    for cell in np.argsort(-counts, kind="stable"):
        point = representative[cell]
        if centres:
            distance = np.abs(np.array(centres) - point).max(axis=1)
            if distance.min() <= tol:
                cell_label[cell] = first + int(distance.argmin())
                continue
        if first + len(centres) < MAX_ATTRACTORS:
            cell_label[cell] = first + len(centres)
            centres.append(point)
    labels = cell_label[inverse]
    found = np.zeros((len(centres), 2))
    for i in range(len(centres)):
        found[i] = points[labels == first + i].mean(axis=0)
    return labels, found
