"""Optimizers beyond torch.optim: Lion, damped Newton and Armijo line search."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np

from .common import (
    MAXIMIZE,
    Coords,
    betas_param,
    lr_param,
    prepare_grad,
    sign,
    weight_decay_param,
)
from .hyper import HyperParam
from .registry import Algorithm, register
from .rule import ElementwiseRule, LearningRate, elementwise


class LionState(NamedTuple):
    exp_avg: Coords


class LionOptions(NamedTuple):
    weight_decay: float
    maximize: bool
    betas: tuple[float, float]


def lion_update(
    p: Coords, g: Coords, state: LionState, h: LionOptions, c: LearningRate
) -> tuple[Coords, LionState]:
    """Lion's step on one coordinate (or arrays of them): see :func:`lion`."""
    beta1, beta2 = h.betas
    g = prepare_grad(g, p, 0.0, h.maximize)
    direction = sign(beta1 * state.exp_avg + (1 - beta1) * g)
    if h.weight_decay != 0.0:
        direction = direction + h.weight_decay * p
    exp_avg = beta2 * state.exp_avg + (1 - beta2) * g
    return p - c.lr * direction, LionState(exp_avg)


LION = ElementwiseRule(lion_update, LionState, lambda h: (0.0,), LionOptions)


@register(
    "lion",
    params=(lr_param(1e-4), betas_param((0.9, 0.99)), weight_decay_param(), MAXIMIZE),
    summary="steps of fixed length along the sign of an interpolated momentum",
    source="Chen et al. (2023), Symbolic Discovery of Optimization Algorithms, Algorithm 2",
    momentum=lambda h: True,
)
def lion(h: Mapping[str, Any]) -> Algorithm:
    r"""Lion (EvoLved Sign Momentum).

    .. code-block:: text

        for t = 1 ...
            g_t <- grad f(theta_{t-1});  if maximize: g_t <- -g_t
            c_t <- beta1 m_{t-1} + (1 - beta1) g_t
            theta_t <- theta_{t-1} - gamma (sign(c_t) + lambda theta_{t-1})
            m_t <- beta2 m_{t-1} + (1 - beta2) g_t
    """
    return elementwise(LION, h)


class Stateless(NamedTuple):
    pass


@register(
    "newton",
    params=(
        lr_param(1.0),
        HyperParam(
            "damping",
            1e-3,
            low=0.0,
            log=True,
            ui_range=(1e-8, 10.0),
            help="Levenberg damping lambda added to the Hessian's diagonal",
        ),
        HyperParam(
            "saddle_free",
            False,
            kind="bool",
            help="use |H| (absolute eigenvalues) so that saddles repel instead of attract",
        ),
        MAXIMIZE,
    ),
    summary="damped Newton steps with the surface's exact Hessian",
    source="Nocedal & Wright (2006), Numerical Optimization, ch. 3.4 (damped Newton); "
    "saddle-free variant: Dauphin et al. (2014)",
    uses_hessian=True,
)
def newton(h: Mapping[str, Any]) -> Algorithm:
    r"""Damped (Levenberg) Newton with the exact Hessian; each Hessian counts as an evaluation.

    .. code-block:: text

        for t = 1 ...
            g_t <- grad f(theta_{t-1});  H_t <- hess f(theta_{t-1})
            if saddle_free:  H_t <- |H_t|  (the same eigenvectors, absolute eigenvalues)
            theta_t <- theta_{t-1} - gamma (H_t + lambda I)^{-1} g_t
        where the 2x2 system falls back to the gradient step g_t if it is singular.

    On a game the optimizer follows the field ``(gx, -gy)``, and ``H_t`` is that
    field's Jacobian, ``[[hxx, hxy], [-hxy, -hyy]]`` (after ``|H|`` when
    saddle-free): Newton's method for the field's zero, the game's equilibrium.
    """

    def init(params: np.ndarray) -> Stateless:
        return Stateless()

    def update(grad, state, params, lr, step, probe):
        g = prepare_grad(grad, params, 0.0, h["maximize"])
        # |-H| = |H|: ascent negates the Hessian, unless it is made positive anyway.
        a, b, c, d = probe.jacobian(params, absolute=_absolute if h["saddle_free"] else None)
        if h["maximize"] and not h["saddle_free"]:
            a, b, c, d = -a, -b, -c, -d
        a = a + h["damping"]
        d = d + h["damping"]
        det = a * d - b * c
        singular = ~(np.abs(det) > 1e-300)
        safe_det = np.where(singular, 1.0, det)
        direction = np.stack(
            [(d * g[:, 0] - b * g[:, 1]) / safe_det, (a * g[:, 1] - c * g[:, 0]) / safe_det],
            axis=-1,
        )
        direction[singular] = g[singular]
        return params - lr * direction, state

    return Algorithm(init, update)


def _absolute(
    a: np.ndarray, b: np.ndarray, c: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """|H| for symmetric 2x2 H = [[a, b], [b, c]]: sqrt(H^2) in closed form.

    For a positive semi-definite M, sqrt(M) = (M + s I) / t with s = sqrt(det M)
    and t = sqrt(tr M + 2 s); here M = H^2, so s = |det H|.
    """
    s = np.abs(a * c - b * b)
    m_a, m_b, m_c = a * a + b * b, b * (a + c), b * b + c * c
    t = np.sqrt(m_a + m_c + 2 * s)
    t = np.where(t > 0, t, 1.0)
    return (m_a + s) / t, m_b / t, (m_c + s) / t


@register(
    "linesearch",
    params=(
        lr_param(1.0),
        HyperParam(
            "c1",
            1e-4,
            low=0.0,
            high=1.0,
            low_open=True,
            high_open=True,
            log=True,
            ui_range=(1e-6, 0.5),
            help="Armijo sufficient-decrease constant",
        ),
        HyperParam(
            "shrink",
            0.5,
            low=0.0,
            high=1.0,
            low_open=True,
            high_open=True,
            ui_range=(0.1, 0.9),
            help="factor the trial step is multiplied by on each rejection",
        ),
        HyperParam(
            "max_trials",
            30,
            kind="int",
            low=1,
            ui_range=(1, 60),
            help="most trial points per step; the last trial is taken",
        ),
        MAXIMIZE,
    ),
    summary="gradient descent whose step is shortened until the loss drops enough (Armijo)",
    source="Armijo (1966); Nocedal & Wright (2006), Algorithm 3.1 (backtracking line search)",
)
def linesearch(h: Mapping[str, Any]) -> Algorithm:
    r"""Steepest descent with Armijo backtracking; every trial loss counts as an evaluation.

    .. code-block:: text

        for t = 1 ...
            g_t <- grad f(theta_{t-1});  alpha <- gamma
            while f(theta_{t-1} - alpha g_t) > f(theta_{t-1}) - c1 alpha |g_t|^2
                  and fewer than max_trials trials:
                alpha <- shrink alpha
            theta_t <- theta_{t-1} - alpha g_t
    """
    sign = -1.0 if h["maximize"] else 1.0

    def init(params: np.ndarray) -> Stateless:
        return Stateless()

    def update(grad, state, params, lr, step, probe):
        g = prepare_grad(grad, params, 0.0, h["maximize"])
        slope = np.einsum("ij,ij->i", g, g)
        alpha = np.full(len(params), lr)
        rows = np.arange(len(params))
        base = sign * probe.loss
        for trial in range(h["max_trials"]):
            trial_points = params[rows] - alpha[rows, None] * g[rows]
            values = sign * probe.value(trial_points, rows, trial=True)
            accepted = values <= base[rows] - h["c1"] * alpha[rows] * slope[rows]
            if trial == h["max_trials"] - 1:
                break
            rows = rows[~accepted]
            if rows.size == 0:
                break
            alpha[rows] *= h["shrink"]
        return params - alpha[:, None] * g, state

    return Algorithm(init, update)
