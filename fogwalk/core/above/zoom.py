"""A zoom into a basin map: from a wide region into a narrow one, a map per frame, a video.

The regions shrink by the same factor from frame to frame (a steady dive), and
their centres move in step, so that the last region's centre is the point the
dive heads for from the first frame on. Every frame is labelled with the places
(and the tolerance) of the first, so that a basin keeps its colour all the way
down; places seen only deeper are added after them.
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
from ..scene import Scene
from ..video import VideoFile
from .basins import BasinMap, compute_basins
from .pictures import BACKGROUND, basin_picture

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

        def frame_progress(done: int, total: int, index: int = index) -> None:
            if progress is not None:
                progress(index * total + done, len(regions) * total)

        bmap = compute_basins(
            scene,
            grid,
            region=region,
            tol=first.tol if first else tol,
            executor=executor,
            progress=frame_progress,
            chunk=chunk,
            places=first.attractors if first else (),
        )
        first = first or bmap
        yield bmap


def write_zoom_video(
    maps: Iterator[BasinMap], path: str | PathLike[str], fps: float, *, overwrite: bool = False
) -> int:
    """Each map's picture as a frame of one video (all or nothing); the frames' count.

    Every frame has the first one's size (made even, as MP4 needs): a later picture
    whose key grew with places seen deeper is cut at the bottom."""
    pictures = (basin_picture(bmap) for bmap in maps)
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
