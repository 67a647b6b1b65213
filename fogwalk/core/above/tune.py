"""Fair tuning: every optimizer searched over all its hyper-parameters, on the same budget.

Fair means: each optimizer gets the same number of trials, each trial walks
the same starts (many, not one), and each walk may spend the same budget of
measurements, priced by the scene's costs (a gradient 1, a Hessian 2, a loss
a third), whatever a step costs that optimizer. A trial is scored by its walks'
median objective: the loss where the budget ran out (the default), the budget
spent to reach a tolerance of the best known loss, or the mean loss along the
walk (the area under the loss curve). The search is Optuna's TPE, random or
a grid; trials are asked in batches of a fixed size, so that the result does
not depend on the number of workers.

The peers' protocol (:data:`PEERS`) is the one of pytorch-optimizer's
visualisations: the learning rate alone, gradients clipped to norm 1, 100 steps
from the surface's start, scored by the squared distance of the last point from
the global minimum. It favours optimizers that are fast early on one path.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ..distributed import Executor, Progress, Serial
from ..engine import Status
from ..errors import FogwalkError
from ..optimizers import Optimizer
from ..scene import Scene
from ..session import resolve_surface
from ..surfaces import Surface
from .sweep import cell_optimizer
from .walks import Ends, Walks, walk

OBJECTIVES = ("loss", "steps", "auc", "distance")
SEARCHES = ("tpe", "random", "grid")
BATCH = 8  # trials asked together (a constant: the numbers must not depend on the workers)
UNTUNED = {"weight_decay", "maximize"}  # they change what is minimised, not how well
OPEN_END = 1e-4  # how far inside an open end of a range (betas < 1) the search stays


@dataclass(frozen=True)
class Protocol:
    """How trials are run and scored."""

    name: str
    budget: float  # what each walk may spend, in the scene's cost units
    starts: int  # walks per trial
    objective: str
    only_lr: bool = False
    clip: float = 0.0  # clip_grad_norm forced on every trial (0: the trial's own)


PEERS = Protocol("peers", 100, 1, "distance", only_lr=True, clip=1.0)


@dataclass(frozen=True)
class Dimension:
    """One searched hyper-parameter (a pair's member as ``betas.0``)."""

    name: str
    low: float
    high: float
    log: bool
    integer: bool


@dataclass(frozen=True)
class Tuned:
    """One optimizer's tuning: the best trial's spec and score, spread over its starts."""

    base: str
    spec: str
    objective: float  # the median over the starts
    q25: float
    q75: float
    trials: int
    spent: float  # cost units paid by every walk of every trial
    rank: int = 0


def search_space(optimizer: Optimizer, only_lr: bool = False) -> list[Dimension]:
    """The dimensions to search: the optimizer's own numeric hyper-parameters, over their
    slider ranges (else their valid ranges), on their declared scales."""
    dims = []
    for hp in optimizer.definition.params:
        if hp.name in UNTUNED or hp.kind not in ("float", "int", "pair"):
            continue
        if only_lr and hp.name != "lr":
            continue
        low, high = hp.ui_range or (hp.low, hp.high)
        if low is None or high is None:
            continue
        if hp.high_open and hp.high is not None and high >= hp.high:
            high = hp.high - OPEN_END * (hp.high - low)
        if hp.low_open and hp.low is not None and low <= hp.low:
            low = hp.low + (OPEN_END * (high - hp.low) if not hp.log else 0.0) or high * OPEN_END
        names = [f"{hp.name}.0", f"{hp.name}.1"] if hp.kind == "pair" else [hp.name]
        dims += [Dimension(n, float(low), float(high), hp.log, hp.kind == "int") for n in names]
    return dims


def walk_objectives(ends: Ends, protocol: Protocol, surface: Surface) -> np.ndarray:
    """Each walk's objective (lower is better; inf for a walk that diverged)."""
    if protocol.objective == "loss":
        values = ends.loss
    elif protocol.objective == "auc":
        values = ends.mean_loss
    elif protocol.objective == "steps":  # the budget spent to the target; twice it if never
        values = np.where(np.isnan(ends.reached_spent), 2 * protocol.budget, ends.reached_spent)
    else:  # the squared distance from the nearest global minimum
        best = min(m.value for m in surface.minima)
        centres = np.array([(m.x, m.y) for m in surface.minima if m.value <= best + 1e-12])
        values = ((ends.xy[..., None, :] - centres) ** 2).sum(axis=-1).min(axis=-1)
    return np.where(ends.status == Status.DIVERGED, np.inf, values).astype(float)


def check_protocol(protocol: Protocol, surface: Surface) -> None:
    """Refuse what cannot be scored or run, before any trial."""
    if protocol.objective not in OBJECTIVES:
        raise FogwalkError(f"the objective must be one of {', '.join(OBJECTIVES)}")
    if protocol.objective in ("steps", "distance") and not surface.minima:
        raise FogwalkError(
            f"{surface.label} has no known minimum for the {protocol.objective} objective"
        )
    if protocol.starts < 1:
        raise FogwalkError(f"a trial needs at least one start, got {protocol.starts}")


def tune(
    scene: Scene,
    protocol: Protocol,
    *,
    trials: int = 32,
    search: str = "tpe",
    seed: int = 0,
    ftol: float = 1e-6,
    executor: Executor | None = None,
    progress: Progress | None = None,
) -> list[Tuned]:
    """Tune every walking hiker of the scene under ``protocol``; ranked, best first.

    The starts are the scene's when it has as many as ``protocol.starts`` (one: the
    surface's own), else drawn uniformly over the domain from ``seed``, the same for every
    optimizer. ``progress(done, total)`` counts trials over all optimizers.
    """
    surface = resolve_surface(scene)
    check_protocol(protocol, surface)
    if search not in SEARCHES:
        raise FogwalkError(f"the search must be one of {', '.join(SEARCHES)}, got {search!r}")
    if trials < 1:
        raise FogwalkError(f"the tuning needs at least one trial, got {trials}")
    starts = tuning_starts(scene, surface, protocol.starts, seed)
    target = min((m.value for m in surface.minima), default=0.0) + ftol
    counted = _Counter(progress, trials * len(scene.walking))
    results = []
    for hiker in scene.walking:
        base = hiker.optimizer
        if protocol.clip:
            base = base.with_params(clip_grad_norm=protocol.clip)
        cheapest = _step_cost(base, scene)
        if protocol.budget < cheapest:
            raise FogwalkError(
                f"a budget of {protocol.budget:g} is less than one step of {base.spec} "
                f"({cheapest:g}): give a larger --budget"
            )
        steps = math.ceil(protocol.budget / cheapest)
        chunk = Walks(
            scene.surface,
            scene.domain,
            scene.dataset,
            (),
            starts,
            steps,
            0,
            None,  # no settled step asked
            target,
            protocol.budget,
            tuple(scene.costs.weights),
            shared_loop=True,
        )
        results.append(
            _tune_one(
                base,
                hiker.spec,
                surface,
                protocol,
                chunk,
                trials,
                search,
                seed,
                executor or Serial(),
                counted,
            )
        )
    order = sorted(range(len(results)), key=lambda i: results[i].objective)
    for rank, i in enumerate(order, start=1):
        results[i] = replace(results[i], rank=rank)
    return [results[i] for i in order]


class _Counter:
    """Progress over all optimizers' trials."""

    def __init__(self, progress: Progress | None, total: int) -> None:
        self.progress, self.total, self.done = progress, total, 0

    def add(self, count: int) -> None:
        self.done += count
        if self.progress is not None:
            self.progress(self.done, self.total)


def tuning_starts(scene: Scene, surface: Surface, count: int, seed: int) -> np.ndarray:
    """The starts every trial walks: the scene's, or the surface's own for one, or
    ``count`` drawn over the domain."""
    if len(scene.starts) >= count:
        return np.array(scene.starts[:count], dtype=float)
    if count == 1:
        return np.array([surface.start], dtype=float)
    xmin, xmax, ymin, ymax = surface.domain
    rng = np.random.default_rng([seed, count])
    return np.column_stack([rng.uniform(xmin, xmax, count), rng.uniform(ymin, ymax, count)])


def _step_cost(optimizer: Optimizer, scene: Scene) -> float:
    """What one step costs this optimizer at least: a gradient, or one loss if it feels only
    the height."""
    from ..measurements import GRADIENT, LOSS

    weights = scene.costs.weights
    return float(weights[LOSS] if optimizer.definition.zeroth_order else weights[GRADIENT])


def _tune_one(base: Optimizer, label: str, surface: Surface, protocol: Protocol, chunk: Walks,
              trials: int, search: str, seed: int, executor: Executor,
              counted: _Counter) -> Tuned:  # fmt: skip
    optuna = _import_optuna()
    dims = search_space(base, protocol.only_lr)
    axes = {d.name: d for d in dims}
    study = optuna.create_study(direction="minimize", sampler=_sampler(optuna, search, seed))
    if search == "grid":
        points = _grid(dims, trials)
        for point in points:
            study.enqueue_trial(point)
        trials = len(points)
    scores: dict[int, np.ndarray] = {}
    while len(scores) < trials:
        asked = [study.ask() for _ in range(min(BATCH, trials - len(scores)))]
        specs = [_trial_spec(base, trial, axes) for trial in asked]
        runnable = {i: spec for i, spec in enumerate(specs) if spec is not None}
        ends = executor.map(walk, [replace(chunk, specs=(spec,)) for spec in runnable.values()])
        values = {
            i: walk_objectives(e, protocol, surface)[0] for i, e in zip(runnable, ends, strict=True)
        }
        for i, trial in enumerate(asked):
            walks = values.get(i, np.full(len(chunk.starts), np.inf))
            scores[trial.number] = walks
            median = float(np.median(walks))
            study.tell(trial, median if math.isfinite(median) else _WORST)
        counted.add(len(asked))
    best = study.best_trial
    walks = scores[best.number]
    finite = walks[np.isfinite(walks)]
    q25, q75 = np.percentile(finite, [25, 75]) if finite.size else (math.inf, math.inf)
    spec = _trial_spec(base, best, axes)
    return Tuned(
        base=label, spec=spec or base.spec, objective=float(np.median(walks)), q25=float(q25),
        q75=float(q75), trials=trials, spent=trials * len(chunk.starts) * (chunk.budget or 0.0),
    )  # fmt: skip


_WORST = 1e300  # what a trial whose walks diverged tells the sampler (it wants finite numbers)


def _sampler(optuna: Any, search: str, seed: int) -> Any:
    if search == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    return optuna.samplers.RandomSampler(seed=seed)  # a grid's points are queued ahead


def _grid(dims: Sequence[Dimension], trials: int) -> list[dict[str, float]]:
    """A grid of at most ``trials`` points: the same number of values on every axis."""
    per_axis = max(1, math.floor(trials ** (1 / max(1, len(dims))) + 1e-9))
    values = [[v.item() for v in _values(d, per_axis)] for d in dims]
    return [
        dict(zip([d.name for d in dims], point, strict=True))
        for point in itertools.product(*values)
    ]


def _values(dim: Dimension, count: int) -> np.ndarray:
    values = (
        np.geomspace(dim.low, dim.high, count) if dim.log else np.linspace(dim.low, dim.high, count)
    )
    return np.unique(np.round(values)).astype(int) if dim.integer else values


def _trial_spec(base: Optimizer, trial: Any, axes: dict[str, Dimension]) -> str | None:
    """The trial's configuration as a spec, or None when the optimizer refuses it (an
    option that contradicts another, such as Nesterov with dampening)."""
    values = []
    for name, dim in axes.items():
        if dim.integer:
            values.append(trial.suggest_int(name, int(dim.low), int(dim.high), log=dim.log))
        else:
            values.append(trial.suggest_float(name, dim.low, dim.high, log=dim.log))
    try:
        return cell_optimizer(base, list(axes), values).spec
    except (FogwalkError, ValueError):
        return None


def _import_optuna() -> Any:
    try:
        import optuna
    except ImportError:
        from ..distributed import INSTALL

        raise FogwalkError(f"tuning needs optuna: {INSTALL}") from None
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


def tuned_scene(scene: Scene, tuned: Sequence[Tuned], steps: int) -> Scene:
    """The scene with each hiker's tuned configuration, walking ``steps`` steps."""
    by_label = {t.base: t.spec for t in tuned}
    hikers = tuple(replace(h, spec=by_label.get(h.spec, h.spec)) for h in scene.hikers)
    return replace(scene, hikers=hikers, steps=steps)
