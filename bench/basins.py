"""Basin-map throughput: Adam on Himmelblau, a 1024 x 1024 grid of starts, 500 steps.

Measures, in one run:

- ``fogwalk.core.above.basins.compute_basins`` (chunks of walkers, each a
  compiled engine run reduced to its end, then labelled by where it ended)
  serially in this process, and on an embedded Dask cluster of one and of two
  worker processes (cluster start-up timed apart);
- torch.optim.Adam on one (1M, 2) float64 tensor (when torch is importable),
  autograd on the summed loss, then each end labelled by its nearest minimum:
  the same computation batched as torch users would write it.

Prints walker-steps per second and the ratios; each figure is the median of
several interleaved repetitions.

    python bench/basins.py [--grid N] [--steps N] [--repeat N]
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

from fogwalk.core import session  # noqa: E402
from fogwalk.core.above.basins import compute_basins, grid_nodes  # noqa: E402
from fogwalk.core.distributed import Serial, dask_executor  # noqa: E402

SPEC = "adam:lr=0.05"
MINIMA = np.array(
    [(3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)]
)


def run_fogwalk(scene, grid: int, executor) -> float:
    begin = time.perf_counter()
    bmap = compute_basins(scene, (grid, grid), executor=executor)
    elapsed = time.perf_counter() - begin
    assert (bmap.labels[0] >= 0).mean() > 0.95
    return elapsed


def run_torch(grid: int, steps: int) -> float | None:
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    _, _, starts = grid_nodes((-5, 5, -5, 5), grid, grid)
    begin = time.perf_counter()
    params = torch.tensor(starts, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.Adam([params], lr=0.05)
    for _ in range(steps):
        optimizer.zero_grad()
        x, y = params[:, 0], params[:, 1]
        ((x * x + y - 11) ** 2 + (x + y * y - 7) ** 2).sum().backward()
        optimizer.step()
    ends = params.detach().numpy()
    distance = np.abs(ends[:, None, :] - MINIMA[None]).max(axis=-1)
    labels = np.where(distance.min(axis=1) <= 0.1, distance.argmin(axis=1), -2)
    elapsed = time.perf_counter() - begin
    assert (labels >= 0).mean() > 0.95
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", type=int, default=1024)
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    scene = session.override(session.open_source("himmelblau"), optimizers=[SPEC], steps=args.steps)
    work = args.grid**2 * args.steps
    compute_basins(scene, (16, 16))  # compiles the loop in this process once, before timing
    times: dict[str, list[float]] = {"serial": [], "1 worker": [], "2 workers": [], "torch": []}
    started = {}
    for workers in (1, 2):
        begin = time.perf_counter()
        with dask_executor(workers=workers) as executor:
            started[workers] = time.perf_counter() - begin
            compute_basins(scene, (16, 16), executor=executor)  # each worker compiles once
            for _ in range(args.repeat):
                times[f"{workers} worker{'s' if workers > 1 else ''}"].append(
                    run_fogwalk(scene, args.grid, executor)
                )
    for _ in range(args.repeat):
        times["serial"].append(run_fogwalk(scene, args.grid, Serial()))
        if (elapsed := run_torch(args.grid, args.steps)) is not None:
            times["torch"].append(elapsed)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores; {SPEC} on Himmelblau, "
        f"{args.grid}x{args.grid} walkers x {args.steps} steps, median of {args.repeat}"
    )
    medians = {name: statistics.median(t) for name, t in times.items() if t}
    for name, elapsed in medians.items():
        print(f"  {name:<10} {elapsed:7.2f} s  {work / elapsed / 1e6:7.1f} M walker-steps/s")
    print(f"  (cluster start-up: 1 worker {started[1]:.1f} s, 2 workers {started[2]:.1f} s)")
    print(f"  2 workers / 1 worker = {medians['1 worker'] / medians['2 workers']:.2f}x")
    if "torch" in medians:
        for name in ("serial", "1 worker", "2 workers"):
            print(f"  fogwalk {name} / torch batched = {medians['torch'] / medians[name]:.2f}x")


if __name__ == "__main__":
    main()
