"""Coordinate-wise optimizers as scalar numba functions, for the compiled engine.

Each ``step(p, g, s, i, d, k, c)`` takes one coordinate ``d`` of walker ``i``
of a block: its parameter ``p`` and gradient ``g``, the block's optimizer
state ``s`` shaped ``(states, 2, block)`` (updated in place; contiguous over
the walkers, so that the loop over them vectorises), the optimizer's
constants ``k`` (a tuple compiled into the loop) and this step's scalars
``c`` (a tuple of ``SCALARS`` floats), and returns the new parameter. All are
inlined into the loop (``inline="always"``): called instead, they keep LLVM
from vectorising it.

Every operation is the NumPy implementation's (in ``fogwalk.core.optimizers``),
in the same order, so the two agree to the last bit on the four arithmetic
operations and ``sqrt``; both are checked against torch itself. The scalars
that depend only on the step (bias corrections, NAdam's momentum schedule,
RAdam's rectification) are computed in Python by the helpers the NumPy
implementations use.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from numba import njit

from ..optimizers.torch_adam import adam_scalars, nadam_scalars, radam_scalars

# The most scalars a kernel takes per step (the compiled loop passes them as a tuple).
SCALARS = 5

# error_model="numpy": a division by zero gives inf or NaN (the engine then freezes the
# walker), as in NumPy, instead of raising.
jit = njit(error_model="numpy", inline="always")


@dataclass(frozen=True)
class Kernel:
    """A compiled optimizer: its scalar step and how to fill its inputs from the hyper-parameters.

    ``constants(h)`` gives ``k`` (the options, compiled in: one loop per set of
    them); ``initial(h)`` the starting value of each state array;
    ``scalars(h, lr, step, carry)`` returns ``(c, carry)`` for update ``step``
    (0 for the first) with the scheduled learning rate ``lr``, where ``carry``
    is a Python value threaded from step to step (``None`` at first).
    """

    step: Any
    states: int
    constants: Callable[[Mapping[str, Any]], tuple[float, ...]]
    initial: Callable[[Mapping[str, Any]], tuple[float, ...]]
    scalars: Callable[[Mapping[str, Any], float, int, Any], tuple[tuple[float, ...], Any]]


@jit
def _prepare(g, p, weight_decay, maximize):
    if maximize:
        g = -g
    if weight_decay != 0.0:
        g = g + weight_decay * p
    return g


@jit
def _maximum(a, b):
    """``np.maximum`` on two floats (NaN wins); numba's own is several times slower here."""
    if a != a or b != b:
        return a + b
    return a if a > b else b


@jit
def _sign(a):
    """``np.sign`` on a float: -1, 0 or 1, and NaN for NaN."""
    if a > 0.0:
        return 1.0
    if a < 0.0:
        return -1.0
    return a if a != a else 0.0


@jit
def _lerp(start, end, weight):
    diff = end - start
    if abs(weight) < 0.5:
        return diff * weight + start
    return diff * (weight - 1.0) + end


@jit
def _decayed_square(avg, g, beta):
    return avg * beta + g * (1.0 - beta) * g


@jit
def sgd_step(p, g, s, i, d, k, c):
    weight_decay, maximize, momentum, dampening, nesterov = k[0], k[1], k[2], k[3], k[4]
    lr, first = c[0], c[1]
    g = _prepare(g, p, weight_decay, maximize != 0.0)
    if momentum != 0.0:
        buf = g if first != 0.0 else s[0, d, i] * momentum + (1.0 - dampening) * g
        s[0, d, i] = buf
        g = g + momentum * buf if nesterov != 0.0 else buf
    return p - lr * g


@jit
def adagrad_step(p, g, s, i, d, k, c):
    g = _prepare(g, p, k[0], k[1] != 0.0)
    state_sum = s[0, d, i] + g * g
    s[0, d, i] = state_sum
    return g * -c[0] / (math.sqrt(state_sum) + k[2]) + p


@jit
def rmsprop_step(p, g, s, i, d, k, c):
    alpha, eps, momentum, centered = k[2], k[3], k[4], k[5]
    lr = c[0]
    g = _prepare(g, p, k[0], k[1] != 0.0)
    square_avg = _decayed_square(s[0, d, i], g, alpha)
    s[0, d, i] = square_avg
    if centered != 0.0:
        grad_avg = _lerp(s[1, d, i], g, 1.0 - alpha)
        s[1, d, i] = grad_avg
        avg = math.sqrt(square_avg - grad_avg * grad_avg) + eps
    else:
        avg = math.sqrt(square_avg) + eps
    if momentum > 0.0:
        buf = s[2, d, i] * momentum + g / avg
        s[2, d, i] = buf
        return p - lr * buf
    return g * -lr / avg + p


@jit
def adadelta_step(p, g, s, i, d, k, c):
    rho, eps = k[2], k[3]
    g = _prepare(g, p, k[0], k[1] != 0.0)
    square_avg = _decayed_square(s[0, d, i], g, rho)
    s[0, d, i] = square_avg
    delta = math.sqrt(s[1, d, i] + eps) / math.sqrt(square_avg + eps) * g
    s[1, d, i] = _decayed_square(s[1, d, i], delta, rho)
    return p - c[0] * delta


@jit
def _start(g, p, lr, weight_decay, maximize, decoupled):
    """Gradient sign and weight decay, coupled (L2 in the gradient) or decoupled (AdamW)."""
    if weight_decay != 0.0 and decoupled:
        return _prepare(g, p, 0.0, maximize), p * (1.0 - lr * weight_decay)
    return _prepare(g, p, weight_decay, maximize), p


@jit
def adam_step(p, g, s, i, d, k, c):
    beta1, beta2, eps, amsgrad = k[3], k[4], k[5], k[6]
    lr, step_size, bias_correction2_sqrt = c[0], c[1], c[2]
    g, p = _start(g, p, lr, k[0], k[1] != 0.0, k[2] != 0.0)
    exp_avg = _lerp(s[0, d, i], g, 1.0 - beta1)
    exp_avg_sq = _decayed_square(s[1, d, i], g, beta2)
    s[0, d, i], s[1, d, i] = exp_avg, exp_avg_sq
    if amsgrad != 0.0:
        exp_avg_sq = _maximum(s[2, d, i], exp_avg_sq)
        s[2, d, i] = exp_avg_sq
    denom = math.sqrt(exp_avg_sq) / bias_correction2_sqrt + eps
    return exp_avg / denom * -step_size + p


@jit
def adamax_step(p, g, s, i, d, k, c):
    beta1, beta2, eps = k[2], k[3], k[4]
    g = _prepare(g, p, k[0], k[1] != 0.0)
    exp_avg = _lerp(s[0, d, i], g, 1.0 - beta1)
    exp_inf = _maximum(s[1, d, i] * beta2, abs(g) + eps)
    s[0, d, i], s[1, d, i] = exp_avg, exp_inf
    return exp_avg * -c[0] / exp_inf + p


@jit
def nadam_step(p, g, s, i, d, k, c):
    beta1, beta2, eps = k[3], k[4], k[5]
    lr, bias_correction2, grad_weight, avg_weight = c[0], c[1], c[2], c[3]
    g, p = _start(g, p, lr, k[0], k[1] != 0.0, k[2] != 0.0)
    exp_avg = _lerp(s[0, d, i], g, 1.0 - beta1)
    exp_avg_sq = _decayed_square(s[1, d, i], g, beta2)
    s[0, d, i], s[1, d, i] = exp_avg, exp_avg_sq
    denom = math.sqrt(exp_avg_sq / bias_correction2) + eps
    p = g * grad_weight / denom + p
    return exp_avg * avg_weight / denom + p


@jit
def radam_step(p, g, s, i, d, k, c):
    beta1, beta2, eps = k[3], k[4], k[5]
    lr, bias_correction1, rectified, bias_correction2_sqrt, rect = c[0], c[1], c[2], c[3], c[4]
    g, p = _start(g, p, lr, k[0], k[1] != 0.0, k[2] != 0.0)
    exp_avg = _lerp(s[0, d, i], g, 1.0 - beta1)
    exp_avg_sq = _decayed_square(s[1, d, i], g, beta2)
    s[0, d, i], s[1, d, i] = exp_avg, exp_avg_sq
    corrected = exp_avg / bias_correction1 * lr
    if rectified != 0.0:
        corrected = corrected * (bias_correction2_sqrt / (math.sqrt(exp_avg_sq) + eps)) * rect
    return p - corrected


@jit
def lion_step(p, g, s, i, d, k, c):
    weight_decay, beta1, beta2 = k[0], k[2], k[3]
    g = _prepare(g, p, 0.0, k[1] != 0.0)
    direction = _sign(beta1 * s[0, d, i] + (1.0 - beta1) * g)
    if weight_decay != 0.0:
        direction = direction + weight_decay * p
    s[0, d, i] = beta2 * s[0, d, i] + (1.0 - beta2) * g
    return p - c[0] * direction


def _lr_only(h, lr, step, carry):
    return (lr,), carry


def _flag(value: bool) -> float:
    return 1.0 if value else 0.0


def _zeros(count: int):
    return lambda h: (0.0,) * count


def _adam_constants(h) -> tuple[float, ...]:
    beta1, beta2 = h["betas"]
    decoupled = _flag(h.get("decoupled_weight_decay", False))
    return h["weight_decay"], _flag(h["maximize"]), decoupled, beta1, beta2, h["eps"]


def _adam_scalars(h, lr, step, carry):
    return (lr, *adam_scalars(*h["betas"], lr, step + 1)), carry


def _adamw_constants(h) -> tuple[float, ...]:
    return (*_adam_constants({**h, "decoupled_weight_decay": True}), _flag(h["amsgrad"]))


def _adamax_scalars(h, lr, step, carry):
    return (lr / (1 - h["betas"][0] ** (step + 1)),), carry


def _nadam_scalars(h, lr, step, carry):
    beta1, beta2 = h["betas"]
    mu_product = 1.0 if carry is None else carry
    weights, mu_product = nadam_scalars(beta1, h["momentum_decay"], lr, step + 1, mu_product)
    return (lr, 1 - beta2 ** (step + 1), *weights), mu_product


def _radam_scalars(h, lr, step, carry):
    beta1, beta2 = h["betas"]
    t = step + 1
    rect = radam_scalars(beta2, t)
    rectified = _flag(rect is not None)
    return (lr, 1 - beta1**t, rectified, (1 - beta2**t) ** 0.5, rect or 0.0), carry


KERNELS: dict[str, Kernel] = {
    "sgd": Kernel(
        sgd_step,
        1,
        lambda h: (
            h["weight_decay"],
            _flag(h["maximize"]),
            h["momentum"],
            h["dampening"],
            _flag(h["nesterov"]),
        ),
        _zeros(1),
        lambda h, lr, step, carry: ((lr, _flag(step == 0)), carry),
    ),
    "adagrad": Kernel(
        adagrad_step,
        1,
        lambda h: (h["weight_decay"], _flag(h["maximize"]), h["eps"]),
        lambda h: (h["initial_accumulator_value"],),
        lambda h, lr, step, carry: ((lr / (1 + step * h["lr_decay"]),), carry),
    ),
    "rmsprop": Kernel(
        rmsprop_step,
        3,
        lambda h: (
            h["weight_decay"],
            _flag(h["maximize"]),
            h["alpha"],
            h["eps"],
            h["momentum"],
            _flag(h["centered"]),
        ),
        _zeros(3),
        _lr_only,
    ),
    "adadelta": Kernel(
        adadelta_step,
        2,
        lambda h: (h["weight_decay"], _flag(h["maximize"]), h["rho"], h["eps"]),
        _zeros(2),
        _lr_only,
    ),
    "adam": Kernel(
        adam_step,
        3,
        lambda h: (*_adam_constants(h), _flag(h["amsgrad"])),
        _zeros(3),
        _adam_scalars,
    ),
    "adamw": Kernel(adam_step, 3, _adamw_constants, _zeros(3), _adam_scalars),
    "adamax": Kernel(
        adamax_step,
        2,
        lambda h: (h["weight_decay"], _flag(h["maximize"]), *h["betas"], h["eps"]),
        _zeros(2),
        _adamax_scalars,
    ),
    "nadam": Kernel(nadam_step, 2, _adam_constants, _zeros(2), _nadam_scalars),
    "radam": Kernel(radam_step, 2, _adam_constants, _zeros(2), _radam_scalars),
    "lion": Kernel(
        lion_step,
        1,
        lambda h: (h["weight_decay"], _flag(h["maximize"]), *h["betas"]),
        _zeros(1),
        _lr_only,
    ),
}


def kernel_for(optimizer) -> Kernel:
    """The kernel of an optimizer (``momentum`` and ``nesterov`` are SGD's)."""
    definition = optimizer.definition
    return KERNELS[definition.alias_of or definition.name]
