"""Learning-rate schedules: a closed-form factor of the step, with linear warm-up."""

from __future__ import annotations

import math

from .hyper import HyperParam

SCHEDULES = ("constant", "step", "cosine", "exponential")

SCHEDULE_PARAMS = (
    HyperParam(
        "schedule",
        "constant",
        kind="choice",
        choices=SCHEDULES,
        help="learning-rate schedule: constant, step, cosine or exponential decay",
    ),
    HyperParam(
        "warmup",
        0,
        kind="int",
        low=0,
        ui_range=(0, 500),
        help="steps of linear warm-up from lr/warmup to lr",
    ),
    HyperParam(
        "decay_steps",
        100,
        kind="int",
        low=1,
        ui_range=(1, 2000),
        help="step: steps between decays; exponential: steps per factor decay_rate; "
        "cosine: steps to reach zero",
    ),
    HyperParam(
        "decay_rate",
        0.5,
        low=0.0,
        high=1.0,
        low_open=True,
        help="factor applied every decay_steps (step and exponential schedules)",
    ),
)


def lr_factor(step: int, schedule: str, warmup: int, decay_steps: int, decay_rate: float) -> float:
    """The multiplier of the base learning rate at update ``step`` (0 for the first).

    ``step``: ``decay_rate ** floor(step / decay_steps)`` (torch's StepLR);
    ``exponential``: ``decay_rate ** (step / decay_steps)`` (ExponentialLR with
    gamma = decay_rate ** (1 / decay_steps)); ``cosine``: ``(1 + cos(pi * t /
    decay_steps)) / 2`` with t capped at decay_steps (CosineAnnealingLR with
    eta_min = 0, in closed form). During warm-up the factor is further scaled
    by ``(step + 1) / warmup``.
    """
    if schedule == "step":
        factor = decay_rate ** (step // decay_steps)
    elif schedule == "exponential":
        factor = decay_rate ** (step / decay_steps)
    elif schedule == "cosine":
        factor = 0.5 * (1.0 + math.cos(math.pi * min(step, decay_steps) / decay_steps))
    else:
        factor = 1.0
    if step < warmup:
        factor *= (step + 1) / warmup
    return factor
