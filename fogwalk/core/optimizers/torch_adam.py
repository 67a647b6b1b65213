"""torch.optim's Adam family (Adam, AdamW, Adamax, NAdam, RAdam), step for step."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np

from .common import (
    DECOUPLED,
    MAXIMIZE,
    Coords,
    Unread,
    addcdiv,
    betas_param,
    decay_start,
    decayed_average_of_squares,
    eps_param,
    lerp,
    lr_param,
    maximum,
    prepare_grad,
    weight_decay_param,
)
from .hyper import HyperParam
from .registry import Algorithm, register
from .rule import ElementwiseRule, elementwise, preset
from .torch_classic import TORCH

AMSGRAD = HyperParam(
    "amsgrad", False, kind="bool", help="use the maximum of past squared-gradient averages"
)


class AdamState(NamedTuple):
    exp_avg: Coords
    exp_avg_sq: Coords
    max_exp_avg_sq: Unread  # read only with amsgrad


class AdamOptions(NamedTuple):
    weight_decay: float
    maximize: bool
    decoupled_weight_decay: bool
    betas: tuple[float, float]
    eps: float
    amsgrad: bool


class AdamScalars(NamedTuple):
    lr: float
    step_size: float
    bias_correction2_sqrt: float


def adam_update(
    p: Coords, g: Coords, state: AdamState, h: AdamOptions, c: AdamScalars
) -> tuple[Coords, AdamState]:
    """Adam's step on one coordinate (or arrays of them): see :func:`_adam`."""
    g, p = decay_start(g, p, c.lr, h.weight_decay, h.maximize, h.decoupled_weight_decay)
    exp_avg = lerp(state.exp_avg, g, 1.0 - h.betas[0])
    exp_avg_sq = decayed_average_of_squares(state.exp_avg_sq, g, h.betas[1])
    max_sq = state.max_exp_avg_sq
    if h.amsgrad:
        max_sq = maximum(max_sq, exp_avg_sq)
    denom = np.sqrt(max_sq if h.amsgrad else exp_avg_sq) / c.bias_correction2_sqrt + h.eps
    return exp_avg / denom * -c.step_size + p, AdamState(exp_avg, exp_avg_sq, max_sq)


def adam_scalars(beta1: float, beta2: float, lr: float, t: int) -> tuple[float, float]:
    """Adam's step size and square root of the second bias correction at update ``t`` (from 1)."""
    return lr / (1 - beta1**t), (1 - beta2**t) ** 0.5


def nadam_scalars(
    beta1: float, psi: float, lr: float, t: int, mu_product: float
) -> tuple[tuple[float, float], float]:
    """NAdam's weights of the gradient and of the average at update ``t``, and the new mu product.

    torch keeps the running product of mu in its scalar dtype, float32 under the
    default dtype, so it is rounded the same way here.
    """
    mu = beta1 * (1.0 - 0.5 * (0.96 ** (t * psi)))
    mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((t + 1) * psi)))
    mu_product = float(np.float32(mu_product) * np.float32(mu))
    mu_product_next = mu_product * mu_next
    grad_weight = -lr * (1.0 - mu) / (1.0 - mu_product)
    avg_weight = (-lr * mu_next) / (1.0 - mu_product_next)
    return (grad_weight, avg_weight), mu_product


def _adam_step_scalars(
    h: Mapping[str, Any], lr: float, step: int, carry: None
) -> tuple[AdamScalars, None]:
    beta1, beta2 = h["betas"]
    return AdamScalars(lr, *adam_scalars(beta1, beta2, lr, step + 1)), carry


ADAM = ElementwiseRule(
    adam_update,
    AdamState,
    lambda h: (0.0, 0.0, 0.0 if h["amsgrad"] else None),
    AdamOptions,
    _adam_step_scalars,
)
ADAMW = preset(ADAM, decoupled_weight_decay=True)


def radam_scalars(beta2: float, t: int) -> float | None:
    """RAdam's rectification at update ``t`` (from 1), or None while the variance is intractable."""
    rho_inf = 2 / (1 - beta2) - 1
    rho_t = rho_inf - 2 * t * (beta2**t) / (1 - beta2**t)
    if rho_t <= 5.0:
        return None
    return ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5


def _adam(h: Mapping[str, Any]) -> Algorithm:
    r"""Adam, exactly as ``torch.optim.Adam`` (and AdamW, its decoupled-decay variant).

    .. code-block:: text

        for t = 1 ...
            g_t <- grad f(theta_{t-1});  if maximize: g_t <- -g_t
            if lambda != 0:
                if decoupled:  theta_{t-1} <- theta_{t-1} (1 - gamma lambda)
                else:          g_t <- g_t + lambda theta_{t-1}
            m_t <- beta1 m_{t-1} + (1 - beta1) g_t
            v_t <- beta2 v_{t-1} + (1 - beta2) g_t^2
            if amsgrad:  v_t^max <- max(v_{t-1}^max, v_t);  v <- v_t^max  else v <- v_t
            theta_t <- theta_{t-1} - gamma / (1 - beta1^t) m_t / (sqrt(v) / sqrt(1 - beta2^t) + eps)
    """
    return elementwise(ADAMW if h.get("decoupled_weight_decay") else ADAM, h)


register(
    "adam",
    params=(
        lr_param(1e-3),
        betas_param(),
        eps_param(1e-8),
        weight_decay_param(),
        AMSGRAD,
        MAXIMIZE,
        DECOUPLED,
    ),
    summary="momentum plus per-coordinate steps from running moments, bias-corrected",
    source=TORCH.format("Adam") + "; Kingma & Ba (2015), AMSGrad: Reddi et al. (2018)",
    momentum=lambda h: True,
)(_adam)

register(
    "adamw",
    params=(
        lr_param(1e-3),
        betas_param(),
        eps_param(1e-8),
        weight_decay_param(1e-2),
        AMSGRAD,
        MAXIMIZE,
    ),
    summary="Adam with weight decay applied to the parameters, not the gradient",
    source=TORCH.format("AdamW") + "; Loshchilov & Hutter (2019)",
    momentum=lambda h: True,
)(lambda h: elementwise(ADAMW, h))


class AdamaxState(NamedTuple):
    exp_avg: Coords
    exp_inf: Coords


class AdamaxOptions(NamedTuple):
    weight_decay: float
    maximize: bool
    betas: tuple[float, float]
    eps: float


class AdamaxScalars(NamedTuple):
    clr: float  # the learning rate over the first bias correction


def adamax_update(
    p: Coords, g: Coords, state: AdamaxState, h: AdamaxOptions, c: AdamaxScalars
) -> tuple[Coords, AdamaxState]:
    """Adamax's step on one coordinate (or arrays of them): see :func:`adamax`."""
    g = prepare_grad(g, p, h.weight_decay, h.maximize)
    exp_avg = lerp(state.exp_avg, g, 1.0 - h.betas[0])
    # abs() of a float | NDArray: mypy joins the two results to object, so + looks unsupported.
    exp_inf = maximum(state.exp_inf * h.betas[1], abs(g) + h.eps)  # type: ignore[operator]
    return addcdiv(p, -c.clr, exp_avg, exp_inf), AdamaxState(exp_avg, exp_inf)


ADAMAX = ElementwiseRule(
    adamax_update,
    AdamaxState,
    lambda h: (0.0, 0.0),
    AdamaxOptions,
    lambda h, lr, step, carry: (AdamaxScalars(lr / (1 - h["betas"][0] ** (step + 1))), carry),
)


@register(
    "adamax",
    params=(lr_param(2e-3), betas_param(), eps_param(1e-8), weight_decay_param(), MAXIMIZE),
    summary="Adam with the infinity norm in place of the root mean square",
    source=TORCH.format("Adamax") + "; Kingma & Ba (2015), section 7",
    momentum=lambda h: True,
)
def adamax(h: Mapping[str, Any]) -> Algorithm:
    r"""Adamax, exactly as ``torch.optim.Adamax``.

    .. code-block:: text

        for t = 1 ...
            g_t <- grad f(theta_{t-1});  if maximize: g_t <- -g_t
            if lambda != 0:  g_t <- g_t + lambda theta_{t-1}
            m_t <- beta1 m_{t-1} + (1 - beta1) g_t
            u_t <- max(beta2 u_{t-1}, |g_t| + eps)
            theta_t <- theta_{t-1} - gamma m_t / ((1 - beta1^t) u_t)
    """
    return elementwise(ADAMAX, h)


class NAdamState(NamedTuple):
    exp_avg: Coords
    exp_avg_sq: Coords


class DecayOptions(NamedTuple):
    """What NAdam and RAdam read of their hyper-parameters."""

    weight_decay: float
    maximize: bool
    decoupled_weight_decay: bool
    betas: tuple[float, float]
    eps: float


class NAdamScalars(NamedTuple):
    lr: float
    bias_correction2: float
    grad_weight: float
    avg_weight: float


def nadam_update(
    p: Coords, g: Coords, state: NAdamState, h: DecayOptions, c: NAdamScalars
) -> tuple[Coords, NAdamState]:
    """NAdam's step on one coordinate (or arrays of them): see :func:`nadam`."""
    g, p = decay_start(g, p, c.lr, h.weight_decay, h.maximize, h.decoupled_weight_decay)
    exp_avg = lerp(state.exp_avg, g, 1.0 - h.betas[0])
    exp_avg_sq = decayed_average_of_squares(state.exp_avg_sq, g, h.betas[1])
    denom = np.sqrt(exp_avg_sq / c.bias_correction2) + h.eps
    p = addcdiv(p, c.grad_weight, g, denom)
    return addcdiv(p, c.avg_weight, exp_avg, denom), NAdamState(exp_avg, exp_avg_sq)


def _nadam_step_scalars(
    h: Mapping[str, Any], lr: float, step: int, mu_product: float | None
) -> tuple[NAdamScalars, float]:
    beta1, beta2 = h["betas"]
    mu_product = 1.0 if mu_product is None else mu_product
    weights, mu_product = nadam_scalars(beta1, h["momentum_decay"], lr, step + 1, mu_product)
    return NAdamScalars(lr, 1 - beta2 ** (step + 1), *weights), mu_product


NADAM = ElementwiseRule(
    nadam_update, NAdamState, lambda h: (0.0, 0.0), DecayOptions, _nadam_step_scalars
)


@register(
    "nadam",
    params=(
        lr_param(2e-3),
        betas_param(),
        eps_param(1e-8),
        weight_decay_param(),
        HyperParam(
            "momentum_decay",
            4e-3,
            low=0.0,
            log=True,
            ui_range=(1e-4, 1e-1),
            help="decay of the momentum schedule mu_t",
        ),
        DECOUPLED,
        MAXIMIZE,
    ),
    summary="Adam with Nesterov momentum",
    source=TORCH.format("NAdam") + "; Dozat (2016)",
    momentum=lambda h: True,
)
def nadam(h: Mapping[str, Any]) -> Algorithm:
    r"""NAdam, exactly as ``torch.optim.NAdam``.

    .. code-block:: text

        for t = 1 ...
            g_t <- grad f(theta_{t-1});  if maximize: g_t <- -g_t
            if lambda != 0: (decoupled or L2, as in Adam)
            mu_t <- beta1 (1 - 1/2 0.96^(t psi));  mu_{t+1} <- beta1 (1 - 1/2 0.96^((t+1) psi))
            m_t <- beta1 m_{t-1} + (1 - beta1) g_t
            v_t <- beta2 v_{t-1} + (1 - beta2) g_t^2
            m^_t <- mu_{t+1} m_t / (1 - prod_{i<=t+1} mu_i)
                    + (1 - mu_t) g_t / (1 - prod_{i<=t} mu_i)
            theta_t <- theta_{t-1} - gamma m^_t / (sqrt(v_t / (1 - beta2^t)) + eps)

    The running product of mu is rounded to float32 after each step, as torch
    stores it under its default dtype (``torch.get_default_dtype() == float32``);
    see :func:`nadam_scalars`.
    """
    return elementwise(NADAM, h)


class RAdamState(NamedTuple):
    exp_avg: Coords
    exp_avg_sq: Coords


class RAdamScalars(NamedTuple):
    lr: float
    bias_correction1: float
    rectified: bool  # whether the variance is tractable yet (rho_t > 5)
    bias_correction2_sqrt: float
    rect: float


def radam_update(
    p: Coords, g: Coords, state: RAdamState, h: DecayOptions, c: RAdamScalars
) -> tuple[Coords, RAdamState]:
    """RAdam's step on one coordinate (or arrays of them): see :func:`radam`."""
    g, p = decay_start(g, p, c.lr, h.weight_decay, h.maximize, h.decoupled_weight_decay)
    exp_avg = lerp(state.exp_avg, g, 1.0 - h.betas[0])
    exp_avg_sq = decayed_average_of_squares(state.exp_avg_sq, g, h.betas[1])
    corrected = exp_avg / c.bias_correction1 * c.lr
    if c.rectified:
        adaptive = c.bias_correction2_sqrt / (np.sqrt(exp_avg_sq) + h.eps)
        corrected = corrected * adaptive * c.rect
    return p - corrected, RAdamState(exp_avg, exp_avg_sq)


def _radam_step_scalars(
    h: Mapping[str, Any], lr: float, step: int, carry: None
) -> tuple[RAdamScalars, None]:
    beta1, beta2 = h["betas"]
    t = step + 1
    rect = radam_scalars(beta2, t)
    scalars = RAdamScalars(lr, 1 - beta1**t, rect is not None, (1 - beta2**t) ** 0.5, rect or 0.0)
    return scalars, carry


RADAM = ElementwiseRule(
    radam_update, RAdamState, lambda h: (0.0, 0.0), DecayOptions, _radam_step_scalars
)


@register(
    "radam",
    params=(
        lr_param(1e-3),
        betas_param(),
        eps_param(1e-8),
        weight_decay_param(),
        DECOUPLED,
        MAXIMIZE,
    ),
    summary="Adam with the variance of the adaptive step rectified in early steps",
    source=TORCH.format("RAdam") + "; Liu et al. (2020)",
    momentum=lambda h: True,
)
def radam(h: Mapping[str, Any]) -> Algorithm:
    r"""RAdam, exactly as ``torch.optim.RAdam``.

    .. code-block:: text

        rho_inf <- 2 / (1 - beta2) - 1
        for t = 1 ...
            g_t <- grad f(theta_{t-1});  if maximize: g_t <- -g_t
            if lambda != 0: (decoupled or L2, as in Adam)
            m_t <- beta1 m_{t-1} + (1 - beta1) g_t;  v_t <- beta2 v_{t-1} + (1 - beta2) g_t^2
            m^_t <- m_t / (1 - beta1^t)
            rho_t <- rho_inf - 2 t beta2^t / (1 - beta2^t)
            if rho_t > 5:
                l_t <- sqrt(1 - beta2^t) / (sqrt(v_t) + eps)
                r_t <- sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
                theta_t <- theta_{t-1} - gamma m^_t r_t l_t
            else:
                theta_t <- theta_{t-1} - gamma m^_t
    """
    return elementwise(RADAM, h)
