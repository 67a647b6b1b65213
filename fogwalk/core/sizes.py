"""What a run or a video would take, refused before anything is allocated or drawn.

A run records ``(steps + 1) x hikers x walkers`` rows of x, y, loss and
gradient; a video draws and encodes every frame. Both are sized from the
scene and the settings alone, so a scenario asking for 10^12 steps or 10^9
frames is refused at once, with what it would take and what to reduce.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from .defaults import MAX_FRAMES, MAX_STEPS, RUN_MEMORY_FALLBACK, RUN_MEMORY_SHARE
from .errors import FogwalkError
from .export import VideoSettings
from .scene import Scene

__all__ = [
    "RECORD_BYTES",
    "check_export_size",
    "check_field_size",
    "check_run_size",
    "frame_count",
    "frame_total",
    "memory_budget",
]

RECORD_BYTES = 5 * 8  # a walker's step: x, y, loss, grad x, grad y as float64


def _machine_memory() -> int | None:
    """This machine's physical memory, or its container's limit when lower (bytes)."""
    sizes = []
    with contextlib.suppress(AttributeError, OSError, ValueError):  # not a POSIX system
        sizes.append(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    for limit in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            text = Path(limit).read_text().strip()
        except OSError:
            continue
        if text.isdigit() and int(text) < 1 << 60:  # "max", or v1's huge "unlimited"
            sizes.append(int(text))
    return min(sizes) if sizes else None


def memory_budget() -> tuple[int, str]:
    """The bytes a run's records may take, and how that limit was found (for messages)."""
    memory = _machine_memory()
    if memory is None:
        return RUN_MEMORY_FALLBACK, f"{_bytes(RUN_MEMORY_FALLBACK)}, this machine's is unknown"
    share = f"{RUN_MEMORY_SHARE:.0%}"
    return int(memory * RUN_MEMORY_SHARE), f"{share} of this machine's {_bytes(memory)}"


def _bytes(count: float) -> str:
    """``200 TB``, ``8.6 GB``, ``512 kB``: a size as people read it."""
    units = ("B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB")
    unit = 0
    while count >= 1000 and unit < len(units) - 1:
        count, unit = count / 1000, unit + 1
    return f"{count:.3g} {units[unit]}"


def check_run_size(scene: Scene, steps: int | None = None) -> None:
    """Refuse a run whose per-step records would not fit in memory, before allocating them.

    The engine records ``(steps + 1) x optimizers x walkers`` rows of x, y,
    loss and gradient (:data:`RECORD_BYTES` each); the limit is
    :func:`memory_budget`. ``steps`` defaults to the scene's.

    Raises
    ------
    FogwalkError
        Saying what the run would take, how many steps fit, and what to reduce.
    """
    steps = scene.steps if steps is None else steps
    hikers = max(1, len(scene.walking))
    walkers = max(1, len(scene.starts))
    row = hikers * walkers * RECORD_BYTES
    budget, why = memory_budget()
    fit = min(budget // row - 1, MAX_STEPS)
    if steps <= fit:
        return
    who = (
        f"{hikers} hiker{'s' * (hikers != 1)} x {walkers} walker{'s' * (walkers != 1)}"
        f"{'' if walkers == 1 else ' (start points)'}"
    )
    if fit < 1:
        raise FogwalkError(
            f"{who} would record {_bytes(2 * row)} per step, more than the memory limit "
            f"({_bytes(budget)}, {why}); use fewer hikers or start points"
        )
    if steps > MAX_STEPS and (steps + 1) * row <= budget:
        raise FogwalkError(
            f"steps = {steps:,} is more than FogWalk walks (at most {MAX_STEPS:,}); use fewer steps"
        )
    raise FogwalkError(
        f"steps = {steps:,} would record {_bytes((steps + 1) * row)} for {who}; at most "
        f"{fit:,} steps fit in the memory limit ({_bytes(budget)}, {why}); use fewer steps, "
        "hikers or start points"
    )


# What a field computation keeps of each walk: its end (Ends' seven numbers) and its start.
END_BYTES = 9 * 8


def check_field_size(walks: int, what: str) -> None:
    """Refuse a basin map or sweep of ``walks`` walks whose ends would not fit in memory.

    ``what`` names it in the message, such as ``"a 50000 x 50000 grid of 3 optimizers"``.
    """
    if walks < 1:
        raise FogwalkError(f"{what} has no walk: give it at least one node")
    budget, why = memory_budget()
    if walks * END_BYTES > budget:
        raise FogwalkError(
            f"{what} would need {_bytes(walks * END_BYTES)} for its {walks:,} walks' ends, "
            f"more than the memory limit ({_bytes(budget)}, {why}); use a coarser grid"
        )


def frame_count(scene: Scene, settings: VideoSettings) -> int:
    """How many frames a video of the scene has (without listing them)."""
    if settings.frames is not None:
        return settings.frames
    last = frame_total(scene, settings)
    return max(0, (last - settings.first_step) // settings.steps_per_frame + 1)


def check_export_size(scene: Scene, settings: VideoSettings) -> None:
    """Refuse a video of more than :data:`~fogwalk.core.defaults.MAX_FRAMES` frames.

    Each frame is drawn and encoded (tens of milliseconds), so the count is
    what an export costs; checked before the schedule or the run is made.
    """
    frames = frame_count(scene, settings)
    if frames <= MAX_FRAMES:
        return
    hours = frames / settings.fps / 3600
    raise FogwalkError(
        f"a video of {frames:,} frames would play {hours:,.1f} hours at {settings.fps:g} fps "
        f"and take longer to render; at most {MAX_FRAMES:,} frames: use fewer frames "
        "(--frames) or more steps per frame (--steps-per-frame), or export fewer steps"
    )


def frame_total(scene: Scene, settings: VideoSettings) -> int:
    """The last step a video shows (its counter's denominator)."""
    last = settings.last_step
    return scene.steps if last is None else min(scene.steps, last)
