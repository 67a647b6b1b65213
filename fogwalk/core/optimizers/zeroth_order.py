"""Hikers that only measure the height: Nelder-Mead, SPSA and CMA-ES.

Each is registered ``zeroth_order``: the engine hands it no gradient worth using (it is
ignored here) and charges nothing for arriving at a point, not even the loss there
(``probe.loss`` is measured for the picture, unpaid, so it is not read either). Every
loss a method needs it measures through ``probe.value``, one loss per walker asked.
With ``maximize`` each measures ``-f``.

The random ones draw from per-walker streams: walker ``w`` is the ``w``-th row of the
walkers the update is handed, which is its index in the run as long as the run fits
one of the engine's blocks (8192 walkers by default).
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from .common import MAXIMIZE, NOISE_GROUP
from .hyper import HyperParam
from .registry import Algorithm, register

if TYPE_CHECKING:
    from ..probe import Probe

N = 2  # the dimension of a hiker's point

# SciPy's initial simplex: each coordinate in turn moved by 5 %, or to 0.00025 from 0.
NONZDELT, ZDELT = 0.05, 0.00025


def _measure(probe: Probe, points: np.ndarray, rows: np.ndarray | None, sign: float) -> np.ndarray:
    """``sign * f`` at ``points``, one loss paid by each walker of ``rows`` (None: all)."""
    if rows is not None and rows.size == 0:
        return np.empty(0)
    return sign * probe.value(points, rows)


class NelderMeadState(NamedTuple):
    sim: np.ndarray  # (walkers, 3, 2): the simplex, its best vertex first
    fsim: np.ndarray | None  # (walkers, 3): its measured losses; None before the first step
    done: np.ndarray  # (walkers,): SciPy's termination test held; the walker stands still


def _sort(sim: np.ndarray, fsim: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """SciPy's ``ind = np.argsort(fsim); np.take(..., ind, 0)``, one walker per row."""
    ind = np.argsort(fsim, axis=1)
    return np.take_along_axis(sim, ind[:, :, None], 1), np.take_along_axis(fsim, ind, 1)


@register(
    "nelder_mead",
    params=(
        HyperParam(
            "xatol",
            1e-4,
            low=0.0,
            log=True,
            ui_range=(1e-12, 1.0),
            help="stop once every vertex lies within this of the best one (and fatol holds)",
        ),
        HyperParam(
            "fatol",
            1e-4,
            low=0.0,
            log=True,
            ui_range=(1e-12, 1.0),
            help="stop once every vertex's loss lies within this of the best (and xatol holds)",
        ),
        HyperParam(
            "adaptive",
            False,
            kind="bool",
            help="Gao & Han's dimension-adapted coefficients (in 2-D the same as the standard)",
        ),
        MAXIMIZE,
    ),
    summary="a triangle of measured points that reflects, expands, contracts and shrinks downhill",
    source="Nelder & Mead (1965), A Simplex Method for Function Minimization; SciPy 1.17, "
    "scipy.optimize.minimize(method='Nelder-Mead'); adaptive: Gao & Han (2012)",
    zeroth_order=True,
)
def nelder_mead(h: Mapping[str, Any]) -> Algorithm:
    r"""Nelder-Mead, SciPy's ``_minimize_neldermead`` step for step: one step, one iteration.

    The first step also measures the initial simplex (3 losses). An iteration
    measures 1 loss (a reflection kept), 2 (an expansion or a contraction tried)
    or 4 (a shrink: the contraction failed, and two vertices are measured anew).
    Once SciPy would stop (every vertex within ``xatol`` of the best and every
    loss within ``fatol``), the walker stands still and measures nothing. The
    hiker stands at the simplex's best vertex, the point SciPy's callback reports.

    .. code-block:: text

        first step: S <- (x0, x0 + 0.05 x0[0] e0, x0 + 0.05 x0[1] e1)  (0.00025 e_i where
                    x0[i] = 0);  f_i <- f(S_i);  sort S by f, best first
        every step, unless max |S_i - S_0| <= xatol and max |f_i - f_0| <= fatol:
            xbar <- (S_0 + S_1) / 2;  xr <- (1 + rho) xbar - rho S_2;  fr <- f(xr)
            if fr < f_0:    xe <- (1 + rho chi) xbar - rho chi S_2
                            S_2 <- xe if f(xe) < fr else xr
            elif fr < f_1:  S_2 <- xr
            elif fr < f_2:  xc <- (1 + psi rho) xbar - psi rho S_2
                            S_2 <- xc if f(xc) <= fr else shrink
            else:           xcc <- (1 - psi) xbar + psi S_2
                            S_2 <- xcc if f(xcc) < f_2 else shrink
            shrink: S_i <- S_0 + sigma (S_i - S_0), f_i <- f(S_i) for i = 1, 2
            sort S by f (np.argsort, as SciPy); the hiker stands at S_0
        rho, chi, psi, sigma = 1, 2, 1/2, 1/2; adaptive: 1, 1 + 2/n, 3/4 - 1/(2n), 1 - 1/n,
        which for n = 2 are the same numbers
    """
    sign = -1.0 if h["maximize"] else 1.0
    if h["adaptive"]:
        dim = float(N)
        rho, chi, psi, sigma = 1, 1 + 2 / dim, 0.75 - 1 / (2 * dim), 1 - 1 / dim
    else:
        rho, chi, psi, sigma = 1, 2, 0.5, 0.5

    def init(params: np.ndarray) -> NelderMeadState:
        sim = np.repeat(params[:, None, :], N + 1, axis=1)
        for k in range(N):
            y = params[:, k]
            sim[:, k + 1, k] = np.where(y != 0, (1 + NONZDELT) * y, ZDELT)
        return NelderMeadState(sim, None, np.zeros(len(params), dtype=bool))

    def update(grad, state, params, lr, step, probe):
        sim = state.sim.copy()
        if state.fsim is None:
            fsim = np.stack([_measure(probe, sim[:, k], None, sign) for k in range(N + 1)], 1)
            sim, fsim = _sort(*_sort(sim, fsim))  # SciPy sorts twice before its loop
        else:
            fsim = state.fsim.copy()
        spread = np.abs(sim[:, 1:] - sim[:, :1]).max(axis=(1, 2))
        done = state.done | (
            (spread <= h["xatol"]) & (np.abs(fsim[:, :1] - fsim[:, 1:]).max(axis=1) <= h["fatol"])
        )
        rows = np.flatnonzero(~done)
        s, fs = sim[rows], fsim[rows]
        xbar = np.add.reduce(s[:, :-1], 1) / N
        worst = s[:, -1]
        xr = (1 + rho) * xbar - rho * worst
        fxr = _measure(probe, xr, rows, sign)
        new, fnew = xr.copy(), fxr.copy()  # the worst vertex's replacement, where kept

        expand = fxr < fs[:, 0]
        xe = (1 + rho * chi) * xbar[expand] - rho * chi * worst[expand]
        fxe = _measure(probe, xe, rows[expand], sign)
        better = fxe < fxr[expand]
        new[expand] = np.where(better[:, None], xe, xr[expand])
        fnew[expand] = np.where(better, fxe, fxr[expand])

        contract = ~expand & ~(fxr < fs[:, -2])
        outside = fxr < fs[:, -1]
        xc = (1 + psi * rho) * xbar - psi * rho * worst
        xcc = (1 - psi) * xbar + psi * worst
        point = np.where(outside[:, None], xc, xcc)[contract]
        fpoint = _measure(probe, point, rows[contract], sign)
        accepted = np.where(outside[contract], fpoint <= fxr[contract], fpoint < fs[contract, -1])
        new[contract], fnew[contract] = point, fpoint
        shrink = np.zeros_like(contract)
        shrink[contract] = ~accepted

        keep = ~shrink
        s[keep, -1], fs[keep, -1] = new[keep], fnew[keep]
        for j in range(1, N + 1):
            s[shrink, j] = s[shrink, 0] + sigma * (s[shrink, j] - s[shrink, 0])
            fs[shrink, j] = _measure(probe, s[shrink, j], rows[shrink], sign)
        sim[rows], fsim[rows] = _sort(s, fs)
        return sim[:, 0].copy(), NelderMeadState(sim, fsim, done)

    return Algorithm(init, update)


def spsa_perturbations(seed: int, step: int, walkers: int, first: int = 0) -> np.ndarray:
    """SPSA's directions at ``step`` for walkers ``first`` to ``first + walkers - 1``:
    ``(walkers, 2)`` of -1 and +1.

    Walker ``w`` gets row ``w % GROUP`` of ``np.random.default_rng([seed, step, w //
    GROUP]).choice([-1, 1], size=(GROUP, 2))`` for groups of :data:`NOISE_GROUP`
    walkers: a row depends only on the seed, the step and the walker, not on how
    the walkers are split into blocks or chunks.
    """
    groups = range(first // NOISE_GROUP, -(-(first + walkers) // NOISE_GROUP))
    drawn = [
        np.random.default_rng([seed, step, group]).choice([-1, 1], size=(NOISE_GROUP, N))
        for group in groups
    ]
    skip = first - groups.start * NOISE_GROUP
    return np.concatenate(drawn or [np.zeros((0, N), dtype=int)])[skip : skip + walkers]


class Stateless(NamedTuple):
    pass


@register(
    "spsa",
    params=(
        HyperParam(
            "a",
            1.0,
            low=0.0,
            low_open=True,
            log=True,
            ui_range=(1e-5, 10.0),
            help="scale of the step size a_k = a / (k + 1 + A)^alpha",
        ),
        HyperParam(
            "alpha",
            0.602,
            low=0.0,
            ui_range=(0.0, 1.0),
            help="decay exponent of the step size (Spall's practical 0.602; 1 is asymptotically "
            "optimal)",
        ),
        HyperParam(
            "c",
            1.0,
            low=0.0,
            low_open=True,
            log=True,
            ui_range=(1e-5, 10.0),
            help="scale of the perturbation c_k = c / (k + 1)^gamma",
        ),
        HyperParam(
            "gamma",
            0.101,
            low=0.0,
            ui_range=(0.0, 0.5),
            help="decay exponent of the perturbation (Spall's practical 0.101; 1/6 asymptotically)",
        ),
        HyperParam(
            "A",
            1.0,
            low=0.0,
            ui_range=(0.0, 100.0),
            help="stability constant of the step size; noisyopt sets 0.01 niter (1 for its "
            "default 100 iterations), Spall suggests about 10 % of the steps",
        ),
        MAXIMIZE,
    ),
    summary="a slope guessed from two losses along one random +-1 direction per step",
    source="Spall (1992), Multivariate Stochastic Approximation Using a Simultaneous "
    "Perturbation Gradient Approximation; Spall (1998), Implementation of the Simultaneous "
    "Perturbation Algorithm for Stochastic Optimization; noisyopt 0.2.3, minimizeSPSA",
    zeroth_order=True,
)
def spsa(h: Mapping[str, Any]) -> Algorithm:
    r"""Simultaneous perturbation stochastic approximation: two losses per step.

    noisyopt's ``minimizeSPSA`` (``paired=False``, no bounds) step for step, its
    ``A = 0.01 niter`` a parameter here (the engine knows no number of steps). The
    directions are :func:`spsa_perturbations` ``(seed, k)``, row ``w`` for walker
    ``w``, where noisyopt draws ``np.random.choice([-1, 1], size=2)``.

    .. code-block:: text

        for k = 0, 1, ...
            a_k <- a / (k + 1 + A)^alpha;  c_k <- c / (k + 1)^gamma
            Delta_k <- -1 or +1 in each coordinate, with probability 1/2 each
            g_k <- (f(theta + c_k Delta_k) - f(theta - c_k Delta_k)) / (2 c_k Delta_k)
            theta <- theta - a_k g_k
    """
    sign = -1.0 if h["maximize"] else 1.0

    def init(params: np.ndarray) -> Stateless:
        return Stateless()

    def update(grad, state, params, lr, step, probe):
        ak = h["a"] / (step + 1.0 + h["A"]) ** h["alpha"]
        ck = h["c"] / (step + 1.0) ** h["gamma"]
        delta = spsa_perturbations(h["seed"], step, len(params), probe.first)
        plus = _measure(probe, params + ck * delta, None, sign)
        minus = _measure(probe, params - ck * delta, None, sign)
        g = (plus - minus)[:, None] / (2 * ck * delta)
        return params - ak * g, state

    return Algorithm(init, update)


def cma_seed(seed: int, walker: int) -> int:
    """The seed of walker ``walker``'s normal draws: a nonzero 32-bit number from
    ``np.random.SeedSequence([seed, walker])`` (pycma reads a seed of 0 as "the time")."""
    return int(np.random.SeedSequence([seed, walker]).generate_state(1)[0]) or 1


class _Randn:
    """pycma's ``randn(lam, n)`` from a private ``RandomState``: the very numbers pycma
    draws from ``np.random`` after seeding it, without touching the global state; a deep
    copy of a strategy copies its generator with it."""

    def __init__(self, seed: int) -> None:
        self.random = np.random.RandomState(seed)

    def __call__(self, *shape: int) -> np.ndarray:
        return self.random.randn(*shape)


def _import_cma() -> Any:
    with warnings.catch_warnings():  # pycma warns when it finds no matplotlib
        warnings.simplefilter("ignore")
        import cma
    return cma


def cma_options(popsize: int) -> dict[str, Any]:
    """The options every strategy gets: the population, and no output (no prints, no files)."""
    return {"popsize": popsize, "verbose": -9, "verb_log": 0, "verb_disp": 0}


class CmaState(NamedTuple):
    strategies: tuple[Any, ...]  # one cma.CMAEvolutionStrategy per walker, never mutated
    stopped: np.ndarray  # (walkers,): pycma's termination criteria held; standing still


@register(
    "cmaes",
    params=(
        HyperParam(
            "sigma0",
            0.5,
            low=0.0,
            low_open=True,
            log=True,
            ui_range=(1e-3, 10.0),
            help="initial step size: the spread of the first candidates",
        ),
        HyperParam(
            "popsize",
            6,
            kind="int",
            low=2,
            ui_range=(2, 50),
            help="candidates measured per step (pycma's default 4 + floor(3 ln 2) = 6 in 2-D)",
        ),
        MAXIMIZE,
    ),
    summary="a Gaussian cloud of candidates whose mean, size and shape follow the best of them",
    source="Hansen & Ostermeier (2001), Completely Derandomized Self-Adaptation in Evolution "
    "Strategies; Hansen (2016), The CMA Evolution Strategy: A Tutorial; pycma 4.5.0, "
    "cma.CMAEvolutionStrategy",
    zeroth_order=True,
)
def cmaes(h: Mapping[str, Any]) -> Algorithm:
    r"""CMA-ES through pycma: one ``CMAEvolutionStrategy`` per walker, one generation a step.

    A step measures ``popsize`` losses (``ask``, then ``tell``); the hiker stands
    at the distribution's mean ``es.mean``, which is never measured itself (it
    moves smoothly, where the best candidate so far jumps). Once pycma's own
    termination criteria hold (``es.stop()``, checked before each generation as
    pycma's loop does), the walker stands still and measures nothing. Walker
    ``w``'s normal draws are those of ``np.random.RandomState(cma_seed(seed, w))``:
    what pycma draws when given that seed, but from a generator of the walker's own
    (pycma would use NumPy's global one, shared by every walker and never undone).

    .. code-block:: text

        m <- x0;  sigma <- sigma0;  C <- I;  p_sigma, p_c <- 0
        every step (a generation), until es.stop():
            x_i <- m + sigma N(0, C), i = 1 .. popsize;  f_i <- f(x_i)
            m <- the weighted mean of the best half of the x_i
            p_sigma, p_c <- paths of the mean's moves;  C <- rank-one + rank-mu update
            sigma <- sigma exp((c_sigma / d_sigma) (|p_sigma| / E|N(0, I)| - 1))
        the hiker stands at m
    """
    cma = _import_cma()
    sign = -1.0 if h["maximize"] else 1.0
    popsize = h["popsize"]

    def strategy(x0: np.ndarray, walker: int) -> Any:
        seeded = {"seed": np.nan, "randn": _Randn(cma_seed(h["seed"], walker))}
        return cma.CMAEvolutionStrategy(np.array(x0), h["sigma0"], cma_options(popsize) | seeded)

    def init(params: np.ndarray) -> CmaState:
        # The strategies are made at the first step, where the probe says which walkers
        # (run-wide) these are: their seeds are keyed on that.
        return CmaState((), np.zeros(len(params), dtype=bool))

    def update(grad, state, params, lr, step, probe):
        strategies, stopped = list(state.strategies), state.stopped.copy()
        if not strategies:
            strategies = [strategy(x0, probe.first + w) for w, x0 in enumerate(params)]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for w in np.flatnonzero(~stopped):
                strategies[w] = copy.deepcopy(strategies[w])
                stopped[w] = bool(strategies[w].stop())
            rows = np.flatnonzero(~stopped)
            asked = [strategies[w].ask() for w in rows]
            losses = np.empty((len(rows), popsize))
            for j in range(popsize):
                points = np.array([candidates[j] for candidates in asked]).reshape(-1, N)
                losses[:, j] = _measure(probe, points, rows, sign)
            for w, candidates, values in zip(rows, asked, losses, strict=True):
                strategies[w].tell(candidates, values.tolist())
        means = np.array([es.mean for es in strategies], dtype=float).reshape(-1, N)
        return means, CmaState(tuple(strategies), stopped)

    return Algorithm(init, update)
