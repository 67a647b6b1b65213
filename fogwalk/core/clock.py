"""The playback clock: which step each hiker shows at a moment of playback.

By steps, every hiker shows the same step. By cost, every hiker has spent
the same measurement budget (priced by the scene's
:class:`~fogwalk.core.measurements.Costs`): a Newton or line-search hiker
pays for its precision by being seen fewer steps on, a zeroth-order one
walks many cheap steps. A moment of playback (a *tick*) is a step on the
step clock and a budget, in gradients' worth, on the cost clock; both run
from 0 to the scene's steps.
"""

from __future__ import annotations

import numpy as np

from .engine import Run
from .measurements import Costs
from .scene import CLOCKS

__all__ = ["CLOCKS", "reach", "steps_at", "tick_label"]
_SLACK = 1e-9  # three losses at a third each are one gradient, whatever the rounding


def steps_at(run: Run, tick: float, clock: str = "steps", costs: Costs | None = None) -> np.ndarray:
    """The step each walker shows at ``tick``: ``(optimizers, walkers)``, within what the run
    has computed.

    On the cost clock that is the last step at which the walker had spent at
    most ``tick`` (a walker that stopped shows the step it stopped at from then
    on).
    """
    shape = run.status_step.shape
    if clock == "steps":
        return np.full(shape, int(np.clip(np.floor(tick), 0, run.computed)), dtype=np.int64)
    costs = costs or Costs()
    budget = float(tick) + _SLACK * max(1.0, abs(float(tick)))
    low = np.zeros(shape, dtype=np.int64)  # spent(low) <= budget: nothing is spent at step 0
    high = np.full(shape, run.computed, dtype=np.int64)
    base = run.measured(0)
    while (low < high).any():  # the largest step within the budget, for all walkers at once
        middle = (low + high + 1) // 2
        within = (run.measured(middle) - base) @ costs.weights <= budget
        low = np.where(within, middle, low)
        high = np.where(within, high, middle - 1)
    # A walker that stopped spends nothing more: it shows the step it stopped at.
    stops = run.status_step
    return np.where((stops >= 0) & (stops < low), stops, low)


def reach(run: Run, clock: str = "steps", costs: Costs | None = None) -> float:
    """The last tick every walker can already be shown at, as far as the run has computed.

    A walker that stopped, or a finished run, holds nothing back; on the cost
    clock the others can be shown up to what they have spent.
    """
    if clock == "steps":
        return float(run.computed)
    if run.computed >= run.steps:
        return float(run.steps)
    walking = run.status_step < 0
    if not walking.any():
        return float(run.steps)
    spent = run.spent(costs or Costs())
    return float(min(spent[walking].min(), run.steps))


def tick_label(clock: str) -> str:
    """What a tick is called on a counter and an axis."""
    return "step" if clock == "steps" else "cost"
