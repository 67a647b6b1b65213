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
# A block's arrays of walkers (scratch, state, noise) are rows of BLOCK + PAD values: rows
# 32 kB apart map to the same sets of the L1 cache, and the loop's dozen of them then evict
# each other (with the tally's rows, the loop ran at half speed).
PAD = 8
ROW = BLOCK + PAD
_RUNNING, _CONVERGED, _DIVERGED = int(Status.RUNNING), int(Status.CONVERGED), int(Status.DIVERGED)
_inline = njit(error_model="numpy", inline="always")
_arrival = _inline(arrival)


@_inline
def _classify(status, status_step, k, lo, n, t, px, py, f, gx, gy, last, frozen, bounds,
              gtol2, xtol):  # fmt: skip
    """What the NumPy engine's ``_classify`` does, for a block's walkers arriving at step
    ``t + 1`` (``px`` ...) from their ``last`` row (x, y, gx, gy, loss): a frozen walker goes
    back to its last row; a running one is frozen as :func:`fogwalk.core.engine.arrival`
    says (a diverged one back at its last finite point). Returns the block's count of
    frozen walkers."""
    xmin, xmax, ymin, ymax = bounds[0], bounds[1], bounds[2], bounds[3]
    qx, qy, qgx, qgy, qf = last
    for j in range(n):
        i = lo + j
        if status[k, i] == _RUNNING:
            moved = max(abs(px[j] - qx[j]), abs(py[j] - qy[j]))
            arrived = _arrival(
                px[j], py[j], f[j], gx[j], gy[j], moved, xmin, xmax, ymin, ymax, gtol2, xtol
            )
            if arrived != _RUNNING:
                status[k, i], status_step[k, i] = arrived, t + 1
                frozen += 1
            if arrived != _DIVERGED:
                continue
        # Frozen, or diverged just now: back to the last finite point.
        px[j], py[j], f[j], gx[j], gy[j] = qx[j], qy[j], qf[j], qgx[j], qgy[j]
    return frozen


@_inline
def _lower(a, b):
    """The smaller of two finite floats: a select that vectorises (numba's ``min`` did not)."""
    return b if b < a else a


@_inline
def _higher(a, b):
    """The larger of two finite floats (see :func:`_lower`)."""
    return b if b > a else a


@_inline
def _open_tally(kept, loss_sum, lo, n):
    """A block's tally in its scratch: an empty box and the loss summed so far."""
    for j in range(n):
        kept[0, j], kept[1, j], kept[2, j], kept[3, j] = np.inf, -np.inf, np.inf, -np.inf
        kept[4, j] = loss_sum[lo + j]


@_inline
def _tally(kept, boxes, snapshots, reached, target, first_row, span, row, closing, lo, n,
           px, py, f, gx, gy, block_state, states):  # fmt: skip
    """What a walk without records keeps of row ``row`` (see :mod:`.ends`), in the block's
    scratch ``kept``: each walker's box around its points of the row's span (merged into
    ``boxes`` at the span's end or when ``closing`` the loop), its summed loss, the first
    row its loss reached ``target``; and at a span's first row, a snapshot of the walker to
    walk the span again."""
    span_index = (row - first_row) // span
    low_x, high_x, low_y, high_y, loss_sum = kept[0], kept[1], kept[2], kept[3], kept[4]
    for j in range(n):
        low_x[j] = _lower(low_x[j], px[j])
        high_x[j] = _higher(high_x[j], px[j])
        low_y[j] = _lower(low_y[j], py[j])
        high_y[j] = _higher(high_y[j], py[j])
        loss_sum[j] += f[j]
    if target > -np.inf:
        for j in range(n):
            if f[j] <= target and reached[lo + j] < 0:
                reached[lo + j] = row
    if (row - first_row) % span == 0 and span_index < snapshots.shape[0]:
        shot = snapshots[span_index]
        for j in range(n):
            i = lo + j
            shot[0, i], shot[1, i], shot[2, i], shot[3, i], shot[4, i] = (
                px[j], py[j], gx[j], gy[j], f[j]
            )  # fmt: skip
            for q in range(states):
                shot[5 + 2 * q, i] = block_state[q, 0, j]
                shot[6 + 2 * q, i] = block_state[q, 1, j]
    if closing or (row - first_row) % span == span - 1:
        box = boxes[span_index]
        for j in range(n):
            i = lo + j
            box[0, i], box[1, i] = _lower(box[0, i], low_x[j]), _higher(box[1, i], high_x[j])
            box[2, i], box[3, i] = _lower(box[2, i], low_y[j]), _higher(box[3, i], high_y[j])
            low_x[j], high_x[j], low_y[j], high_y[j] = np.inf, -np.inf, np.inf, -np.inf


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
    tallied: bool = False,
) -> Any:  # numba's dispatcher: called as the loop, its .stats read
    """A compiled loop over updates ``t0`` to ``t1 - 1`` of one optimizer's walkers.

    ``options`` (the rule's NamedTuple of them) are compiled in, so that the
    branches on an optimizer's options vanish from the loop; with
    ``runtime_options`` they are the loop's last argument instead (``options``
    then only gives their types), and one loop serves every configuration of
    the rule, at about three quarters of the speed. A block of walkers keeps its points and
    gradients in planar scratch arrays and its optimizer state in its own
    ``(states, 2, ROW)`` array, all contiguous over the walkers and indexed
    from 0, so that LLVM vectorises the step (about 1.5x faster than the
    scalar loop). Each step has up to four passes over the block:

    1. every walker, whatever its status, takes the optimizer's step and
       measures the surface there, into the scratch arrays; the pass notes
       whether any walker may stop (a point, loss or gradient that is not
       finite, a point outside ``bounds``, or ``|g|^2 <= gtol2``);
    2. only when a walker may stop or the block has frozen walkers, what the
       NumPy engine's ``_classify`` does (see :func:`_classify`), with each
       walker's last row kept in the scratch by the first pass;
    3. the scratch is written into the records' row ``t + 1``;
    4. with ``tallied``, instead, what a walk without records keeps of the
       row (the last argument, ``tally``, see :func:`_tally` and
       :mod:`.ends`), and only the last row goes to the records (then a
       ring of two rows): writing a row every step, even into the cache,
       halved the loop's speed.

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
                bounds, gtol2, xtol, ascend_y, given, tally):  # fmt: skip
        options = given if runtime_options else constant  # a constant: numba keeps one side
        xmin, xmax, ymin, ymax = bounds[0], bounds[1], bounds[2], bounds[3]
        walkers, rows = xy.shape[2], xy.shape[0]  # rows: every step's, or a ring of two
        boxes, snapshots, loss_sum, reached, target, first_row, span = tally
        states = state.shape[1]
        # Each walker's new row, its last one, and (tallied) its box and summed loss.
        scratch = np.empty((15, ROW))
        px, py, gx, gy, f = scratch[0], scratch[1], scratch[2], scratch[3], scratch[4]
        last = (scratch[5], scratch[6], scratch[7], scratch[8], scratch[9])
        qx, qy, qgx, qgy, qf = last
        kept = scratch[10:]
        for lo in range(0, walkers, BLOCK):
            n = min(BLOCK, walkers - lo)
            block = lo // BLOCK
            block_state = state[block]
            frozen = 0
            for j in range(n):
                px[j], py[j] = xy[t0 % rows, k, lo + j, 0], xy[t0 % rows, k, lo + j, 1]
                gx[j], gy[j] = grad[t0 % rows, k, lo + j, 0], grad[t0 % rows, k, lo + j, 1]
                f[j] = loss[t0 % rows, k, lo + j]
                frozen += status[k, lo + j] != _RUNNING
            if tallied and t1 > t0:  # (no step: the loop compiled with a dummy tally)
                _open_tally(kept, loss_sum, lo, n)
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
                    qx[j], qy[j], qf[j], qgx[j], qgy[j] = px[j], py[j], f[j], gx[j], gy[j]
                    px[j], py[j], f[j], gx[j], gy[j] = nx, ny, nf, ngx, ngy
                    # Not moved at all, the walker would stop: so it may stop.
                    # A filter in front of arrival() (which, called here, halves the speed):
                    # true wherever arrival(moved=0) says anything but running.
                    total = nf + ngx + ngy
                    inside = (xmin <= nx) & (nx <= xmax) & (ymin <= ny) & (ny <= ymax)
                    fine = (total - total == 0.0) & inside & (ngx * ngx + ngy * ngy > gtol2)
                    may_stop += 0 if fine else 1
                if may_stop != 0 or frozen != 0:
                    frozen = _classify(status, status_step, k, lo, n, t, px, py, f, gx, gy,
                                       last, frozen, bounds, gtol2, xtol)  # fmt: skip
                # Without records (tallied), only the last row is kept, in the ring's row.
                if not tallied or t == t1 - 1:
                    then = (t + 1) % rows
                    for j in range(n):
                        xy[then, k, lo + j, 0], xy[then, k, lo + j, 1] = px[j], py[j]
                        loss[then, k, lo + j] = f[j]
                        grad[then, k, lo + j, 0], grad[then, k, lo + j, 1] = gx[j], gy[j]
                if tallied:
                    _tally(kept, boxes, snapshots, reached, target, first_row, span, t + 1,
                           t == t1 - 1, lo, n, px, py, f, gx, gy, block_state, states)  # fmt: skip
            if tallied and t1 > t0:
                for j in range(n):
                    loss_sum[lo + j] = kept[4, j]
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
        tallied,
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
        tallied: bool = False,
    ) -> None:
        self.k, self.optimizer, self.walkers, self.first = k, optimizer, walkers, first
        self.runtime_options = runtime_options
        self.rule: ElementwiseRule = optimizer.algorithm.rule
        hyper = optimizer.hyper
        self.blocks = -(-walkers // BLOCK)
        self.width = self.blocks * BLOCK  # the walkers padded to whole blocks
        initial = self.rule.initial(hyper)
        self.state = np.zeros((self.blocks, len(initial), 2, ROW))
        for index, value in enumerate(initial):
            self.state[:, index] = 0.0 if value is None else value  # None: never read
        # The class of the step scalars, from a first call (its carry is dropped).
        scalars_type: type[NamedTuple] = type(
            self.rule.scalars(hyper, optimizer.lr_at(0), 0, None)[0]
        )
        self.columns = len(scalars_type._fields)
        # The rule's step scalars so far, and its carry, threaded from step to step.
        self._scalar_rows = np.zeros((0, self.columns))
        self._scalars_done, self._carry = 0, None
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
            tallied,
        )
        self.tally = NO_TALLY  # a walk without records sets its own (see .ends)

    def noise(self, t0: int, t1: int, pick: np.ndarray | None = None) -> np.ndarray:
        """The gradient noise of updates ``t0`` to ``t1 - 1``, laid out as the state:
        ``(steps, blocks, 2, ROW)`` (empty without noise); with ``pick``, of those walkers
        only (their indices in this run)."""
        if not self.noisy:
            return np.zeros((0, 1, 2, ROW))
        walkers = self.walkers if pick is None else len(pick)
        table = np.zeros((t1 - t0, -(-walkers // BLOCK), 2, ROW))
        for step in range(t0, t1):
            noise = self.optimizer.noise(step, self.walkers, self.first)
            assert noise is not None  # a noisy optimizer's
            table[step - t0] = blocked(noise if pick is None else noise[pick])
        return table

    def scalars(self, t0: int, t1: int) -> np.ndarray:
        """The step scalars of updates ``t0`` to ``t1 - 1``, one row each, in field order.

        The rule threads a carry from step to step: rows are computed in turn, once, and
        kept, so that a span walked again reads the rows its first walk read."""
        if t1 > len(self._scalar_rows):
            grown = np.zeros((max(t1, 2 * len(self._scalar_rows)), self.columns))
            grown[: self._scalars_done] = self._scalar_rows[: self._scalars_done]
            self._scalar_rows = grown
        hyper, lr_at = self.optimizer.hyper, self.optimizer.lr_at
        for step in range(self._scalars_done, t1):
            self._scalar_rows[step], self._carry = self.rule.scalars(
                hyper, lr_at(step), step, self._carry
            )
        self._scalars_done = max(self._scalars_done, t1)
        return self._scalar_rows[t0:t1]


def blocked(values: np.ndarray) -> np.ndarray:
    """Per-walker pairs ``(walkers, 2)`` (or ``(walkers, states, 2)``) laid out as the loop
    keeps them: ``(blocks, 2, ROW)`` (or ``(blocks, states, 2, ROW)``), zero-padded."""
    walkers = len(values)
    padded = np.zeros((-(-walkers // BLOCK) * BLOCK, *values.shape[1:]))
    padded[:walkers] = values
    blocks = np.moveaxis(padded.reshape(-1, BLOCK, *values.shape[1:]), 1, -1)
    out = np.zeros((*blocks.shape[:-1], ROW))
    out[..., :BLOCK] = blocks
    return out


def unblocked(values: np.ndarray, walkers: int) -> np.ndarray:
    """The inverse of :func:`blocked`: ``(blocks, ..., ROW)`` to ``(walkers, ...)``."""
    values = values[..., :BLOCK]
    return np.moveaxis(values, -1, 1).reshape(-1, *values.shape[1:-1])[:walkers]


# What a loop without ``tallied`` is handed as its tally (it reads none of it): arrays of
# the types a tallied loop takes (see .ends.Tally).
NO_TALLY = (
    np.zeros((1, 4, 1)),
    np.zeros((0, 1, 1)),
    np.zeros(1),
    np.zeros(1, dtype=np.int64),
    -np.inf,
    0,
    1,
)
