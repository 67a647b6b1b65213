"""A zoom into a basin map or a hyper-parameter map: from a wide region into a narrow one,
a map per frame, a video.

The regions shrink by the same factor from frame to frame (a steady dive), and
their centres move in step, so that the last region's centre is the point the
dive heads for from the first frame on; a hyper-parameter on a log scale dives
in its logarithm. Every basin frame is labelled with the places (and the
tolerance) of the first, so that a basin keeps its colour all the way down
(places seen only deeper are added after them); every sweep frame is coloured
on the first frame's scale.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence
from os import PathLike

import numpy as np
from PIL import Image

from ..distributed import Executor, Progress
from ..errors import FogwalkError
from ..optimizers import Optimizer
from ..scene import Scene
from ..video import VideoFile
from .basins import BasinMap, compute_basins
from .pictures import BACKGROUND
from .sweep import Axis, SweepMap, compute_sweep, zoom
from .sweep_picture import colour_scale, sweep_picture

Region = tuple[float, float, float, float]
ZOOM_FRAMES = 60
ZOOM_FPS = 15.0


def zoom_regions(start: Sequence[float], end: Sequence[float], frames: int) -> list[Region]:
    """``frames`` regions from ``start`` to ``end`` (each ``xmin, xmax, ymin, ymax``)."""
    if frames < 2:
        raise FogwalkError(f"a zoom needs at least 2 frames, got {frames}")
    for name, region in (("start", start), ("end", end)):
        xmin, xmax, ymin, ymax = region
        if not (xmin < xmax and ymin < ymax):
            raise FogwalkError(f"the zoom's {name} region {tuple(region)} is empty")
    x0, x1, y0, y1 = start
    u0, u1, v0, v1 = end
    width, height = x1 - x0, y1 - y0
    regions: list[Region] = []
    for i in range(frames):
        t = i / (frames - 1)
        w = width * ((u1 - u0) / width) ** t
        h = height * ((v1 - v0) / height) ** t
        # How far the centre has moved: as far as the width has shrunk.
        share = t if math.isclose(width, u1 - u0) else (width - w) / (width - (u1 - u0))
        cx = (x0 + x1) / 2 + share * ((u0 + u1) / 2 - (x0 + x1) / 2)
        cy = (y0 + y1) / 2 + share * ((v0 + v1) / 2 - (y0 + y1) / 2)
        regions.append((cx - w / 2, cx + w / 2, cy - h / 2, cy + h / 2))
    return regions


def zoom_axes(
    optimizer: Optimizer, axes: Sequence[Axis], ends: Sequence[tuple[float, float]], frames: int
) -> list[list[Axis]]:
    """The axes of each of ``frames`` sweeps, from ``axes`` to the ranges ``ends`` (one
    ``(low, high)`` per axis), each at its own resolution and on its own scale."""
    if len(ends) != len(axes):
        raise FogwalkError(f"a zoom needs one LOW:HIGH per varied hyper-parameter ({len(axes)})")
    # The last axes are made first: they check the ends against the declared ranges.
    last = [zoom(optimizer, axis, low, high) for axis, (low, high) in zip(axes, ends, strict=True)]

    def scaled(axis: Axis) -> tuple[float, float]:
        low, high = float(axis.values[0]), float(axis.values[-1])
        return (math.log10(low), math.log10(high)) if axis.log else (low, high)

    pairs = [scaled(axis) for axis in axes], [scaled(axis) for axis in last]
    for name, ranges in zip(("start", "end"), pairs, strict=True):
        for axis, (low, high) in zip(axes, ranges, strict=True):
            if not low < high:
                raise FogwalkError(f"the zoom's {name} range of {axis.name} is empty")
    flat = [(0.0, 1.0)] * (2 - len(axes))  # one axis: a second that stays put
    start, end = (tuple(v for pair in [*ranges, *flat] for v in pair) for ranges in pairs)
    frames_axes = []
    for region in zoom_regions(start, end, frames):
        frame = []
        for i, axis in enumerate(axes):
            low, high = region[2 * i], region[2 * i + 1]
            if axis.log:
                low, high = 10**low, 10**high
            frame.append(zoom(optimizer, axis, low, high))
        frames_axes.append(frame)
    return frames_axes


def sweep_zoom(
    scene: Scene,
    frames_axes: Sequence[Sequence[Axis]],
    *,
    metric: str = "loss",
    ftol: float = 1e-6,
    executor: Executor | None = None,
    progress: Progress | None = None,
    chunk: int | None = None,
) -> Iterator[SweepMap]:
    """The sweep of each frame's axes in turn; ``progress(done, total)`` over the zoom."""
    for index, axes in enumerate(frames_axes):
        yield compute_sweep(
            scene,
            axes,
            metric=metric,
            ftol=ftol,
            executor=executor,
            progress=_frame_progress(progress, index, len(frames_axes)),
            chunk=chunk,
        )


def sweep_zoom_pictures(maps: Iterator[SweepMap]) -> Iterator[Image.Image]:
    """Each sweep's picture, coloured on the first one's scale."""
    first = next(maps, None)
    if first is None:
        return
    scale = colour_scale(first)
    yield sweep_picture(first, scale)
    for smap in maps:
        yield sweep_picture(smap, scale)


def _frame_progress(progress: Progress | None, index: int, frames: int) -> Progress:
    """A frame's ``progress(done, total)`` counted over all ``frames``."""

    def report(done: int, total: int) -> None:
        if progress is not None:
            progress(index * total + done, frames * total)

    return report


def basin_zoom(
    scene: Scene,
    grid: tuple[int, int],
    regions: Sequence[Region],
    *,
    tol: float | None = None,
    executor: Executor | None = None,
    progress: Progress | None = None,
    chunk: int | None = None,
) -> Iterator[BasinMap]:
    """The basin map of each region in turn, labelled as the first; ``progress(done,
    total)`` counts chunks over the whole zoom."""
    first: BasinMap | None = None
    for index, region in enumerate(regions):
        bmap = compute_basins(
            scene,
            grid,
            region=region,
            tol=first.tol if first else tol,
            executor=executor,
            progress=_frame_progress(progress, index, len(regions)),
            chunk=chunk,
            places=first.attractors if first else (),
        )
        first = first or bmap
        yield bmap


def write_zoom_video(
    pictures: Iterator[Image.Image],
    path: str | PathLike[str],
    fps: float,
    *,
    overwrite: bool = False,
) -> int:
    """Each picture (a map's: ``basin_picture``, or ``sweep_zoom_pictures``) as a frame of
    one video (all or nothing); the frames' count.

    Every frame has the first one's size (made even, as MP4 needs): a later picture
    whose key grew with places seen deeper is cut at the bottom."""
    first = next(pictures, None)
    if first is None:
        raise FogwalkError("a zoom with no frames")
    width, height = first.width + first.width % 2, first.height + first.height % 2
    with VideoFile(path, width, height, fps, overwrite=overwrite) as video:
        for picture in itertools.chain([first], pictures):
            frame = Image.new("RGB", (width, height), BACKGROUND)
            frame.paste(picture, (0, 0))
            video.write(np.asarray(frame))
    return video.frames
