"""Element-wise update rules: one function per optimizer that both engines run.

A coordinate-wise optimizer (the torch.optim family, Lion) is written once,
as ``update(p, g, state, h, c) -> (p, state)`` on one coordinate of one
walker, with only arithmetic and the primitives of :mod:`.common` in it, so
that the same function runs

- on NumPy arrays shaped ``(walkers, 2)`` (the NumPy lanes call it as it is),
- on floats, compiled by numba into the fused loop of
  :mod:`fogwalk.core.compiled` (which gives the primitives scalar bodies).

Everything reaches the rule by name: ``state`` is a NamedTuple of the
optimizer's running averages, ``h`` a NamedTuple of the hyper-parameters the
rule reads (compiled into the loop as constants: a branch on an option
vanishes there) and ``c`` a NamedTuple of this step's scalars (the scheduled
learning rate, bias corrections: what depends on the step alone, computed
once per step in Python).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from .common import Coords
from .registry import Algorithm

Update = Callable[[Coords, Coords, Any, Any, Any], tuple[Coords, NamedTuple]]
"""``update(p, g, state, h, c) -> (p, state)``, its ``state``, ``h`` and ``c`` the
NamedTuples of its own :class:`ElementwiseRule`."""

Scalars = Callable[[Mapping[str, Any], float, int, Any], tuple[NamedTuple, Any]]
"""``scalars(h, lr, step, carry) -> (c, carry)``: see :class:`ElementwiseRule`."""


class LearningRate(NamedTuple):
    """The step scalars of a rule that needs only the scheduled learning rate."""

    lr: float


def only_lr(h: Mapping[str, Any], lr: float, step: int, carry: Any) -> tuple[LearningRate, Any]:
    return LearningRate(lr), carry


@dataclass(frozen=True)
class ElementwiseRule:
    """One optimizer's element-wise rule and what it needs from the hyper-parameters.

    Attributes
    ----------
    update
        ``update(p, g, state, h, c) -> (p, state)``, pure, element-wise.
    state
        The NamedTuple class of the state; its fields are the state arrays.
    initial
        ``initial(h)``: each state field's starting value, or None for one the
        configuration never reads (the NumPy lanes then keep no array for it).
    options
        The NamedTuple class of ``h``: its fields are filled by name from the
        hyper-parameters.
    scalars
        ``scalars(h, lr, step, carry) -> (c, carry)`` for update ``step`` (0 for
        the first) at the scheduled ``lr``; ``carry`` is a Python value threaded
        from step to step (None at first), such as NAdam's product of momenta.
    preset
        Options fixed whatever the hyper-parameters say (AdamW's decoupled decay).
    """

    update: Update
    state: type[NamedTuple]
    initial: Callable[[Mapping[str, Any]], tuple[float | None, ...]]
    options: type[NamedTuple]
    scalars: Scalars = only_lr
    preset: tuple[tuple[str, Any], ...] = ()

    def options_of(self, h: Mapping[str, Any]) -> NamedTuple:
        """``h`` as the rule reads it: the NamedTuple of its options, by name."""
        h = {**h, **dict(self.preset)}
        return self.options._make(h[name] for name in self.options._fields)


def preset(rule: ElementwiseRule, **options: Any) -> ElementwiseRule:
    """``rule`` with some options fixed, such as AdamW: Adam with decoupled weight decay."""
    return replace(rule, preset=tuple(sorted(options.items())))


def elementwise(rule: ElementwiseRule, h: Mapping[str, Any]) -> Algorithm:
    """The NumPy ``(init, update)`` pair of ``rule`` configured by ``h``.

    The state is a flat tuple: the state arrays (None for the unused ones),
    then the scalar carry.
    """
    options = rule.options_of(h)
    initial = rule.initial(h)

    def init(params: NDArray[np.float64]) -> tuple[NDArray[np.float64] | None, ...]:
        arrays = [None if v is None else np.full_like(params, v, dtype=float) for v in initial]
        return (*arrays, None)

    def update(grad, state, params, lr, step, probe=None):
        scalars, carry = rule.scalars(h, lr, step, state[-1])
        new_params, arrays = rule.update(
            params, grad, rule.state._make(state[:-1]), options, scalars
        )
        return new_params, (*arrays, carry)

    return Algorithm(init, update, rule)
