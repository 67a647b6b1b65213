"""The compiled engine walks exactly the NumPy engine's path, and refuses what it cannot run."""

import sys
from dataclasses import dataclass

import numpy as np
import pytest

from fogwalk.core import Engine, FogwalkError, Status, get_surface, simulate
from fogwalk.core.compiled import AUTO_WORK, SHARED_RULE
from fogwalk.core.compiled.driver import BLOCK
from fogwalk.core.optimizers import get_definition, make_optimizer, optimizer_names
from fogwalk.core.surfaces.base import SymbolicSurface, X, Y
from fogwalk.core.surfaces.formula import formula_surface

RECORDS = ("xy", "loss", "grad", "status", "status_step")


def both(surface, specs, starts, steps, **options):
    """The same run on NumPy's lanes and in the compiled loop."""
    numpy_run = Engine(surface, specs, starts, steps, compiled=False, **options)
    compiled_run = Engine(surface, specs, starts, steps, compiled=True, **options)
    assert not numpy_run.compiled and compiled_run.compiled
    numpy_run.advance(steps)
    compiled_run.advance(steps)
    return numpy_run, compiled_run


def assert_same(numpy_run, compiled_run, rtol=0.0):
    for name in RECORDS:
        expected, got = getattr(numpy_run, name), getattr(compiled_run, name)
        if rtol and name in ("xy", "loss", "grad"):
            np.testing.assert_allclose(got, expected, rtol=rtol, atol=1e-300, err_msg=name)
        else:
            np.testing.assert_array_equal(got, expected, err_msg=name)
    steps = numpy_run.steps
    for step in (0, steps // 2, steps):
        np.testing.assert_array_equal(
            compiled_run.result().measured(step), numpy_run.result().measured(step)
        )


def starts_over(surface, count, seed=0):
    xmin, xmax, ymin, ymax = get_surface(surface).domain
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.uniform(xmin, xmax, count), rng.uniform(ymin, ymax, count)])


OPTIONS = [
    "sgd:lr=0.001",
    "sgd:lr=0.0005,momentum=0.8,dampening=0.3,weight_decay=0.05",
    "nesterov:lr=0.0005",
    "sgd:lr=0.00001,maximize=true",
    "adagrad:lr=0.1,lr_decay=0.01,weight_decay=0.1,initial_accumulator_value=0.5",
    "rmsprop:lr=0.005,momentum=0.5,centered=true",
    "rmsprop:lr=0.005,alpha=0.3,weight_decay=0.1",
    "adadelta:lr=0.5,rho=0.8,weight_decay=0.1",
    "adam:lr=0.01,amsgrad=true,weight_decay=0.1",
    "adam:lr=0.02,weight_decay=0.1,decoupled_weight_decay=true,schedule=cosine,warmup=5",
    "adamw:lr=0.01,amsgrad=true",
    "adamax:lr=0.02,weight_decay=0.1",
    "adamax:lr=0.0001,maximize=true",
    "nadam:lr=0.01,momentum_decay=0.01,weight_decay=0.1,decoupled_weight_decay=true",
    "radam:lr=0.01,betas=0.8/0.99,weight_decay=0.1",
    "lion:lr=0.001,weight_decay=0.1",
    "lion:lr=0.001,maximize=true",
    "sgd:lr=0.0005,momentum=0.9,grad_noise=2.0,seed=3",
    "adam:lr=0.01,grad_noise=5.0,seed=4",
    "rprop:lr=0.001,etas=0.3/1.5,step_sizes=0.0001/0.2",
    "rprop:lr=0.001,maximize=true",
    "asgd:lr=0.0005,lambd=0.01,alpha=0.5,t0=20,weight_decay=0.1",
    "asgd:lr=0.002",
    "adam:lr=0.01,clip_grad_norm=1.0",
    "sgd:lr=0.001,momentum=0.9,grad_noise=2.0,seed=5,clip_grad_norm=0.5",
    "sgd_schedulefree:lr=0.001,momentum=0.8,weight_decay=0.1,warmup_steps=20,r=1",
    "adamw_schedulefree:lr=0.01,betas=0.8/0.99,weight_decay=0.1,warmup_steps=10,r=0.5",
    "adamw_schedulefree:lr=0.5",
    "adabelief:lr=0.01,betas=0.8/0.99,eps=1e-12,weight_decay=0.1,fixed_decay=true,ams_bound=true",
    "adabelief:lr=0.01,weight_decay=0.1,weight_decouple=false,rectify=true,n_sma_threshold=8,"
    "degenerated_to_sgd=false",
    "adabelief:lr=0.005,rectify=true,maximize=true",
    "adan:lr=0.005,betas=0.9/0.9,beta3=0.999,eps=1e-6,weight_decay=0.1",
    "adan:lr=0.005,weight_decay=0.1,weight_decouple=true,maximize=true",
    "adopt:lr=0.01,betas=0.8/0.99,eps=1e-4,weight_decay=0.1",
    "adopt:lr=0.01,weight_decay=0.1,weight_decouple=true,fixed_decay=true,clip_lambda=none,"
    "maximize=true",
    "ademamix:lr=0.005,betas=0.8/0.99,beta3=0.999,alpha=2,eps=1e-6,weight_decay=0.1,"
    "t_alpha_beta3=100",
    "ademamix:lr=0.005,weight_decay=0.1,weight_decouple=true,fixed_decay=true,maximize=true",
]


def test_every_option_of_every_kernel_matches_numpy_to_the_last_bit():
    # Rosenbrock is a polynomial and the kernels use the NumPy code's operations in its
    # order, so nothing may differ, not even in the last bit; freezing included (the big
    # steps diverge, the small ones run).
    numpy_run, compiled_run = both("rosenbrock", OPTIONS, starts_over("rosenbrock", 300), 120)
    assert_same(numpy_run, compiled_run)
    assert (compiled_run.status == Status.DIVERGED).any()
    assert (compiled_run.status == Status.RUNNING).any()


def test_the_options_above_cover_every_kernel():
    names = {spec.partition(":")[0] for spec in OPTIONS}
    with_rule = {name for name in optimizer_names() if make_optimizer(name).algorithm.rule}
    assert {get_definition(name).alias_of or name for name in names} == {
        get_definition(name).alias_of or name for name in with_rule
    }


@pytest.mark.parametrize("surface", ["himmelblau", "ackley", "rastrigin", "fog_mountain"])
def test_transcendental_surfaces_agree_to_rounding(surface):
    # exp, sin and cos are libm's in the loop and NumPy's SIMD ones outside: the same to
    # an ulp or two, so the paths agree to rounding and freeze the same walkers.
    numpy_run, compiled_run = both(surface, ["adam:lr=0.05"], starts_over(surface, 64), 40)
    assert_same(numpy_run, compiled_run, rtol=1e-9)


def test_converged_walkers_freeze_and_stop_paying():
    numpy_run, compiled_run = both("booth", ["sgd:lr=0.1"], [(0.0, 0.0), (2.0, 2.0)], 400)
    assert_same(numpy_run, compiled_run, rtol=1e-12)
    assert (compiled_run.status == Status.CONVERGED).all()
    # The start's measurement, then one per step up to the one it converged on.
    assert (compiled_run.result().evaluations() == compiled_run.status_step + 1).all()


def test_a_game_ascends_in_y():
    numpy_run, compiled_run = both(
        "gan_bilinear", ["sgd:lr=0.1", "adam:lr=0.05"], [(1.0, 1.0), (-0.5, 0.3)], 200
    )
    assert_same(numpy_run, compiled_run, rtol=1e-12)


def test_blocks_and_noise_drawn_ahead_in_chunks_change_nothing(monkeypatch):
    # Two whole blocks and a part of one, noise drawn 3 steps a call, walkers diverging.
    walkers = 2 * BLOCK + 37
    monkeypatch.setattr("fogwalk.core.compiled.NOISE_VALUES", 2 * 3 * BLOCK * 3)
    specs = ["rmsprop:lr=0.01,grad_noise=3.0,seed=5", "sgd:lr=0.004,grad_noise=50.0"]
    numpy_run, compiled_run = both("rosenbrock", specs, starts_over("rosenbrock", walkers), 12)
    assert_same(numpy_run, compiled_run)
    assert 0 < (compiled_run.status[1] == Status.DIVERGED).sum() < walkers


def test_chunks_carry_the_state_across():
    # NAdam's momentum product and SGD's first step live between advances.
    specs = ["nadam:lr=0.01", "momentum:lr=0.001"]
    engine = Engine("beale", specs, [(1.0, 1.5), (2.0, 0.0)], 100, compiled=True)
    assert list(engine.chunks(30)) == [30, 60, 90, 100]
    once = Engine("beale", specs, [(1.0, 1.5), (2.0, 0.0)], 100, compiled=True)
    once.advance(100)
    assert_same(once, engine)


def test_a_typed_formula_compiles():
    surface = formula_surface("(x - 1)^2 + 3*sin(y)^2 + abs(x*y)/10")
    assert_same(*both(surface, ["adam:lr=0.05"], starts_over("booth", 32), 50), rtol=1e-9)


@dataclass(frozen=True, eq=False)
class ShiftedBowl(SymbolicSurface):
    """A surface whose NumPy evaluation is not its formula: the compiled one would differ."""

    def value_and_grad(self, x, y):
        f, gx, gy = super().value_and_grad(x, y)
        return f + 1.0, gx, gy


@pytest.mark.parametrize(
    ("surface", "spec", "reason"),
    [
        ("rosenbrock", "linesearch", "has no compiled kernel"),
        (ShiftedBowl("shifted", X**2 + Y**2, (-3, 3, -3, 3)), "adam", "disagrees with NumPy"),
    ],
)
def test_what_it_cannot_run_is_refused_or_left_to_numpy(surface, spec, reason, monkeypatch):
    with pytest.raises(FogwalkError, match=reason):
        Engine(surface, [spec], [(0.5, 0.5)], 10, compiled=True)
    monkeypatch.setattr("fogwalk.core.compiled.AUTO_WORK", 0)  # every run is large
    engine = Engine(surface, [spec], [(0.5, 0.5)], 10)
    assert not engine.compiled
    engine.advance(10)
    assert np.isfinite(engine.xy).all()


def test_a_sampled_grid_is_left_to_numpy(tmp_path):
    path = tmp_path / "bowl.npy"
    grid = np.linspace(-1, 1, 40)
    np.save(path, grid[None, :] ** 2 + grid[:, None] ** 2)
    with pytest.raises(FogwalkError, match="not given by a formula"):
        Engine(str(path), ["adam"], [(5.0, 5.0)], 10, compiled=True)


def test_only_large_runs_compile_on_their_own(monkeypatch):
    assert AUTO_WORK >= 4_000_000  # compiling costs about a second: not for small runs
    monkeypatch.setattr("fogwalk.core.compiled.AUTO_WORK", 2 * 100 * 50)
    assert not Engine("booth", ["adam", "sgd"], np.zeros((99, 2)), 50).compiled
    assert Engine("booth", ["adam", "sgd"], np.zeros((100, 2)), 50).compiled


def test_simulate_takes_the_choice():
    run = simulate("booth", ["adam"], starts=[(1.0, 1.0)], steps=5, compiled=True)
    assert np.isfinite(run.xy).all()


def test_without_numba_it_says_so_and_large_runs_stay_in_numpy(monkeypatch):
    for name in ("numba", "numba.core.errors"):  # as if it were missing: imports fail
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(FogwalkError, match="needs numba"):
        Engine("booth", ["adam"], [(1.0, 1.0)], 10, compiled=True)
    monkeypatch.setattr("fogwalk.core.compiled.AUTO_WORK", 0)
    assert not Engine("booth", ["adam"], [(1.0, 1.0)], 10).compiled


@pytest.mark.parametrize(
    "specs",
    [
        [f"adam:lr={0.002 * (i + 1)},betas={0.5 + 0.05 * i}/0.99,amsgrad={i % 2 == 0}"
         for i in range(SHARED_RULE)],
        [f"sgd:lr=0.0005,momentum={0.1 * i},nesterov={i % 3 == 0 and i > 0},dampening=0"
         for i in range(SHARED_RULE + 1)],
    ],
)  # fmt: skip
def test_configurations_sharing_one_loop_walk_as_numpy(specs) -> None:
    """A sweep's many configurations of one rule read their options at run time."""
    starts = [(-1.5, 2.0), (0.3, -0.4), (1.2, 1.1)]
    compiled = Engine("rosenbrock", specs, starts, 150, compiled=True)
    compiled.advance(150)
    numpy = Engine("rosenbrock", specs, starts, 150, compiled=False)
    numpy.advance(150)
    assert all(c.runtime_options for c in compiled._compiled._optimizers)
    np.testing.assert_allclose(compiled.xy, numpy.xy, rtol=1e-12, atol=1e-14)
