"""The optimizers' element-wise rules as scalar numba functions, for the compiled engine.

The rules are the NumPy lanes' own (``ElementwiseRule.update`` in
``fogwalk.core.optimizers``), compiled as they are. Their primitives of
:mod:`fogwalk.core.optimizers.common` are compiled from the same bodies too,
but for ``maximum``, ``minimum``, ``where`` and ``sign``: numba's
``np.maximum`` on two floats is several times slower than a comparison, so
these get scalar bodies here (NaN wins, as in NumPy). Everything is inlined into the loop
(``inline="always"``): called instead, the rules keep LLVM from vectorising it.

Each rule runs on floats exactly the operations it runs on arrays, in the
same order, so the two engines agree to the last bit on the four arithmetic
operations and ``sqrt``; both are checked against torch itself.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any, NamedTuple

from numba import njit
from numba.extending import overload, register_jitable

from ..optimizers import common
from ..optimizers.rule import ElementwiseRule

# error_model="numpy": a division by zero gives inf or NaN (the engine then freezes the
# walker), as in NumPy, instead of raising.
jit = njit(error_model="numpy", inline="always")

for _primitive in (
    common.lerp,
    common.decayed_average_of_squares,
    common.prepare_grad,
    common.addcdiv,
    common.decay_start,
    common.clamp,
    common.clip_factor,
    common.norm2,
):
    register_jitable(inline="always")(_primitive)


# Unannotated, as the overloads' typing lambdas below: numba requires the two to have the
# same parameters, annotations included.
def _maximum(a, b):
    if a != a or b != b:
        return a + b
    # No conditional expression (nor in _sign): inlined, its merged value makes numba warn
    # that a variable "is not in scope" (see fogwalk.core.optimizers.common).
    if a > b:
        return a
    return b


def _minimum(a, b):
    if a != a or b != b:
        return a + b
    if a < b:
        return a
    return b


def _where(condition, a, b):
    if condition:
        return a
    return b


def _sign(a):
    if a > 0.0:
        return 1.0
    if a < 0.0:
        return -1.0
    if a != a:
        return a
    return 0.0


overload(common.maximum, inline="always")(lambda a, b: _maximum)
overload(common.minimum, inline="always")(lambda a, b: _minimum)
overload(common.where, inline="always")(lambda condition, a, b: _where)
overload(common.sign, inline="always")(lambda a: _sign)


@cache
def kernel(rule: ElementwiseRule) -> Callable[..., Any]:
    """``step(p, g, s, j, d, h, c) -> p``: the rule on coordinate ``d`` of walker ``j``.

    ``s`` is a block's state shaped ``(states, 2, block)``, updated in place
    (contiguous over the walkers, so that the loop over them vectorises); ``h``
    and ``c`` are the rule's options and step scalars, NamedTuples read by name.
    """
    update = jit(rule.update)
    # Called field by field in the compiled load(), where NamedTuple._make is not available.
    state_type: Callable[..., NamedTuple] = rule.state
    states = len(rule.state._fields)

    if states > 4:
        raise ValueError(f"a rule keeps at most four state values, not {states}")

    @jit
    def load(s, j, d):
        # Element by element, no slice: a view per call keeps LLVM from vectorising the loop.
        if states == 1:
            return state_type(s[0, d, j])
        if states == 2:
            return state_type(s[0, d, j], s[1, d, j])
        if states == 3:
            return state_type(s[0, d, j], s[1, d, j], s[2, d, j])
        return state_type(s[0, d, j], s[1, d, j], s[2, d, j], s[3, d, j])  # Adan

    @jit
    def step(p, g, s, j, d, h, c):
        p, state = update(p, g, load(s, j, d), h, c)
        # One store per field, each at a constant index, as in load(): a loop over the
        # fields (state[index], a tuple read at a run-time index) made the whole loop
        # 2.5-3.5x slower, though LLVM still emitted a vector body for it.
        s[0, d, j] = state[0]
        if states > 1:
            s[1, d, j] = state[1]
        if states > 2:
            s[2, d, j] = state[2]
        if states > 3:
            s[3, d, j] = state[3]
        return p

    return step
