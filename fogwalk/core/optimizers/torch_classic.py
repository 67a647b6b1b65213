"""torch.optim's SGD, Adagrad, RMSprop and Adadelta, step for step, over (walkers, 2) arrays."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np

from ..errors import FogwalkError
from .common import (
    MAXIMIZE,
    Coords,
    Unread,
    addcdiv,
    decayed_average_of_squares,
    eps_param,
    lerp,
    lr_param,
    prepare_grad,
    weight_decay_param,
)
from .hyper import HyperParam
from .registry import Algorithm, register, register_alias
from .rule import ElementwiseRule, LearningRate, elementwise

TORCH = "torch.optim.{} (PyTorch 2.13 documentation), the single-tensor implementation"


class SGDState(NamedTuple):
    momentum_buffer: Unread  # read only with momentum


class SGDOptions(NamedTuple):
    weight_decay: float
    maximize: bool
    momentum: float
    dampening: float
    nesterov: bool


class SGDScalars(NamedTuple):
    lr: float
    first: bool  # the first update, which starts the momentum buffer at the gradient


def sgd_update(
    p: Coords, g: Coords, state: SGDState, h: SGDOptions, c: SGDScalars
) -> tuple[Coords, SGDState]:
    """SGD's step on one coordinate (or arrays of them): see :func:`sgd`."""
    g = prepare_grad(g, p, h.weight_decay, h.maximize)
    buf = state.momentum_buffer
    if h.momentum != 0.0:
        # g * 1.0: a copy of the gradient (as torch's clone), exact, and free once compiled.
        buf = g * 1.0 if c.first else buf * h.momentum + (1.0 - h.dampening) * g
        g = g + h.momentum * buf if h.nesterov else buf
    return p - c.lr * g, SGDState(buf)


SGD = ElementwiseRule(
    sgd_update,
    SGDState,
    lambda h: (0.0 if h["momentum"] != 0.0 else None,),
    SGDOptions,
    lambda h, lr, step, carry: (SGDScalars(lr, step == 0), carry),
)


def _check_sgd(h: Mapping[str, Any]) -> None:
    if h["nesterov"] and (h["momentum"] <= 0 or h["dampening"] != 0):
        raise FogwalkError("Nesterov momentum requires a momentum and zero dampening")


@register(
    "sgd",
    params=(
        lr_param(1e-3),
        HyperParam("momentum", 0.0, low=0.0, ui_range=(0.0, 0.999), help="momentum factor"),
        HyperParam(
            "dampening", 0.0, low=0.0, high=1.0, help="dampening of the gradient in the momentum"
        ),
        weight_decay_param(),
        HyperParam("nesterov", False, kind="bool", help="use Nesterov momentum"),
        MAXIMIZE,
    ),
    summary="stochastic gradient descent, optionally with (Nesterov) momentum",
    source=TORCH.format("SGD"),
    check=_check_sgd,
    momentum=lambda h: h["momentum"] > 0,
)
def sgd(h: Mapping[str, Any]) -> Algorithm:
    r"""Gradient descent with momentum, exactly as ``torch.optim.SGD``.

    .. code-block:: text

        for t = 1 ...
            g_t <- grad f(theta_{t-1});  if maximize: g_t <- -g_t
            if lambda != 0:  g_t <- g_t + lambda theta_{t-1}
            if mu != 0:
                if t > 1:  b_t <- mu b_{t-1} + (1 - tau) g_t
                else:      b_t <- g_t
                if nesterov:  g_t <- g_t + mu b_t
                else:         g_t <- b_t
            theta_t <- theta_{t-1} - gamma g_t
    """
    return elementwise(SGD, h)


register_alias("momentum", "sgd", "SGD with momentum 0.9", momentum=0.9)
register_alias("nesterov", "sgd", "SGD with Nesterov momentum 0.9", momentum=0.9, nesterov=True)


class AdagradState(NamedTuple):
    state_sum: Coords


class AdagradOptions(NamedTuple):
    weight_decay: float
    maximize: bool
    eps: float


class AdagradScalars(NamedTuple):
    clr: float  # the learning rate decayed by lr_decay


def adagrad_update(
    p: Coords, g: Coords, state: AdagradState, h: AdagradOptions, c: AdagradScalars
) -> tuple[Coords, AdagradState]:
    """Adagrad's step on one coordinate (or arrays of them): see :func:`adagrad`."""
    g = prepare_grad(g, p, h.weight_decay, h.maximize)
    state_sum = state.state_sum + g * g
    return addcdiv(p, -c.clr, g, np.sqrt(state_sum) + h.eps), AdagradState(state_sum)


ADAGRAD = ElementwiseRule(
    adagrad_update,
    AdagradState,
    lambda h: (h["initial_accumulator_value"],),
    AdagradOptions,
    lambda h, lr, step, carry: (AdagradScalars(lr / (1 + step * h["lr_decay"])), carry),
)


@register(
    "adagrad",
    params=(
        lr_param(1e-2),
        HyperParam("lr_decay", 0.0, low=0.0, ui_range=(0.0, 1.0), help="learning-rate decay"),
        weight_decay_param(),
        HyperParam(
            "initial_accumulator_value",
            0.0,
            low=0.0,
            ui_range=(0.0, 1.0),
            help="starting value of the sum of squared gradients",
        ),
        eps_param(1e-10),
        MAXIMIZE,
    ),
    summary="per-coordinate steps shrinking with the sum of squared gradients",
    source=TORCH.format("Adagrad") + "; Duchi, Hazan & Singer (2011)",
)
def adagrad(h: Mapping[str, Any]) -> Algorithm:
    r"""Adagrad, exactly as ``torch.optim.Adagrad``.

    .. code-block:: text

        state_sum_0 <- initial_accumulator_value
        for t = 1 ...
            g_t <- grad f(theta_{t-1});  if maximize: g_t <- -g_t
            gamma~ <- gamma / (1 + (t - 1) eta)
            if lambda != 0:  g_t <- g_t + lambda theta_{t-1}
            state_sum_t <- state_sum_{t-1} + g_t^2
            theta_t <- theta_{t-1} - gamma~ g_t / (sqrt(state_sum_t) + eps)
    """
    return elementwise(ADAGRAD, h)


class RMSpropState(NamedTuple):
    square_avg: Coords
    grad_avg: Unread  # read only when centered
    momentum_buffer: Unread  # read only with momentum


class RMSpropOptions(NamedTuple):
    weight_decay: float
    maximize: bool
    alpha: float
    eps: float
    momentum: float
    centered: bool


def rmsprop_update(
    p: Coords, g: Coords, state: RMSpropState, h: RMSpropOptions, c: LearningRate
) -> tuple[Coords, RMSpropState]:
    """RMSprop's step on one coordinate (or arrays of them): see :func:`rmsprop`."""
    g = prepare_grad(g, p, h.weight_decay, h.maximize)
    square_avg = decayed_average_of_squares(state.square_avg, g, h.alpha)
    grad_avg = state.grad_avg
    if h.centered:
        grad_avg = lerp(grad_avg, g, 1.0 - h.alpha)
        avg = np.sqrt(square_avg - grad_avg * grad_avg) + h.eps
    else:
        avg = np.sqrt(square_avg) + h.eps
    buf = state.momentum_buffer
    if h.momentum > 0.0:
        buf = buf * h.momentum + g / avg
        return p - c.lr * buf, RMSpropState(square_avg, grad_avg, buf)
    return addcdiv(p, -c.lr, g, avg), RMSpropState(square_avg, grad_avg, buf)


RMSPROP = ElementwiseRule(
    rmsprop_update,
    RMSpropState,
    lambda h: (0.0, 0.0 if h["centered"] else None, 0.0 if h["momentum"] > 0 else None),
    RMSpropOptions,
)


@register(
    "rmsprop",
    params=(
        lr_param(1e-2),
        HyperParam(
            "alpha", 0.99, low=0.0, high=1.0, ui_range=(0.5, 0.9999), help="smoothing constant"
        ),
        eps_param(1e-8),
        weight_decay_param(),
        HyperParam("momentum", 0.0, low=0.0, ui_range=(0.0, 0.999), help="momentum factor"),
        HyperParam(
            "centered",
            False,
            kind="bool",
            help="normalise by the estimated variance of the gradient",
        ),
        MAXIMIZE,
    ),
    summary="steps divided by a running root-mean-square of the gradient",
    source=TORCH.format("RMSprop") + "; Hinton, Coursera lecture 6e (2012)",
    momentum=lambda h: h["momentum"] > 0,
)
def rmsprop(h: Mapping[str, Any]) -> Algorithm:
    r"""RMSprop, exactly as ``torch.optim.RMSprop``.

    .. code-block:: text

        for t = 1 ...
            g_t <- grad f(theta_{t-1});  if maximize: g_t <- -g_t
            if lambda != 0:  g_t <- g_t + lambda theta_{t-1}
            v_t <- alpha v_{t-1} + (1 - alpha) g_t^2
            v~_t <- v_t
            if centered:
                g^ave_t <- g^ave_{t-1} alpha + (1 - alpha) g_t
                v~_t <- v~_t - (g^ave_t)^2
            if mu > 0:
                b_t <- mu b_{t-1} + g_t / (sqrt(v~_t) + eps)
                theta_t <- theta_{t-1} - gamma b_t
            else:
                theta_t <- theta_{t-1} - gamma g_t / (sqrt(v~_t) + eps)
    """
    return elementwise(RMSPROP, h)


class AdadeltaState(NamedTuple):
    square_avg: Coords
    acc_delta: Coords


class AdadeltaOptions(NamedTuple):
    weight_decay: float
    maximize: bool
    rho: float
    eps: float


def adadelta_update(
    p: Coords, g: Coords, state: AdadeltaState, h: AdadeltaOptions, c: LearningRate
) -> tuple[Coords, AdadeltaState]:
    """Adadelta's step on one coordinate (or arrays of them): see :func:`adadelta`."""
    g = prepare_grad(g, p, h.weight_decay, h.maximize)
    square_avg = decayed_average_of_squares(state.square_avg, g, h.rho)
    delta = np.sqrt(state.acc_delta + h.eps) / np.sqrt(square_avg + h.eps) * g
    acc_delta = decayed_average_of_squares(state.acc_delta, delta, h.rho)
    return p - c.lr * delta, AdadeltaState(square_avg, acc_delta)


ADADELTA = ElementwiseRule(adadelta_update, AdadeltaState, lambda h: (0.0, 0.0), AdadeltaOptions)


@register(
    "adadelta",
    params=(
        lr_param(1.0),
        HyperParam(
            "rho",
            0.9,
            low=0.0,
            high=1.0,
            ui_range=(0.5, 0.999),
            help="decay rate of the running averages",
        ),
        eps_param(1e-6),
        weight_decay_param(),
        MAXIMIZE,
    ),
    summary="steps in the units of the parameters from ratios of running averages",
    source=TORCH.format("Adadelta") + "; Zeiler (2012)",
)
def adadelta(h: Mapping[str, Any]) -> Algorithm:
    r"""Adadelta, exactly as ``torch.optim.Adadelta``.

    .. code-block:: text

        for t = 1 ...
            g_t <- grad f(theta_{t-1});  if maximize: g_t <- -g_t
            if lambda != 0:  g_t <- g_t + lambda theta_{t-1}
            v_t <- v_{t-1} rho + g_t^2 (1 - rho)
            Delta x_t <- sqrt(u_{t-1} + eps) / sqrt(v_t + eps) g_t
            u_t <- u_{t-1} rho + Delta x_t^2 (1 - rho)
            theta_t <- theta_{t-1} - gamma Delta x_t
    """
    return elementwise(ADADELTA, h)
