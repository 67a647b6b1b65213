"""Engine throughput: Adam on Rosenbrock, 65,536 walkers x 200 steps, one thread.

Measures, in one run:

- FogWalk's engine (positions, losses and gradients of every step recorded),
  with its compiled loop (what ``simulate`` uses for large runs; the one-off
  compilation is timed apart) and with its NumPy lanes;
- ``torch.optim.Adam`` on a single (65536, 2) float64 tensor (when torch is
  importable), driven as torch.optim is meant to be: the loss summed,
  ``backward()``, ``step()``, ``zero_grad()``;
- the same optimizer fed a hand-written analytic gradient under ``no_grad``
  (torch's fastest way to run this), and that loop also keeping every step's
  position, loss and gradient as the engine does;
- the walk a basin map or a sweep runs, which keeps no per-step records, only
  how each walker ended (``fogwalk.core.compiled.ends``), and the same ends
  reduced from the records, as they were before;
- the arithmetic limit: the same Adam and Rosenbrock written as one bare
  numba loop over planar arrays (no status, no freezing, nothing kept), the
  fastest this machine computes these formulas exactly (IEEE, no fused
  multiply-add);
- a plain-Python loop over one walker;

and prints walker-steps per second with the ratios, and what a new process's
first compiled run costs: with numba's cache empty (a fresh install) and with
the loop on disk (every later process, each Dask worker). Each figure is the median
of several interleaved repetitions. Before every timed run, each contender's
alike, the bench touches and frees as much fresh memory as the engine
records: on the virtual machines this runs on, the first touch of memory
freed a moment earlier is sometimes 4x slower (the host takes freed pages
back), a cost that otherwise falls on whichever run comes next.

    python bench/engine.py [--walkers N] [--steps N] [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

# One thread for every library, set before NumPy or torch load their BLAS.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

import fogwalk  # noqa: E402

LR = 0.01


def starts(walkers: int) -> np.ndarray:
    rng = np.random.default_rng(0)
    return np.column_stack([rng.uniform(-2, 2, walkers), rng.uniform(-1, 3, walkers)])


def run_fogwalk(points: np.ndarray, steps: int, compiled: bool) -> float:
    begin = time.perf_counter()
    run = fogwalk.simulate(
        "rosenbrock", [f"adam:lr={LR}"], starts=points, steps=steps, compiled=compiled
    )
    elapsed = time.perf_counter() - begin
    assert run.xy.shape == (steps + 1, 1, len(points), 2)
    return elapsed


def run_ends(points: np.ndarray, steps: int, records: bool = False) -> float:
    """The walk of a basin map's chunk, each walker reduced to its end (see
    fogwalk.core.above): without records, or recorded and then reduced (as before); the
    tolerance is a basin map's default, 1 % of the domain's longer side."""
    from fogwalk.core.above.walks import Walks, walk

    chunk = Walks("rosenbrock", None, None, (f"adam:lr={LR}",), points, steps, 0, 0.04)
    begin = time.perf_counter()
    ends = walk(chunk, records=records)
    elapsed = time.perf_counter() - begin
    assert ends.xy.shape == (1, len(points), 2)
    return elapsed


def bare_loop():
    """Adam on Rosenbrock as one bare numba loop: the arithmetic limit (compiled on first use)."""
    from numba import njit

    @njit(error_model="numpy")
    def walk(px, py, steps, lr, beta1, beta2, eps):
        n = px.shape[0]
        m, v = np.zeros((2, n)), np.zeros((2, n))
        gx, gy = np.empty(n), np.empty(n)
        for j in range(n):
            inner = py[j] - px[j] * px[j]
            gx[j], gy[j] = -2 * (1 - px[j]) - 400 * px[j] * inner, 200 * inner
        for t in range(1, steps + 1):
            step_size, root = lr / (1 - beta1**t), np.sqrt(1 - beta2**t)
            for j in range(n):
                m0 = m[0, j] + (gx[j] - m[0, j]) * (1 - beta1)
                m1 = m[1, j] + (gy[j] - m[1, j]) * (1 - beta1)
                v0 = v[0, j] * beta2 + (1 - beta2) * gx[j] * gx[j]
                v1 = v[1, j] * beta2 + (1 - beta2) * gy[j] * gy[j]
                m[0, j], m[1, j], v[0, j], v[1, j] = m0, m1, v0, v1
                x = px[j] - step_size * m0 / (np.sqrt(v0) / root + eps)
                y = py[j] - step_size * m1 / (np.sqrt(v1) / root + eps)
                inner = y - x * x
                px[j], py[j] = x, y
                gx[j], gy[j] = -2 * (1 - x) - 400 * x * inner, 200 * inner

    return walk


def run_bare(walk, points: np.ndarray, steps: int) -> float:
    """The bare loop over blocks of 4096 walkers (as the engine's), so that they stay in cache."""
    begin = time.perf_counter()
    for lo in range(0, len(points), 4096):
        block = points[lo : lo + 4096]
        walk(block[:, 0].copy(), block[:, 1].copy(), steps, LR, 0.9, 0.999, 1e-8)
    return time.perf_counter() - begin


def torch_adam(points: np.ndarray):
    """(torch, params, torch.optim.Adam) on one thread, or None when torch is missing."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    params = torch.tensor(points, dtype=torch.float64, requires_grad=True)
    return torch, params, torch.optim.Adam([params], lr=LR)


def run_torch(points: np.ndarray, steps: int) -> float | None:
    """torch.optim.Adam as a training loop drives it: autograd computes the gradient."""
    if (setup := torch_adam(points)) is None:
        return None
    _, params, optimizer = setup
    begin = time.perf_counter()
    for _ in range(steps):
        optimizer.zero_grad()
        x, y = params[:, 0], params[:, 1]
        ((1 - x) ** 2 + 100 * (y - x * x) ** 2).sum().backward()
        optimizer.step()
    return time.perf_counter() - begin


def run_torch_analytic(points: np.ndarray, steps: int) -> float | None:
    """torch.optim.Adam fed the analytic gradient under no_grad: no autograd at all."""
    if (setup := torch_adam(points)) is None:
        return None
    torch, params, optimizer = setup
    begin = time.perf_counter()
    with torch.no_grad():
        for _ in range(steps):
            x, y = params[:, 0], params[:, 1]
            inner = y - x * x
            params.grad = torch.stack([-2 * (1 - x) - 400 * x * inner, 200 * inner], dim=1)
            optimizer.step()
    return time.perf_counter() - begin


def run_torch_recording(points: np.ndarray, steps: int) -> float | None:
    """The analytic-gradient loop also keeping every position, loss and gradient, as the engine
    does."""
    if (setup := torch_adam(points)) is None:
        return None
    torch, params, optimizer = setup
    begin = time.perf_counter()
    xy = torch.empty((steps + 1, *points.shape), dtype=torch.float64)
    loss = torch.empty((steps + 1, len(points)), dtype=torch.float64)
    grad = torch.empty((steps + 1, *points.shape), dtype=torch.float64)
    with torch.no_grad():
        for t in range(steps + 1):
            x, y = params[:, 0], params[:, 1]
            inner = y - x * x
            xy[t] = params
            loss[t] = (1 - x) ** 2 + 100 * inner * inner
            grad[t, :, 0] = -2 * (1 - x) - 400 * x * inner
            grad[t, :, 1] = 200 * inner
            if t < steps:
                params.grad = grad[t].clone()
                optimizer.step()
    return time.perf_counter() - begin


FIRST_RUN = (
    "import fogwalk; fogwalk.simulate('rosenbrock', ['adam:lr=0.01'], starts=[(-1.5, 2.0)], "
    "steps=1, compiled=True)"
)


def first_run_seconds(cache: str) -> float:
    """A new process importing fogwalk and running one compiled step, numba's cache in
    ``cache``: the whole process, interpreter start included."""
    begin = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", FIRST_RUN], env={**os.environ, "NUMBA_CACHE_DIR": cache}, check=True
    )
    return time.perf_counter() - begin


def settle_memory(walkers: int, steps: int) -> None:
    """Touch and free what the engine will record, so that every run starts alike."""
    records = np.ones((steps + 1, walkers, 5))
    del records


def run_python(steps: int) -> float:
    """Plain Python, one walker: the loop a reader might write first."""
    x, y = -1.5, 2.0
    m, v = [0.0, 0.0], [0.0, 0.0]
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    begin = time.perf_counter()
    for t in range(1, steps + 1):
        inner = y - x * x
        grad = (-2 * (1 - x) - 400 * x * inner, 200 * inner)
        for i in range(2):
            m[i] = beta1 * m[i] + (1 - beta1) * grad[i]
            v[i] = beta2 * v[i] + (1 - beta2) * grad[i] ** 2
        step = [
            LR / (1 - beta1**t) * m[i] / ((v[i] / (1 - beta2**t)) ** 0.5 + eps) for i in range(2)
        ]
        x, y = x - step[0], y - step[1]
    return time.perf_counter() - begin


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--walkers", type=int, default=65536)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    points = starts(args.walkers)
    work = args.walkers * args.steps
    fogwalk.get_surface("rosenbrock").value_and_grad(points[:4, 0], points[:4, 1])  # lambdify once
    begin = time.perf_counter()
    run_fogwalk(points[:1], 1, compiled=True)
    compile_seconds = time.perf_counter() - begin
    run_ends(points[:64], 2)  # compiles the walk without records
    bare = bare_loop()
    run_bare(bare, points[:64], 2)

    runs = {
        "fogwalk": lambda: run_fogwalk(points, args.steps, compiled=True),
        "fogwalk_numpy": lambda: run_fogwalk(points, args.steps, compiled=False),
        "fogwalk_ends": lambda: run_ends(points, args.steps),
        "fogwalk_recorded_ends": lambda: run_ends(points, args.steps, records=True),
        "bare_loop": lambda: run_bare(bare, points, args.steps),
        "torch": lambda: run_torch(points, args.steps),
        "torch_analytic": lambda: run_torch_analytic(points, args.steps),
        "torch_recording": lambda: run_torch_recording(points, args.steps),
    }
    timings: dict[str, list[float]] = {name: [] for name in [*runs, "python"]}
    for _ in range(args.repeat):  # interleaved, so that machine noise hits all alike
        for name, run in runs.items():
            settle_memory(args.walkers, args.steps)
            if (elapsed := run()) is not None:
                timings[name].append(elapsed)
        timings["python"].append(run_python(20_000) * args.steps / 20_000)

    rate = {name: work / statistics.median(times) for name, times in timings.items() if times}
    rate["python"] = args.steps / statistics.median(timings["python"])
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"numpy {np.__version__}; Adam on Rosenbrock, {args.walkers} walkers x {args.steps} "
        f"steps, median of {args.repeat}"
    )
    for name, value in rate.items():
        print(f"  {name:22s} {value / 1e6:8.2f} M walker-steps/s")
    print(f"  (compiling the loop once, before the runs: {compile_seconds:.2f} s)")
    with tempfile.TemporaryDirectory() as cache:
        fresh = first_run_seconds(cache)
        on_disk = statistics.median(first_run_seconds(cache) for _ in range(3))
    print(
        f"  a new process's first compiled run: {fresh:.2f} s with numba's cache empty, "
        f"{on_disk:.2f} s with the loop on disk"
    )
    default = fogwalk.Engine("rosenbrock", [f"adam:lr={LR}"], points, args.steps)
    print(f"  the default call (compiled=None) of this size compiles: {default.compiled}")
    if "torch" in rate:
        print(f"  fogwalk / torch  = {rate['fogwalk'] / rate['torch']:.2f}x  (target >= 1.5x)")
        for name, what in [
            ("torch_analytic", "torch fed the analytic gradient"),
            ("torch_recording", "that torch loop keeping every step as the engine does"),
        ]:
            print(f"  fogwalk / {what} = {rate['fogwalk'] / rate[name]:.2f}x")
        print(f"  fogwalk's NumPy lanes / torch = {rate['fogwalk_numpy'] / rate['torch']:.2f}x")
    print(f"  fogwalk / python = {rate['fogwalk'] / rate['python']:.1f}x")
    print(
        f"  without records: {rate['fogwalk_ends'] / 1e6:.0f} M walker-steps/s (target >= 200 M), "
        f"{rate['fogwalk_ends'] / rate['bare_loop']:.2f} of the bare loop's "
        f"{rate['bare_loop'] / 1e6:.0f} M; "
        f"{rate['fogwalk_ends'] / rate['fogwalk_recorded_ends']:.2f}x the same ends from records"
    )


if __name__ == "__main__":
    main()
