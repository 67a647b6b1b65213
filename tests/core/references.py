"""What the step-for-step comparisons with reference implementations share: the surfaces and
starts, how a reference optimizer walks, the comparison, and the check of argument names."""

import inspect
import math

import numpy as np
import torch

from fogwalk.core import get_surface, simulate
from fogwalk.core.optimizers import get_definition

STEPS = 150
# Starts where the slope is moderate, two walkers each.
STARTS = {
    "rosenbrock": [(-1.2, 1.0), (0.3, 0.4)],
    "himmelblau": [(0.0, 0.0), (-1.0, 1.0)],
    "beale": [(1.0, 1.5), (2.0, 0.0)],
}


def plain_step(optimizer, params, surface, k):
    optimizer.step()


def walk(make, surface, start, steps=STEPS, step=plain_step):
    """The path of the reference optimizer ``make([params])`` from ``start`` (one point, or
    several as one tensor), its gradient set from the surface before each ``step``."""
    params = torch.tensor(np.asarray(start, dtype=float), dtype=torch.float64)
    params.requires_grad_(True)
    optimizer = make([params])
    path = [params.detach().numpy().copy()]
    for k in range(steps):
        point = params.detach().numpy().reshape(-1, 2)
        gx, gy = surface.grad(point[:, 0], point[:, 1])
        grad = np.stack([gx, gy], axis=-1).reshape(params.shape)
        params.grad = torch.from_numpy(np.ascontiguousarray(grad))
        step(optimizer, params, surface, k)
        path.append(params.detach().numpy().copy())
    return np.array(path)


def walkers(make, surface, starts, steps=STEPS, step=plain_step):
    """Each walker run by its own reference optimizer on its own (2,) vector (a reference's
    norms are per parameter tensor): the paths, shaped as the engine's ``xy[:, k]``."""
    return np.stack([walk(make, surface, start, steps, step) for start in starts], axis=1)


def run_and_compare(surface_name, spec, reference, compiled=False):
    """Walk ``spec`` as the engine does and compare it with ``reference(surface, starts)``
    to 1e-7, row by row, up to the first walker that stopped; returns the run. A compiled
    run's reference is fed the slopes the run measured (see :class:`RecordedSlopes`)."""
    surface = get_surface(surface_name)
    starts = STARTS[surface_name]
    run = simulate(
        surface, [spec], starts=starts, steps=STEPS, gtol=0.0, xtol=0.0, compiled=compiled
    )
    expected = reference(RecordedSlopes(surface, run) if compiled else surface, starts)
    # Ascent runs off the map, where the engine freezes a walker and the reference goes on:
    # compare every row before the first walker stopped.
    stopped = run.status_step[run.status_step >= 0]
    compared = int(stopped.min()) if stopped.size else STEPS + 1
    assert compared > (10 if "maximize=true" in spec else STEPS)
    np.testing.assert_allclose(run.xy[:compared, 0], expected[:compared], rtol=1e-7, atol=1e-12)
    return run


class RecordedSlopes:
    """The surface as the compiled engine measured it: ``grad`` at a point is the gradient
    the run recorded at the nearest point it walked (any other attribute is the surface's).

    The compiled engine evaluates the surface in numba, whose integer powers are products
    where NumPy may call a SIMD pow: gradients differ in the last bit, and a chaotic walk
    (RMSprop on Beale) grows that into a different path. Fed the engine's own slopes, the
    reference checks the compiled rule alone; a rule that differs walks elsewhere, where
    the nearest recorded slope is wrong, and the paths part.
    """

    def __init__(self, surface, run) -> None:
        self.surface = surface
        self.points = run.xy[: run.computed + 1, 0].reshape(-1, 2)
        self.slopes = run.grad[: run.computed + 1, 0].reshape(-1, 2)

    def grad(self, x, y):
        asked = np.column_stack([np.ravel(x), np.ravel(y)])
        nearest = np.argmin(((asked[:, None, :] - self.points[None]) ** 2).sum(axis=2), axis=1)
        return self.slopes[nearest, 0], self.slopes[nearest, 1]

    def __getattr__(self, name):
        return getattr(self.surface, name)


def assert_named_and_defaulted_as(name, cls, skip=()):
    """Every hyper-parameter of ``name`` is an argument of ``cls`` with the same default
    (a tuple as a tuple; the reference's infinity is ``none`` here, specs being finite)."""
    signature = inspect.signature(cls.__init__).parameters
    for hp in get_definition(name).params:
        if hp.name in skip:
            continue
        assert hp.name in signature, f"{name}.{hp.name} is not an argument of {cls.__name__}"
        default = signature[hp.name].default
        if isinstance(default, float) and math.isinf(default):
            assert hp.default is None and hp.optional, f"{name}.{hp.name}"
            continue
        default = tuple(default) if isinstance(default, tuple | list) else default
        assert hp.default == default, f"{name}.{hp.name} default {hp.default} != {default}"
