"""Writing a field computation: its picture, its data as ``.npz`` and, on request, CSV.

All files of one result are written together: each goes to a hidden temporary
file first and they appear only once every one of them is complete.
"""

from __future__ import annotations

import contextlib
import csv
import io
from pathlib import Path
from typing import IO, Any

import numpy as np

from ..files import atomic_output
from .basins import DIVERGED, ELSEWHERE, UNSETTLED, BasinMap
from .pictures import basin_picture

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
    """The picture (PNG), the data (``.npz``) and optionally the CSV, all or nothing."""
    with contextlib.ExitStack() as stack:
        png = stack.enter_context(atomic_output(picture, "wb"))
        npz = stack.enter_context(atomic_output(data, "wb"))
        if table is not None:
            write_basin_csv(bmap, stack.enter_context(atomic_output(table, "w", newline="")))
        buffer = io.BytesIO()  # np.savez seeks, which a pipe target could not
        np.savez_compressed(buffer, **basin_arrays(bmap))
        npz.write(buffer.getvalue())
        basin_picture(bmap).save(png, format="PNG")
