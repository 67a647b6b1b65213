"""The compiled engine's loop: one numba function per surface and optimizer configuration."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any, NamedTuple

import numpy as np
from numba import njit
from numba.np.unsafe.ndarray import to_fixed_tuple

from ..engine import Status, arrival
from ..optimizers import Optimizer
from ..optimizers.common import clip_factor, norm2
from ..optimizers.rule import ElementwiseRule
from .disk import keep_on_disk, source_of
from .steps import kernel

ScalarSurface = Callable[[float, float], tuple[float, float, float]]
"""A surface's ``(x, y) -> (value, gx, gy)`` on floats (``Surface.scalar_value_and_grad``)."""

# Walkers stepped together through a chunk of steps: their state and rows stay in the CPU cache.
BLOCK = 4096
_RUNNING, _CONVERGED, _DIVERGED = int(Status.RUNNING), int(Status.CONVERGED), int(Status.DIVERGED)
_arrival = njit(error_model="numpy", inline="always")(arrival)


@lru_cache(maxsize=64)
def compiled_surface(value_and_grad: ScalarSurface) -> ScalarSurface:
    """The surface's scalar ``(x, y) -> (value, gx, gy)``, compiled (and inlined where called)."""
    return njit(error_model="numpy", inline="always")(value_and_grad)


@lru_cache(maxsize=64)
def surface_sampler(value_and_grad: ScalarSurface) -> Callable[[np.ndarray], np.ndarray]:
    """``points (n, 2) -> (n, 3)``: the compiled surface's value and slope at each point
    (what the engine checks a compiled surface with), kept on disk as the loops are."""
    surface = compiled_surface(value_and_grad)

    @njit(error_model="numpy")
    def sample(points):
        out = np.empty((points.shape[0], 3))
        for i in range(points.shape[0]):
            out[i, 0], out[i, 1], out[i, 2] = surface(points[i, 0], points[i, 1])
        return out

    keep_on_disk(sample, source_of(value_and_grad))
    return sample


@lru_cache(maxsize=64)
def driver(
    value_and_grad: ScalarSurface,
    rule: ElementwiseRule,
    options: NamedTuple,
    scalars_type: type[NamedTuple],
    noisy: bool,
    max_norm: float = 0.0,
    runtime_options: bool = False,
) -> Any:  # numba's dispatcher: called as the loop, its .stats read
    """A compiled loop over updates ``t0`` to ``t1 - 1`` of one optimizer's walkers.

    ``options`` (the rule's NamedTuple of them) are compiled in, so that the
    branches on an optimizer's options vanish from the loop; with
    ``runtime_options`` they are the loop's last argument instead (``options``
    then only gives their types), and one loop serves every configuration of
    the rule, at about three quarters of the speed. A block of walkers keeps its points and
    gradients in planar scratch arrays and its optimizer state in its own
    ``(states, 2, BLOCK)`` array, all contiguous over the walkers and indexed
    from 0, so that LLVM vectorises the step (about 1.5x faster than the
    scalar loop). Each step has up to three passes over the block:

    1. every walker, whatever its status, takes the optimizer's step and
       measures the surface there, into the scratch arrays; the pass notes
       whether any walker may stop (a point, loss or gradient that is not
       finite, a point outside ``bounds``, or ``|g|^2 <= gtol2``);
    2. the scratch is written into the records' row ``t + 1``;
    3. only when a walker may stop or the block has frozen walkers, what the
       NumPy engine's ``_classify`` does: a frozen walker goes back to its
       row; a running one is frozen as :func:`fogwalk.core.engine.arrival`
       says (a diverged one back at its last finite point).

    With ``noisy``, the optimizer is fed the gradient plus ``noise[t - t0]``
    (laid out per block, as the state), as :meth:`Optimizer.update` adds it,
    and with ``max_norm`` it is then clipped to that norm, as there.

    Every walker pays one evaluation per step it ran, the step it stopped at
    included, as in the NumPy engine's ``_measure``.
    """
    surface = compiled_surface(value_and_grad)
    step = kernel(rule)
    constant = None if runtime_options else options
    count = len(scalars_type._fields)

    @njit(error_model="numpy")
    def advance(xy, loss, grad, status, status_step, evals, state, scalars, noise, k, t0, t1,
                bounds, gtol2, xtol, ascend_y, given):  # fmt: skip
        options = given if runtime_options else constant  # a constant: numba keeps one side
        xmin, xmax, ymin, ymax = bounds[0], bounds[1], bounds[2], bounds[3]
        walkers = xy.shape[2]
        scratch = np.empty((5, BLOCK))
        px, py, gx, gy, f = scratch[0], scratch[1], scratch[2], scratch[3], scratch[4]
        for lo in range(0, walkers, BLOCK):
            n = min(BLOCK, walkers - lo)
            block = lo // BLOCK
            block_state = state[block]
            frozen = 0
            for j in range(n):
                px[j], py[j] = xy[t0, k, lo + j, 0], xy[t0, k, lo + j, 1]
                gx[j], gy[j] = grad[t0, k, lo + j, 0], grad[t0, k, lo + j, 1]
                frozen += status[k, lo + j] != _RUNNING
            for t in range(t0, t1):
                # numba's @intrinsic passes its typing context itself, so the call has one
                # argument fewer than the function mypy reads its signature from.
                c = scalars_type(*to_fixed_tuple(scalars[t - t0], count))  # type: ignore[call-arg]
                may_stop = 0
                for j in range(n):
                    g0, g1 = gx[j], gy[j] * ascend_y
                    if noisy:
                        g0, g1 = g0 + noise[t - t0, block, 0, j], g1 + noise[t - t0, block, 1, j]
                    if max_norm > 0.0:
                        factor = clip_factor(norm2(g0, g1), max_norm)
                        g0, g1 = g0 * factor, g1 * factor
                    nx = step(px[j], g0, block_state, j, 0, options, c)
                    ny = step(py[j], g1, block_state, j, 1, options, c)
                    nf, ngx, ngy = surface(nx, ny)
                    px[j], py[j], f[j], gx[j], gy[j] = nx, ny, nf, ngx, ngy
                    # Not moved at all, the walker would stop: so it may stop.
                    # A filter in front of arrival() (which, called here, halves the speed):
                    # true wherever arrival(moved=0) says anything but running.
                    total = nf + ngx + ngy
                    inside = (xmin <= nx) & (nx <= xmax) & (ymin <= ny) & (ny <= ymax)
                    fine = (total - total == 0.0) & inside & (ngx * ngx + ngy * ngy > gtol2)
                    may_stop += 0 if fine else 1
                for j in range(n):
                    xy[t + 1, k, lo + j, 0], xy[t + 1, k, lo + j, 1] = px[j], py[j]
                    loss[t + 1, k, lo + j] = f[j]
                    grad[t + 1, k, lo + j, 0], grad[t + 1, k, lo + j, 1] = gx[j], gy[j]
                if may_stop == 0 and frozen == 0:
                    continue
                for j in range(n):
                    i = lo + j
                    if status[k, i] == _RUNNING:
                        moved = max(abs(px[j] - xy[t, k, i, 0]), abs(py[j] - xy[t, k, i, 1]))
                        arrived = _arrival(
                            px[j], py[j], f[j], gx[j], gy[j], moved, xmin, xmax, ymin, ymax,
                            gtol2, xtol,
                        )  # fmt: skip
                        if arrived != _RUNNING:
                            status[k, i], status_step[k, i] = arrived, t + 1
                            frozen += 1
                        if arrived != _DIVERGED:
                            continue
                    # Frozen, or diverged just now: back to the last finite point.
                    px[j], py[j] = xy[t, k, i, 0], xy[t, k, i, 1]
                    f[j], gx[j], gy[j] = loss[t, k, i], grad[t, k, i, 0], grad[t, k, i, 1]
                    xy[t + 1, k, i, 0], xy[t + 1, k, i, 1] = px[j], py[j]
                    loss[t + 1, k, i], grad[t + 1, k, i, 0], grad[t + 1, k, i, 1] = (
                        f[j],
                        gx[j],
                        gy[j],
                    )
            for i in range(lo, lo + n):
                if status[k, i] == _RUNNING:
                    evals[k, i] += t1 - t0
                elif status_step[k, i] > t0:
                    evals[k, i] += status_step[k, i] - t0

    keep_on_disk(
        advance,
        source_of(value_and_grad),
        source_of(rule.update),
        (rule.state.__qualname__, rule.state._fields),
        (scalars_type.__module__, scalars_type.__qualname__, scalars_type._fields),
        options,
        noisy,
        max_norm,
        runtime_options,
    )
    return advance


def _types(value: Any) -> Any:
    """The type names of ``value``'s fields, nested: what a loop reading it at run time is
    compiled for."""
    if isinstance(value, tuple):
        return (type(value).__name__, tuple(_types(member) for member in value))
    return type(value).__name__


class CompiledOptimizer:
    """One optimizer's compiled loop, its state (one array per block of walkers) and its
    step scalars."""

    def __init__(
        self,
        k: int,
        optimizer: Optimizer,
        value_and_grad: ScalarSurface,
        walkers: int,
        first: int = 0,
        runtime_options: bool = False,
    ) -> None:
        self.k, self.optimizer, self.walkers, self.first = k, optimizer, walkers, first
        self.runtime_options = runtime_options
        self.rule: ElementwiseRule = optimizer.algorithm.rule
        hyper = optimizer.hyper
        self.blocks = -(-walkers // BLOCK)
        self.width = self.blocks * BLOCK  # the walkers padded to whole blocks
        initial = self.rule.initial(hyper)
        self.state = np.empty((self.blocks, len(initial), 2, BLOCK))
        for index, value in enumerate(initial):
            self.state[:, index] = 0.0 if value is None else value  # None: never read
        self.carry: Any = None  # the rule's scalar carry, threaded from step to step
        # The class of the step scalars, from a first call (its carry is dropped).
        scalars_type: type[NamedTuple] = type(
            self.rule.scalars(hyper, optimizer.lr_at(0), 0, None)[0]
        )
        self.columns = len(scalars_type._fields)
        self.noisy = hyper["grad_noise"] > 0.0
        self.options = self.rule.options_of(hyper)
        # The cache key: the options themselves, or (read at run time) a value of each type.
        key = _types(self.options) if runtime_options else self.options
        self.advance = driver(
            value_and_grad,
            self.rule,
            key,
            scalars_type,
            self.noisy,
            hyper["clip_grad_norm"],
            runtime_options,
        )

    def noise(self, t0: int, t1: int) -> np.ndarray:
        """The gradient noise of updates ``t0`` to ``t1 - 1``, laid out as the state:
        ``(steps, blocks, 2, BLOCK)`` (empty without noise)."""
        if not self.noisy:
            return np.zeros((0, 1, 2, BLOCK))
        table = np.zeros((t1 - t0, self.blocks, 2, BLOCK))
        padded = np.zeros((self.width, 2))
        for step in range(t0, t1):
            padded[: self.walkers] = self.optimizer.noise(step, self.walkers, self.first)
            table[step - t0] = padded.reshape(self.blocks, BLOCK, 2).transpose(0, 2, 1)
        return table

    def scalars(self, t0: int, t1: int) -> np.ndarray:
        """The step scalars of updates ``t0`` to ``t1 - 1``, one row each, in field order."""
        rows = np.zeros((t1 - t0, self.columns))
        hyper, lr_at = self.optimizer.hyper, self.optimizer.lr_at
        for step in range(t0, t1):
            row, self.carry = self.rule.scalars(hyper, lr_at(step), step, self.carry)
            rows[step - t0] = row
        return rows
