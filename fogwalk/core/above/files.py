"""Writing a field computation: its picture, its data as ``.npz`` and, on request, CSV.

All files of one result are written together: each goes to a hidden temporary
file first and they appear only once every one of them is complete.
"""

from __future__ import annotations

import contextlib
import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import numpy as np
from PIL import Image

from ..files import atomic_output
from .basins import DIVERGED, ELSEWHERE, UNSETTLED, BasinMap
from .pictures import basin_picture
from .sweep import SweepMap
from .sweep_picture import sweep_picture

LABEL_NAMES = {DIVERGED: "diverged", UNSETTLED: "did not settle", ELSEWHERE: "elsewhere"}


def basin_arrays(bmap: BasinMap) -> dict[str, Any]:
    """The ``.npz`` contents: the grid, per-optimizer panels and the attractors' table."""
    return {
        "x": bmap.x,
        "y": bmap.y,
        "optimizers": np.array(bmap.optimizers),
        "labels": bmap.labels,
        "settled": bmap.settled,
        "evaluations": bmap.evaluations,
        "end": bmap.end,
        "attractor_xy": np.array([(a.x, a.y) for a in bmap.attractors]).reshape(-1, 2),
        "attractor_kind": np.array([a.kind for a in bmap.attractors], dtype=str),
        "attractor_loss": np.array([a.loss for a in bmap.attractors]),
        "attractor_known": np.array([a.known for a in bmap.attractors], dtype=bool),
        "steps": np.array(bmap.steps),
        "tol": np.array(bmap.tol),
        "surface": np.array(bmap.surface),
    }


def write_basin_csv(bmap: BasinMap, stream: IO[str]) -> None:
    """One row per optimizer and grid node: where it started and how it ended."""
    writer = csv.writer(stream)
    writer.writerow(
        ["optimizer", "x", "y", "label", "place", "settled_step", "evaluations", "end_x", "end_y"]
    )
    names = {i: a.name for i, a in enumerate(bmap.attractors)} | LABEL_NAMES
    for k, optimizer in enumerate(bmap.optimizers):
        for j, y in enumerate(bmap.y):
            for i, x in enumerate(bmap.x):
                label = int(bmap.labels[k, j, i])
                ex, ey = bmap.end[k, j, i]
                writer.writerow([
                    optimizer, repr(float(x)), repr(float(y)), label, names[label],
                    int(bmap.settled[k, j, i]), int(bmap.evaluations[k, j, i]),
                    repr(float(ex)), repr(float(ey)),
                ])  # fmt: skip


def write_basins(bmap: BasinMap, picture: Path, data: Path, table: Path | None = None) -> None:
    """The basin map's picture (PNG), data (``.npz``) and optionally CSV, all or nothing."""
    write_result(
        basin_picture(bmap), picture, basin_arrays(bmap), data, table,
        lambda stream: write_basin_csv(bmap, stream),
    )  # fmt: skip


def sweep_arrays(smap: SweepMap) -> dict[str, Any]:
    """The ``.npz`` contents of a sweep: each axis's values, the cells' scores."""
    arrays: dict[str, Any] = {f"axis{i}_values": a.values for i, a in enumerate(smap.axes)}
    return arrays | {
        "axis_names": np.array([a.name for a in smap.axes]),
        "axis_log": np.array([a.log for a in smap.axes]),
        "value": smap.value,
        "loss": smap.loss,
        "reached": smap.reached,
        "diverged": smap.diverged,
        "starts": smap.starts,
        "base": np.array(smap.base),
        "metric": np.array(smap.metric),
        "target": np.array(np.nan if smap.target is None else smap.target),
        "steps": np.array(smap.steps),
        "surface": np.array(smap.surface),
    }


def write_sweep_csv(smap: SweepMap, stream: IO[str]) -> None:
    """One row per cell: its hyper-parameters' values and its scores."""
    writer = csv.writer(stream)
    writer.writerow([a.name for a in smap.axes] + ["loss", "steps_to_target", "diverged_share"])
    grids = np.meshgrid(*(a.values for a in smap.axes))  # shaped as the cells, x fastest
    for index in np.ndindex(smap.value.shape):
        reached = smap.reached[index]
        writer.writerow(
            [repr(g[index].item()) for g in grids]
            + [repr(float(smap.loss[index])), int(reached) if np.isfinite(reached) else -1,
               repr(float(smap.diverged[index]))]
        )  # fmt: skip


def write_sweep(smap: SweepMap, picture: Path, data: Path, table: Path | None = None) -> None:
    """The sweep's picture (PNG), data (``.npz``) and optionally CSV, all or nothing."""
    write_result(
        sweep_picture(smap), picture, sweep_arrays(smap), data, table,
        lambda stream: write_sweep_csv(smap, stream),
    )  # fmt: skip


def write_result(
    image: Image.Image,
    picture: Path,
    arrays: dict[str, Any],
    data: Path,
    table: Path | None,
    write_table: Callable[[IO[str]], None],
) -> None:
    """A picture, its ``.npz`` and optionally its CSV: each to a temporary file first, and
    none appears until every one is complete."""
    with contextlib.ExitStack() as stack:
        png = stack.enter_context(atomic_output(picture, "wb"))
        npz = stack.enter_context(atomic_output(data, "wb"))
        if table is not None:
            write_table(stack.enter_context(atomic_output(table, "w", newline="")))
        buffer = io.BytesIO()  # np.savez seeks, which a pipe target could not
        np.savez_compressed(buffer, **arrays)
        npz.write(buffer.getvalue())
        image.save(png, format="PNG")
