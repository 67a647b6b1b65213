"""L-BFGS throughput: FogWalk's per-walker port against torch.optim.LBFGS, one thread.

torch's LBFGS optimises one parameter vector, so a walk of many independent
walkers is one LBFGS per walker (its history and line search are per
problem). Both run the same walkers on Rosenbrock for the same steps, with and
without ``line_search_fn="strong_wolfe"``; FogWalk measures all the walkers'
pending points in one call of the surface. Prints walker-steps per second, the
ratio, and the evaluations each paid (FogWalk's fewer where a walker left the
map and was frozen, which torch cannot know). Medians of
``--repeat`` interleaved runs.

    python bench/lbfgs.py [--walkers N] [--steps N] [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

import fogwalk  # noqa: E402
from fogwalk.core import get_surface  # noqa: E402


def starts(walkers: int) -> np.ndarray:
    rng = np.random.default_rng(0)
    return np.column_stack([rng.uniform(-2, 2, walkers), rng.uniform(-1, 3, walkers)])


def run_fogwalk(points: np.ndarray, steps: int, spec: str) -> tuple[float, int]:
    begin = time.perf_counter()
    run = fogwalk.simulate("rosenbrock", [spec], starts=points, steps=steps, gtol=0.0, xtol=0.0)
    return time.perf_counter() - begin, int(run.evaluations().sum())


def run_torch(points: np.ndarray, steps: int, kwargs: dict) -> tuple[float, int]:
    import torch

    surface = get_surface("rosenbrock")
    calls = 0
    begin = time.perf_counter()
    for start in points:
        params = torch.tensor(start, dtype=torch.float64, requires_grad=True)
        optimizer = torch.optim.LBFGS([params], **kwargs)

        def closure(params=params):
            nonlocal calls
            calls += 1
            x, y = params.detach().numpy()
            f, gx, gy = surface.value_and_grad(np.array([x]), np.array([y]))
            params.grad = torch.tensor([gx[0], gy[0]], dtype=torch.float64)
            return float(f[0])

        for _ in range(steps):
            optimizer.step(closure)
    # The engine also measures each walker's last point: one more evaluation each.
    return time.perf_counter() - begin, calls + len(points)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--walkers", type=int, default=256)
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    points = starts(args.walkers)
    work = args.walkers * args.steps
    print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"{args.walkers} walkers x {args.steps} steps, median of {args.repeat}"
    )
    for label, spec, kwargs in [
        ("lbfgs lr=0.1", "lbfgs:lr=0.1", {"lr": 0.1}),
        (
            "lbfgs strong_wolfe",
            "lbfgs:line_search_fn=strong_wolfe",
            {"line_search_fn": "strong_wolfe"},
        ),
    ]:
        ours, theirs = [], []
        for _ in range(args.repeat):
            seconds, our_evals = run_fogwalk(points, args.steps, spec)
            ours.append(seconds)
            seconds, their_evals = run_torch(points, args.steps, kwargs)
            theirs.append(seconds)
        a, b = statistics.median(ours), statistics.median(theirs)
        print(
            f"{label:20s} FogWalk {work / a:10,.0f} walker-steps/s   torch.optim.LBFGS "
            f"{work / b:10,.0f}   ratio {b / a:5.2f}x   evaluations {our_evals:,} / {their_evals:,}"
        )


if __name__ == "__main__":
    main()
