"""What one animation frame shows: each hiker's point, slope, velocity, trail and status."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.end_states import outcomes
from ..core.engine import Run


@dataclass(frozen=True)
class HikerFrame:
    """One frame, for ``n`` hikers (every optimizer's every walker), in surface coordinates."""

    step: int
    xy: np.ndarray  # (n, 2)
    loss: np.ndarray  # (n,)
    grad: np.ndarray  # (n, 2)
    velocity: np.ndarray  # (n, 2): the last move; zero where the optimizer keeps no momentum
    outcome: np.ndarray  # (n,) Outcome codes as of this step: walking, reached, stuck, diverged
    marks: np.ndarray  # (n,) their words: "✓ minimum", "stuck: saddle", "✗ diverged at step 37", ""
    trails: np.ndarray  # (n, m, 3): x, y, loss of the last m points, oldest first
    paths: np.ndarray  # (n, p, 3): x, y, loss at p steps spread from the start to now
    memory: np.ndarray  # (p, 2) points of ground already measured, spread along the trails

    def select(self, hikers: slice) -> HikerFrame:
        """The same frame with only some hikers (one optimizer's walkers in a split view)."""
        return HikerFrame(
            step=self.step,
            xy=self.xy[hikers],
            loss=self.loss[hikers],
            grad=self.grad[hikers],
            velocity=self.velocity[hikers],
            outcome=self.outcome[hikers],
            marks=self.marks[hikers],
            trails=self.trails[hikers],
            paths=self.paths[hikers],
            memory=self.memory,
        )


# All trails together, in the terrain view and on the map: drawing costs grow with points,
# not with steps, so that many walkers over many steps stay fast to draw.
TRAIL_POINTS = 40_000


def frame_at(
    run: Run,
    step: int | np.ndarray,
    *,
    trail_length: int = 80,
    path_points: int = 240,
    memory_points: int = 64,
) -> HikerFrame:
    """The frame at ``step`` (clamped to what the run has computed): one step for all, or one
    per optimizer and walker (the cost clock's ``(optimizers, walkers)`` steps).

    Trails keep the last ``trail_length`` points only, and the whole way from
    the start is ``path_points`` steps spread evenly over it (fewer of each
    when there are very many hikers), so that drawing a frame costs the same
    however many steps were walked.
    """
    k, w = run.xy.shape[1:3]
    steps = np.broadcast_to(np.clip(step, 0, run.computed), (k, w)).reshape(-1)
    optimizer = np.repeat(np.arange(k), w)
    walker = np.tile(np.arange(w), k)

    def at(rows: np.ndarray, records: np.ndarray) -> np.ndarray:
        """``records`` at each hiker's ``rows`` (one per hiker, or a column of them each)."""
        if rows.ndim == 1:
            return records[rows, optimizer, walker]
        return records[rows, optimizer[:, None], walker[:, None]]

    trail_length = max(2, min(trail_length, TRAIL_POINTS // (2 * k * w)))
    path_points = max(2, min(path_points, TRAIL_POINTS // (2 * k * w)))
    xy = at(steps, run.xy)
    previous = at(np.maximum(steps - 1, 0), run.xy)
    moving = np.repeat([opt.has_momentum for opt in run.optimizers], w)
    velocity = np.where(moving[:, None], xy - previous, 0.0)
    length = min(trail_length, int(steps.max()) + 1)
    rows = np.maximum(steps[:, None] - np.arange(length - 1, -1, -1), 0)  # oldest first
    trails = np.concatenate([at(rows, run.xy), at(rows, run.loss)[..., None]], axis=2)
    outcome, marks = outcomes(run, steps.reshape(k, w))
    spread = (np.linspace(0.0, 1.0, path_points)[None, :] * steps[:, None]).round().astype(int)
    paths = np.concatenate([at(spread, run.xy), at(spread, run.loss)[..., None]], axis=2)
    return HikerFrame(
        step=int(steps.max()),
        xy=xy,
        loss=at(steps, run.loss),
        grad=at(steps, run.grad),
        velocity=velocity,
        outcome=outcome.reshape(-1),
        marks=marks.reshape(-1),
        trails=trails,
        paths=paths,
        memory=_memory(run, steps, memory_points, at),
    )


def _memory(run: Run, steps: np.ndarray, count: int, at) -> np.ndarray:
    """Up to ``count`` measured points spread evenly over every hiker's path so far."""
    hikers = len(steps)
    per_hiker = max(1, count // hikers)
    share = np.linspace(0.0, 1.0, min(per_hiker, int(steps.max()) + 1))
    rows = (share[None, :] * steps[:, None]).round().astype(int)
    return at(rows, run.xy).reshape(-1, 2)[:count]
