"""Adam's relatives from pytorch-optimizer 4.1.0 (AdaBelief, Adan, ADOPT, AdEMAMix, cautious
AdamW), step for step.

Each is ported from the code path pytorch-optimizer takes for one CPU float64 parameter
vector (a walker's point) with its default arguments: the ``foreach`` one where the class
has it. Weight decay follows its ``apply_weight_decay``: coupled (``g + lambda theta``)
unless ``weight_decouple``, decoupled as ``theta (1 - lambda gamma)``, or ``theta (1 -
lambda)`` with ``fixed_decay``; the gradient is negated for ``maximize`` before either.

Three-member ``betas`` (Adan, AdEMAMix) are declared as the pair ``betas`` (the first two)
and the float ``beta3``: a hyper-parameter has no kind with three members.

pytorch-optimizer's ``cautious`` variant (``apply_cautious``) rescales the masked update by
the mask's mean over the whole parameter tensor, here a walker's two coordinates: an
optimizer with it is not element-wise, so ``cadamw`` is a NumPy algorithm over the rows
and the ``cautious`` keyword that ADOPT and AdEMAMix accept is left out of them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from ..errors import FogwalkError
from .common import (
    MAXIMIZE,
    Coords,
    Unread,
    addcdiv,
    betas_param,
    clamp,
    decayed_average_of_squares,
    eps_param,
    lerp,
    lr_param,
    maximum,
    prepare_grad,
    weight_decay_param,
    where,
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
    weight_decouple_param,
)
from .registry import Algorithm, register
from .rule import ElementwiseRule, elementwise


def beta3_param(default: float, text: str) -> HyperParam:
    return HyperParam(
        "beta3",
        default,
        low=0.0,
        high=1.0,
        help=f"third member of the reference's betas: {text}",
    )


# --- AdaBelief ---------------------------------------------------------------------------


class AdaBeliefState(NamedTuple):
    exp_avg: Coords
    exp_avg_var: Coords
    max_exp_avg_var: Unread  # read only with ams_bound


class AdaBeliefOptions(NamedTuple):
    maximize: bool
    betas: tuple[float, float]
    eps: float
    rectify: bool
    ams_bound: bool


class AdaBeliefScalars(NamedTuple):
    l2: float
    decay: float
    step_size: float
    bias_correction2_sq: float
    adaptive: bool  # rectify: the variance is tractable (n_sma >= n_sma_threshold)
    sgd: bool  # rectify, intractable: an SGD step (step_size > 0), else none


def adabelief_update(
    p: Coords, g: Coords, state: AdaBeliefState, h: AdaBeliefOptions, c: AdaBeliefScalars
) -> tuple[Coords, AdaBeliefState]:
    """AdaBelief's step on one coordinate (or arrays of them): see :func:`adabelief`."""
    g = prepare_grad(g, p, c.l2, h.maximize)
    p = p * c.decay
    exp_avg = lerp(state.exp_avg, g, 1.0 - h.betas[0])
    residual = g - exp_avg
    exp_avg_var = decayed_average_of_squares(state.exp_avg_var, residual, h.betas[1]) + h.eps
    max_var = state.max_exp_avg_var
    if h.ams_bound:
        max_var = maximum(max_var, exp_avg_var)
    root = np.sqrt(max_var if h.ams_bound else exp_avg_var)
    new_state = AdaBeliefState(exp_avg, exp_avg_var, max_var)
    if not h.rectify:
        return addcdiv(p, -c.step_size, exp_avg, root / c.bias_correction2_sq + h.eps), new_state
    adaptive = addcdiv(p, -c.step_size, exp_avg, root + h.eps)
    sgd = exp_avg * -c.step_size + p
    return where(c.adaptive, adaptive, where(c.sgd, sgd, p)), new_state


def _adabelief_scalars(
    h: Mapping[str, Any], lr: float, step: int, carry: None
) -> tuple[AdaBeliefScalars, None]:
    beta1, beta2 = h["betas"]
    t = step + 1
    threshold = h["n_sma_threshold"]
    step_size, n_sma = rectify_step_size(
        h["rectify"], t, lr, beta2, threshold, h["degenerated_to_sgd"]
    )
    step_size = step_size / debias(beta1, t)
    l2, decay = weight_decay_scalars(h, lr)
    bias_correction2_sq = math.sqrt(debias(beta2, t))
    scalars = AdaBeliefScalars(
        l2, decay, step_size, bias_correction2_sq, n_sma >= threshold, step_size > 0
    )
    return scalars, carry


ADABELIEF = ElementwiseRule(
    adabelief_update,
    AdaBeliefState,
    lambda h: (0.0, 0.0, 0.0 if h["ams_bound"] else None),
    AdaBeliefOptions,
    _adabelief_scalars,
)


@register(
    "adabelief",
    params=(
        lr_param(1e-3),
        described_betas(
            (0.9, 0.999),
            "decay rates of the running averages of the gradient and of its squared "
            "deviation from that average",
        ),
        *weight_decay_params(True),
        RECTIFY,
        N_SMA_THRESHOLD,
        degenerated_to_sgd_param(True),
        HyperParam(
            "ams_bound",
            False,
            kind="bool",
            help="use the maximum of past belief averages (as AMSGrad)",
        ),
        HyperParam(
            "eps",
            1e-16,
            low=0.0,
            log=True,
            ui_range=(1e-20, 1.0),
            help="term added to the belief average and to the denominator",
        ),
        MAXIMIZE,
    ),
    summary="Adam whose step shrinks where the gradient departs from its running average",
    source="Zhuang, Tang, Ding, Tatikonda, Dvornek, Papademetris & Duncan (2020), AdaBelief "
    "Optimizer: Adapting Stepsizes by the Belief in Observed Gradients; "
    + PYTORCH_OPTIMIZER.format("AdaBelief"),
    momentum=lambda h: True,
)
def adabelief(h: Mapping[str, Any]) -> Algorithm:
    r"""AdaBelief, exactly as pytorch-optimizer's ``AdaBelief`` (its adanorm and adam_debias
    variants left out).

    .. code-block:: text

        for t = 1 ...
            g_t <- grad f(theta_{t-1});  if maximize: g_t <- -g_t
            weight decay (coupled or decoupled, see the module)
            m_t <- beta1 m_{t-1} + (1 - beta1) g_t
            s_t <- beta2 s_{t-1} + (1 - beta2) (g_t - m_t)^2 + eps
            if ams_bound:  s_t^max <- max(s_{t-1}^max, s_t);  s <- s_t^max  else s <- s_t
            if not rectify:
                theta_t <- theta_{t-1}
                           - gamma / (1 - beta1^t) m_t / (sqrt(s) / sqrt(1 - beta2^t) + eps)
            else (r_t, rho_t: RAdam's rectification and moving-average length):
                if rho_t >= n_sma_threshold:
                    theta_t <- theta_{t-1} - gamma r_t / (1 - beta1^t) m_t / (sqrt(s) + eps)
                elif degenerated_to_sgd:
                    theta_t <- theta_{t-1} - gamma / (1 - beta1^t) m_t

    The eps is added twice: to the belief average, and to the denominator.
    """
    return elementwise(ADABELIEF, h)


# --- Adan --------------------------------------------------------------------------------


class AdanState(NamedTuple):
    exp_avg: Coords
    exp_avg_sq: Coords
    exp_avg_diff: Coords
    previous_grad: Coords  # the negated last gradient, as the reference keeps it


class AdanOptions(NamedTuple):
    maximize: bool
    betas: tuple[float, float]
    beta3: float
    eps: float


class AdanScalars(NamedTuple):
    first: bool  # the first step, which starts the last gradient at this one
    step_size: float
    diff_step_size: float
    bias_correction3_sq: float
    decay: float  # decoupled decay's factor, 1 when coupled
    shrink: float  # coupled decay's divisor, 1 when decoupled


def adan_update(
    p: Coords, g: Coords, state: AdanState, h: AdanOptions, c: AdanScalars
) -> tuple[Coords, AdanState]:
    """Adan's step on one coordinate (or arrays of them): see :func:`adan`."""
    beta1, beta2 = h.betas
    # The reference starts the last gradient at the gradient before it is negated for
    # maximize: with maximize, the first difference is -2 g_1, not 0.
    previous = where(c.first, -g, state.previous_grad)
    g = prepare_grad(g, p, 0.0, h.maximize)
    grad_diff = previous + g
    exp_avg = lerp(state.exp_avg, g, 1.0 - beta1)
    exp_avg_diff = lerp(state.exp_avg_diff, grad_diff, 1.0 - beta2)
    corrected = grad_diff * beta2 + g
    exp_avg_sq = decayed_average_of_squares(state.exp_avg_sq, corrected, h.beta3)
    de_nom = np.sqrt(exp_avg_sq) / c.bias_correction3_sq + h.eps
    p = p * c.decay
    p = addcdiv(p, -c.step_size, exp_avg, de_nom)
    p = addcdiv(p, -c.diff_step_size, exp_avg_diff, de_nom)
    return p / c.shrink, AdanState(exp_avg, exp_avg_sq, exp_avg_diff, -g)


def _adan_scalars(
    h: Mapping[str, Any], lr: float, step: int, carry: None
) -> tuple[AdanScalars, None]:
    beta1, beta2 = h["betas"]
    t = step + 1
    weight_decay = h["weight_decay"]
    decoupled = weight_decay != 0.0 and h["weight_decouple"]
    coupled = weight_decay != 0.0 and not h["weight_decouple"]
    scalars = AdanScalars(
        step == 0,
        lr / debias(beta1, t),
        lr * beta2 / debias(beta2, t),
        math.sqrt(debias(h["beta3"], t)),
        1.0 - lr * weight_decay if decoupled else 1.0,
        1.0 + lr * weight_decay if coupled else 1.0,
    )
    return scalars, carry


ADAN = ElementwiseRule(
    adan_update, AdanState, lambda h: (0.0, 0.0, 0.0, 0.0), AdanOptions, _adan_scalars
)


adan_clip = global_norm_clip  # Adan's clip by the global norm, as Lamb's


@register(
    "adan",
    params=(
        lr_param(1e-3),
        described_betas(
            (0.98, 0.92),
            "decay rates of the running averages of the gradient and of its change "
            "(the first two of the reference's three betas)",
        ),
        beta3_param(0.99, "decay rate of the running average of the corrected gradient squared"),
        weight_decay_param(),
        weight_decouple_param(False),
        HyperParam(
            "max_grad_norm",
            0.0,
            low=0.0,
            ui_range=(0.0, 10.0),
            help="clip each walker's gradient to this norm (0: no clipping)",
        ),
        eps_param(1e-8),
        MAXIMIZE,
    ),
    summary="Adam with Nesterov momentum from gradient differences",
    source="Xie, Zhou, Li, Lin & Yan (2022), Adan: Adaptive Nesterov Momentum Algorithm for "
    "Faster Optimizing Deep Models; " + PYTORCH_OPTIMIZER.format("Adan"),
    momentum=lambda h: True,
)
def adan(h: Mapping[str, Any]) -> Algorithm:
    r"""Adan, exactly as pytorch-optimizer's ``Adan`` (its use_gc and adanorm variants left
    out); the reference's ``betas=(b1, b2, b3)`` is ``betas=b1/b2,beta3=b3``.

    .. code-block:: text

        g_0 <- g_1 (the first gradient, before maximize negates it)
        for t = 1 ...
            g_t <- grad f(theta_{t-1})
            if max_grad_norm > 0:  g_t <- min(max_grad_norm / (|g_t| + eps), 1) g_t
            if maximize: g_t <- -g_t
            d_t <- g_t - g_{t-1}
            m_t <- beta1 m_{t-1} + (1 - beta1) g_t
            n_t <- beta2 n_{t-1} + (1 - beta2) d_t
            v_t <- beta3 v_{t-1} + (1 - beta3) (g_t + beta2 d_t)^2
            u_t <- sqrt(v_t) / sqrt(1 - beta3^t) + eps
            if decoupled and lambda != 0:  theta_{t-1} <- theta_{t-1} (1 - gamma lambda)
            theta_t <- theta_{t-1} - gamma / (1 - beta1^t) m_t / u_t
                                   - gamma beta2 / (1 - beta2^t) n_t / u_t
            if coupled and lambda != 0:  theta_t <- theta_t / (1 + gamma lambda)

    The reference clips by the norm over all of a model's gradients, computed in float32:
    here each walker's own, rounded the same way. That needs the whole point, so with
    max_grad_norm the compiled engine cannot run it.
    """
    algorithm = elementwise(ADAN, h)
    max_grad_norm, eps = h["max_grad_norm"], h["eps"]
    if max_grad_norm == 0.0:
        return algorithm
    update = algorithm.update

    def clipped(grad, state, params, lr, step, probe=None):
        return update(adan_clip(grad, max_grad_norm, eps), state, params, lr, step, probe)

    return Algorithm(algorithm.init, clipped)


# --- ADOPT -------------------------------------------------------------------------------


class AdoptState(NamedTuple):
    exp_avg: Coords
    exp_avg_sq: Coords


class MomentsOptions(NamedTuple):
    """What ADOPT and AdEMAMix read of their hyper-parameters."""

    maximize: bool
    betas: tuple[float, float]
    eps: float


class AdoptScalars(NamedTuple):
    lr: float
    l2: float
    decay: float
    first: bool  # the first step only starts the second moment
    clip: float  # the bound of the normalised gradient (inf: none)


def adopt_update(
    p: Coords, g: Coords, state: AdoptState, h: MomentsOptions, c: AdoptScalars
) -> tuple[Coords, AdoptState]:
    """ADOPT's step on one coordinate (or arrays of them): see :func:`adopt`."""
    g = prepare_grad(g, p, c.l2, h.maximize)
    p = p * c.decay
    if c.first:
        return p, AdoptState(state.exp_avg, state.exp_avg_sq + g * g)
    de_nom = maximum(np.sqrt(state.exp_avg_sq), h.eps)
    normed = clamp(g / de_nom, -c.clip, c.clip)
    exp_avg = lerp(state.exp_avg, normed, 1.0 - h.betas[0])
    exp_avg_sq = decayed_average_of_squares(state.exp_avg_sq, g, h.betas[1])
    return exp_avg * -c.lr + p, AdoptState(exp_avg, exp_avg_sq)


def _adopt_scalars(
    h: Mapping[str, Any], lr: float, step: int, carry: None
) -> tuple[AdoptScalars, None]:
    t = step + 1
    clip = math.inf if h["clip_lambda"] is None or t == 1 else math.pow(t, 0.25)
    l2, decay = weight_decay_scalars(h, lr)
    return AdoptScalars(lr, l2, decay, t == 1, clip), carry


ADOPT = ElementwiseRule(
    adopt_update, AdoptState, lambda h: (0.0, 0.0), MomentsOptions, _adopt_scalars
)


@register(
    "adopt",
    params=(
        lr_param(1e-3),
        betas_param((0.9, 0.9999)),
        HyperParam(
            "clip_lambda",
            "step**0.25",
            kind="choice",
            choices=("step**0.25",),
            optional=True,
            help="bound of the normalised gradient at each step (the reference's default "
            "function of the step); none: no clipping",
        ),
        *weight_decay_params(False),
        eps_param(1e-6),
        MAXIMIZE,
    ),
    summary="Adam normalising the gradient by the previous second moment, then averaging it",
    source="Taniguchi, Harada, Minegishi, Oshima, Jeong, Nagahara, Iiyama, Suzuki, Iwasawa & "
    "Matsuo (2024), ADOPT: Modified Adam Can Converge with Any beta2 with the Optimal Rate; "
    + PYTORCH_OPTIMIZER.format("ADOPT"),
    momentum=lambda h: True,
)
def adopt(h: Mapping[str, Any]) -> Algorithm:
    r"""ADOPT, exactly as pytorch-optimizer's ``ADOPT``; ``clip_lambda`` is its default
    function of the step or none (another function cannot be written in a spec), and its
    ``cautious`` and ``stable_adamw`` variants, which take a mean over the whole parameter,
    are left out.

    .. code-block:: text

        for t = 1 ...
            g_t <- grad f(theta_{t-1});  if maximize: g_t <- -g_t
            weight decay (coupled or decoupled, see the module)
            if t = 1:  v_1 <- g_1^2;  (no step)
            else:
                u_t <- g_t / max(sqrt(v_{t-1}), eps)
                if clip_lambda:  u_t <- clamp(u_t, -t^0.25, t^0.25)
                m_t <- beta1 m_{t-1} + (1 - beta1) u_t
                theta_t <- theta_{t-1} - gamma m_t
                v_t <- beta2 v_{t-1} + (1 - beta2) g_t^2
    """
    return elementwise(ADOPT, h)


# --- AdEMAMix ----------------------------------------------------------------------------


class AdemamixState(NamedTuple):
    exp_avg: Coords
    exp_avg_sq: Coords
    exp_avg_slow: Coords


class AdemamixScalars(NamedTuple):
    lr: float
    l2: float
    decay: float
    bias_correction1: float
    bias_correction2_sq: float
    alpha: float  # the scheduled weight of the slow average
    slow_weight: float  # 1 - the scheduled beta3


def ademamix_update(
    p: Coords, g: Coords, state: AdemamixState, h: MomentsOptions, c: AdemamixScalars
) -> tuple[Coords, AdemamixState]:
    """AdEMAMix's step on one coordinate (or arrays of them): see :func:`ademamix`."""
    g = prepare_grad(g, p, c.l2, h.maximize)
    p = p * c.decay
    exp_avg = lerp(state.exp_avg, g, 1.0 - h.betas[0])
    exp_avg_sq = decayed_average_of_squares(state.exp_avg_sq, g, h.betas[1])
    exp_avg_slow = lerp(state.exp_avg_slow, g, c.slow_weight)
    de_nom = np.sqrt(exp_avg_sq) / c.bias_correction2_sq + h.eps
    update = exp_avg / c.bias_correction1 + c.alpha * exp_avg_slow
    return addcdiv(p, -c.lr, update, de_nom), AdemamixState(exp_avg, exp_avg_sq, exp_avg_slow)


def ademamix_schedules(h: Mapping[str, Any], t: int) -> tuple[float, float]:
    """``AdEMAMix.schedule_alpha`` and ``schedule_beta3`` at step ``t`` (from 1)."""
    alpha, beta1, beta3 = h["alpha"], h["betas"][0], h["beta3"]
    warmup = h["t_alpha_beta3"]
    if warmup is None:
        return alpha, beta3
    log_beta1, log_beta3 = math.log(beta1), math.log(beta3)
    beta3_t = min(
        math.exp(
            log_beta1 * log_beta3 / ((1.0 - t / warmup) * log_beta3 + (t / warmup) * log_beta1)
        ),
        beta3,
    )
    return min(t * alpha / warmup, alpha), beta3_t


def _ademamix_scalars(
    h: Mapping[str, Any], lr: float, step: int, carry: None
) -> tuple[AdemamixScalars, None]:
    beta1, beta2 = h["betas"]
    t = step + 1
    alpha_t, beta3_t = ademamix_schedules(h, t)
    l2, decay = weight_decay_scalars(h, lr)
    scalars = AdemamixScalars(
        lr, l2, decay, debias(beta1, t), math.sqrt(debias(beta2, t)), alpha_t, 1.0 - beta3_t
    )
    return scalars, carry


ADEMAMIX = ElementwiseRule(
    ademamix_update, AdemamixState, lambda h: (0.0, 0.0, 0.0), MomentsOptions, _ademamix_scalars
)


def _check_ademamix(h: Mapping[str, Any]) -> None:
    if h["t_alpha_beta3"] is not None and (h["betas"][0] <= 0.0 or h["beta3"] <= 0.0):
        raise FogwalkError(
            "ademamix's warm-up (t_alpha_beta3) takes the logarithms of beta1 and beta3: "
            f"both must be above 0, got {h['betas'][0]} and {h['beta3']}"
        )


@register(
    "ademamix",
    params=(
        lr_param(1e-3),
        betas_param((0.9, 0.999)),
        beta3_param(0.9999, "decay rate of the slow running average of the gradient"),
        *weight_decay_params(False),
        HyperParam(
            "alpha",
            5.0,
            low=0.0,
            ui_range=(0.0, 20.0),
            help="weight of the slow average against the fast one",
        ),
        HyperParam(
            "t_alpha_beta3",
            None,
            kind="int",
            low=1,
            optional=True,
            help="steps over which alpha and beta3 warm up to their values (none: no warm-up)",
        ),
        eps_param(1e-8),
        MAXIMIZE,
    ),
    summary="Adam stepping along a mix of a fast and a slow average of the gradient",
    source="Pagliardini, Ablin & Grangier (2024), The AdEMAMix Optimizer: Better, Faster, "
    "Older; " + PYTORCH_OPTIMIZER.format("AdEMAMix"),
    check=_check_ademamix,
    momentum=lambda h: True,
)
def ademamix(h: Mapping[str, Any]) -> Algorithm:
    r"""AdEMAMix, exactly as pytorch-optimizer's ``AdEMAMix``; the reference's ``betas=(b1,
    b2, b3)`` is ``betas=b1/b2,beta3=b3``, and its ``cautious`` and ``stable_adamw``
    variants, which take a mean over the whole parameter, are left out.

    .. code-block:: text

        for t = 1 ...
            g_t <- grad f(theta_{t-1});  if maximize: g_t <- -g_t
            weight decay (coupled or decoupled, see the module)
            if t_alpha_beta3 (T):
                alpha_t <- min(t alpha / T, alpha)
                beta3_t <- min(exp(ln b1 ln b3 / ((1 - t/T) ln b3 + (t/T) ln b1)), beta3)
            else:  alpha_t <- alpha;  beta3_t <- beta3
            m1_t <- beta1 m1_{t-1} + (1 - beta1) g_t
            v_t <- beta2 v_{t-1} + (1 - beta2) g_t^2
            m2_t <- beta3_t m2_{t-1} + (1 - beta3_t) g_t
            theta_t <- theta_{t-1} - gamma (m1_t / (1 - beta1^t) + alpha_t m2_t)
                                         / (sqrt(v_t) / sqrt(1 - beta2^t) + eps)
    """
    return elementwise(ADEMAMIX, h)


# --- Cautious AdamW ----------------------------------------------------------------------


@register(
    "cadamw",
    params=(
        lr_param(1e-3),
        betas_param(),
        eps_param(1e-8),
        weight_decay_param(1e-2),
        MAXIMIZE,
    ),
    summary="AdamW that steps only along the coordinates where its update agrees with the slope",
    source="Liang, Chen, Liu & Liu (2024), Cautious Optimizers: Improving Training with One "
    "Line of Code; "
    + PYTORCH_OPTIMIZER.format(
        "cautious=True (BaseOptimizer.apply_cautious) as AdEMAMix(alpha=0, "
        "weight_decouple=True) applies it: AdamW step for step"
    ),
    momentum=lambda h: True,
)
def cadamw(h: Mapping[str, Any]) -> Algorithm:
    r"""Cautious AdamW (C-AdamW): AdamW, with each coordinate's step kept only where the
    momentum and the slope agree in sign, the kept ones scaled up by the share dropped.

    pytorch-optimizer 4.1.0 has no AdamW of its own (it re-exports ``torch.optim.AdamW``,
    which has no cautious flag): it applies the cautious mask as a ``cautious=True``
    keyword of other classes. Its ``AdEMAMix`` with ``alpha=0`` (no slow average) and
    ``weight_decouple=True`` is AdamW, and with ``cautious=True`` it is C-AdamW: this is
    that, step for step. AdamW's ``amsgrad`` has no cautious counterpart there and is left
    out.

    .. code-block:: text

        for t = 1 ...
            g_t <- grad f(theta_{t-1});  if maximize: g_t <- -g_t
            theta_{t-1} <- theta_{t-1} (1 - gamma lambda)
            m_t <- beta1 m_{t-1} + (1 - beta1) g_t
            v_t <- beta2 v_{t-1} + (1 - beta2) g_t^2
            mask_i <- 1 if m_t,i g_t,i > 0 else 0;  mask <- mask n / (sum_i mask_i + 1)
            theta_t <- theta_{t-1} - gamma (mask m_t) / (1 - beta1^t)
                                         / (sqrt(v_t) / sqrt(1 - beta2^t) + eps)

    n is the number of coordinates (2), so the sum is over the walker's point: this is not
    element-wise, and the compiled engine cannot run it.
    """
    beta1, beta2 = h["betas"]
    eps, weight_decay, maximize = h["eps"], h["weight_decay"], h["maximize"]

    def init(params: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        return np.zeros_like(params, dtype=float), np.zeros_like(params, dtype=float)

    def update(grad, state, params, lr, step, probe=None):
        t = step + 1
        exp_avg, exp_avg_sq = state
        g = -grad if maximize else grad
        params = params * (1.0 - weight_decay * lr) if weight_decay != 0.0 else params * 1.0
        exp_avg = lerp(exp_avg, g, 1.0 - beta1)
        exp_avg_sq = decayed_average_of_squares(exp_avg_sq, g, beta2)
        de_nom = np.sqrt(exp_avg_sq) / math.sqrt(debias(beta2, t)) + eps
        mask = (exp_avg * g > 0).astype(float)
        mask = mask * (mask.shape[1] / (mask.sum(axis=1, keepdims=True) + 1))
        masked = exp_avg * mask / debias(beta1, t)
        return addcdiv(params, -lr, masked, de_nom), (exp_avg, exp_avg_sq)

    return Algorithm(init, update)
