"""The one path from a source to a run: open, override, resolve (cached), engine, legend rows.

Every face goes through here: the window, ``fogwalk trace``, ``fogwalk export``,
the export dialog and a notebook. A source is a scenario file (``.toml``), a
built-in surface name, a surface file or a formula; opening it gives a
:class:`Scene` and the :class:`VideoSettings` to export it with. Qt-free.
"""

from __future__ import annotations

import dataclasses
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .clock import steps_at
from .defaults import BATCH_STEPS, HIKER_COLORS
from .end_states import outcomes
from .engine import Engine, Run
from .errors import FogwalkError
from .export import VideoSettings
from .measurements import Costs, measurements_text
from .scene import Hiker, Scene
from .sizes import check_export_size, check_run_size, frame_total
from .surfaces import Surface, get_surface, load_surface

__all__ = [
    "HikerRow",
    "Opened",
    "build_engine",
    "compute_run",
    "export_settings",
    "frame_total",
    "hiker_rows",
    "is_scenario",
    "open_source",
    "override",
    "resolve_surface",
    "shown_steps",
    "snapshot",
    "video_steps",
]


def is_scenario(source: str) -> bool:
    """Whether ``source`` names a scenario file (by its ``.toml`` extension)."""
    return source.strip().lower().endswith(".toml")


def _as_path_text(source: str) -> str:
    """An existing file's absolute path, else the text itself (a name or a formula)."""
    text = source.strip()
    try:
        path = Path(text).expanduser()
        if path.exists() or path.is_symlink():
            resolved = path.resolve()  # /dev/stdin resolves to 'pipe:[70950]', which is no path
            return str(resolved if resolved.exists() else path.absolute())
    except (OSError, RuntimeError, ValueError):
        pass  # too long, a symlink loop, NUL or ~ without a home: not a file, so a formula
    return text


@dataclass(frozen=True, slots=True)
class Opened:
    """What opening a source gives: the scene, its export settings, whether it was a scenario."""

    scene: Scene
    settings: VideoSettings
    scenario: bool


def open_source(
    source: str,
    *,
    base: Scene | None = None,
    domain: tuple[float, float, float, float] | None = None,
    dataset: str | None = None,
) -> Opened:
    """Open a scenario file, or put a surface into ``base`` (default: the default scene).

    A surface replaces ``base``'s surface, domain and dataset and clears its
    starts (they belong to the old surface); ``domain`` and ``dataset``, when
    given, replace a scenario's too. The surface is resolved here, so a bad
    source fails before any work, with its own message.

    Raises
    ------
    FogwalkError
        Naming the file, key or formula and the reason.
    """
    if is_scenario(source):
        from .scenario import load_scenario

        scene, settings = load_scenario(source.strip())
        if domain is not None:
            scene = dataclasses.replace(scene, domain=domain)
        if dataset is not None:
            scene = dataclasses.replace(scene, dataset=dataset)
        opened = Opened(scene, settings, True)
    else:
        scene = dataclasses.replace(
            base or Scene(),
            surface=_as_path_text(source),
            domain=domain,
            dataset=dataset,
            starts=(),
        )
        opened = Opened(scene, VideoSettings(), False)
    resolve_surface(opened.scene)
    return opened


def override(
    opened: Opened,
    *,
    optimizers: Sequence[str] | None = None,
    starts: Sequence[tuple[float, float]] | None = None,
    steps: int | None = None,
    fog: bool | None = None,
    clock: str | None = None,
    costs: Costs | None = None,
) -> Scene:
    """The opened scene with a command line's choices: hikers, starts, steps, fog on or off,
    the playback clock and the measurements' prices.

    Without ``steps``, a scenario keeps its own and a bare surface walks
    :data:`~fogwalk.core.defaults.BATCH_STEPS` (the app's long playback is for
    watching, not for a file).
    """
    scene = opened.scene
    changes: dict = {}
    if optimizers:
        changes["hikers"] = tuple(
            Hiker(spec, HIKER_COLORS[i % len(HIKER_COLORS)]) for i, spec in enumerate(optimizers)
        )
    if starts:
        changes["starts"] = tuple(starts)
    if steps is not None:
        changes["steps"] = max(int(steps), 1)
    elif not opened.scenario:
        changes["steps"] = BATCH_STEPS
    if fog is not None:
        changes["fog"] = dataclasses.replace(scene.fog, enabled=fog)
    if clock is not None:
        changes["clock"] = clock
    if costs is not None:
        changes["costs"] = costs
    return dataclasses.replace(scene, **changes)


# --- surfaces -----------------------------------------------------------------------------
_SURFACES: OrderedDict[tuple, Surface] = OrderedDict()
_SURFACE_CACHE_SIZE = 8
_SURFACES_LOCK = threading.Lock()


def _file_stamp(text: str) -> tuple:
    """A file's identity for the cache (an edited file is read again), or () for other text."""
    try:
        stat = os.stat(text)
    except (OSError, ValueError):
        return ()
    return (stat.st_mtime_ns, stat.st_size)


def resolve_surface(scene: Scene) -> Surface:
    """The scene's surface (a built-in, a formula or a file with its domain and dataset), cached.

    Every face asks for the surface again and again (each edit, each frame's
    status, each export); it is resolved once per source, domain, dataset
    and file version.
    """
    key = (scene.surface, scene.domain, scene.dataset, _file_stamp(scene.surface))
    with _SURFACES_LOCK:  # the window's loading and engine threads ask too
        surface = _SURFACES.get(key)
        if surface is not None:
            _SURFACES.move_to_end(key)
            return surface
    # Read outside the lock: a slow file must not hold up the other threads' cached answers.
    if scene.dataset is not None:
        surface = load_surface(scene.surface, domain=scene.domain, dataset=scene.dataset)
    else:
        surface = get_surface(scene.surface, domain=scene.domain)
    with _SURFACES_LOCK:
        _SURFACES[key] = surface
        while len(_SURFACES) > _SURFACE_CACHE_SIZE:
            _SURFACES.popitem(last=False)
    return surface


# --- runs -----------------------------------------------------------------------------------
def build_engine(
    scene: Scene, *, last_step: int | None = None, compiled: bool | None = None
) -> Engine:
    """An engine for the scene's walking hikers from its starts (or the surface's own).

    ``last_step`` shortens the run (an export that ends early needs no more);
    ``compiled`` is :class:`Engine`'s choice of loop.
    """
    walking = scene.walking
    if not walking:
        raise FogwalkError("the scene has no hiker walking")
    surface = resolve_surface(scene)
    steps = scene.steps if last_step is None else max(1, min(scene.steps, last_step))
    check_run_size(scene, steps)
    optimizers = [hiker.optimizer for hiker in walking]
    return Engine(surface, optimizers, scene.starts or (surface.start,), steps, compiled=compiled)


def compute_run(scene: Scene, last_step: int | None = None) -> Run:
    """The scene's whole run (to its last step, or ``last_step``), computed in one go."""
    engine = build_engine(scene, last_step=last_step)
    engine.advance(engine.steps)
    return engine.result()


def video_steps(scene: Scene, settings: VideoSettings) -> int:
    """How far a video's run must be computed: its last step; on the cost clock the whole
    run (a hiker cheaper than a gradient a step walks further than the budget's count)."""
    return frame_total(scene, settings) if scene.clock == "steps" else scene.steps


def snapshot(engine: Engine) -> Run:
    """The run so far, safe to hand to another thread while the engine goes on.

    The invariant that makes this cheap: the engine writes each row of
    ``xy``, ``loss`` and ``grad`` once, when it computes that step, and never
    again (the measurements' history too, once per step), so rows
    ``0..computed`` are shared; the per-walker arrays (status and its step)
    change in place and are copied.
    """
    run = engine.result()
    return dataclasses.replace(run, status=run.status.copy(), status_step=run.status_step.copy())


# --- what a frame says ------------------------------------------------------------------------
def shown_steps(scene: Scene, run: Run, tick: float) -> np.ndarray:
    """The step each walker shows at playback moment ``tick`` on the scene's clock:
    ``(optimizers, walkers)``; see :mod:`~fogwalk.core.clock`."""
    return steps_at(run, tick, scene.clock, scene.costs)


@dataclass(frozen=True, slots=True)
class HikerRow:
    """One optimizer's line in a legend, a split cell's label or the status bar."""

    label: str  # the spec as the user wrote it
    name: str  # the optimizer's name
    color: str
    loss: float  # its first walker's
    mark: str  # its first walker's end state: "✓ minimum", "stuck: saddle", "" while walking
    walkers: int
    step: int  # the step its first walker shows
    measured: tuple[int, ...]  # its first walker's measurements so far, by kind of KINDS
    cost: float  # what they cost since the start, priced by the scene's costs

    def text(self, losses: bool = True) -> str:
        """``label   loss ✓``, as legends and cell labels print it."""
        loss = f"   {self.loss:.5g}" if losses else ""
        return f"{self.label}{loss}{' ' + self.mark if self.mark else ''}"

    @property
    def measurements(self) -> str:
        """Its first walker's measurements in words: ``"21 gradients, 20 Hessians"``."""
        return measurements_text(np.array(self.measured))


def hiker_rows(scene: Scene, run: Run, tick: float) -> list[HikerRow]:
    """A row per walking hiker at playback moment ``tick`` (a step on the step clock)."""
    steps = shown_steps(scene, run, tick)
    marks = outcomes(run, steps)[1]
    walkers = run.xy.shape[2]
    measured = run.measured(steps)
    spent = (measured - run.measured(0)) @ scene.costs.weights
    return [
        HikerRow(
            label=hiker.spec,
            name=hiker.optimizer.name,
            color=hiker.color,
            loss=float(run.loss[steps[k, 0], k, 0]),
            mark=marks[k, 0],
            walkers=walkers,
            step=int(steps[k, 0]),
            measured=tuple(int(c) for c in measured[k, 0]),
            cost=float(spent[k, 0]),
        )
        for k, hiker in enumerate(scene.walking[: len(run.optimizers)])
    ]


def export_settings(scene: Scene, settings: VideoSettings, **changes: Any) -> VideoSettings:
    """Export settings with a command line's or dialog's changes (None: keep).

    A frame count or steps-per-frame given replaces the other's value from the
    file; the title defaults to the surface's name; a last step beyond the
    scene's run is brought back to it.
    """
    given = {key: value for key, value in changes.items() if value is not None}
    if "frames" in given or "steps_per_frame" in given:
        given.setdefault("frames", None)
    if "title" not in given and not settings.title:
        given["title"] = resolve_surface(scene).label
    if settings.last_step is not None and settings.last_step > scene.steps:
        given["last_step"] = scene.steps
    settings = dataclasses.replace(settings, **given)
    check_export_size(scene, settings)
    return settings
