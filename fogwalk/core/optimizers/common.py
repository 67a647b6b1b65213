"""Hyper-parameter declarations and the element-wise primitives the update rules are made of.

The primitives take NumPy arrays or floats alike. The compiled engine runs
the same bodies, compiled by numba, except for :func:`maximum` and
:func:`sign`, which it gives scalar bodies of their own (see
:mod:`fogwalk.core.compiled.steps`).

numba inlines them into the loop; a name that a branch rebinds and that is read after
the branches merge (``x = ...`` under an ``if``, then ``return x``) makes it warn, at
every first compilation, that a variable "is not in scope". So every branch returns
its own value here: nothing rebound in a branch outlives it.
"""

from __future__ import annotations

from typing import Any, TypeAlias, overload

import numpy as np
from numpy.typing import NDArray

from .hyper import HyperParam

# Walkers whose random draws (gradient noise, SPSA's directions) one seeded generator makes:
# the run-wide walker index picks the generator, so chunks of any size draw the same.
NOISE_GROUP = 8192

Coords: TypeAlias = NDArray[np.float64] | float
"""What a rule computes on: many coordinates (an array, the NumPy lanes) or one (a float,
compiled)."""

Unread: TypeAlias = Any
"""A state field that some options never read: the NumPy lanes keep None there (see
``ElementwiseRule.initial``), a float once compiled. Which options read it is a run-time
fact that a type cannot carry, so it is left unchecked."""


def lr_param(default: float) -> HyperParam:
    return HyperParam(
        "lr", default, low=0.0, log=True, ui_range=(1e-5, 10.0), help="learning rate (step size)"
    )


def weight_decay_param(default: float = 0.0) -> HyperParam:
    return HyperParam(
        "weight_decay", default, low=0.0, ui_range=(0.0, 1.0), help="L2 penalty weight"
    )


def eps_param(default: float) -> HyperParam:
    return HyperParam(
        "eps",
        default,
        low=0.0,
        log=True,
        ui_range=(1e-12, 1.0),
        help="term added to the denominator for numerical stability",
    )


def betas_param(default: tuple[float, float] = (0.9, 0.999)) -> HyperParam:
    return HyperParam(
        "betas",
        default,
        kind="pair",
        low=0.0,
        high=1.0,
        high_open=True,
        help="decay rates of the running averages of the gradient and its square",
    )


MAXIMIZE = HyperParam("maximize", False, kind="bool", help="ascend instead of descend")

DECOUPLED = HyperParam(
    "decoupled_weight_decay",
    False,
    kind="bool",
    help="decay the parameters directly (AdamW-style) instead of adding to the gradient",
)


def lerp(start: Coords, end: Coords, weight: float) -> Coords:
    """``torch.lerp``: the same formula torch picks for the weight, in a new array."""
    out = np.subtract(end, start)
    if abs(weight) < 0.5:
        out *= weight
        out += start
        return out
    out *= weight - 1.0  # end - (end - start) * (1 - weight)
    out += end
    return out


def decayed_average_of_squares(avg: Coords, grad: Coords, beta: float) -> Coords:
    """``avg.mul(beta).addcmul(grad, grad, value=1 - beta)`` in a new array."""
    out = np.multiply(avg, beta)
    term = np.multiply(grad, 1.0 - beta)
    term *= grad
    out += term
    return out


@overload
def prepare_grad(
    grad: NDArray[np.float64], params: NDArray[np.float64], weight_decay: float, maximize: bool
) -> NDArray[np.float64]: ...


@overload
def prepare_grad(grad: Coords, params: Coords, weight_decay: float, maximize: bool) -> Coords: ...


# The optimizers that are more than a rule per coordinate (games, Newton, line search) call
# it on arrays and index the result: hence the overloads.
def prepare_grad(grad: Coords, params: Coords, weight_decay: float, maximize: bool) -> Coords:
    """Negate for ``maximize``, then add the L2 term, as every torch.optim update starts."""
    if maximize:
        negated = np.negative(grad)
        if weight_decay != 0.0:
            return negated + weight_decay * params
        return negated
    if weight_decay != 0.0:
        return grad + weight_decay * params
    return grad


def addcdiv(base: Coords, value: float, num: Coords, den: Coords) -> Coords:
    """``base.addcdiv(num, den, value=value)``: ``base + value * num / den`` in a new array."""
    out = np.multiply(num, value)
    out /= den
    out += base
    return out


def decay_start(
    grad: Coords, params: Coords, lr: float, weight_decay: float, maximize: bool, decoupled: bool
) -> tuple[Coords, Coords]:
    """Gradient sign and weight decay, coupled (L2 in the gradient) or decoupled (AdamW):
    returns ``(grad, params)``."""
    if weight_decay != 0.0 and decoupled:
        return prepare_grad(grad, params, 0.0, maximize), params * (1 - lr * weight_decay)
    return prepare_grad(grad, params, weight_decay, maximize), params


def maximum(a: Coords, b: Coords) -> Coords:
    """``np.maximum``: the larger, NaN where either is NaN."""
    return np.maximum(a, b)


def minimum(a: Coords, b: Coords) -> Coords:
    """``np.minimum``: the smaller, NaN where either is NaN."""
    return np.minimum(a, b)


def clamp(a: Coords, low: float, high: float) -> Coords:
    """``torch.clamp(a, low, high)``: NaN stays NaN."""
    return minimum(maximum(a, low), high)


def where(condition: Any, a: Coords, b: Coords) -> Coords:
    """``np.where``: ``a`` where ``condition`` holds, else ``b`` (both evaluated)."""
    return np.where(condition, a, b)


def sign(a: Coords) -> Coords:
    """``np.sign``: -1, 0 or 1, NaN for NaN."""
    return np.sign(a)


def clip_factor(norm: Coords, max_norm: float) -> Coords:
    """What ``torch.nn.utils.clip_grad_norm_(g, max_norm)`` multiplies a gradient of
    ``norm`` by: ``max_norm / (norm + 1e-6)``, at most 1 (NaN stays NaN)."""
    return minimum(max_norm / (norm + 1e-6), 1.0)


def norm2(x: Coords, y: Coords) -> Coords:
    """``torch.linalg.vector_norm`` of the vector ``(x, y)``, rounded as torch rounds it.

    torch sums the squares with a fused multiply-add, ``sqrt(fma(y, y, x * x))``;
    NumPy has no fma, so ``y * y`` is split exactly into two floats (Dekker's
    product) and added to ``x * x`` with the rounding error of the sum kept
    (Knuth's two-sum). Where the split overflows (|y| above about 1e300) the
    plain sum is taken.
    """
    square = x * x
    high = y * y
    split = 134217729.0 * y  # 2^27 + 1
    y_high = split - (split - y)
    y_low = y - y_high
    low = ((y_high * y_high - high) + 2.0 * y_high * y_low) + y_low * y_low
    total = square + high
    back = total - square
    error = (square - (total - back)) + (high - back)
    fused = total + (error + low)
    return np.sqrt(where(np.isfinite(fused), fused, total))
