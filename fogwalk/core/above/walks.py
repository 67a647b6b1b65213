"""Many walks reduced to how they ended: the chunk that basin maps and sweeps send to workers.

A chunk is plain data (the surface's source, optimizer specs, starts), so that
it pickles to any worker process or machine; there it runs an ordinary
:class:`~fogwalk.core.engine.Engine` and keeps, of each walk, only its end:
where and how it stopped, from which step it stayed there, and what that cost.
The engine runs compiled whenever it can run the surface and optimizers (the
same choice in every chunk, so that chunking never changes a number), and the
chunk's run-wide offset keys the random parts (see the engine's ``first_walker``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np

from ..engine import Engine, Run, arrival_paid
from ..measurements import Costs, measured_at
from ..optimizers import Optimizer, make_optimizer
from ..scene import Scene
from ..session import resolve_surface
from ..sizes import RECORD_BYTES
from ..surfaces import Surface

# Memory a chunk's per-step records may take: its walkers are chosen to fit.
CHUNK_BYTES = 64 * 2**20
MAX_CHUNK = 16384
# What a walk without records keeps per walker and step, at most: its tally's box and
# snapshot (up to four state values per coordinate) every SPAN steps.
TALLY_BYTES = 8 * (4 + 5 + 2 * 4) // 32 + 1
# Walkers per optimizer from which a chunk's walks keep no records: fewer (a sweep's cell,
# a tuning's trial) keep them, whose few records cost less than setting up each tally.
TALLIED_FROM = 64


@dataclass(frozen=True)
class Walks:
    """One chunk: every optimizer of ``specs`` from every start of ``starts``.

    ``surface``, ``domain`` and ``dataset`` are a scene's (the worker resolves the
    surface itself, from a file at the same path or a formula); ``first`` is the
    run-wide index of the first start; ``tol`` the radius within which a walker
    counts as staying put (None: no settled step asked); ``target`` a loss to reach
    (None: not asked).
    """

    surface: str
    domain: tuple[float, float, float, float] | None
    dataset: str | None
    specs: tuple[str, ...]
    starts: np.ndarray
    steps: int
    first: int
    tol: float | None
    target: float | None = None
    # With a budget, each walk ends where its measurements, priced by ``weights`` (a
    # scene's Costs.weights), would exceed it: a tuning's fair race.
    budget: float | None = None
    weights: tuple[float, ...] = tuple(Costs().weights)
    # Many configurations over the chunks (a sweep, a tuning): one compiled loop for all.
    shared_loop: bool = False


@dataclass(frozen=True)
class Ends:
    """How each walk of a chunk ended: arrays ``(optimizers, walkers)``, ``xy`` with a
    last axis of two.

    Attributes
    ----------
    xy, loss
        The last point and its loss.
    status, stopped
        The engine's :class:`~fogwalk.core.engine.Status` and the step it stopped (-1: never).
    settled
        The first step from which the walker stayed within ``tol`` of its last point
        (-1: not asked).
    evaluations
        The surface evaluations (of every kind) it had paid by ``settled`` (-1: not asked).
    reached
        The first step at which its loss was at most ``target``, -1 if never (or not asked).
    spent, reached_spent
        What its measurements had cost by its end and by ``reached`` (NaN if never).
    mean_loss
        Its mean loss over its steps up to its end: the area under its loss curve.
    """

    xy: np.ndarray
    loss: np.ndarray
    status: np.ndarray
    stopped: np.ndarray
    settled: np.ndarray
    evaluations: np.ndarray
    reached: np.ndarray
    spent: np.ndarray
    reached_spent: np.ndarray
    mean_loss: np.ndarray

    @staticmethod
    def join(parts: list[Ends], axis: int = 1) -> Ends:
        """The chunks' ends side by side along ``axis`` (walkers by default)."""
        fields = Ends.__dataclass_fields__
        return Ends(
            **{name: np.concatenate([getattr(p, name) for p in parts], axis) for name in fields}
        )


def chunk_size(steps: int, optimizers: int = 1, records: bool = True) -> int:
    """Walkers per chunk, so that a chunk's records (or, for walks without records, its
    tallies) fit :data:`CHUNK_BYTES`."""
    per_step = RECORD_BYTES if records else TALLY_BYTES
    per_walker = per_step * (steps + 1) * max(1, optimizers)
    return int(np.clip(CHUNK_BYTES // per_walker, 64, MAX_CHUNK))


def runs_compiled(surface: Surface, optimizers: Sequence[Optimizer]) -> bool:
    """Whether the compiled loop can run these walks (and so, with enough walkers, keep no
    records: see :mod:`fogwalk.core.compiled.ends`), in every chunk alike."""
    from ..compiled import unsupported

    return unsupported(surface, optimizers) is None and _have_numba()


def walk(walks: Walks, records: bool | None = None) -> Ends:
    """Run one chunk and reduce it to its walks' ends (called on a worker).

    The walks keep no per-step records (``records=None``) whenever the compiled
    loop can run them and there are at least :data:`TALLIED_FROM` of them per
    optimizer; True keeps them, as the NumPy lanes always do. Both give the same
    ends, bit for bit, but for the last bits of ``mean_loss`` of a walker that
    stopped before its budget ran out (the records add its last loss row by row).
    """
    scene = Scene(surface=walks.surface, domain=walks.domain, dataset=walks.dataset)
    surface = resolve_surface(scene)
    optimizers = [make_optimizer(spec) for spec in walks.specs]
    compiled = runs_compiled(surface, optimizers)
    if records is None:
        records = len(walks.starts) < TALLIED_FROM
    if compiled and not records:
        last = _last_affordable_step(walks, optimizers)
        if last is not None:
            return _walk_without_records(walks, surface, optimizers, last)
    engine = Engine(
        surface,
        optimizers,
        walks.starts,
        walks.steps,
        compiled=compiled,
        first_walker=walks.first,
        shared_loop=walks.shared_loop,
    )
    engine.advance(engine.steps)
    return _ends_of_run(engine.result(), walks)


def _last_affordable_step(walks: Walks, optimizers: Sequence[Optimizer]) -> int | None:
    """The last step a running walker can pay for within the budget (every step, without
    one); None when the optimizers pay differently a step (the records then tell)."""
    if walks.budget is None:
        return walks.steps
    paid = {tuple(arrival_paid(optimizer)) for optimizer in optimizers}
    if len(paid) != 1:
        return None
    # As _ends_of_run prices a running walker's rows: its counts by the weights.
    rows = np.arange(walks.steps + 1)[:, None] * np.array(paid.pop())
    cost = rows @ np.asarray(walks.weights, dtype=float)
    return int((cost <= walks.budget + 1e-9).sum() - 1)


def _walk_without_records(
    walks: Walks, surface: Surface, optimizers: Sequence[Optimizer], last: int
) -> Ends:
    """The chunk walked to step ``last`` by the compiled loop without records.

    A walker still running there ends there; one that stopped before runs, as
    its records would say, to the last step, frozen where it stopped.
    """
    from ..compiled.ends import walk_ends

    engine = Engine(
        surface,
        optimizers,
        walks.starts,
        last,
        first_walker=walks.first,
        shared_loop=walks.shared_loop,
        records=False,
    )
    ended = walk_ends(engine, walks.tol, walks.target)
    running = ended.status_step < 0
    end = np.where(running, last, walks.steps)
    weights = np.asarray(walks.weights, dtype=float)
    ledger = engine.ledger
    measured = partial(measured_at, ledger.per_step, tuple(ledger.dense), ended.status_step, last)
    spent_by = (measured(np.maximum(ended.reached, 0)) - measured(0)) @ weights
    # The rows after ``last`` of a stopped walker repeat its last loss.
    mean_loss = (ended.loss_sum + (end - last) * ended.loss) / (end + 1)
    return Ends(
        xy=ended.xy,
        loss=ended.loss,
        status=ended.status,
        stopped=ended.status_step,
        settled=ended.settled,
        evaluations=_evaluations(
            measured(np.maximum(ended.settled, 0))[..., :-1].sum(axis=-1), ended.settled
        ),
        reached=ended.reached,
        spent=(measured(end) - measured(0)) @ weights,
        reached_spent=np.where(ended.reached >= 0, spent_by, np.nan),
        mean_loss=mean_loss,
    )


def _ends_of_run(run: Run, walks: Walks) -> Ends:
    """A recorded run reduced to its walks' ends."""
    weights = np.asarray(walks.weights, dtype=float)
    rows = np.arange(run.steps + 1)
    shape = run.status.shape
    if walks.budget is None:
        end = np.full(shape, run.steps)
    else:  # the last step whose measurements fit the budget (the cost only grows)
        every = np.broadcast_to(rows[:, None, None], (len(rows), *shape))
        cost = (run.measured(every) - run.measured(0)) @ weights
        end = (cost <= walks.budget + 1e-9).sum(axis=0) - 1
    k, w = np.indices(shape)
    xy, loss = run.xy[end, k, w], run.loss[end, k, w]
    settled = np.full(shape, -1, dtype=np.int64)
    if walks.tol is not None:
        # The last step at which the walker was farther than tol from its end, plus one.
        # (steps + 1, optimizers, walkers); per coordinate: a reduction over the pair is slow.
        far = np.abs(run.xy[..., 0] - xy[..., 0]) > walks.tol
        far |= np.abs(run.xy[..., 1] - xy[..., 1]) > walks.tol
        if walks.budget is not None:
            far &= rows[:, None, None] <= end
        settled = np.where(far.any(axis=0), run.steps + 1 - np.argmax(far[::-1], axis=0), 0)
    reached = np.full(shape, -1, dtype=np.int64)
    if walks.target is not None:
        below = (run.loss <= walks.target) & (rows[:, None, None] <= end)
        reached = np.where(below.any(axis=0), np.argmax(below, axis=0), -1)
    spent_by = (run.measured(np.maximum(reached, 0)) - run.measured(0)) @ weights
    if walks.budget is None:  # every walk runs to the last row
        mean_loss = run.loss.mean(axis=0)
    else:
        within = rows[:, None, None] <= end
        mean_loss = (run.loss * within).sum(axis=0) / within.sum(axis=0)
    return Ends(
        xy=xy,
        loss=loss,
        status=run.status_at(end),
        stopped=np.where(run.status_step <= end, run.status_step, -1),
        settled=settled.astype(np.int64),
        evaluations=_evaluations(run.evaluations(np.maximum(settled, 0)), settled),
        reached=reached.astype(np.int64),
        spent=(run.measured(end) - run.measured(0)) @ weights,
        reached_spent=np.where(reached >= 0, spent_by, np.nan),
        mean_loss=mean_loss,
    )


def _evaluations(paid: np.ndarray, settled: np.ndarray) -> np.ndarray:
    """What each walker paid by its settled step, -1 where that was not asked."""
    return np.where(settled >= 0, paid, -1).astype(np.int64)


def _have_numba() -> bool:
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    return True
