"""A run as a table: one row per optimizer, walker and step, in CSV or JSON."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import IO

import numpy as np

from .end_states import end_states
from .engine import Run, Status
from .measurements import KINDS, Costs

# Measurements are running totals up to each step (the start's included), by kind; the cost
# is what they cost since the start, priced by the scene's costs. ``end`` is the ground the
# walker stopped on (minimum, saddle, maximum, plateau: see core.end_states), or diverged,
# from its stop on; empty while it walks.
CSV_HEADER = (
    "optimizer", "walker", "step", "x", "y", "loss", "grad_x", "grad_y", "status",
    "gradients", "losses", "hessians", "trials", "cost", "end",
)  # fmt: skip


def _measured(run: Run, costs: Costs) -> tuple[np.ndarray, np.ndarray]:
    """Every walker's running totals at every step ``(steps + 1, optimizers, walkers, KINDS)``
    and their cost since the start ``(steps + 1, optimizers, walkers)``."""
    totals = run.measured(np.arange(run.steps + 1)[:, None, None])
    return totals, (totals - totals[0]) @ costs.weights


def status_names(run: Run, k: int, w: int, end: str) -> tuple[list[str], list[str]]:
    """The walker's status at every step (running until it converged or diverged) and its
    end state ``end`` from then on."""
    names, ends = ["running"] * (run.steps + 1), [""] * (run.steps + 1)
    stop = int(run.status_step[k, w])
    if stop >= 0:
        final = Status(int(run.status[k, w])).name.lower()
        names[stop:] = [final] * (run.steps + 1 - stop)
        ends[stop:] = [end] * (run.steps + 1 - stop)
    return names, ends


def trace_rows(run: Run, costs: Costs | None = None) -> Iterator[tuple]:
    """Rows of :data:`CSV_HEADER`; floats stay Python floats (full precision)."""
    totals, spent = _measured(run, costs or Costs())
    final = end_states(run)
    for k, label in enumerate(run.labels):
        for w in range(run.xy.shape[2]):
            xy = run.xy[:, k, w].tolist()
            loss = run.loss[:, k, w].tolist()
            grad = run.grad[:, k, w].tolist()
            statuses, ends = status_names(run, k, w, final[k, w])
            counts = totals[:, k, w].tolist()
            cost = spent[:, k, w].tolist()
            for step in range(run.steps + 1):
                x, y = xy[step]
                gx, gy = grad[step]
                yield (
                    label, w, step, x, y, loss[step], gx, gy, statuses[step], *counts[step],
                    cost[step], ends[step],
                )  # fmt: skip


def write_csv(run: Run, stream: IO[str], costs: Costs | None = None) -> None:
    """CSV with a header; floats written with ``repr`` so that they read back exactly."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for row in trace_rows(run, costs):
        writer.writerow([repr(v) if isinstance(v, float) else v for v in row])


def to_json(run: Run, costs: Costs | None = None) -> dict:
    """The run as nested JSON-ready data: optimizers, then walkers, then per-step arrays."""
    costs = costs or Costs()
    totals, spent = _measured(run, costs)
    final = end_states(run)
    optimizers = []
    for k, optimizer in enumerate(run.optimizers):
        walkers = []
        for w in range(run.xy.shape[2]):
            stop = int(run.status_step[k, w])
            walkers.append(
                {
                    "start": run.starts[w].tolist(),
                    "status": Status(int(run.status[k, w])).name.lower(),
                    "status_step": stop if stop >= 0 else None,
                    "end": final[k, w] if stop >= 0 else None,  # the ground it stopped on
                    # running totals at each step, by kind, and their cost since the start
                    "measured": {kind: totals[:, k, w, i].tolist() for i, kind in enumerate(KINDS)},
                    "cost": spent[:, k, w].tolist(),
                    "x": run.xy[:, k, w, 0].tolist(),
                    "y": run.xy[:, k, w, 1].tolist(),
                    "loss": run.loss[:, k, w].tolist(),
                    "grad_x": run.grad[:, k, w, 0].tolist(),
                    "grad_y": run.grad[:, k, w, 1].tolist(),
                }
            )
        optimizers.append(
            {"optimizer": optimizer.label, "spec": optimizer.spec, "walkers": walkers}
        )
    return {
        "surface": run.surface.name,
        "steps": run.steps,
        "costs": {"gradient": costs.gradient, "loss": costs.loss, "hessian": costs.hessian},
        "optimizers": optimizers,
    }


def write_json(run: Run, stream: IO[str], costs: Costs | None = None) -> None:
    json.dump(to_json(run, costs), stream, allow_nan=False)
    stream.write("\n")
