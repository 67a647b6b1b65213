"""torch.optim's Adam family (Adam, AdamW, Adamax, NAdam, RAdam), step for step."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np

from .common import (
    DECOUPLED,
    MAXIMIZE,
    addcdiv,
    betas_param,
    decayed_average_of_squares,
    eps_param,
    lerp,
    lr_param,
    prepare_grad,
    weight_decay_param,
)
from .hyper import HyperParam
from .registry import Algorithm, register
from .torch_classic import TORCH

AMSGRAD = HyperParam(
    "amsgrad", False, kind="bool", help="use the maximum of past squared-gradient averages"
)


class AdamState(NamedTuple):
    exp_avg: np.ndarray
    exp_avg_sq: np.ndarray
    max_exp_avg_sq: np.ndarray | None


def _start_step(grad, params, lr, h) -> tuple[np.ndarray, np.ndarray]:
    """Gradient sign and weight decay, coupled (L2 in the gradient) or decoupled (AdamW)."""
    decay = h["weight_decay"]
    if decay != 0.0 and h.get("decoupled_weight_decay", False):
        return prepare_grad(grad, params, 0.0, h["maximize"]), params * (1 - lr * decay)
    return prepare_grad(grad, params, decay, h["maximize"]), params


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
    beta1, beta2 = h["betas"]
    eps, amsgrad = h["eps"], h["amsgrad"]

    def init(params: np.ndarray) -> AdamState:
        zeros = np.zeros_like(params, dtype=float)
        return AdamState(zeros, zeros.copy(), zeros.copy() if amsgrad else None)

    def update(grad, state, params, lr, step, probe=None):
        t = step + 1
        g, params = _start_step(grad, params, lr, h)
        exp_avg = lerp(state.exp_avg, g, 1 - beta1)
        exp_avg_sq = decayed_average_of_squares(state.exp_avg_sq, g, beta2)
        step_size, bias_correction2_sqrt = adam_scalars(beta1, beta2, lr, t)
        max_sq = state.max_exp_avg_sq
        if amsgrad:
            max_sq = np.maximum(max_sq, exp_avg_sq)
        # denom is a fresh array: the division and the step are done in place in it.
        denom = np.sqrt(max_sq if amsgrad else exp_avg_sq)
        denom /= bias_correction2_sqrt
        denom += eps
        np.divide(exp_avg, denom, out=denom)
        denom *= -step_size
        denom += params
        return denom, AdamState(exp_avg, exp_avg_sq, max_sq)

    return Algorithm(init, update)


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
)(lambda h: _adam({**h, "decoupled_weight_decay": True}))


class AdamaxState(NamedTuple):
    exp_avg: np.ndarray
    exp_inf: np.ndarray


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
    beta1, beta2 = h["betas"]

    def init(params: np.ndarray) -> AdamaxState:
        zeros = np.zeros_like(params, dtype=float)
        return AdamaxState(zeros, zeros.copy())

    def update(grad, state, params, lr, step, probe=None):
        g = prepare_grad(grad, params, h["weight_decay"], h["maximize"])
        exp_avg = lerp(state.exp_avg, g, 1 - beta1)
        bound = np.abs(g)
        bound += h["eps"]
        exp_inf = np.maximum(state.exp_inf * beta2, bound, out=bound)
        clr = lr / (1 - beta1 ** (step + 1))
        return addcdiv(params, -clr, exp_avg, exp_inf), AdamaxState(exp_avg, exp_inf)

    return Algorithm(init, update)


class NAdamState(NamedTuple):
    exp_avg: np.ndarray
    exp_avg_sq: np.ndarray
    mu_product: float


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
    beta1, beta2 = h["betas"]
    psi = h["momentum_decay"]

    def init(params: np.ndarray) -> NAdamState:
        zeros = np.zeros_like(params, dtype=float)
        return NAdamState(zeros, zeros.copy(), 1.0)

    def update(grad, state, params, lr, step, probe=None):
        t = step + 1
        g, params = _start_step(grad, params, lr, h)
        (grad_weight, avg_weight), mu_product = nadam_scalars(beta1, psi, lr, t, state.mu_product)
        exp_avg = lerp(state.exp_avg, g, 1 - beta1)
        exp_avg_sq = decayed_average_of_squares(state.exp_avg_sq, g, beta2)
        denom = np.sqrt(exp_avg_sq / (1 - beta2**t))
        denom += h["eps"]
        new_params = addcdiv(params, grad_weight, g, denom)
        new_params = addcdiv(new_params, avg_weight, exp_avg, denom)
        return new_params, NAdamState(exp_avg, exp_avg_sq, mu_product)

    return Algorithm(init, update)


class RAdamState(NamedTuple):
    exp_avg: np.ndarray
    exp_avg_sq: np.ndarray


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
    beta1, beta2 = h["betas"]

    def init(params: np.ndarray) -> RAdamState:
        zeros = np.zeros_like(params, dtype=float)
        return RAdamState(zeros, zeros.copy())

    def update(grad, state, params, lr, step, probe=None):
        t = step + 1
        g, params = _start_step(grad, params, lr, h)
        exp_avg = lerp(state.exp_avg, g, 1 - beta1)
        exp_avg_sq = decayed_average_of_squares(state.exp_avg_sq, g, beta2)
        corrected = exp_avg / (1 - beta1**t)
        corrected *= lr
        rect = radam_scalars(beta2, t)
        if rect is not None:
            adaptive = np.sqrt(exp_avg_sq)
            adaptive += h["eps"]
            np.divide((1 - beta2**t) ** 0.5, adaptive, out=adaptive)
            corrected *= adaptive
            corrected *= rect
        return params - corrected, RAdamState(exp_avg, exp_avg_sq)

    return Algorithm(init, update)
