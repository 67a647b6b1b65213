"""What pytorch-optimizer's BaseOptimizer does for several of its optimizers (pytorch-optimizer
4.1.0, pytorch_optimizer/base/optimizer.py), written once.

Its ``apply_weight_decay`` (with the three hyper-parameters it reads), ``debias``,
``get_rectify_step_size`` (with the ones that one reads) and the range ``validate_betas``
checks; and the gradient clip by the global norm that Adan and Lamb share (their
``get_global_gradient_norm`` methods, over
``pytorch_optimizer.optimizer.utils.get_global_gradient_norm``). Each computes a step's
Python scalars or works on a whole ``(walkers, 2)`` array: none is called from inside an
element-wise rule, which may call only the primitives of :mod:`.common`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, overload

import numpy as np
from numpy.typing import NDArray

from .common import Coords, betas_param, norm2, weight_decay_param
from .hyper import HyperParam

PYTORCH_OPTIMIZER = "pytorch-optimizer 4.1.0, {}"
"""The reference named in a ``source``, with the class (or what of it) formatted in."""


# --- validate_betas ----------------------------------------------------------------------


def described_betas(default: tuple[float, float], text: str) -> HyperParam:
    """:func:`.common.betas_param` (each in [0, 1), as ``validate_betas`` checks them) with
    its own help line, for betas that weigh other averages than Adam's."""
    return replace(betas_param(default), help=text)


# --- apply_weight_decay ------------------------------------------------------------------


def weight_decouple_param(default: bool) -> HyperParam:
    return HyperParam(
        "weight_decouple",
        default,
        kind="bool",
        help="decay the parameters directly (AdamW-style) instead of adding to the gradient",
    )


FIXED_DECAY = HyperParam(
    "fixed_decay",
    False,
    kind="bool",
    help="decoupled decay by weight_decay itself each step, not scaled by the learning rate",
)


def weight_decay_params(weight_decouple: bool) -> tuple[HyperParam, HyperParam, HyperParam]:
    """``weight_decay`` (0 by default), ``weight_decouple`` and ``fixed_decay``: what
    :func:`weight_decay_scalars` reads, in the references' order."""
    return weight_decay_param(), weight_decouple_param(weight_decouple), FIXED_DECAY


@overload
def weight_decay_scalars(h: Mapping[str, Any], lr: float) -> tuple[float, float]: ...


@overload
def weight_decay_scalars(h: Mapping[str, Any], lr: NDArray[np.float64]) -> tuple[float, Coords]: ...


def weight_decay_scalars(h: Mapping[str, Any], lr: Coords) -> tuple[float, Coords]:
    """``apply_weight_decay`` as two step scalars: the coupled L2 weight (added to the
    gradient) and the factor the point is multiplied by (1 when coupled).

    ``lr`` may be an array, one learning rate per walker (Prodigy's ``d_lr``), as
    ``apply_weight_decay_foreach`` takes a list of them; the factor is one per walker then.
    """
    weight_decay = h["weight_decay"]
    if weight_decay == 0.0:
        return 0.0, 1.0
    if h["weight_decouple"]:
        return 0.0, 1.0 - weight_decay * (1.0 if h["fixed_decay"] else lr)
    return weight_decay, 1.0


# --- debias ------------------------------------------------------------------------------


def debias(beta: float, step: int) -> float:
    """``BaseOptimizer.debias``: ``1 - beta^step``."""
    return 1.0 - math.pow(beta, step)


# --- get_rectify_step_size ---------------------------------------------------------------

RECTIFY = HyperParam("rectify", False, kind="bool", help="rectify the step as RAdam does (warm-up)")

N_SMA_THRESHOLD = HyperParam(
    "n_sma_threshold",
    5,
    kind="int",
    low=0,
    ui_range=(0, 20),
    help="with rectify: the length of the moving average from which the step adapts",
)


def degenerated_to_sgd_param(default: bool) -> HyperParam:
    return HyperParam(
        "degenerated_to_sgd",
        default,
        kind="bool",
        help="with rectify: step with the bare momentum until the threshold (else do not step)",
    )


def rectify_step_size(
    rectify: bool, step: int, lr: float, beta2: float, threshold: int, degenerated: bool
) -> tuple[float, float]:
    """``BaseOptimizer.get_rectify_step_size``: RAdam's step size and n_sma (its moving
    average's length) at ``step``; with ``rectify`` off, ``lr`` and 0."""
    if not rectify:
        return lr, 0.0
    n_sma_max = 2.0 / (1.0 - beta2) - 1.0
    beta2_t = beta2**step
    n_sma = n_sma_max - 2 * step * beta2_t / (1.0 - beta2_t)
    if n_sma >= threshold:
        rt = math.sqrt(
            (1.0 - beta2_t)
            * (n_sma - 4)
            / (n_sma_max - 4)
            * (n_sma - 2)
            / n_sma
            * n_sma_max
            / (n_sma_max - 2)
        )
    elif degenerated:
        rt = 1.0
    else:
        rt = -1.0
    return lr * rt, n_sma


# --- get_global_gradient_norm ------------------------------------------------------------


def global_norm_clip(
    grad: NDArray[np.float64], max_grad_norm: float, eps: float
) -> NDArray[np.float64]:
    """Each row of ``grad`` clipped as Adan's and Lamb's ``get_global_gradient_norm`` clip a
    model's gradients: ``min(max_grad_norm / (|g| + eps), 1) g``, in float32 as the
    reference computes the factor (the norm squared and rooted in float32, ``max / x`` as
    torch's ``x.reciprocal() * max``). The norm is each walker's own, its one parameter."""
    norm = np.asarray(norm2(grad[:, 0], grad[:, 1]), dtype=np.float64).astype(np.float32)
    total = np.sqrt(norm * norm) + np.float32(eps)
    factor = np.minimum((np.float32(1.0) / total) * np.float32(max_grad_norm), np.float32(1.0))
    return grad * factor.astype(np.float64)[:, None]
