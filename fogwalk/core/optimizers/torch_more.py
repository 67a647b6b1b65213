"""The rest of torch.optim's first-order optimizers (Rprop, ASGD, Adafactor), step for step.

L-BFGS, the one that evaluates the surface inside a step, is in :mod:`.lbfgs`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np

from ..errors import FogwalkError
from .common import (
    MAXIMIZE,
    Coords,
    clamp,
    lerp,
    lr_param,
    norm2,
    prepare_grad,
    sign,
    weight_decay_param,
    where,
)
from .hyper import HyperParam
from .registry import Algorithm, register
from .rule import ElementwiseRule, elementwise
from .torch_classic import TORCH


class RpropState(NamedTuple):
    prev: Coords
    step_size: Coords


class RpropOptions(NamedTuple):
    maximize: bool
    etas: tuple[float, float]
    step_sizes: tuple[float, float]


class RpropScalars(NamedTuple):
    lr: float
    first: bool  # torch sets every step size to the learning rate at the first step


def rprop_update(
    p: Coords, g: Coords, state: RpropState, h: RpropOptions, c: RpropScalars
) -> tuple[Coords, RpropState]:
    """Rprop's step on one coordinate (or arrays of them): see :func:`rprop`."""
    etaminus, etaplus = h.etas
    g = prepare_grad(g, p, 0.0, h.maximize)
    agreement = sign(g * state.prev)
    factor = where(
        agreement > 0.0,
        etaplus,
        where(agreement < 0.0, etaminus, where(agreement == 0.0, 1.0, agreement)),
    )
    lowest, highest = h.step_sizes
    step_size = clamp(where(c.first, c.lr, state.step_size) * factor, lowest, highest)
    g = where(factor == etaminus, 0.0, g)
    return p - sign(g) * step_size, RpropState(g, step_size)


RPROP = ElementwiseRule(
    rprop_update,
    RpropState,
    lambda h: (0.0, 0.0),
    RpropOptions,
    lambda h, lr, step, carry: (RpropScalars(lr, step == 0), carry),
)


def _check_rprop(h: Mapping[str, Any]) -> None:
    etaminus, etaplus = h["etas"]
    if not (0.0 < etaminus < 1.0 < etaplus):
        raise FogwalkError(f"rprop etas must satisfy 0 < etaminus < 1 < etaplus, got {h['etas']}")
    low, high = h["step_sizes"]
    if low > high:
        raise FogwalkError(f"rprop step_sizes must be min/max with min <= max, got {low}/{high}")


@register(
    "rprop",
    params=(
        lr_param(1e-2),
        HyperParam(
            "etas",
            (0.5, 1.2),
            kind="pair",
            low=0.0,
            low_open=True,
            help="factors a step size shrinks by when the slope's sign flips, "
            "and grows by when it holds",
        ),
        HyperParam(
            "step_sizes",
            (1e-6, 50.0),
            kind="pair",
            low=0.0,
            help="smallest and largest step size",
        ),
        MAXIMIZE,
    ),
    summary="per-coordinate step sizes that grow while the slope's sign holds, "
    "shrink when it flips",
    source=TORCH.format("Rprop") + "; Riedmiller & Braun (1993)",
    check=_check_rprop,
)
def rprop(h: Mapping[str, Any]) -> Algorithm:
    r"""Rprop (resilient backpropagation), exactly as ``torch.optim.Rprop``.

    .. code-block:: text

        eta_i <- gamma for every coordinate i (at the first step)
        for t = 1 ...
            g_t <- grad f(theta_{t-1});  if maximize: g_t <- -g_t
            for each coordinate i:
                if g_t,i g_{t-1},i > 0:  eta_i <- min(eta_i eta+, Gamma_max)
                if g_t,i g_{t-1},i < 0:  eta_i <- max(eta_i eta-, Gamma_min);  g_t,i <- 0
            theta_t <- theta_{t-1} - eta sign(g_t)

    The gradient it remembers is the one it stepped with (0 after a flip), so
    the step after a flip keeps its size.
    """
    return elementwise(RPROP, h)


class AsgdState(NamedTuple):
    ax: Coords  # the averaged point (Polyak averaging), kept as torch keeps it


class AsgdOptions(NamedTuple):
    weight_decay: float
    maximize: bool


class AsgdScalars(NamedTuple):
    eta: float
    decay: float  # 1 - lambd eta
    mu_one: bool  # whether the average is still the point itself
    mu: float


def asgd_update(
    p: Coords, g: Coords, state: AsgdState, h: AsgdOptions, c: AsgdScalars
) -> tuple[Coords, AsgdState]:
    """ASGD's step on one coordinate (or arrays of them): see :func:`asgd`."""
    g = prepare_grad(g, p, h.weight_decay, h.maximize)
    p = p * c.decay - c.eta * g
    if c.mu_one:
        return p, AsgdState(p * 1.0)
    return p, AsgdState(state.ax + (p - state.ax) * c.mu)


def asgd_scalars(
    h: Mapping[str, Any], lr: float, step: int, carry: tuple[float, float] | None
) -> tuple[AsgdScalars, tuple[float, float]]:
    """This step's eta and mu, and the next step's (torch keeps them as float32 tensors
    under the default dtype, so they are rounded the same way here)."""
    eta, mu = (float(np.float32(lr)), 1.0) if carry is None else carry
    t = step + 1
    next_eta = float(np.float32(lr / ((1 + h["lambd"] * lr * t) ** h["alpha"])))
    next_mu = float(np.float32(1 / max(1, t - h["t0"])))
    return AsgdScalars(eta, 1 - h["lambd"] * eta, mu == 1.0, mu), (next_eta, next_mu)


ASGD = ElementwiseRule(asgd_update, AsgdState, lambda h: (0.0,), AsgdOptions, asgd_scalars)


@register(
    "asgd",
    params=(
        lr_param(1e-2),
        HyperParam("lambd", 1e-4, low=0.0, log=True, ui_range=(1e-6, 1.0), help="decay term"),
        HyperParam("alpha", 0.75, low=0.0, ui_range=(0.0, 1.0), help="power of the eta schedule"),
        HyperParam(
            "t0",
            1e6,
            low=0.0,
            log=True,
            ui_range=(1.0, 1e6),
            help="step at which averaging of the points starts",
        ),
        weight_decay_param(),
        MAXIMIZE,
    ),
    summary="SGD with a decaying step and a running average of the points it visits",
    source=TORCH.format("ASGD") + "; Polyak & Juditsky (1992)",
)
def asgd(h: Mapping[str, Any]) -> Algorithm:
    r"""Averaged SGD, exactly as ``torch.optim.ASGD``.

    .. code-block:: text

        eta_0 <- gamma;  mu_0 <- 1;  ax_0 <- 0
        for t = 1 ...
            g_t <- grad f(theta_{t-1});  if maximize: g_t <- -g_t
            if lambda_wd != 0:  g_t <- g_t + lambda_wd theta_{t-1}
            theta_t <- theta_{t-1} (1 - lambd eta_{t-1}) - eta_{t-1} g_t
            ax_t <- theta_t if mu_{t-1} = 1 else ax_{t-1} + mu_{t-1} (theta_t - ax_{t-1})
            eta_t <- gamma / (1 + lambd gamma t)^alpha;  mu_t <- 1 / max(1, t - t0)

    The hiker walks theta; ax, the average torch reports as the answer, is kept
    in the state.
    """
    return elementwise(ASGD, h)


@register(
    "adafactor",
    params=(
        lr_param(1e-2),
        HyperParam(
            "beta2_decay",
            -0.8,
            high=0.0,
            ui_range=(-1.0, 0.0),
            help="power of the step in the weight of the squared-gradient average",
        ),
        HyperParam(
            "eps",
            (None, 1e-3),
            kind="pair",
            low=0.0,
            optional=True,
            help="floor of the squared-gradient average's root (none: the float's machine "
            "epsilon) / floor of the relative step's scale",
        ),
        HyperParam(
            "d", 1.0, low=1.0, ui_range=(1.0, 10.0), help="clipping threshold of the update's RMS"
        ),
        weight_decay_param(),
        MAXIMIZE,
    ),
    summary="Adam without momentum, its step relative to the point's own size and clipped",
    source=TORCH.format("Adafactor") + "; Shazeer & Stern (2018)",
)
def adafactor(h: Mapping[str, Any]) -> Algorithm:
    r"""Adafactor, exactly as ``torch.optim.Adafactor`` on each walker's point (a vector).

    .. code-block:: text

        v_0 <- 0
        for t = 1 ...
            g_t <- grad f(theta_{t-1});  if maximize: g_t <- -g_t
            beta2_t <- t^beta2_decay;  rho_t <- min(gamma, 1 / sqrt(t))
            alpha_t <- max(eps2, RMS(theta_{t-1})) rho_t
            theta_{t-1} <- theta_{t-1} (1 - gamma lambda)
            v_t <- lerp(v_{t-1}, g_t^2, beta2_t)
            u_t <- g_t / sqrt(max(v_t, eps1^2))
            theta_t <- theta_{t-1} - alpha_t u_t / max(1, RMS(u_t) / d)

    RMS is over the walker's two coordinates, as torch's over a parameter
    vector; a vector's variance is not factored (that needs a matrix).
    """
    eps1, eps2 = h["eps"]
    eps1 = np.finfo(np.float64).eps if eps1 is None else eps1
    root2 = 2**0.5

    def init(params: np.ndarray) -> np.ndarray:
        return np.zeros_like(params, dtype=float)

    def update(grad, variance, params, lr, step, probe=None):
        g = -grad if h["maximize"] else grad
        t = float(step + 1)
        rho = min(lr, 1 / (t**0.5))
        # Python's max, as torch's: a NaN size gives way to eps2.
        scale = _norm(params) / root2
        alpha = np.where(scale > eps2, scale, eps2) * rho
        if h["weight_decay"] != 0.0:
            params = params * (1 - lr * h["weight_decay"])
        variance = lerp(variance, g * g, t ** h["beta2_decay"])
        step_dir = 1.0 / np.sqrt(np.maximum(variance, eps1 * eps1)) * g
        ratio = _norm(step_dir) / (root2 * h["d"])
        denom = np.where(ratio > 1.0, ratio, 1.0)
        return params + step_dir * (-alpha / denom)[:, None], variance

    return Algorithm(init, update)


def _norm(vectors: np.ndarray) -> np.ndarray:
    """Each row's Euclidean norm, as torch's ``norm(2)`` of a parameter vector."""
    return np.asarray(norm2(vectors[:, 0], vectors[:, 1]))
