"""What one animation frame shows: each hiker's point, slope, velocity, trail and status."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.engine import Run


@dataclass(frozen=True)
class HikerFrame:
    """One frame, for ``n`` hikers (every optimizer's every walker), in surface coordinates."""

    step: int
    xy: np.ndarray  # (n, 2)
    loss: np.ndarray  # (n,)
    grad: np.ndarray  # (n, 2)
    velocity: np.ndarray  # (n, 2): the last move; zero where the optimizer keeps no momentum
    status: np.ndarray  # (n,) Status codes as of this step
    trails: np.ndarray  # (n, m, 3): x, y, loss of the last m points, oldest first
    memory: np.ndarray  # (p, 2) points of ground already measured, spread along the trails

    def select(self, hikers: slice) -> HikerFrame:
        """The same frame with only some hikers (one optimizer's walkers in a split view)."""
        return HikerFrame(
            step=self.step,
            xy=self.xy[hikers],
            loss=self.loss[hikers],
            grad=self.grad[hikers],
            velocity=self.velocity[hikers],
            status=self.status[hikers],
            trails=self.trails[hikers],
            memory=self.memory,
        )


# All trails together, in the terrain view and on the map: drawing costs grow with points,
# not with steps, so that many walkers over many steps stay fast to draw.
TRAIL_POINTS = 40_000


def frame_at(
    run: Run, step: int, *, trail_length: int = 400, memory_points: int = 64
) -> HikerFrame:
    """The frame at ``step`` (clamped to what the run has computed).

    Trails keep the last ``trail_length`` points only (fewer when there are
    very many hikers), so that drawing a frame costs the same however many
    steps were walked.
    """
    step = int(np.clip(step, 0, run.computed))
    k, w = run.xy.shape[1:3]
    trail_length = max(2, min(trail_length, TRAIL_POINTS // (k * w)))
    xy = run.xy[step].reshape(k * w, 2)
    previous = run.xy[max(step - 1, 0)].reshape(k * w, 2)
    moving = np.repeat([opt.has_momentum for opt in run.optimizers], w)
    velocity = np.where(moving[:, None], xy - previous, 0.0)
    first = max(0, step - trail_length + 1)
    trail_xy = run.xy[first : step + 1].reshape(-1, k * w, 2)
    trail_loss = run.loss[first : step + 1].reshape(-1, k * w, 1)
    trails = np.concatenate([trail_xy, trail_loss], axis=2).transpose(1, 0, 2)
    return HikerFrame(
        step=step,
        xy=xy.copy(),
        loss=run.loss[step].reshape(-1).copy(),
        grad=run.grad[step].reshape(k * w, 2).copy(),
        velocity=velocity,
        status=run.status_at(step).reshape(-1),
        trails=trails,
        memory=_memory(run, step, memory_points),
    )


def _memory(run: Run, step: int, count: int) -> np.ndarray:
    """Up to ``count`` measured points spread evenly over every hiker's path so far."""
    k, w = run.xy.shape[1:3]
    per_hiker = max(1, count // (k * w))
    rows = np.unique(np.linspace(0, step, min(per_hiker, step + 1)).round().astype(int))
    return run.xy[rows].transpose(1, 2, 0, 3).reshape(-1, 2)[:count]
