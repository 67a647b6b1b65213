"""Schedule-free SGD and AdamW (Defazio et al. 2024), step for step as the ``schedulefree`` package.

The hiker walks ``y``, the point where the schedule-free methods measure the
slope: an interpolation between the fast iterate ``z`` (plain SGD or Adam
steps) and the running average ``x`` of the ``z`` visited, weighted by the
learning rates seen so far. ``x`` itself, the point the package's ``eval()``
switches to, is ``y`` moved back along ``z``; it is not walked.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np

from .common import (
    Coords,
    betas_param,
    decayed_average_of_squares,
    eps_param,
    lerp,
    lr_param,
    weight_decay_param,
    where,
)
from .hyper import HyperParam
from .registry import Algorithm, register
from .rule import ElementwiseRule, elementwise

SCHEDULEFREE = "schedulefree 1.4.1, {}; Defazio et al. (2024), The Road Less Scheduled"

WARMUP_STEPS = HyperParam(
    "warmup_steps",
    0,
    kind="int",
    low=0,
    ui_range=(0, 500),
    help="steps of the package's own linear warm-up of lr",
)
R = HyperParam(
    "r", 0.0, low=0.0, ui_range=(0.0, 4.0), help="power of the step count in the averaging weight"
)
WEIGHT_LR_POWER = HyperParam(
    "weight_lr_power",
    2.0,
    low=0.0,
    ui_range=(0.0, 4.0),
    help="power of the largest learning rate so far in the averaging weight",
)


class ScheduleFreeScalars(NamedTuple):
    lr: float
    first: bool  # z starts at the point itself
    ckp1: float  # the averaging weight of this step
    y_step: float  # what y moves by per (normalised) gradient: lr (beta (1 - ckp1) - 1)
    bias_correction2: float  # AdamW only


def schedule_free_scalars(
    h: Mapping[str, Any], lr: float, step: int, carry: tuple[float, float] | None
) -> tuple[ScheduleFreeScalars, tuple[float, float]]:
    """The package's per-step scalars; ``carry`` is its ``(lr_max, weight_sum)``."""
    lr_max, weight_sum = (-1.0, 0.0) if carry is None else carry
    k = step
    sched = (k + 1) / h["warmup_steps"] if k < h["warmup_steps"] else 1.0
    lr = lr * sched
    lr_max = max(lr, lr_max)
    weight = ((k + 1) ** h["r"]) * (lr_max ** h["weight_lr_power"])
    weight_sum = weight_sum + weight
    ckp1 = weight / weight_sum if weight_sum != 0 else 0.0  # the package catches ZeroDivision
    beta = h["momentum"] if "momentum" in h else h["betas"][0]
    bias_correction2 = 1 - h["betas"][1] ** (k + 1) if "betas" in h else 1.0
    scalars = ScheduleFreeScalars(
        lr, step == 0, ckp1, lr * (beta * (1 - ckp1) - 1), bias_correction2
    )
    return scalars, (lr_max, weight_sum)


class SgdScheduleFreeState(NamedTuple):
    z: Coords


class SgdScheduleFreeOptions(NamedTuple):
    weight_decay: float


def sgd_schedulefree_update(
    p: Coords,
    g: Coords,
    state: SgdScheduleFreeState,
    h: SgdScheduleFreeOptions,
    c: ScheduleFreeScalars,
) -> tuple[Coords, SgdScheduleFreeState]:
    """Schedule-free SGD's step on one coordinate (or arrays of them)."""
    z = where(c.first, p, state.z)
    if h.weight_decay != 0.0:
        g = g + h.weight_decay * p
    y = lerp(p, z, c.ckp1)
    return y + c.y_step * g, SgdScheduleFreeState(z - c.lr * g)


SGD_SCHEDULEFREE = ElementwiseRule(
    sgd_schedulefree_update,
    SgdScheduleFreeState,
    lambda h: (0.0,),
    SgdScheduleFreeOptions,
    schedule_free_scalars,
)


@register(
    "sgd_schedulefree",
    params=(
        lr_param(1.0),
        HyperParam(
            "momentum",
            0.9,
            low=0.0,
            high=1.0,
            low_open=True,
            high_open=True,
            ui_range=(0.0, 0.999),
            help="interpolation between the average and the fast iterate",
        ),
        weight_decay_param(),
        WARMUP_STEPS,
        R,
        WEIGHT_LR_POWER,
    ),
    summary="SGD without a schedule: slope measured between the iterate and its average",
    source=SCHEDULEFREE.format("SGDScheduleFree"),
    momentum=lambda h: True,
)
def sgd_schedulefree(h: Mapping[str, Any]) -> Algorithm:
    r"""Schedule-free SGD, exactly as ``schedulefree.SGDScheduleFree`` in train mode.

    .. code-block:: text

        z_0 <- y_0 <- theta_0;  lr_max <- -1;  W <- 0
        for t = 1 ...
            gamma_t <- gamma min(1, t / warmup_steps);  lr_max <- max(lr_max, gamma_t)
            w_t <- t^r lr_max^weight_lr_power;  W <- W + w_t;  c_t <- w_t / W
            g_t <- grad f(y_{t-1}) + lambda y_{t-1}
            y_t <- (1 - c_t) y_{t-1} + c_t z_{t-1} + gamma_t (beta (1 - c_t) - 1) g_t
            z_t <- z_{t-1} - gamma_t g_t
        (the average x_t = (y_t - (1 - beta) z_t) / beta is what eval() reports)
    """
    return elementwise(SGD_SCHEDULEFREE, h)


class AdamWScheduleFreeState(NamedTuple):
    z: Coords
    exp_avg_sq: Coords


class AdamWScheduleFreeOptions(NamedTuple):
    weight_decay: float
    betas: tuple[float, float]
    eps: float


def adamw_schedulefree_update(
    p: Coords,
    g: Coords,
    state: AdamWScheduleFreeState,
    h: AdamWScheduleFreeOptions,
    c: ScheduleFreeScalars,
) -> tuple[Coords, AdamWScheduleFreeState]:
    """Schedule-free AdamW's step on one coordinate (or arrays of them)."""
    z = where(c.first, p, state.z)
    exp_avg_sq = decayed_average_of_squares(state.exp_avg_sq, g, h.betas[1])
    g = g / (np.sqrt(exp_avg_sq / c.bias_correction2) + h.eps)
    if h.weight_decay != 0.0:
        g = g + h.weight_decay * p
    y = lerp(p, z, c.ckp1)
    return y + c.y_step * g, AdamWScheduleFreeState(z - c.lr * g, exp_avg_sq)


ADAMW_SCHEDULEFREE = ElementwiseRule(
    adamw_schedulefree_update,
    AdamWScheduleFreeState,
    lambda h: (0.0, 0.0),
    AdamWScheduleFreeOptions,
    schedule_free_scalars,
)


@register(
    "adamw_schedulefree",
    params=(
        lr_param(0.0025),
        betas_param(),
        eps_param(1e-8),
        weight_decay_param(),
        WARMUP_STEPS,
        R,
        WEIGHT_LR_POWER,
    ),
    summary="AdamW without a schedule: Adam steps on the iterate, slope measured "
    "between it and its average",
    source=SCHEDULEFREE.format("AdamWScheduleFree"),
    momentum=lambda h: True,
)
def adamw_schedulefree(h: Mapping[str, Any]) -> Algorithm:
    r"""Schedule-free AdamW, exactly as ``schedulefree.AdamWScheduleFree`` in train mode.

    .. code-block:: text

        as sgd_schedulefree, with beta = beta1 and the gradient normalised first:
            v_t <- beta2 v_{t-1} + (1 - beta2) g_t^2
            g_t <- g_t / (sqrt(v_t / (1 - beta2^t)) + eps) + lambda y_{t-1}
    """
    return elementwise(ADAMW_SCHEDULEFREE, h)
