"""Optimizers that settle min-max games: extragradient, optimistic and alternating steps.

Each follows the field ``F`` the engine hands it: the gradient on an ordinary surface,
``(df/dx, -df/dy)`` on a game (x descends, y ascends), where plain simultaneous steps
circle the equilibrium and spiral out. Extra measurements go through the probe, which
returns the same field and counts them; ``grad_noise`` perturbs only the first one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from .common import MAXIMIZE, lr_param, prepare_grad
from .registry import Algorithm, register

if TYPE_CHECKING:
    from ..probe import Probe


class Stateless(NamedTuple):
    pass


def _field(probe: Probe, points: np.ndarray, maximize: bool) -> np.ndarray:
    """The field at ``points``, one evaluation per walker, signed as ``maximize`` asks."""
    return prepare_grad(probe.grad(points), points, 0.0, maximize)


@register(
    "extragradient",
    params=(lr_param(0.1), MAXIMIZE),
    summary="look ahead one step, then step from here with the slope found there",
    source="Korpelevich (1976), The extragradient method for finding saddle points and other"
    " problems, Matekon 12; Gidel et al. (2019), A Variational Inequality Perspective on GANs",
)
def extragradient(h: Mapping[str, Any]) -> Algorithm:
    r"""Extragradient: two field evaluations per step, the second counted by the probe.

    .. code-block:: text

        for t = 1 ...
            g_t <- F(theta_{t-1});  if maximize: g_t <- -g_t
            theta_half <- theta_{t-1} - gamma g_t
            theta_t <- theta_{t-1} - gamma F(theta_half)
    """

    def init(params: np.ndarray) -> Stateless:
        return Stateless()

    def update(grad, state, params, lr, step, probe):
        g = prepare_grad(grad, params, 0.0, h["maximize"])
        half = params - lr * g
        return params - lr * _field(probe, half, h["maximize"]), state

    return Algorithm(init, update)


class OptimisticState(NamedTuple):
    previous: np.ndarray | None  # last step's field, None before the first step


@register(
    "optimistic",
    params=(lr_param(0.1), MAXIMIZE),
    summary="optimistic descent-ascent: step with twice today's slope minus yesterday's",
    source="Popov (1980), A modification of the Arrow-Hurwicz method for search of saddle"
    " points, Mathematical Notes 28(5); Daskalakis, Ilyas, Syrgkanis & Zeng (2018), Training"
    " GANs with Optimism, eq. 5",
)
def optimistic(h: Mapping[str, Any]) -> Algorithm:
    r"""Optimistic gradient descent-ascent (OGDA): one evaluation per step, one field kept.

    .. code-block:: text

        for t = 1 ...
            g_t <- F(theta_{t-1});  if maximize: g_t <- -g_t
            if t > 1:  theta_t <- theta_{t-1} - 2 gamma g_t + gamma g_{t-1}
            else:      theta_t <- theta_{t-1} - gamma g_t
    """

    def init(params: np.ndarray) -> OptimisticState:
        return OptimisticState(None)

    def update(grad, state, params, lr, step, probe=None):
        g = prepare_grad(grad, params, 0.0, h["maximize"])
        kept = OptimisticState(np.array(g, copy=True))
        if state.previous is None:
            return params - lr * g, kept
        return params - lr * (2.0 * g - state.previous), kept

    return Algorithm(init, update)


@register(
    "alternating",
    params=(lr_param(0.1), MAXIMIZE),
    summary="alternating descent-ascent: x moves first, then y answers x's new position",
    source="Gidel et al. (2019), Negative Momentum for Improved Game Dynamics; Bailey, Gidel &"
    " Piliouras (2020), Finite Regret and Cycles with Fixed Step-Size via Alternating Gradient"
    " Descent-Ascent",
)
def alternating(h: Mapping[str, Any]) -> Algorithm:
    r"""Alternating (Gauss-Seidel) steps: two field evaluations per step, the second counted.

    On a bilinear game its orbits stay bounded and keep circling instead of spiralling
    out; on a strongly convex-concave one (or an ordinary surface) it converges.

    .. code-block:: text

        for t = 1 ...
            g_t <- F(x_{t-1}, y_{t-1});  if maximize: g_t <- -g_t
            x_t <- x_{t-1} - gamma g_t[x]
            y_t <- y_{t-1} - gamma F(x_t, y_{t-1})[y]
    """

    def init(params: np.ndarray) -> Stateless:
        return Stateless()

    def update(grad, state, params, lr, step, probe):
        g = prepare_grad(grad, params, 0.0, h["maximize"])
        moved = np.array(params, dtype=float, copy=True)
        moved[:, 0] -= lr * g[:, 0]
        moved[:, 1] -= lr * _field(probe, moved, h["maximize"])[:, 1]
        return moved, state

    return Algorithm(init, update)
