"""The descent engine: K optimizers x W walkers in lock-step, into preallocated arrays."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from .errors import FogwalkError
from .measurements import GRADIENT, KINDS, Costs, Ledger, measured_at
from .optimizers import Optimizer, make_optimizer
from .probe import Probe
from .surfaces import Surface, get_surface

if TYPE_CHECKING:  # numba is imported only when a run first compiles
    from .compiled import CompiledRun

# On a game the optimizers follow (gx, -gy): x descends the surface while y climbs it.
_ASCEND_Y = np.array([1.0, -1.0])


class Status(IntEnum):
    """What became of a walker."""

    RUNNING = 0
    CONVERGED = 1
    DIVERGED = 2


def arrival(x, y, f, gx, gy, moved, xmin, xmax, ymin, ymax, gtol2, xtol):
    """What a running walker becomes on arriving at ``(x, y)``: the one freeze rule.

    Element-wise over arrays or floats: both the NumPy lanes and the compiled
    loop (which compiles this function) classify with it.

    Parameters
    ----------
    x, y, f, gx, gy
        The point arrived at, its loss and its gradient.
    moved
        The largest coordinate change of the last step.
    xmin, xmax, ymin, ymax
        The escape bounds.
    gtol2, xtol
        The squared gradient-norm tolerance and the step tolerance.

    Returns
    -------
    The :class:`Status` codes: diverged when the point, loss or gradient is
    not finite or the point left the bounds; converged when ``|g|^2 <= gtol2``
    and the walker moved at most ``xtol``; running otherwise.
    """
    total = f + gx + gy
    # total - total is 0 for finite numbers, NaN for inf and NaN; NaN fails every comparison.
    fine = (total - total == 0.0) & (xmin <= x) & (x <= xmax) & (ymin <= y) & (y <= ymax)
    still = (gx * gx + gy * gy <= gtol2) & (moved <= xtol)
    # Branch-free, so that it vectorises: not fine -> 2 (DIVERGED), fine -> still (1 or 0).
    return 2 - fine * (2 - still)


def arrival_paid(optimizer: Optimizer) -> np.ndarray:
    """What a running walker of ``optimizer`` pays on arriving at a point, counts by kind of
    :data:`~fogwalk.core.measurements.KINDS`: a gradient, or (feeling only the height)
    nothing, as its probe pays for what it measures."""
    paid = np.zeros(len(KINDS), dtype=np.int64)
    paid[GRADIENT] = 0 if optimizer.definition.zeroth_order else 1
    return paid


@dataclass(frozen=True, eq=False)
class Run:
    """A finished (or partly computed) simulation.

    Attributes
    ----------
    xy : (steps + 1, optimizers, walkers, 2)
        Positions; row 0 is the start. Frozen walkers repeat their last point.
    loss : (steps + 1, optimizers, walkers)
    grad : (steps + 1, optimizers, walkers, 2)
        The true gradient at each position (before any gradient noise), also
        on a game, where the optimizers follow ``(gx, -gy)`` instead.
    status : (optimizers, walkers) of :class:`Status`
    status_step : (optimizers, walkers)
        The step at which a walker converged or diverged, -1 while running.
    per_step, dense
        What the walkers paid, by kind of :data:`~fogwalk.core.measurements.KINDS`
        (see :class:`~fogwalk.core.measurements.Ledger`): read it with
        :meth:`measured`. A gradient optimizer pays a gradient on arriving at
        each point, plus what its probe measured (every trial of a line search,
        every Hessian of Newton, every closure call of L-BFGS); a zeroth-order
        one pays only the losses it measured.
    computed : int
        Steps computed so far; rows ``0..computed`` are valid.
    """

    surface: Surface
    optimizers: tuple[Optimizer, ...]
    starts: np.ndarray
    steps: int
    xy: np.ndarray
    loss: np.ndarray
    grad: np.ndarray
    status: np.ndarray
    status_step: np.ndarray
    per_step: np.ndarray
    dense: tuple[np.ndarray | None, ...]
    computed: int

    @property
    def labels(self) -> list[str]:
        return [opt.label for opt in self.optimizers]

    def measured(
        self, steps: int | np.ndarray | None = None, walkers: slice = slice(None)
    ) -> np.ndarray:
        """The measurements of ``walkers`` (default all) up to ``steps`` (default: all
        computed; an int, one step per optimizer and walker, or a stack of those):
        ``(..., optimizers, walkers, KINDS)`` counts."""
        at = self.computed if steps is None else steps
        return measured_at(self.per_step, self.dense, self.status_step, self.computed, at, walkers)

    def evaluations(self, steps: int | np.ndarray | None = None) -> np.ndarray:
        """The surface evaluations each walker paid up to ``steps``, of every kind."""
        return self.measured(steps)[..., :-1].sum(axis=-1)

    def spent(self, costs: Costs, steps: int | np.ndarray | None = None) -> np.ndarray:
        """What each walker's measurements after its start cost up to ``steps``, priced by
        ``costs``: ``(optimizers, walkers)``."""
        since_start = self.measured(steps) - self.measured(0)
        return since_start @ costs.weights

    def status_at(self, step: int | np.ndarray) -> np.ndarray:
        """Each walker's status as it was at ``step`` (or one step per optimizer and walker)."""
        happened = (self.status_step >= 0) & (self.status_step <= step)
        return np.where(happened, self.status, Status.RUNNING).astype(np.uint8)


def _as_starts(starts: ArrayLike) -> np.ndarray:
    try:
        array = np.array(starts, dtype=float).reshape(-1, 2)
    except (TypeError, ValueError):
        raise FogwalkError(f"starts must be (x, y) pairs, got {starts!r}") from None
    if array.size == 0:
        raise FogwalkError("at least one start point is needed")
    if not np.isfinite(array).all():
        raise FogwalkError(f"start points must be finite, got {array.tolist()}")
    return array


class _Lane:
    """One optimizer's walkers in one cache-sized block: the unit the engine steps.

    Walkers never interact, so each block keeps its own optimizer state; small
    blocks keep every temporary array in the CPU cache (about 2.5x faster than
    stepping 65,536 walkers as one array).
    """

    __slots__ = ("frozen", "k", "optimizer", "rows", "state")

    def __init__(self, k: int, rows: slice, optimizer: Optimizer, starts: np.ndarray) -> None:
        self.k, self.rows, self.optimizer = k, rows, optimizer
        self.state = optimizer.init(starts[rows].copy())
        self.frozen: np.ndarray | None = None  # mask of frozen walkers, None while there are none


class Engine:
    """Steps every walker of every optimizer together, one step at a time.

    The engine is a plain object: call :meth:`advance` (or iterate
    :meth:`chunks`) from any thread; it starts none. A walker whose point,
    loss or gradient stops being finite, or that leaves the domain far behind
    (``escape`` domain widths beyond an edge), is frozen at its last finite
    point and marked diverged; one whose gradient norm is at most ``gtol``
    and whose last move is at most ``xtol`` is frozen and marked converged.

    On a game surface (``surface.game``) x minimises while y maximises:
    every optimizer is handed the field ``(gx, -gy)`` instead of the gradient
    (and its probe measures that field), so each runs as simultaneous
    gradient descent-ascent without knowing it. The recorded ``grad`` stays
    the true gradient.

    ``compiled`` picks the loop: the NumPy lanes (False), numba's fused loop of
    :mod:`fogwalk.core.compiled` (True; an error when it cannot run this
    surface or these optimizers), or (None) the compiled loop for runs of at
    least ``AUTO_WORK`` walker-steps that it can run. Both walk the same
    path; they differ by rounding in the last bits of transcendental functions.

    ``first_walker`` is the run-wide index of this engine's first walker, when
    the engine computes one chunk of a larger run (a basin map, a sweep): the
    random parts (gradient noise, SPSA's directions, CMA-ES's draws) are keyed
    on it, so that a walker walks the same path in any chunk. ``shared_loop``
    makes the compiled loop read the optimizers' options at run time, so that
    one loop serves every configuration of a rule (a sweep's or a tuning's
    chunks, each of a few configurations never seen before).

    ``records=False`` keeps no history: the positions, losses and gradients
    have two rows, used in turn, and the compiled loop (required then) tallies
    what :mod:`fogwalk.core.compiled.ends` needs to tell how each walk ended.
    """

    def __init__(
        self,
        surface: str | Surface,
        optimizers: Sequence[str | Optimizer] | str | Optimizer,
        starts: ArrayLike,
        steps: int,
        *,
        gtol: float = 1e-9,
        xtol: float = 1e-12,
        escape: float = 10.0,
        block: int = 8192,
        compiled: bool | None = None,
        first_walker: int = 0,
        shared_loop: bool = False,
        records: bool = True,
    ) -> None:
        if isinstance(optimizers, str | Optimizer):
            optimizers = [optimizers]
        if not optimizers:
            raise FogwalkError("at least one optimizer is needed")
        if isinstance(steps, bool) or not isinstance(steps, int | np.integer) or steps < 0:
            raise FogwalkError(f"steps must be a non-negative integer, got {steps!r}")
        self.surface = get_surface(surface)
        self.game = bool(getattr(self.surface, "game", False))
        self.optimizers = tuple(make_optimizer(opt) for opt in optimizers)
        self.starts = _as_starts(starts)
        self.steps = int(steps)
        self.gtol, self.xtol = gtol, xtol
        self.first_walker = int(first_walker)
        self.shared_loop = shared_loop
        self.records = records
        xmin, xmax, ymin, ymax = self.surface.domain
        margin_x, margin_y = escape * (xmax - xmin), escape * (ymax - ymin)
        self.bounds = (xmin - margin_x, xmax + margin_x, ymin - margin_y, ymax + margin_y)

        k, w = len(self.optimizers), len(self.starts)
        rows = self.steps + 1 if records else 2
        self.xy = np.empty((rows, k, w, 2))
        self.loss = np.empty((rows, k, w))
        self.grad = np.empty((rows, k, w, 2))
        self.status = np.zeros((k, w), dtype=np.uint8)
        self.status_step = np.full((k, w), -1, dtype=np.int64)
        self.ledger = Ledger(self.steps, k, w)
        self._arrival = np.zeros((k, len(KINDS)), dtype=np.int64)
        for i, optimizer in enumerate(self.optimizers):
            self._arrival[i] = arrival_paid(optimizer)
            self.ledger.record_alike(i, 0, 0, self._arrival[i])
        self.xy[0] = self.starts
        self._lanes = [
            _Lane(i, slice(lo, min(lo + block, w)), opt, self.starts)
            for i, opt in enumerate(self.optimizers)
            for lo in range(0, w, block)
        ]
        with np.errstate(all="ignore"):
            for lane in self._lanes:
                self._measure(lane, 0)
        bad = ~np.isfinite(self.loss[0]) | ~np.isfinite(self.grad[0]).all(axis=-1)
        if bad.any():
            x, y = self.starts[np.nonzero(bad)[1][0]]
            raise FogwalkError(
                f"the surface {self.surface.name} has no finite loss and slope at the start "
                f"({x:g}, {y:g})"
            )
        self.computed = 0
        if not records and compiled is False:
            raise FogwalkError("a walk without records runs only in the compiled loop")
        self._compiled = self._compile(True if not records else compiled)

    def _compile(self, mode: bool | None) -> CompiledRun | None:
        """The compiled loop this run uses, or None for the NumPy lanes."""
        if mode is False:
            return None
        from .compiled import AUTO_WORK, CompiledRun

        work = self.xy.shape[1] * self.xy.shape[2] * self.steps
        if mode is None and work < AUTO_WORK:
            return None
        try:
            return CompiledRun(self)
        except ImportError as error:  # numba missing, or too old for this NumPy
            if mode:
                raise FogwalkError(f"the compiled engine needs numba: {error}") from None
            return None
        except FogwalkError:
            if mode:
                raise
            return None

    @property
    def compiled(self) -> bool:
        """Whether this run steps in numba's compiled loop rather than NumPy's."""
        return self._compiled is not None

    @property
    def compiled_run(self) -> CompiledRun | None:
        """The compiled loops this run steps in, or None for the NumPy lanes."""
        return self._compiled

    @property
    def done(self) -> bool:
        return self.computed >= self.steps

    def _measure(self, lane: _Lane, t: int) -> None:
        """Loss and gradient of the lane's walkers at row ``t``; running walkers pay their
        optimizer's arrival (a gradient, or nothing for a zeroth-order one)."""
        k, rows = lane.k, lane.rows
        points = self.xy[t, k, rows]
        f, gx, gy = self.surface.value_and_grad(points[:, 0], points[:, 1])
        self.loss[t, k, rows] = f
        grad = self.grad[t, k, rows]
        grad[:, 0] = gx
        grad[:, 1] = gy
        paid = self._arrival[k, GRADIENT]
        if paid:
            evals = self.ledger.totals[GRADIENT, k, rows]
            evals += paid if lane.frozen is None else paid * ~lane.frozen

    def _step(self, lane: _Lane, t: int, noise: np.ndarray | None) -> None:
        """Move the lane's walkers from row ``t`` to row ``t + 1``, measure and classify them.

        ``noise`` is the lane's optimizer's gradient noise at ``t`` for all walkers, or None.
        """
        k, rows = lane.k, lane.rows
        params = self.xy[t, k, rows]
        evals = self.ledger.totals[:, k, rows].T  # (walkers, KINDS), a view the probe adds to
        frozen = lane.frozen
        if frozen is not None:
            paid = evals[frozen]
        grad = self.grad[t, k, rows]
        if self.game:
            grad = grad * _ASCEND_Y  # a new array: the recorded gradient stays the true one
        first = self.first_walker + rows.start
        probe = Probe(self.surface, evals, self.loss[t, k, rows], self.game, first)
        if noise is not None:
            noise = noise[rows]
        new_params, lane.state = lane.optimizer.update(grad, lane.state, params, t, probe, noise)
        arrived = self.xy[t + 1, k, rows]
        arrived[...] = new_params
        if frozen is not None:
            # A frozen walker stays put and pays for nothing its optimizer probed.
            arrived[frozen] = params[frozen]
            evals[frozen] = paid
        self._measure(lane, t + 1)
        if self._may_stop(lane, t + 1):
            self._classify(lane, t + 1)

    def _may_stop(self, lane: _Lane, t: int) -> bool:
        """A cheap test (a few reductions) that is true whenever some walker may stop at ``t``.

        A filter in front of :func:`arrival`, not a rule of its own: it must be
        true wherever ``arrival`` with ``moved=0`` says anything but running.
        """
        k, rows = lane.k, lane.rows
        points, grad = self.xy[t, k, rows], self.grad[t, k, rows]
        xmin, xmax, ymin, ymax = self.bounds
        # A NaN point counts too: a surface may still give it a finite loss and slope.
        if not np.isfinite(self.loss[t, k, rows].sum() + grad.sum() + points.sum()):
            return True
        # Two fast reductions over both coordinates settle the usual case, all walkers well
        # inside; the per-axis test (slower on the interleaved array) is left for the rest.
        if points.min() < max(xmin, ymin) or points.max() > min(xmax, ymax):
            x, y = points[:, 0], points[:, 1]
            if x.min() < xmin or x.max() > xmax or y.min() < ymin or y.max() > ymax:
                return True
        if lane.frozen is not None:
            # A frozen walker keeps its tiny gradient: only running ones may converge now.
            grad = grad[~lane.frozen]
        # min|g|^2 <= |g|^2 in floating point too, so this never misses a walker that converges.
        return bool(grad.size) and bool(np.abs(grad).min() ** 2 <= self.gtol**2)

    def _classify(self, lane: _Lane, t: int) -> None:
        """Freeze the lane's walkers that diverged or converged on arriving at row ``t``."""
        k, rows = lane.k, lane.rows
        running = self.status[k, rows] == Status.RUNNING
        points, previous = self.xy[t, k, rows], self.xy[t - 1, k, rows]
        loss, grad = self.loss[t, k, rows], self.grad[t, k, rows]
        moved = np.abs(points - previous).max(axis=-1)
        arrived = arrival(
            points[:, 0], points[:, 1], loss, grad[:, 0], grad[:, 1], moved, *self.bounds,
            self.gtol**2, self.xtol,
        )  # fmt: skip
        diverged = running & (arrived == Status.DIVERGED)
        converged = running & (arrived == Status.CONVERGED)
        if diverged.any():
            # Back to the last finite point: nothing non-finite ever leaves the engine.
            points[diverged] = previous[diverged]
            loss[diverged] = self.loss[t - 1, k, rows][diverged]
            grad[diverged] = self.grad[t - 1, k, rows][diverged]
        for mask, status in ((diverged, Status.DIVERGED), (converged, Status.CONVERGED)):
            if mask.any():
                self.status[k, rows][mask] = status
                self.status_step[k, rows][mask] = t
        if diverged.any() or converged.any():
            lane.frozen = self.status[k, rows] != Status.RUNNING

    def advance(self, count: int) -> int:
        """Compute up to ``count`` more steps; return the number of steps computed so far."""
        end = min(self.steps, self.computed + max(0, int(count)))
        if self._compiled is not None:
            self._compiled.advance(self, self.computed, end)
            for k, arrival in enumerate(self._arrival):  # element-wise rules: a gradient a step
                self.ledger.record_alike(k, self.computed + 1, end, arrival)
            self.computed = end
            return self.computed
        # Overflow and NaN are expected on the way to divergence: _classify handles them.
        with np.errstate(all="ignore"):
            while self.computed < end:
                t, walkers = self.computed, len(self.starts)
                noise = [opt.noise(t, walkers, self.first_walker) for opt in self.optimizers]
                probing = self._probing()
                for lane in self._lanes:
                    self._step(lane, t, noise[lane.k])
                for k, arrival in enumerate(self._arrival):
                    if k in probing:
                        before, running = probing[k]
                        self.ledger.record(k, t + 1, before, running, self.status_step)
                    else:
                        self.ledger.record_alike(k, t + 1, t + 1, arrival)
                self.computed += 1
        return self.computed

    def _probing(self) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        """For each optimizer that may probe the surface (any but an element-wise rule): its
        totals and running walkers before a step, so that the ledger sees what they paid."""
        return {
            k: (self.ledger.totals[:, k].copy(), self.status[k] == Status.RUNNING)
            for k, optimizer in enumerate(self.optimizers)
            if optimizer.algorithm.rule is None
        }

    def chunks(self, size: int = 64) -> Iterator[int]:
        """Advance ``size`` steps at a time, yielding the steps computed so far."""
        while not self.done:
            yield self.advance(size)

    def result(self) -> Run:
        """The run so far (views of the engine's arrays, valid up to ``computed``)."""
        if not self.records:
            raise FogwalkError("a walk without records has no run to give: see its ends")
        return Run(
            self.surface,
            self.optimizers,
            self.starts,
            self.steps,
            self.xy,
            self.loss,
            self.grad,
            self.status,
            self.status_step,
            self.ledger.per_step,
            tuple(self.ledger.dense),
            self.computed,
        )


def simulate(
    surface: str | Surface,
    optimizers: Sequence[str | Optimizer] | str | Optimizer,
    starts: ArrayLike | None = None,
    steps: int = 200,
    **options: Any,
) -> Run:
    """Run every optimizer from every start for ``steps`` steps.

    Parameters
    ----------
    surface
        A built-in name or a surface object.
    optimizers
        Specs such as ``"adam:lr=0.01"`` or :class:`Optimizer` objects.
    starts
        ``(x, y)`` pairs; defaults to the surface's own start point.
    steps
        Number of updates; the result has ``steps + 1`` rows.
    **options
        ``gtol``, ``xtol``, ``escape``, ``compiled``: see :class:`Engine`.

    Examples
    --------
    >>> run = simulate("rosenbrock", ["adam:lr=0.01"], starts=[(-1.5, 2.0)], steps=10)
    >>> run.xy.shape
    (11, 1, 1, 2)
    """
    surface = get_surface(surface)
    engine = Engine(
        surface, optimizers, surface.start if starts is None else starts, steps, **options
    )
    engine.advance(engine.steps)
    return engine.result()
