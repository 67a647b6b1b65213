"""Lookahead (Zhang et al. 2019): any optimizer's fast steps, pulled back to slow weights every k.

Written ``lookahead:base=adam:lr=0.01,k=5,alpha=0.5``: the base is a whole
optimizer spec, with its own noise, clipping and schedule (see
:func:`fogwalk.core.optimizers.optimizer.parse_spec` for which keys are whose).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np

from ..errors import FogwalkError
from .common import lerp
from .hyper import HyperParam
from .optimizer import make_optimizer
from .registry import COMMON_PARAMS, Algorithm, register

PULLBACK = ("none", "reset", "pullback")


class LookaheadState(NamedTuple):
    base: Any  # the base optimizer's state
    slow: np.ndarray  # the slow weights
    slow_momentum: np.ndarray | None  # with pullback_momentum=pullback
    counter: int  # base steps since the last pull-back


NOISE = ("grad_noise", "seed")


def _check(h: Mapping[str, Any]) -> None:
    for hp in COMMON_PARAMS:
        if hp.name not in (*NOISE, "clip_grad_norm") and h[hp.name] != hp.default:
            raise FogwalkError(
                f"lookahead has no learning rate of its own, so no {hp.name}: give it to the "
                f"base (base=adam:lr=0.01,{hp.name}={hp.format(h[hp.name])})"
            )
    base = make_optimizer(h["base"])
    for name in NOISE:
        if base.hyper[name] != base.definition.param(name).default:
            raise FogwalkError(
                f"gradient noise goes to lookahead itself, written before its base: "
                f"lookahead:{name}={base.hyper[name]},base=..."
            )


@register(
    "lookahead",
    params=(
        HyperParam(
            "base",
            "adam",
            kind="optimizer",
            help="the optimizer that takes the fast steps, a whole spec (adam:lr=0.01)",
        ),
        HyperParam(
            "k", 5, kind="int", low=1, ui_range=(1, 50), help="fast steps between pull-backs"
        ),
        HyperParam(
            "alpha",
            0.5,
            low=0.0,
            high=1.0,
            help="how far the slow weights move toward the fast ones at a pull-back",
        ),
        HyperParam(
            "pullback_momentum",
            "none",
            kind="choice",
            choices=PULLBACK,
            help="the base's momentum buffer at a pull-back: kept (none), zeroed (reset) or "
            "pulled back like the weights (pullback)",
        ),
    ),
    summary="any optimizer's steps, pulled back part of the way to slow weights every k steps",
    source="Zhang, Lucas, Hinton & Ba (2019), Lookahead Optimizer: k steps forward, 1 step "
    "back; pytorch-optimizer 4.1.0, Lookahead",
    check=_check,
    momentum=lambda h: make_optimizer(h["base"]).has_momentum,
)
def lookahead(h: Mapping[str, Any]) -> Algorithm:
    r"""Lookahead around the base optimizer A, exactly as ``pytorch_optimizer.Lookahead``.

    .. code-block:: text

        phi_0 <- theta_0  (slow weights)
        for t = 1 ...
            theta_t <- A(theta_{t-1})  (one step of the base, its state its own)
            if t is a multiple of k:
                theta_t <- phi <- theta_t + alpha (phi - theta_t) ... that is
                theta_t <- phi <- lerp(theta_t, phi, 1 - alpha)
                pullback_momentum: reset: m <- 0;  pullback: m <- psi <- lerp(m, psi, 1 - alpha)

    The momentum buffer is the base's ``momentum_buffer`` (torch's SGD and
    RMSprop keep one); a base without one is left as it is, as the reference
    leaves it.
    """
    base = make_optimizer(h["base"])
    rule = base.algorithm.rule
    buffer = (
        rule.state._fields.index("momentum_buffer")
        if rule is not None and "momentum_buffer" in rule.state._fields
        else None
    )
    pullback = h["pullback_momentum"]

    def init(params: np.ndarray) -> LookaheadState:
        slow_momentum = np.zeros_like(params) if pullback == "pullback" else None
        return LookaheadState(base.init(params), params.copy(), slow_momentum, 0)

    def update(grad, state, params, lr, step, probe):
        new_params, base_state = base.update(grad, state.base, params, step, probe)
        counter = state.counter + 1
        if counter < h["k"]:
            return new_params, state._replace(base=base_state, counter=counter)
        new_params = np.asarray(lerp(new_params, state.slow, 1.0 - h["alpha"]))
        slow_momentum = state.slow_momentum
        if buffer is not None and base_state[buffer] is not None and pullback != "none":
            arrays = list(base_state)
            if pullback == "reset":
                arrays[buffer] = np.zeros_like(new_params)
            else:
                arrays[buffer] = lerp(arrays[buffer], slow_momentum, 1.0 - h["alpha"])
                slow_momentum = arrays[buffer].copy()
            base_state = tuple(arrays)
        return new_params, LookaheadState(base_state, new_params.copy(), slow_momentum, 0)

    return Algorithm(init, update)
