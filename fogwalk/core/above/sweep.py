"""Hyper-parameter maps: every combination of one or two hyper-parameters, walked and scored.

An axis varies one declared hyper-parameter (a pair's member as ``betas.0``)
over a range, on the log scale the registry declares for it unless told
otherwise. Every cell is the base optimizer with the cell's values, walked
from every start; it is scored by its final loss or by the steps it took to
come within a tolerance of the surface's best known loss (the median over the
starts), or marked diverged when most of its starts diverged.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..distributed import Executor, Progress, Serial
from ..engine import Status
from ..errors import FogwalkError
from ..optimizers import Optimizer
from ..optimizers.hyper import HyperParam
from ..scene import Scene
from ..session import resolve_surface
from ..sizes import check_field_size
from .walks import Ends, Walks, chunk_size, walk

CELLS_PER_CHUNK = 256
METRICS = ("loss", "steps")
"""What a cell is scored by: its final loss, or the steps to the target loss."""


@dataclass(frozen=True)
class Axis:
    """One varied hyper-parameter: its name (``lr``, ``betas.0``) and values."""

    name: str
    values: np.ndarray
    log: bool

    @property
    def param(self) -> str:
        return self.name.partition(".")[0]


def parse_axis(optimizer: Optimizer, text: str) -> Axis:
    """``NAME=LOW:HIGH[:log|lin]:COUNT`` as an :class:`Axis` of ``optimizer``'s (see
    :func:`make_axis`); without a scale, the registry's for that hyper-parameter."""
    name, _, spec = text.partition("=")
    parts = [part.strip() for part in spec.split(":")]
    usage = f"--vary {text!r}: expected NAME=LOW:HIGH[:log|lin]:COUNT, e.g. lr=1e-4:1:log:64"
    if not name.strip() or len(parts) not in (3, 4):
        raise FogwalkError(usage)
    try:
        low, high, count = float(parts[0]), float(parts[1]), int(parts[-1])
    except ValueError:
        raise FogwalkError(usage) from None
    scale = parts[2].lower() if len(parts) == 4 else None
    if scale not in (None, "log", "lin"):
        raise FogwalkError(f"{usage} (the scale is log or lin, got {parts[2]!r})")
    return make_axis(optimizer, name.strip(), low, high, count, scale)


def make_axis(
    optimizer: Optimizer, name: str, low: float, high: float, count: int, scale: str | None
) -> Axis:
    """``count`` values of hyper-parameter ``name`` (a pair's member as ``betas.0``) from
    ``low`` to ``high``, evenly on ``scale`` (``"log"``, ``"lin"``, None: the registry's).

    Raises
    ------
    FogwalkError
        For a name the optimizer does not declare (listing those it does), a kind that
        cannot vary, ends outside the declared range, or an empty grid.
    """
    param, _, member = name.partition(".")
    hp = optimizer.definition.param(param)  # an unknown name lists the valid ones
    _check_kind(hp, member, name)
    if count < 1:
        raise FogwalkError(f"--vary {name}: a count of {count} values is an empty grid")
    for value in (low, high):
        end = (value, value) if member else (round(value) if hp.kind == "int" else value)
        try:
            hp.validate(end)
        except FogwalkError as error:
            raise FogwalkError(f"--vary {name}: {error}") from None
    log = hp.log if scale is None else scale == "log"
    if log and (low <= 0 or high <= 0):
        raise FogwalkError(f"--vary {name}: a log scale needs positive ends, got {low:g}:{high:g}")
    values = np.geomspace(low, high, count) if log else np.linspace(low, high, count)
    if hp.kind == "int":
        values = np.unique(np.round(values)).astype(int)
    return Axis(name, values, log)


def zoom(optimizer: Optimizer, axis: Axis, low: float, high: float) -> Axis:
    """The axis over ``low`` to ``high`` at its own resolution and scale: a closer look."""
    scale = "log" if axis.log else "lin"
    return make_axis(optimizer, axis.name, low, high, len(axis.values), scale)


def _check_kind(hp: HyperParam, member: str, name: str) -> None:
    if hp.kind == "pair":
        if member not in ("0", "1"):
            raise FogwalkError(
                f"--vary {name}: {hp.name} is a pair: vary {hp.name}.0 or {hp.name}.1"
            )
    elif member or hp.kind not in ("float", "int"):
        raise FogwalkError(
            f"--vary {name}: only numbers can be varied; {hp.name} is {hp.describe_kind()}"
        )


def cell_optimizer(base: Optimizer, names: Sequence[str], values: Sequence[float]) -> Optimizer:
    """The base optimizer with one cell's values of hyper-parameters ``names`` (a pair's
    member as ``betas.0``)."""
    changes: dict = {}
    for name, value in zip(names, values, strict=True):
        param, _, member = name.partition(".")
        if member:
            pair = list(changes.get(param, base.hyper[param]))
            pair[int(member)] = float(value)
            changes[param] = tuple(pair)
        else:
            changes[param] = value.item() if isinstance(value, np.generic) else value
    return base.with_params(**changes)


@dataclass(frozen=True)
class SweepMap:
    """A sweep's cells, shaped by its axes (the first along x, the second along y: arrays
    ``(len(y values), len(x values))``, or ``(len(values),)`` for one axis).

    ``value`` is the metric (NaN where diverged or, for steps, never reached);
    ``diverged`` the share of each cell's starts that diverged.
    """

    surface: str
    base: str
    axes: tuple[Axis, ...]
    starts: np.ndarray
    steps: int
    metric: str
    target: float | None
    value: np.ndarray
    loss: np.ndarray
    reached: np.ndarray
    diverged: np.ndarray

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(len(axis.values) for axis in reversed(self.axes))


def compute_sweep(
    scene: Scene,
    axes: Sequence[Axis],
    *,
    metric: str = "loss",
    ftol: float = 1e-6,
    executor: Executor | None = None,
    progress: Progress | None = None,
    chunk: int | None = None,
) -> SweepMap:
    """Walk every cell of ``axes`` (one or two) with the scene's first walking hiker.

    Parameters
    ----------
    metric
        ``"loss"`` (the median final loss) or ``"steps"`` (the median first step at
        which the loss is within ``ftol`` of the surface's best known loss).
    chunk
        Cells per chunk (default: as many as fit 64 MB of records); the numbers do not
        depend on it.
    """
    if metric not in METRICS:
        raise FogwalkError(f"the metric must be one of {', '.join(METRICS)}, got {metric!r}")
    if not 1 <= len(axes) <= 2:
        raise FogwalkError(f"a sweep varies one or two hyper-parameters, got {len(axes)}")
    if len({axis.name for axis in axes}) < len(axes):
        raise FogwalkError(f"{axes[0].name} is varied twice")
    if not scene.walking:
        raise FogwalkError("the scene has no hiker walking")
    surface = resolve_surface(scene)
    base = scene.walking[0].optimizer
    starts = np.array(scene.starts or (surface.start,), dtype=float)
    target = None
    if metric == "steps":
        if not surface.minima:
            raise FogwalkError(f"{surface.label} has no known minimum to count steps to")
        target = min(m.value for m in surface.minima) + ftol
    shape = tuple(len(axis.values) for axis in reversed(axes))
    cells = int(np.prod(shape))
    check_field_size(cells * len(starts), f"a sweep of {cells:,} cells x {len(starts)} starts")
    specs = [
        cell_optimizer(base, [axis.name for axis in axes], values[::-1]).spec
        for values in itertools.product(*(axis.values for axis in reversed(axes)))
    ]
    # Cells are many small walks: a few hundred per chunk spread them over the workers.
    size = chunk or min(chunk_size(scene.steps, len(starts)), CELLS_PER_CHUNK)
    chunks = [
        Walks(
            scene.surface,
            scene.domain,
            scene.dataset,
            tuple(specs[lo : lo + size]),
            starts,
            scene.steps,
            0,
            None,  # no settled step asked
            target,
            shared_loop=True,
        )
        for lo in range(0, cells, size)
    ]
    ends = Ends.join((executor or Serial()).map(walk, chunks, progress), axis=0)
    gone = ends.status == Status.DIVERGED  # (cells, starts)
    diverged = gone.mean(axis=1)
    # Each cell's median over its starts; diverged where most of them diverged.
    with np.errstate(all="ignore"):
        loss = np.median(np.where(gone, np.inf, ends.loss), axis=1)
        reached = np.median(np.where(ends.reached < 0, np.inf, ends.reached), axis=1)
    value = loss if metric == "loss" else reached
    value = np.where((diverged > 0.5) | ~np.isfinite(value), np.nan, value)
    return SweepMap(
        surface=surface.label,
        base=base.spec,
        axes=tuple(axes),
        starts=starts,
        steps=scene.steps,
        metric=metric,
        target=target,
        value=value.reshape(shape),
        loss=loss.reshape(shape),
        reached=reached.reshape(shape),
        diverged=diverged.reshape(shape),
    )
