"""The compiled engine's loop: one numba function per surface and optimizer configuration."""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from numba import njit

from .steps import SCALARS, Kernel, kernel_for

assert SCALARS == 5, "the loop below unpacks five step scalars"

# Walkers stepped together through a chunk of steps: their state and rows stay in the CPU cache.
BLOCK = 4096
_RUNNING, _CONVERGED, _DIVERGED = 0, 1, 2


@lru_cache(maxsize=64)
def compiled_surface(value_and_grad):
    """The surface's scalar ``(x, y) -> (value, gx, gy)``, compiled."""
    return njit(error_model="numpy")(value_and_grad)


@lru_cache(maxsize=64)
def driver(value_and_grad, step, constants: tuple[float, ...]):
    """A compiled loop over updates ``t0`` to ``t1 - 1`` of one optimizer's walkers.

    ``constants`` are compiled in, so that the branches on an optimizer's
    options vanish from the loop (with them in, it ran 6x slower). Each step of
    a block of walkers has two passes:

    1. every walker takes the optimizer's step and measures the surface there,
       whatever its status (the straight-line pass);
    2. what the NumPy engine's ``_measure`` and ``_classify`` do: a frozen
       walker goes back to its row and pays nothing; a running one pays one
       evaluation and is frozen as diverged (back at its last finite point)
       when its point, loss or gradient is not finite or it left ``bounds``,
       or as converged when ``|g|^2 <= gtol2`` and it moved at most ``xtol``.
    """
    surface = compiled_surface(value_and_grad)

    @njit(error_model="numpy")
    def advance(xy, loss, grad, status, status_step, evals, state, scalars, k, t0, t1,
                bounds, gtol2, xtol, ascend_y):  # fmt: skip
        xmin, xmax, ymin, ymax = bounds[0], bounds[1], bounds[2], bounds[3]
        walkers = xy.shape[2]
        for lo in range(0, walkers, BLOCK):
            hi = min(lo + BLOCK, walkers)
            for t in range(t0, t1):
                row = scalars[t - t0]
                c = (row[0], row[1], row[2], row[3], row[4])  # SCALARS of them
                for i in range(lo, hi):
                    nx = step(xy[t, k, i, 0], grad[t, k, i, 0], state, i, 0, constants, c)
                    ny = step(xy[t, k, i, 1], grad[t, k, i, 1] * ascend_y, state, i, 1,
                              constants, c)  # fmt: skip
                    nf, ngx, ngy = surface(nx, ny)
                    xy[t + 1, k, i, 0], xy[t + 1, k, i, 1] = nx, ny
                    loss[t + 1, k, i], grad[t + 1, k, i, 0], grad[t + 1, k, i, 1] = nf, ngx, ngy
                for i in range(lo, hi):
                    if status[k, i] == _RUNNING:
                        evals[k, i] += 1
                        nx, ny = xy[t + 1, k, i, 0], xy[t + 1, k, i, 1]
                        ngx, ngy = grad[t + 1, k, i, 0], grad[t + 1, k, i, 1]
                        finite = math.isfinite(loss[t + 1, k, i] + ngx + ngy)
                        if finite and xmin <= nx <= xmax and ymin <= ny <= ymax:
                            moved = max(abs(nx - xy[t, k, i, 0]), abs(ny - xy[t, k, i, 1]))
                            if ngx * ngx + ngy * ngy <= gtol2 and moved <= xtol:
                                status[k, i], status_step[k, i] = _CONVERGED, t + 1
                            continue
                        status[k, i], status_step[k, i] = _DIVERGED, t + 1
                    # Frozen, or diverged just now: back to the last finite point.
                    xy[t + 1, k, i, 0], xy[t + 1, k, i, 1] = xy[t, k, i, 0], xy[t, k, i, 1]
                    loss[t + 1, k, i] = loss[t, k, i]
                    grad[t + 1, k, i, 0], grad[t + 1, k, i, 1] = grad[t, k, i, 0], grad[t, k, i, 1]

    return advance


class CompiledOptimizer:
    """One optimizer's compiled loop, its state over all walkers and its step scalars."""

    def __init__(self, k: int, optimizer, value_and_grad, walkers: int) -> None:
        self.k, self.optimizer = k, optimizer
        self.kernel: Kernel = kernel_for(optimizer)
        hyper = optimizer.hyper
        self.state = np.empty((self.kernel.states, walkers, 2))
        for index, value in enumerate(self.kernel.initial(hyper)):
            self.state[index] = value
        self.carry = None
        constants = tuple(float(v) for v in self.kernel.constants(hyper))
        self.advance = driver(value_and_grad, self.kernel.step, constants)

    def scalars(self, t0: int, t1: int) -> np.ndarray:
        """The step scalars of updates ``t0`` to ``t1 - 1``, one row each, padded to ``SCALARS``."""
        rows = np.zeros((t1 - t0, SCALARS))
        hyper, lr_at = self.optimizer.hyper, self.optimizer.lr_at
        for step in range(t0, t1):
            row, self.carry = self.kernel.scalars(hyper, lr_at(step), step, self.carry)
            rows[step - t0, : len(row)] = row
        return rows
