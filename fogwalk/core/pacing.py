"""Pacing a story: when every hiker has settled, and how far the action runs.

A run's steps are a budget, not a script: the hikers of the default scene find
their holes in about 150 of 2,000 steps. Playback pauses once nothing has moved
for a while, and the loss plot frames the steps where something happens.
"""

from __future__ import annotations

import numpy as np

from .engine import Run

SETTLE_SHARE = 1e-3  # a walker that moves less than this share of the domain's side...
SETTLE_WINDOW = 60  # ...over this many steps has settled
ACTIVE_MARGIN = 1.3  # the loss plot shows this much past the last step that moved


def _tolerance(run: Run) -> float:
    xmin, xmax, ymin, ymax = run.surface.domain
    return SETTLE_SHARE * max(xmax - xmin, ymax - ymin)


def settled(run: Run, step: int) -> bool:
    """Whether every walker stayed within :data:`SETTLE_SHARE` of the domain of where it
    stands at ``step`` over the :data:`SETTLE_WINDOW` steps before (computed ones only)."""
    if step < SETTLE_WINDOW or step > run.computed:
        return False
    window = run.xy[step - SETTLE_WINDOW : step + 1]
    with np.errstate(invalid="ignore"):
        moved = np.abs(window - window[-1])
    return bool(np.nan_to_num(moved, nan=0.0).max() <= _tolerance(run))


def active_end(run: Run) -> int:
    """The last computed step at which some optimizer's first walker was still more than
    :data:`SETTLE_SHARE` of the domain from where it stands at the last computed step:
    where its story ends so far (the loss plot's walker)."""
    path = run.xy[: run.computed + 1, :, 0]  # (steps, optimizers, 2)
    with np.errstate(invalid="ignore"):
        away = np.nan_to_num(np.abs(path - path[-1]), nan=0.0).max(axis=(1, 2))
    moving = np.flatnonzero(away > _tolerance(run))
    return int(moving[-1]) + 1 if moving.size else 0


def active_range(run: Run, minimum: int = 50) -> int:
    """How many steps the loss plot frames: past the action by :data:`ACTIVE_MARGIN` (and
    what has been computed, while the hikers still walk at the last computed step)."""
    end = active_end(run)
    if end > run.computed - SETTLE_WINDOW:  # still walking: the frame grows with the engine
        end = run.computed
    return int(np.clip(ACTIVE_MARGIN * end + SETTLE_WINDOW, minimum, max(run.steps, 1)))
