"""What became of a walker, in words a teacher can use: where it stopped, the Hessian says
whether it reached a minimum or got stuck at a saddle, at a maximum or on a plateau.

The engine only knows that a walker stopped (its slope or its step fell below the
tolerance) or ran away. Here the stop is read off the ground under it: both curvatures
positive is a minimum, of opposite signs a saddle, both negative a maximum. Where the
Hessian is flat (a monkey saddle, a quartic bowl, a plateau) the loss on a small ring
around the point decides: all higher is a minimum, all lower a maximum, some of each a
saddle, all the same a plateau.
"""

from __future__ import annotations

import weakref
from enum import IntEnum

import numpy as np

from .engine import Run, Status
from .surfaces import Surface

WALKING, MINIMUM, SADDLE, MAXIMUM, PLATEAU, DIVERGED = (
    "walking", "minimum", "saddle", "maximum", "plateau", "diverged",
)  # fmt: skip
END_STATES = (WALKING, MINIMUM, SADDLE, MAXIMUM, PLATEAU, DIVERGED)
FLAT = 1e-4  # a curvature below this share of the surface's typical one counts as none
RING = 1e-3  # the ring's radius, as a share of the domain's longer side
RING_POINTS = 16
_typical: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def typical_curvature(surface: Surface) -> float:
    """The median of the larger absolute curvature over a 24 x 24 grid of the domain."""
    if surface not in _typical:
        xmin, xmax, ymin, ymax = surface.domain
        x, y = np.meshgrid(np.linspace(xmin, xmax, 24), np.linspace(ymin, ymax, 24))
        with np.errstate(all="ignore"):
            largest = np.abs(_eigenvalues(*surface.hessian(x.ravel(), y.ravel()))).max(axis=0)
        largest = largest[np.isfinite(largest)]
        _typical[surface] = float(np.median(largest)) if largest.size else 1.0
    return _typical[surface] or 1.0


def _eigenvalues(hxx: np.ndarray, hxy: np.ndarray, hyy: np.ndarray) -> np.ndarray:
    """The two eigenvalues (smaller first) of symmetric 2 x 2 matrices: ``(2, n)``."""
    mean = (hxx + hyy) / 2
    radius = np.hypot((hxx - hyy) / 2, hxy)
    return np.stack([mean - radius, mean + radius])


def stop_kinds(surface: Surface, points: np.ndarray) -> np.ndarray:
    """The kind of ground (minimum, saddle, maximum or plateau) at each of ``points`` (n, 2)."""
    points = np.asarray(points, dtype=float).reshape(-1, 2)
    with np.errstate(all="ignore"):
        low, high = _eigenvalues(*surface.hessian(points[:, 0], points[:, 1]))
    flat = FLAT * typical_curvature(surface)
    kinds = np.full(len(points), PLATEAU, dtype=object)
    kinds[(low > flat) | ((low >= -flat) & (high > flat))] = MINIMUM
    kinds[(high < -flat) | ((high <= flat) & (low < -flat))] = MAXIMUM
    kinds[(low < -flat) & (high > flat)] = SADDLE
    degenerate = ~((np.abs(low) > flat) | (np.abs(high) > flat))
    if degenerate.any():
        kinds[degenerate] = _ring_kinds(surface, points[degenerate])
    return kinds


def _ring_kinds(surface: Surface, points: np.ndarray) -> np.ndarray:
    """Classify flat-Hessian points by the loss on a small ring around each."""
    xmin, xmax, ymin, ymax = surface.domain
    radius = RING * max(xmax - xmin, ymax - ymin)
    angles = np.linspace(0.0, 2 * np.pi, RING_POINTS, endpoint=False)
    ring_x = points[:, :1] + radius * np.cos(angles)
    ring_y = points[:, 1:] + radius * np.sin(angles)
    with np.errstate(all="ignore"):
        centre = surface.value(points[:, 0], points[:, 1])[:, None]
        change = surface.value(ring_x, ring_y) - centre
    tolerance = 1e-12 * (1.0 + np.abs(centre))
    above = (change > tolerance).any(axis=1)
    below = (change < -tolerance).any(axis=1)
    kinds = np.full(len(points), PLATEAU, dtype=object)
    kinds[above & ~below] = MINIMUM
    kinds[below & ~above] = MAXIMUM
    kinds[above & below] = SADDLE
    return kinds


def end_states(run: Run, steps: int | np.ndarray | None = None) -> np.ndarray:
    """Each walker's state at ``steps`` (default: its last computed step), ``(optimizers,
    walkers)`` of :data:`END_STATES`: walking, diverged, or the ground where it stopped."""
    at = run.computed if steps is None else steps
    status = run.status_at(np.broadcast_to(at, run.status.shape))
    states = np.full(status.shape, WALKING, dtype=object)
    states[status == Status.DIVERGED] = DIVERGED
    stopped = status == Status.CONVERGED
    if stopped.any():
        k, w = np.nonzero(stopped)
        points = run.xy[run.status_step[k, w], k, w]
        states[k, w] = stop_kinds(run.surface, points)
    return states


class Outcome(IntEnum):
    """How a walker's state stands to what its optimizer is after."""

    WALKING = 0
    REACHED = 1  # stopped where it wanted: a minimum (a maximum when climbing, a game's saddle)
    STUCK = 2  # stopped anywhere else: a saddle, a maximum, a plateau
    DIVERGED = 3


def goal(run: Run, optimizer: int) -> str:
    """What optimizer ``optimizer`` of the run is after: a minimum, a maximum when it
    climbs, the saddle point (the equilibrium) of a min-max game."""
    if getattr(run.surface, "game", False):
        return SADDLE
    return MAXIMUM if run.optimizers[optimizer].hyper.get("maximize", False) else MINIMUM


def outcomes(run: Run, steps: int | np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Each walker's :class:`Outcome` and its mark at ``steps``, ``(optimizers, walkers)``
    each: "✓ minimum" reached, "stuck: saddle", "✗ diverged at step 37", "" while it
    walks."""
    states = end_states(run, steps)
    wanted = np.array([goal(run, k) for k in range(states.shape[0])], dtype=object)[:, None]
    codes = np.full(states.shape, Outcome.STUCK, dtype=np.uint8)
    codes[states == WALKING] = Outcome.WALKING
    codes[states == DIVERGED] = Outcome.DIVERGED
    codes[states == wanted] = Outcome.REACHED
    marks = np.full(states.shape, "", dtype=object)
    gone = codes == Outcome.DIVERGED  # left the map or overflowed: say when
    marks[gone] = [f"✗ diverged at step {s}" for s in run.status_step[gone]]
    for code, prefix in ((Outcome.REACHED, "✓ "), (Outcome.STUCK, "stuck: ")):
        where = codes == code
        marks[where] = [prefix + state for state in states[where]]
    return codes, marks
