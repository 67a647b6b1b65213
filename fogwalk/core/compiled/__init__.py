"""The compiled engine: the NumPy engine's walk, fused by numba into one loop per optimizer.

For large runs (many walkers times many steps) the engine hands its arrays
to this package, which steps, measures and classifies each walker in one
loop instead of some thirty NumPy passes: about 2.5 times as fast. It needs
a surface given by a formula (built-ins and typed formulas; sampled grids
stay in NumPy) and optimizers that work coordinate by coordinate: the
torch.optim family and Lion, with or without gradient noise. numba is
imported when a run first uses the compiled engine, so that ``import
fogwalk`` and the app do not pay for it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from ..errors import FogwalkError
from ..measurements import GRADIENT

if TYPE_CHECKING:  # numba is imported only when a run first compiles
    from ..engine import Engine
    from ..optimizers import Optimizer
    from ..surfaces import Surface
    from .driver import CompiledOptimizer, ScalarSurface


@runtime_checkable
class FormulaSurface(Protocol):
    """A surface the compiled engine can run: one that gives its scalar function."""

    def scalar_value_and_grad(self) -> ScalarSurface: ...


# Walker-steps from which the engine compiles on its own (8.4 M: 65,536 walkers x 128
# steps). The loop runs about 3x as fast as the NumPy lanes; a process's first compiled run
# pays about 0.8 s once (numba's import and set-up) when its loop is on disk (see .disk),
# 5-9 s once per install when it compiles it. So a lone run of this size in a new process
# is some 0.4 s slower than in NumPy, and every later one 3x faster. A fixed threshold: a
# run takes the same path whatever ran before it.
AUTO_WORK = 2**23

# Optimizers of one rule in a run from which they share one loop (see CompiledRun).
SHARED_RULE = 8

# Gradient-noise values drawn ahead per call of a noisy optimizer's loop (32 MB, the
# walkers padded to whole blocks).
NOISE_VALUES = 2**22


def unsupported(surface: Surface, optimizers: Sequence[Optimizer]) -> str | None:
    """Why the compiled engine cannot run this surface and these optimizers, or None."""
    if not hasattr(surface, "scalar_value_and_grad"):
        return f"the surface {surface.name} is not given by a formula"
    for optimizer in optimizers:
        if optimizer.algorithm.rule is None:
            return f"the optimizer {optimizer.label} has no compiled kernel"
    return None


class CompiledRun:
    """The compiled loops of one engine's optimizers, over the engine's own arrays."""

    def __init__(self, engine: Engine) -> None:
        from numba.core.errors import NumbaError

        from .driver import CompiledOptimizer, surface_sampler

        surface = engine.surface
        if (reason := unsupported(surface, engine.optimizers)) is not None:
            raise FogwalkError(f"the compiled engine cannot run this: {reason}")
        assert isinstance(surface, FormulaSurface)  # as unsupported() found
        value_and_grad = surface.scalar_value_and_grad()
        try:
            _check_surface(engine.surface, surface_sampler(value_and_grad), engine.starts)
        except NumbaError as error:
            first_line = (str(error).strip().splitlines() or [""])[0]
            raise FogwalkError(
                f"numba could not compile the surface {engine.surface.name}: {first_line}"
            ) from None
        walkers = len(engine.starts)
        # Many configurations of one rule (a sweep) share a loop that reads its options at
        # run time: compiling each configuration's own would cost seconds apiece.
        sharing = Counter(optimizer.algorithm.rule for optimizer in engine.optimizers)
        self._optimizers = [
            CompiledOptimizer(
                k,
                optimizer,
                value_and_grad,
                walkers,
                engine.first_walker,
                runtime_options=engine.shared_loop
                or sharing[optimizer.algorithm.rule] >= SHARED_RULE,
                tallied=not engine.records,
            )
            for k, optimizer in enumerate(engine.optimizers)
        ]
        for compiled in self._optimizers:
            # Compiles the loop now, running no step; an error here is a bug in a kernel.
            self._run(engine, compiled, 0, 0)

    @property
    def optimizers(self) -> list[CompiledOptimizer]:
        """Each optimizer's loop, state and (for a walk without records) tally."""
        return self._optimizers

    @property
    def from_disk(self) -> bool:
        """Whether every loop of this run was loaded from numba's cache on disk (by this
        process or an earlier one) rather than compiled."""
        return all(compiled.advance.stats.cache_hits for compiled in self._optimizers)

    def advance(self, engine: Engine, t0: int, t1: int) -> None:
        """Compute rows ``t0 + 1`` to ``t1`` (inclusive) of every optimizer's walkers."""
        for compiled in self._optimizers:
            # A noisy optimizer's noise is drawn ahead, NOISE_VALUES at a time.
            steps = NOISE_VALUES // (2 * compiled.width) if compiled.noisy else t1 - t0
            chunk = max(1, steps)
            for start in range(t0, t1, chunk):
                self._run(engine, compiled, start, min(start + chunk, t1))

    @staticmethod
    def _run(engine: Engine, compiled: CompiledOptimizer, t0: int, t1: int) -> None:
        compiled.advance(
            engine.xy,
            engine.loss,
            engine.grad,
            engine.status,
            engine.status_step,
            engine.ledger.totals[GRADIENT],
            compiled.state,
            compiled.scalars(t0, t1),
            compiled.noise(t0, t1),
            compiled.k,
            t0,
            t1,
            *limits(engine),
            compiled.options,
            compiled.tally,
        )


def limits(engine: Engine) -> tuple[np.ndarray, float, float, float]:
    """What a compiled loop reads of the engine's rules: its escape bounds, ``gtol**2``,
    ``xtol``, and the sign the optimizers see of the y slope (-1 on a game)."""
    return (
        np.array(engine.bounds, dtype=float),
        float(engine.gtol) ** 2,
        float(engine.xtol),
        -1.0 if engine.game else 1.0,
    )


def _check_surface(
    surface: Surface,
    sample: Callable[[NDArray[np.float64]], NDArray[np.float64]],
    starts: NDArray[np.float64],
) -> None:
    """Refuse a compiled surface that disagrees with the NumPy one (a formula numba reads
    differently, such as a complex branch): on a grid over the domain and at the starts.
    Walkers may roam beyond the domain (up to the engine's escape bounds), where this
    sample does not look; the built-in surfaces are tested there too."""
    xmin, xmax, ymin, ymax = surface.domain
    gx, gy = np.meshgrid(np.linspace(xmin, xmax, 9), np.linspace(ymin, ymax, 9))
    points = np.concatenate([np.column_stack([gx.ravel(), gy.ravel()]), starts[:16]])
    expected = np.column_stack(surface.value_and_grad(points[:, 0], points[:, 1]))
    got = sample(np.ascontiguousarray(points, dtype=float))
    agree = np.isclose(got, expected, rtol=1e-9, atol=1e-12, equal_nan=True).all(axis=1)
    if not agree.all():
        x, y = points[np.argmin(agree)]
        raise FogwalkError(
            f"the compiled surface {surface.name} disagrees with NumPy at ({x:g}, {y:g})"
        )
