"""Optimizers whose step is scaled by something measured over the whole point.

LAMB's trust ratio (the point's norm over the step's), Prodigy's distance
estimate (a dot product and a sum over the point) and Sophia's clipped
Newton-like step (with the surface's exact Hessian diagonal). None of them is
element-wise: each is a NumPy algorithm over ``(walkers, 2)`` arrays, with the
norms and sums taken per walker, as pytorch-optimizer takes them per parameter
tensor (one walker is one parameter of two elements, with its own optimizer).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np

from .common import (
    MAXIMIZE,
    Coords,
    addcdiv,
    betas_param,
    decayed_average_of_squares,
    eps_param,
    lerp,
    lr_param,
    norm2,
    prepare_grad,
)
from .hyper import HyperParam
from .reference_base import (
    N_SMA_THRESHOLD,
    PYTORCH_OPTIMIZER,
    RECTIFY,
    debias,
    degenerated_to_sgd_param,
    described_betas,
    global_norm_clip,
    rectify_step_size,
    weight_decay_params,
    weight_decay_scalars,
)
from .registry import Algorithm, register

_F32 = np.float32


def _norm(vectors: Coords) -> np.ndarray:
    """Each row's Euclidean norm, as torch's ``linalg.norm`` of a parameter vector."""
    rows = np.asarray(vectors)
    return np.asarray(norm2(rows[:, 0], rows[:, 1]))


def _fma32(a: np.ndarray, alpha: np.ndarray | float, b: np.ndarray) -> np.ndarray:
    """``a.add_(b, alpha=alpha)`` on a float32 tensor ``a``: ``b`` and ``alpha`` are cast to
    float32 and torch fuses the multiply-add; the float32 product is exact in float64."""
    exact = np.asarray(alpha, dtype=_F32).astype(float) * np.asarray(b, dtype=_F32).astype(float)
    return (np.asarray(a, dtype=_F32).astype(float) + exact).astype(_F32)


# ---------------------------------------------------------------------------------------- LAMB


class LambState(NamedTuple):
    exp_avg: np.ndarray
    exp_avg_sq: np.ndarray


LAMB_CLAMP = 10.0  # pytorch-optimizer's Lamb.clamp: the largest weight norm a trust ratio uses


def _trust_ratio(weight_norm: np.ndarray, step_norm: np.ndarray, eps: float) -> np.ndarray:
    """Lamb's trust ratio per walker: ``weight_norm / (step_norm + eps)``, 1 where either
    norm is 0."""
    return np.where((weight_norm != 0) & (step_norm != 0), weight_norm / (step_norm + eps), 1.0)


@register(
    "lamb",
    params=(
        lr_param(1e-3),
        betas_param(),
        *weight_decay_params(True),
        RECTIFY,
        degenerated_to_sgd_param(False),
        N_SMA_THRESHOLD,
        HyperParam(
            "grad_averaging",
            True,
            kind="bool",
            help="weigh the new gradient by 1 - beta1 in the first moment (else by 1)",
        ),
        HyperParam(
            "max_grad_norm",
            1.0,
            low=0.0,
            ui_range=(0.0, 10.0),
            help="with pre_norm: the gradient norm it is scaled down to; 0 for no scaling",
        ),
        HyperParam(
            "adam", False, kind="bool", help="trust ratio always 1 (plain Adam, no layer scaling)"
        ),
        HyperParam(
            "pre_norm",
            False,
            kind="bool",
            help="scale the gradient by min(max_grad_norm / its norm, 1) first",
        ),
        eps_param(1e-6),
        MAXIMIZE,
    ),
    summary="Adam whose step is rescaled to the point's own norm (a trust ratio)",
    source="You, Li, Reddi, Hseu, Kumar, Bhojanapalli, Song, Demmel, Keutzer & Hsieh (2020), "
    "Large Batch Optimization for Deep Learning: Training BERT in 76 minutes; "
    + PYTORCH_OPTIMIZER.format("Lamb"),
    momentum=lambda h: True,
)
def lamb(h: Mapping[str, Any]) -> Algorithm:
    r"""LAMB, exactly as pytorch-optimizer's ``Lamb`` on each walker's point (a vector).

    .. code-block:: text

        m_0 <- 0;  v_0 <- 0;  b3 <- 1 - beta1 if grad_averaging else 1
        for t = 1 ...
            g_t <- grad f(theta_{t-1})
            if pre_norm:  g_t <- g_t min(max_grad_norm / (||g_t|| + eps), 1)
            if maximize:  g_t <- -g_t
            if weight_decouple:  theta_{t-1} <- theta_{t-1} (1 - lambda w)
                                 (w = 1 if fixed_decay else gamma)
            m_t <- beta1 m_{t-1} + b3 g_t;  v_t <- beta2 v_{t-1} + (1 - beta2) g_t^2
            eta_t <- gamma / (1 - beta1^t)
            if not rectify:
                u_t <- m_t / (sqrt(v_t) + eps)
                if not weight_decouple:  u_t <- u_t + lambda theta_{t-1}
                r_t <- ||theta_{t-1}||_(<=10) / (||u_t|| + eps)   (1 if either norm is 0)
                theta_t <- theta_{t-1} - eta_t (1 if adam else r_t) u_t
            else (RAdam's rectification, rho_t its SMA length):
                eta_t <- eta_t r(rho_t) if rho_t >= n_sma_threshold
                         else eta_t if degenerated_to_sgd else no step
                u_t <- m_t / (sqrt(v_t) + eps) if rho_t >= n_sma_threshold else m_t
                r_t <- ||theta_{t-1}||_(<=10) / (||theta_{t-1} - eta_t u_t|| + eps)
                theta_t <- theta_{t-1} - eta_t (1 if adam else r_t) u_t

    As the reference does: the step is bias-corrected by ``1 - beta1^t`` (its
    ``adam_debias`` keyword, off by default), the weight norm is clamped at
    ``Lamb.clamp`` = 10, the rectified trust ratio compares the point with the
    point it would step to, and with ``rectify`` a coupled
    (``weight_decouple=false``) weight decay has no effect. ``pre_norm``'s
    norm, global over all parameters in the reference, is the walker's own
    here (one parameter), computed in float32 as the reference computes it.
    Left out: the keywords ``adanorm``, ``adanorm_r`` and ``adam_debias``,
    which are not named arguments of ``Lamb.__init__``.
    """
    beta1, beta2 = h["betas"]
    beta3 = 1.0 - beta1 if h["grad_averaging"] else 1.0
    eps, rectify = h["eps"], h["rectify"]

    def init(params: np.ndarray) -> LambState:
        return LambState(np.zeros_like(params, dtype=float), np.zeros_like(params, dtype=float))

    def update(grad, state, params, lr, step, probe=None):
        t = step + 1
        step_size, n_sma = rectify_step_size(
            rectify, t, lr, beta2, h["n_sma_threshold"], h["degenerated_to_sgd"]
        )
        step_size = step_size / debias(beta1, t)
        g = grad
        if h["pre_norm"] and h["max_grad_norm"] != 0.0:
            g = global_norm_clip(g, h["max_grad_norm"], eps)
        if h["maximize"]:
            g = -g
        l2, decay = weight_decay_scalars(h, lr)  # l2 only without rectify, as the reference's
        params = params * decay
        exp_avg = state.exp_avg * beta1 + g * beta3
        exp_avg_sq = np.asarray(decayed_average_of_squares(state.exp_avg_sq, g, beta2))
        new_state = LambState(exp_avg, exp_avg_sq)
        weight_norm = np.minimum(_norm(params), LAMB_CLAMP)
        if not rectify:
            direction = 1.0 / (np.sqrt(exp_avg_sq) + eps) * exp_avg
            if l2 > 0.0:
                direction = direction + params * l2
            trust = _trust_ratio(weight_norm, _norm(direction), eps)
            if not h["adam"]:
                direction = direction * trust[:, None]
            return params - step_size * direction, new_state
        if step_size <= 0:
            return params * 1.0, new_state
        adaptive = n_sma >= h["n_sma_threshold"]
        denom = np.sqrt(exp_avg_sq) + eps
        proposal = (
            addcdiv(params, -step_size, exp_avg, denom)
            if adaptive
            else params - step_size * exp_avg
        )
        trust = _trust_ratio(weight_norm, _norm(proposal), eps)
        if h["adam"]:
            trust = np.ones_like(trust)
        scale = (-step_size * trust)[:, None]
        if adaptive:
            return params + exp_avg * scale / denom, new_state
        return params + scale * exp_avg, new_state

    return Algorithm(init, update)


# ------------------------------------------------------------------------------------- Prodigy


class ProdigyState(NamedTuple):
    s: np.ndarray
    p0: np.ndarray
    exp_avg: np.ndarray
    exp_avg_sq: np.ndarray
    d: np.ndarray  # (walkers,): the distance estimate
    d_max: np.ndarray  # (walkers,)
    d_numerator: np.ndarray  # (walkers,) float32, as the reference keeps it


@register(
    "prodigy",
    params=(
        lr_param(1.0),
        betas_param(),
        HyperParam(
            "beta3",
            None,
            low=0.0,
            high=1.0,
            optional=True,
            help="decay rate of the distance estimate's sums; none: sqrt(beta2)",
        ),
        HyperParam(
            "d0",
            1e-6,
            low=0.0,
            low_open=True,
            log=True,
            ui_range=(1e-10, 1.0),
            help="initial estimate of the distance to the solution",
        ),
        HyperParam(
            "d_coef",
            1.0,
            low=0.0,
            low_open=True,
            log=True,
            ui_range=(0.01, 100.0),
            help="coefficient of the distance estimate",
        ),
        HyperParam(
            "growth_rate",
            None,
            low=0.0,
            optional=True,
            ui_range=(1.0, 10.0),
            help="largest factor the distance estimate grows by in a step; "
            "none: unbounded (the reference's float('inf'))",
        ),
        *weight_decay_params(True),
        HyperParam(
            "bias_correction",
            False,
            kind="bool",
            help="scale the step by sqrt(1 - beta2^t) / (1 - beta1^t), as Adam's bias correction",
        ),
        HyperParam(
            "safeguard_warmup",
            False,
            kind="bool",
            help="leave the learning rate out of the estimate's denominator (for warm-up)",
        ),
        HyperParam(
            "eps",
            1e-8,
            low=0.0,
            log=True,
            optional=True,
            ui_range=(1e-12, 1.0),
            help="term added to the denominator for numerical stability; "
            "none: atan2 in place of the division",
        ),
        MAXIMIZE,
    ),
    summary="Adam whose step size is an estimate of the distance to the solution, "
    "grown from d0 as the walk goes",
    source="Mishchenko & Defazio (2024), Prodigy: An Expeditiously Adaptive Parameter-Free "
    "Learner; " + PYTORCH_OPTIMIZER.format("Prodigy"),
    momentum=lambda h: True,
)
def prodigy(h: Mapping[str, Any]) -> Algorithm:
    r"""Prodigy, exactly as pytorch-optimizer's ``Prodigy`` (its per-parameter path) on each
    walker's point, with its own distance estimate.

    .. code-block:: text

        d_0 <- d0;  d_max <- d0;  r_0 <- 0;  s_0, m_0, v_0 <- 0;  b3 <- beta3 or sqrt(beta2)
        for t = 1 ...
            g_t <- grad f(theta_{t-1});  if maximize: g_t <- -g_t
            c_t <- (1 - beta1^t) / sqrt(1 - beta2^t) if bias_correction else 1
            eta_t <- d_{t-1} gamma / c_t
            r_t <- b3 r_{t-1} + (d_{t-1} / d0) eta_t <g_t, theta_0 - theta_{t-1}>
            m_t <- beta1 m_{t-1} + d_{t-1} (1 - beta1) g_t
            v_t <- beta2 v_{t-1} + d_{t-1}^2 (1 - beta2) g_t^2
            s_t <- b3 s_{t-1} + (d_{t-1} / d0) (d_{t-1} if safeguard_warmup else eta_t) g_t
            if ||s_t||_1 = 0:  theta_t <- theta_{t-1};  d_t <- d_{t-1}  (no step)
            d^_t <- d_coef r_t / ||s_t||_1
            d_max <- max(d_max, d^_t)
            d_t <- min(d_max, growth_rate (max(d_{t-1}, d^_t) if d_{t-1} = d0 else d_{t-1}))
            if weight_decouple:  theta_{t-1} <- theta_{t-1} (1 - lambda w)
                                 (w = 1 if fixed_decay else eta_t)
            theta_t <- theta_{t-1} - eta_t m_t / (sqrt(v_t) + d_t eps)
                       (eta_t atan2(m_t, sqrt(v_t)) when eps is none)

    The sums the reference takes over all the parameters of a group are the
    walker's own here (one optimizer per walker); ``r_t``, ``||s_t||_1`` and
    ``d^_t`` are float32, as the reference keeps them. ``growth_rate`` none is
    the reference's default ``float('inf')`` (a spec cannot hold an infinite
    number). As in the reference's per-parameter path, a coupled
    (``weight_decouple=false``) weight decay is added to the gradient only after
    it was used, so it has no effect.
    """
    beta1, beta2 = h["betas"]
    beta3 = h["beta3"] if h["beta3"] is not None else math.sqrt(beta2)
    d0, eps, growth_rate = h["d0"], h["eps"], h["growth_rate"]

    def init(params: np.ndarray) -> ProdigyState:
        zeros = np.zeros_like(params, dtype=float)
        walkers = params.shape[0]
        return ProdigyState(
            zeros,
            np.array(params, dtype=float),
            zeros,
            zeros,
            np.full(walkers, d0),
            np.full(walkers, d0),
            np.zeros(walkers, dtype=_F32),
        )

    def update(grad, state, params, lr, step, probe=None):
        t = step + 1
        correction = 1.0
        if h["bias_correction"]:
            correction = debias(beta1, t) / math.sqrt(debias(beta2, t))
        d = state.d
        d_lr = d * lr / correction
        g = -grad if h["maximize"] else grad
        difference = state.p0 - params
        dot = g[:, 0] * difference[:, 0] + g[:, 1] * difference[:, 1]
        numerator = _fma32(state.d_numerator * _F32(beta3), (d / d0) * d_lr, dot)
        exp_avg = state.exp_avg * beta1 + g * (d * (1.0 - beta1))[:, None]
        exp_avg_sq = state.exp_avg_sq * beta2 + (d * d * (1.0 - beta2))[:, None] * g * g
        s_scale = (d / d0) * (d if h["safeguard_warmup"] else d_lr)
        s = state.s * beta3 + g * s_scale[:, None]
        denominator = (np.abs(s[:, 0]) + np.abs(s[:, 1])).astype(_F32)
        moving = denominator != 0
        with np.errstate(divide="ignore", invalid="ignore"):
            d_hat = (_F32(h["d_coef"]) * numerator / denominator).astype(float)
        grown = np.where(d == d0, np.where(d_hat > d, d_hat, d), d)
        d_max = np.where(d_hat > state.d_max, d_hat, state.d_max)
        if growth_rate is None:
            new_d = d_max
        else:
            capped = grown * growth_rate
            new_d = np.where(capped < d_max, capped, d_max)
        _, decay = weight_decay_scalars(h, d_lr)  # coupled: after the gradient's last use
        point = params * np.asarray(decay)[..., None]
        root = np.sqrt(exp_avg_sq)
        if eps is not None:
            point = addcdiv(point, 1.0, -d_lr[:, None] * exp_avg, root + (new_d * eps)[:, None])
        else:
            point = point - d_lr[:, None] * np.arctan2(exp_avg, root)
        new_state = ProdigyState(
            s,
            state.p0,
            exp_avg,
            exp_avg_sq,
            np.where(moving, new_d, d),
            np.where(moving, d_max, state.d_max),
            numerator,
        )
        return np.where(moving[:, None], point, params), new_state

    return Algorithm(init, update)


# -------------------------------------------------------------------------------------- Sophia


class SophiaState(NamedTuple):
    momentum: np.ndarray
    hessian_moment: np.ndarray


@register(
    "sophia",
    params=(
        lr_param(6e-2),
        described_betas(
            (0.96, 0.99),
            "decay rates of the running averages of the gradient and the Hessian diagonal",
        ),
        *weight_decay_params(True),
        HyperParam(
            "p",
            1e-2,
            low=0.0,
            log=True,
            ui_range=(1e-4, 1.0),
            help="largest absolute coordinate of the preconditioned step (the clip)",
        ),
        HyperParam(
            "update_period",
            10,
            kind="int",
            low=1,
            ui_range=(1, 50),
            help="steps between measurements of the Hessian diagonal",
        ),
        eps_param(1e-12),
        MAXIMIZE,
    ),
    summary="momentum divided by a running average of the exact Hessian diagonal, "
    "clipped per coordinate",
    source="Liu, Li, Hall, Liang & Ma (2023), Sophia: A Scalable Stochastic Second-order "
    "Optimizer for Language Model Pre-training; "
    + PYTORCH_OPTIMIZER.format("SophiaH")
    + ", fed the exact Hessian diagonal",
    uses_hessian=True,
    momentum=lambda h: True,
)
def sophia(h: Mapping[str, Any]) -> Algorithm:
    r"""Sophia, as pytorch-optimizer's ``SophiaH`` given the surface's exact Hessian diagonal.

    .. code-block:: text

        m_0 <- 0;  h_0 <- 0
        for t = 1 ...
            g_t <- grad f(theta_{t-1});  if maximize: g_t <- -g_t
            if weight_decay != 0:
                if weight_decouple:  theta_{t-1} <- theta_{t-1} (1 - lambda w)
                                     (w = 1 if fixed_decay else gamma)
                else:  g_t <- g_t + lambda theta_{t-1}
            m_t <- lerp(m_{t-1}, g_t, 1 - beta1)
            if (t - 1) mod update_period = 0:
                h_t <- lerp(h_{t-1}, diag hess f(theta_{t-1}), 1 - beta2)
            else:  h_t <- h_{t-1}
            theta_t <- theta_{t-1} - gamma clip(m_t / max(h_t, eps), -p, p)

    ``SophiaH`` estimates the diagonal by Hutchinson's method (random probes);
    here it is the surface's exact ``(hxx, hyy)``, measured (and counted as an
    evaluation) only on the steps that update it. So ``num_samples`` and
    ``hessian_distribution``, the estimator's options, are left out. As the
    reference's, the diagonal is the loss's even when maximizing; on a game it
    is the diagonal of the followed field's Jacobian, ``(hxx, -hyy)``, what
    Hutchinson's probes of that field would average to.
    """
    beta1, beta2 = h["betas"]
    clip, eps = h["p"], h["eps"]

    def init(params: np.ndarray) -> SophiaState:
        return SophiaState(np.zeros_like(params, dtype=float), np.zeros_like(params, dtype=float))

    def update(grad, state, params, lr, step, probe):
        measured = step % h["update_period"] == 0
        if measured:  # at the point the gradient was measured at, before any decay
            hxx, _, _, hyy = probe.jacobian(params)
        l2, decay = weight_decay_scalars(h, lr)
        g = prepare_grad(grad, params, l2, h["maximize"])
        params = params * decay
        momentum = np.asarray(lerp(state.momentum, g, 1.0 - beta1))
        hessian_moment = state.hessian_moment
        if measured:
            diagonal = np.stack([hxx, hyy], axis=-1)
            hessian_moment = np.asarray(lerp(hessian_moment, diagonal, 1.0 - beta2))
        direction = np.clip(momentum / np.maximum(hessian_moment, eps), -clip, clip)
        return params - lr * direction, SophiaState(momentum, hessian_moment)

    return Algorithm(init, update)
