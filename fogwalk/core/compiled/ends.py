"""Walks that keep only how they ended: the compiled loop without per-step records.

A basin map or a sweep wants of each walk its last point, its status, the
first row its loss reached a target, its summed loss and the step from which
it stayed within ``tol`` of its end. Recording every step to learn that moves
40 bytes per walker-step through memory; here the engine (``records=False``)
keeps two rows in turn, and its loop tallies, per walker (see
``driver._tally``):

- for every span of :data:`SPAN` rows, the box around the walker's points;
- at each span's first row, a snapshot of the walker (point, gradient, loss,
  optimizer state), so that the span can be walked again;
- its summed loss and the first row its loss reached the target.

Once the walk is over, the end point is known: the last span whose box
reaches farther than ``tol`` from it holds the last step the walker was
farther (the box's sides are points of the span), and that span alone is
walked again from its snapshot, in the same loop, bit for bit, to find the
step. So the settled step is exactly what the records would give.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..engine import Engine, Status
from . import limits
from .driver import CompiledOptimizer, blocked, unblocked

# Rows per span (a box and a snapshot each): a settled step is found by walking at most
# this many steps again.
SPAN = 32
_POINT = 5  # a snapshot's rows before the optimizer state: x, y, gx, gy, loss
# What the loop takes as its tally: boxes (spans, 4, walkers), snapshots (spans, fields,
# walkers), summed losses and first rows at the target (walkers), the target, the row the
# spans count from and their length (see driver._tally).
Tally = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float, int, int]


@dataclass(frozen=True)
class WalkEnds:
    """How every walk of an engine ended: arrays ``(optimizers, walkers)`` (``xy`` with a last
    axis of two), after the engine's steps.

    ``settled`` is the first row from which the walker stayed within ``tol`` of its last
    point (-1: not asked); ``reached`` the first row whose loss was at most the target (-1: never);
    ``loss_sum`` its losses summed over rows 0 to ``steps``.
    """

    xy: np.ndarray
    loss: np.ndarray
    status: np.ndarray
    status_step: np.ndarray
    settled: np.ndarray
    reached: np.ndarray
    loss_sum: np.ndarray


def walk_ends(engine: Engine, tol: float | None, target: float | None) -> WalkEnds:
    """Run an engine made with ``records=False`` to its last step and tell how each walk
    ended (without ``tol``, settled is -1: not asked)."""
    run = engine.compiled_run
    assert run is not None and not engine.records and engine.computed == 0
    goal = -np.inf if target is None else float(target)
    for compiled in run.optimizers:
        compiled.tally = _start_tally(engine, compiled, goal)
    tallies = [compiled.tally for compiled in run.optimizers]
    engine.advance(engine.steps)
    last = engine.steps % 2
    xy, loss = engine.xy[last].copy(), engine.loss[last].copy()
    settled = np.full(engine.status.shape, -1, dtype=np.int64)
    if tol is not None:
        for compiled, tally in zip(run.optimizers, tallies, strict=True):
            settled[compiled.k] = _settled(engine, compiled, tally, xy[compiled.k], tol)
    return WalkEnds(
        xy=xy,
        loss=loss,
        status=engine.status.copy(),
        status_step=engine.status_step.copy(),
        settled=settled,
        reached=np.stack([tally[3] for tally in tallies]),
        loss_sum=np.stack([tally[2] for tally in tallies]),
    )


def _empty_tally(
    spans: int, fields: int, walkers: int, goal: float, first_row: int, span: int
) -> Tally:
    """Empty tally arrays, in the order the loop takes them."""
    boxes = np.empty((spans, 4, walkers))
    boxes[:, 0::2], boxes[:, 1::2] = np.inf, -np.inf  # (min x, max x, min y, max y)
    snapshots = np.empty((spans if span > 1 else 0, fields, walkers))
    reached = np.full(walkers, -1, dtype=np.int64)
    return (boxes, snapshots, np.zeros(walkers), reached, goal, first_row, span)


def _start_tally(engine: Engine, compiled: CompiledOptimizer, goal: float) -> Tally:
    """An optimizer's tally, with row 0 (the starts) in it."""
    k, walkers = compiled.k, compiled.walkers
    states = compiled.state.shape[1]
    tally = _empty_tally(engine.steps // SPAN + 1, _POINT + 2 * states, walkers, goal, 0, SPAN)
    boxes, snapshots, loss_sum, reached = tally[:4]
    x, y = engine.xy[0, k, :, 0], engine.xy[0, k, :, 1]
    boxes[0] = x, x, y, y
    loss_sum += engine.loss[0, k]
    reached[engine.loss[0, k] <= goal] = 0
    snapshots[0, :4] = x, y, engine.grad[0, k, :, 0], engine.grad[0, k, :, 1]
    snapshots[0, 4] = engine.loss[0, k]
    state = unblocked(compiled.state, walkers)  # (walkers, states, 2)
    snapshots[0, _POINT:] = state.reshape(walkers, -1).T
    return tally


def _settled(
    engine: Engine, compiled: CompiledOptimizer, tally: Tally, end: np.ndarray, tol: float
) -> np.ndarray:
    """Each walker's first row from which it stayed within ``tol`` of ``end``."""
    boxes, snapshots = tally[0], tally[1]
    # (spans, walkers): the span holds a row farther than tol from the end (either side).
    far = (end[:, 0] - boxes[:, 0] > tol) | (boxes[:, 1] - end[:, 0] > tol)
    far |= (end[:, 1] - boxes[:, 2] > tol) | (boxes[:, 3] - end[:, 1] > tol)
    last_span = np.where(far.any(axis=0), len(far) - 1 - np.argmax(far[::-1], axis=0), -1)
    settled = np.zeros(compiled.walkers, dtype=np.int64)
    for span_index in np.unique(last_span[last_span >= 0]):
        pick = np.flatnonzero(last_span == span_index)
        row = int(span_index) * SPAN
        rows = _walk_span_again(engine, compiled, snapshots[span_index][:, pick], pick, row)
        far_rows = (np.abs(rows[:, 0] - end[pick, 0]) > tol) | (
            np.abs(rows[:, 1] - end[pick, 1]) > tol
        )
        last_far = len(far_rows) - 1 - np.argmax(far_rows[::-1], axis=0)
        settled[pick] = row + last_far + 1
    return settled


def _walk_span_again(
    engine: Engine,
    compiled: CompiledOptimizer,
    snapshot: np.ndarray,
    pick: np.ndarray,
    row: int,
) -> np.ndarray:
    """The points ``(rows, 2, walkers)`` of the span from ``row`` of the ``pick`` walkers
    (running there), walked again from their snapshot by the same loop."""
    walkers, states = len(pick), compiled.state.shape[1]
    stop = min(row + SPAN - 1, engine.steps)
    now = row % 2
    xy, grad = np.zeros((2, 1, walkers, 2)), np.zeros((2, 1, walkers, 2))
    loss = np.zeros((2, 1, walkers))
    xy[now, 0, :, 0], xy[now, 0, :, 1] = snapshot[0], snapshot[1]
    grad[now, 0, :, 0], grad[now, 0, :, 1] = snapshot[2], snapshot[3]
    loss[now, 0] = snapshot[4]
    state = blocked(snapshot[_POINT:].T.reshape(walkers, states, 2))
    tally = _empty_tally(SPAN, 0, walkers, -np.inf, row, 1)
    boxes = tally[0]
    boxes[0] = snapshot[0], snapshot[0], snapshot[1], snapshot[1]
    compiled.advance(
        xy,
        loss,
        grad,
        np.full((1, walkers), Status.RUNNING, dtype=engine.status.dtype),
        np.full((1, walkers), -1, dtype=np.int64),
        np.zeros((1, walkers), dtype=engine.ledger.totals.dtype),
        state,
        compiled.scalars(row, stop),
        compiled.noise(row, stop, pick),
        0,
        row,
        stop,
        *limits(engine),
        compiled.options,
        tally,
    )
    return boxes[: stop - row + 1, 0::2]
