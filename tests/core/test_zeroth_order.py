"""The hikers that only measure the height walk as their references do: Nelder-Mead as
SciPy's, SPSA as noisyopt's, CMA-ES as a plain pycma loop; each pays only for the losses
it measured, as many as the reference's objective was called."""

import inspect
import subprocess
import sys

import numpy as np
import pytest

from fogwalk.core import get_surface, make_optimizer, simulate
from fogwalk.core.engine import Engine, Status
from fogwalk.core.measurements import LOSS
from fogwalk.core.optimizers import get_definition
from fogwalk.core.optimizers.zeroth_order import cma_options, cma_seed, spsa_perturbations
from fogwalk.core.surfaces import formula_surface

scipy_optimize = pytest.importorskip("scipy.optimize", reason="the Nelder-Mead reference")
noisyopt_main = pytest.importorskip("noisyopt.main", reason="the SPSA reference")

from references import STARTS, STEPS  # noqa: E402

ZEROTH = ["nelder_mead", "spsa", "cmaes"]


class Counted:
    """The surface as a reference's objective ``f(x)``, counting its calls; evaluated on
    one-point arrays, as the engine evaluates it."""

    def __init__(self, surface, sign=1.0):
        self.surface, self.sign, self.calls = surface, sign, 0

    def __call__(self, x):
        self.calls += 1
        return self.sign * self.surface.value(np.array([x[0]]), np.array([x[1]]))[0]


def engine_run(surface, spec, starts, steps):
    run = simulate(surface, [spec], starts=starts, steps=steps, gtol=0.0, xtol=0.0)
    assert (run.status != Status.DIVERGED).all(), "every walker stays on the map"
    assert (run.measured()[0, :, :LOSS] == 0).all(), "no gradient measured"
    assert (run.measured()[0, :, LOSS + 1 :] == 0).all(), "no Hessian, no line-search trial"
    return run


def compare(run, w, path, counts):
    """Walker ``w`` follows ``path`` with the cumulative loss ``counts``; where the reference
    stopped, it stands still and measures nothing. A walker that reached the exact minimum
    (slope 0, not moving: gtol=xtol=0) is frozen there by the engine and pays nothing more,
    so the comparison ends at its status step."""
    frozen = int(run.status_step[0, w])
    end = len(path) - 1 if frozen < 0 else min(len(path) - 1, frozen)
    np.testing.assert_allclose(run.xy[: end + 1, 0, w], path[: end + 1], rtol=1e-12, atol=1e-12)
    measured = [int(run.measured(k)[0, w, LOSS]) for k in range(run.steps + 1)]
    assert measured[: end + 1] == counts[: end + 1]
    still = run.xy[end:, 0, w]
    np.testing.assert_array_equal(still, np.broadcast_to(still[0], still.shape))
    assert measured[end:] == [measured[end]] * (run.steps + 1 - end)
    return end


# -- Nelder-Mead against scipy.optimize.minimize(method="Nelder-Mead") ---------------------


def scipy_nelder_mead(surface, start, options):
    f = Counted(surface)
    path, counts = [np.array(start, dtype=float)], [0]

    def callback(intermediate_result):
        path.append(intermediate_result.x.copy())
        counts.append(f.calls)

    # One engine step is one iteration; SciPy's count of iterations starts at 1.
    options = {"maxiter": STEPS + 1, **options}
    scipy_optimize.minimize(f, start, method="Nelder-Mead", callback=callback, options=options)
    return path, counts


@pytest.mark.parametrize("surface_name", sorted(STARTS))
@pytest.mark.parametrize(
    ("spec", "options"),
    [
        ("nelder_mead:xatol=0.0,fatol=0.0", {"xatol": 0, "fatol": 0}),
        (
            "nelder_mead:xatol=0.0,fatol=0.0,adaptive=true",
            {"xatol": 0, "fatol": 0, "adaptive": True},
        ),
        ("nelder_mead", {}),  # SciPy's tolerances: it stops early, and so does the hiker
    ],
)
def test_nelder_mead_matches_scipy(surface_name, spec, options):
    surface = get_surface(surface_name)
    run = engine_run(surface, spec, STARTS[surface_name], STEPS)
    stops = []
    for w, start in enumerate(STARTS[surface_name]):
        path, counts = scipy_nelder_mead(surface, start, options)
        assert compare(run, w, path, counts) > 40
        stops.append(len(path) - 1)
    if "xatol=0.0" not in spec:
        assert max(stops) < STEPS, "the default tolerances stop SciPy within the steps"


def test_nelder_mead_names_and_defaults_are_scipys():
    signature = inspect.signature(scipy_optimize._optimize._minimize_neldermead).parameters
    for hp in get_definition("nelder_mead").params:
        if hp.name != "maximize":
            assert signature[hp.name].default == hp.default, hp.name


# -- SPSA against noisyopt.minimizeSPSA ------------------------------------------------------


class _Draws:
    """noisyopt's ``np.random``: its ``choice([-1, 1], size=2)`` at iteration k yields
    walker ``walker``'s row of FogWalk's documented stream ``spsa_perturbations``."""

    def __init__(self, seed, walker):
        self.seed, self.walker, self.k = seed, walker, 0

    def choice(self, values, size):
        assert list(values) == [-1, 1] and size == 2
        delta = spsa_perturbations(self.seed, self.k, self.walker + 1)[self.walker]
        self.k += 1
        return delta


class _NumPy:
    """NumPy as noisyopt's module sees it, with ``random`` replaced."""

    def __init__(self, random):
        self.random = random

    def __getattr__(self, name):
        return getattr(np, name)


def noisyopt_spsa(surface, start, seed, walker, steps, sign, monkeypatch, **kwargs):
    f = Counted(surface, sign)
    path, counts = [np.array(start, dtype=float)], [0]

    def callback(x):
        path.append(x.copy())
        counts.append(f.calls)

    with monkeypatch.context() as patch:
        patch.setattr(noisyopt_main, "np", _NumPy(_Draws(seed, walker)))
        noisyopt_main.minimizeSPSA(
            f, np.array(start, dtype=float), niter=steps, paired=False, callback=callback,
            **kwargs,
        )  # fmt: skip
    return path, counts


SPSA_CASES = {
    "rosenbrock": [{"a": 0.0005, "c": 0.01}, {"a": 0.001, "c": 0.05, "seed": 3}],
    "himmelblau": [{"a": 0.005, "c": 0.1}, {"a": 0.01, "c": 0.5, "seed": 5}],
    "beale": [{"a": 0.005, "c": 0.05}, {"a": 0.01, "c": 0.1, "alpha": 0.8, "gamma": 0.2}],
}


@pytest.mark.parametrize(
    ("surface_name", "case"),
    [(name, case) for name, cases in SPSA_CASES.items() for case in cases],
)
def test_spsa_matches_noisyopt(surface_name, case, monkeypatch):
    surface = get_surface(surface_name)
    seed = case.get("seed", 0)
    reference = {key: value for key, value in case.items() if key != "seed"}
    # noisyopt's A is 0.01 niter.
    spec = "spsa:" + ",".join(
        f"{key}={value}" for key, value in {**case, "A": 0.01 * STEPS}.items()
    )
    run = engine_run(surface, spec, STARTS[surface_name], STEPS)
    for w, start in enumerate(STARTS[surface_name]):
        path, counts = noisyopt_spsa(surface, start, seed, w, STEPS, 1.0, monkeypatch, **reference)
        compare(run, w, path, counts)
        assert counts == [2 * k for k in range(STEPS + 1)]


def test_spsa_names_and_defaults_are_noisyopts():
    signature = inspect.signature(noisyopt_main.minimizeSPSA).parameters
    for hp in get_definition("spsa").params:
        if hp.name == "A":  # noisyopt's A = 0.01 niter, 1 for its default niter
            assert hp.default == 0.01 * signature["niter"].default
        elif hp.name != "maximize":
            assert signature[hp.name].default == hp.default, hp.name


def test_spsa_streams_belong_to_the_seed_the_step_and_the_walker():
    starts = [(0.5, -0.5)] * 3  # alike, but each walker draws its own directions
    a = simulate("booth", ["spsa:a=0.01,c=0.1,seed=4"], starts=starts, steps=20)
    b = simulate("booth", ["spsa:a=0.01,c=0.1,seed=4"], starts=starts, steps=20)
    c = simulate("booth", ["spsa:a=0.01,c=0.1,seed=5"], starts=starts, steps=20)
    np.testing.assert_array_equal(a.xy, b.xy)
    assert not np.allclose(a.xy[1:], c.xy[1:])
    assert len({tuple(a.xy[5, 0, w]) for w in range(3)}) == 3
    # A walker's row does not depend on how many walkers there are.
    many = spsa_perturbations(7, 3, 1000)
    np.testing.assert_array_equal(many[:10], spsa_perturbations(7, 3, 10))
    assert set(np.unique(many)) == {-1, 1}


# -- CMA-ES against a plain pycma loop -------------------------------------------------------


def pycma_loop(cma, surface, start, sigma0, popsize, seed, generations):
    """pycma as its documentation runs it, seeded with walker ``w``'s seed (NumPy's global
    generator, which pycma seeds itself)."""
    f = Counted(surface)
    options = {**cma_options(popsize), "seed": seed}
    es = cma.CMAEvolutionStrategy(np.array(start, dtype=float), sigma0, options)
    path, counts = [np.array(start, dtype=float)], [0]
    for _ in range(generations):
        if es.stop():
            break
        candidates = es.ask()
        es.tell(candidates, [f(x) for x in candidates])
        path.append(np.array(es.mean))
        counts.append(f.calls)
    return path, counts


CMA_GENERATIONS = 60


@pytest.mark.parametrize("surface_name", sorted(STARTS))
@pytest.mark.parametrize(
    ("spec", "sigma0", "popsize", "seed"),
    [
        ("cmaes", 0.5, 6, 0),
        ("cmaes:sigma0=0.2,popsize=10,seed=3", 0.2, 10, 3),
        ("cmaes:popsize=4,seed=1", 0.5, 4, 1),  # pycma mirrors its samples below 6
    ],
)
def test_cmaes_matches_pycma(surface_name, spec, sigma0, popsize, seed):
    cma = pytest.importorskip("cma", reason="pycma is the optimizer")
    surface = get_surface(surface_name)
    np.random.seed(12345)  # FogWalk's hikers neither read NumPy's global generator ...
    before = np.random.get_state()[1].copy()
    run = engine_run(surface, spec, STARTS[surface_name], CMA_GENERATIONS)
    np.testing.assert_array_equal(np.random.get_state()[1], before)  # ... nor move it
    for w, start in enumerate(STARTS[surface_name]):
        path, counts = pycma_loop(
            cma, surface, start, sigma0, popsize, cma_seed(seed, w), CMA_GENERATIONS
        )
        compare(run, w, path, counts)
        assert counts == [popsize * k for k in range(len(counts))]


def test_cmaes_stops_where_pycma_stops():
    cma = pytest.importorskip("cma", reason="pycma is the optimizer")
    surface = get_surface("himmelblau")
    run = engine_run(surface, "cmaes", STARTS["himmelblau"], STEPS)
    for w, start in enumerate(STARTS["himmelblau"]):
        path, counts = pycma_loop(cma, surface, start, 0.5, 6, cma_seed(0, w), STEPS)
        assert len(path) - 1 < STEPS, "pycma's termination criteria held"
        compare(run, w, path, counts)


def test_cmaes_defaults_are_pycmas_and_its_default_seed_is_fixed():
    cma = pytest.importorskip("cma", reason="pycma is the optimizer")
    definition = get_definition("cmaes")
    assert "sigma0" in inspect.signature(cma.CMAEvolutionStrategy.__init__).parameters
    quiet = {key: value for key, value in cma_options(0).items() if key != "popsize"}
    es = cma.CMAEvolutionStrategy([0.0, 0.0], 0.5, quiet)
    assert definition.param("popsize").default == es.popsize == 6
    assert all(cma_seed(seed, w) > 0 for seed in range(5) for w in range(5))
    a = simulate("himmelblau", ["cmaes"], starts=[(0.0, 0.0)], steps=10)
    b = simulate("himmelblau", ["cmaes"], starts=[(0.0, 0.0)], steps=10)
    c = simulate("himmelblau", ["cmaes:seed=1"], starts=[(0.0, 0.0)], steps=10)
    np.testing.assert_array_equal(a.xy, b.xy)
    assert not np.allclose(a.xy[1:], c.xy[1:])


# -- all three ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spec", ["nelder_mead:xatol=0.0,fatol=0.0", "spsa:a=0.01,c=0.1", "cmaes:seed=2"]
)
def test_maximize_minimizes_the_negated_loss(spec):
    bowl = formula_surface("(x - 1)^2 + 2*(y + 0.5)^2")
    cap = formula_surface("-((x - 1)^2 + 2*(y + 0.5)^2)")
    starts = [(-2.0, 1.5), (0.5, 2.0)]
    down = simulate(bowl, [spec], starts=starts, steps=40, gtol=0.0, xtol=0.0)
    up = simulate(cap, [spec + ",maximize=true"], starts=starts, steps=40, gtol=0.0, xtol=0.0)
    np.testing.assert_allclose(up.xy, down.xy, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(up.measured(), down.measured())


@pytest.mark.parametrize("name", ZEROTH)
def test_zeroth_order_hikers_have_no_learning_rate(name):
    definition = get_definition(name)
    assert definition.zeroth_order
    assert "lr" not in make_optimizer(name).hyper


def test_fogwalk_imports_without_pycma():
    code = (
        "import sys; sys.modules['cma'] = None\n"  # an import of cma now fails
        "import fogwalk, fogwalk.core\n"
        "from fogwalk.core import make_optimizer, simulate\n"
        "simulate('booth', ['nelder_mead', 'spsa'], steps=3)\n"
        "try:\n"
        "    make_optimizer('cmaes')\n"
        "except ImportError:\n"
        "    print('cmaes needs cma')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "cmaes needs cma"


def test_nelder_mead_walkers_do_not_depend_on_the_blocks():
    starts = np.random.default_rng(1).uniform(-4, 4, size=(300, 2))
    whole = Engine("himmelblau", ["nelder_mead"], starts, 30, block=100_000)
    split = Engine("himmelblau", ["nelder_mead"], starts, 30, block=97)
    whole.advance(30)
    split.advance(30)
    np.testing.assert_array_equal(whole.xy, split.xy)
    np.testing.assert_array_equal(whole.result().measured(), split.result().measured())
