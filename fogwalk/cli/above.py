"""The commands from above the fog: ``fogwalk basins`` and ``fogwalk sweep``.

Each opens its source through the session like ``trace`` and ``export``, runs
its chunks on a Dask cluster (a local one by default, or ``--scheduler``'s),
and writes a picture and its data, all or nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from pathlib import Path

from ..core.above.zoom import ZOOM_FPS, ZOOM_FRAMES
from ..core.errors import FogwalkError
from . import _add_scene_arguments, _domain, _naming, _opened, _positive, _progress_bar


def add_parsers(commands) -> None:
    """The ``basins`` and ``sweep`` subcommands."""
    basins = commands.add_parser(
        "basins",
        help="start a walker at every node of a grid and map where each one ends",
        description="Basins of attraction: one walker from every node of a grid over the "
        "domain (or --region), for each optimizer. Colour is the place it ended (a known "
        "minimum, or a saddle, maximum or minimum found where walkers stopped), brightness "
        "how soon it settled; grey: diverged. Writes OUT (.png) and beside it the data "
        "(.npz: grid, labels, steps, evaluations, end points; .csv with --csv).",
    )
    basins.add_argument(
        "source", metavar="SOURCE", help="a scenario, surface name, file or formula"
    )
    _add_scene_arguments(basins)
    basins.add_argument(
        "--grid", type=_grid, default=(256, 256), metavar="N|NXxNY",
        help="nodes per side, or NX x NY (default 256)",
    )  # fmt: skip
    basins.add_argument(
        "--region", type=_domain, metavar="XMIN,XMAX,YMIN,YMAX",
        help="where the grid lies (default: the surface's domain)",
    )  # fmt: skip
    basins.add_argument(
        "--tol", type=float, metavar="DISTANCE",
        help="how close counts as reached (default 1%% of the region's longer side)",
    )  # fmt: skip
    basins.add_argument("--csv", action="store_true", help="also write the data as CSV")
    basins.add_argument(
        "-o", "--output", required=True, metavar="OUT.png|ZOOM.mp4",
        help="the picture, or with --zoom-to the zoom's video (.mp4, .webm or .gif)",
    )  # fmt: skip
    basins.add_argument(
        "--zoom-to", type=_domain, metavar="XMIN,XMAX,YMIN,YMAX",
        help="a video diving from the region (or domain) into this one, a map per frame",
    )  # fmt: skip
    _add_zoom_arguments(basins)
    _add_cluster_arguments(basins)

    sweep = commands.add_parser(
        "sweep",
        help="walk every combination of one or two hyper-parameters and map how each did",
        description="A hyper-parameter map: the first hiker (-O) with every combination of "
        "the --vary values, from every --start, scored by its final loss or the steps it "
        "took to come within --ftol of the surface's best known loss (the median over the "
        "starts); grey where most starts diverged. Two --vary give a map with a colour bar, "
        "one a curve. Writes OUT (.png) and beside it the data (.npz; .csv with --csv).",
    )
    sweep.add_argument("source", metavar="SOURCE", help="a scenario, surface name, file or formula")
    _add_scene_arguments(sweep)
    sweep.add_argument(
        "--vary", action="append", required=True, metavar="NAME=LOW:HIGH[:log|lin]:COUNT",
        help="a hyper-parameter and its values, e.g. lr=1e-4:1:log:256 or betas.0=0:0.999:64 "
        "(the scale defaults to the one `fogwalk optimizers` declares); once or twice",
    )  # fmt: skip
    sweep.add_argument(
        "--zoom", metavar="LOW:HIGH[,LOW:HIGH]",
        help="a closer look: new ends for each --vary, at the same resolution; with a video "
        "as OUT, the ends the zoom dives into from the --vary ranges, a map per frame",
    )  # fmt: skip
    sweep.add_argument(
        "--metric", choices=("loss", "steps"), default="loss",
        help="score each cell by its final loss (default) or by the steps to the target",
    )  # fmt: skip
    sweep.add_argument(
        "--ftol", type=float, default=1e-6, metavar="LOSS",
        help="with --metric steps: the target is the best known loss plus this (default 1e-6)",
    )  # fmt: skip
    sweep.add_argument("--csv", action="store_true", help="also write the data as CSV")
    sweep.add_argument(
        "-o", "--output", required=True, metavar="OUT.png|ZOOM.mp4",
        help="the picture, or with --zoom the zoom's video (.mp4, .webm or .gif)",
    )  # fmt: skip
    _add_zoom_arguments(sweep)
    _add_cluster_arguments(sweep)
    _add_tune_parser(commands)


def _add_zoom_arguments(parser) -> None:
    parser.add_argument(
        "--frames", type=_positive, default=ZOOM_FRAMES, metavar="N",
        help=f"frames of the zoom (default {ZOOM_FRAMES})",
    )  # fmt: skip
    parser.add_argument(
        "--fps", type=float, default=ZOOM_FPS, help=f"of the zoom (default {ZOOM_FPS:g})"
    )


def _add_tune_parser(commands) -> None:
    tune = commands.add_parser(
        "tune",
        help="tune every optimizer fairly: all its hyper-parameters, the same budget, many starts",
        description="Fair tuning: each optimizer (-O) is searched over all of its own "
        "hyper-parameters (the ranges `fogwalk optimizers` declares; weight decay is left "
        "alone), with the same number of trials, each walking the same --starts, each walk "
        "spending the same --budget of measurements (priced by --costs: a gradient 1). "
        "Prints the ranking with the spread over the starts and writes the tuned hikers "
        "as a scenario (-o) that the app opens. --compare peers also runs pytorch-optimizer's "
        "protocol (lr only, clipped gradients, 100 steps, one start) and shows how its "
        "ranking differs.",
    )
    tune.add_argument("source", metavar="SOURCE", help="a scenario, surface name, file or formula")
    _add_scene_arguments(tune)
    tune.add_argument(
        "--budget", type=float, default=1000.0, metavar="COST",
        help="what each walk may spend (default 1000: a thousand gradients)",
    )  # fmt: skip
    tune.add_argument(
        "--starts", dest="start_count", type=_positive, default=16, metavar="N",
        help="walks per trial, from N starts drawn over the domain (default 16)",
    )  # fmt: skip
    tune.add_argument(
        "--trials", type=_positive, default=32, metavar="N", help="per optimizer (default 32)"
    )
    tune.add_argument(
        "--objective", choices=("loss", "steps", "auc"), default="loss",
        help="the loss where the budget ran out (default), the budget spent to come within "
        "--ftol of the best known loss, or the mean loss along the walk",
    )  # fmt: skip
    tune.add_argument(
        "--ftol", type=float, default=1e-6, metavar="LOSS", help="for --objective steps"
    )
    tune.add_argument(
        "--search", choices=("tpe", "random", "grid"), default="tpe", help="Optuna's sampler"
    )
    tune.add_argument("--seed", type=int, default=0, help="of the search and of the starts")
    tune.add_argument(
        "--compare", choices=("peers",), help="also run the peers' protocol and compare rankings"
    )  # fmt: skip
    tune.add_argument("-o", "--output", metavar="TUNED.toml", help="write the tuned hikers here")
    _add_cluster_arguments(tune)


def _add_cluster_arguments(parser) -> None:
    parser.add_argument(
        "--workers", type=int, metavar="N",
        help="worker processes of the local Dask cluster (default: one per core; 0: no "
        "cluster, everything in this process)",
    )  # fmt: skip
    parser.add_argument(
        "--scheduler", metavar="tcp://HOST:8786",
        help="run on the Dask cluster behind this scheduler instead (files must be at the "
        "same paths there)",
    )  # fmt: skip
    parser.add_argument(
        "--chunk", type=_positive, metavar="WALKERS",
        help="walkers per task (default: what fits 64 MB); the numbers never depend on it",
    )  # fmt: skip
    parser.add_argument("--overwrite", action="store_true", help="replace outputs that exist")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def _grid(text: str) -> tuple[int, int]:
    parts = text.lower().split("x")
    try:
        if len(parts) not in (1, 2):
            raise ValueError
        sizes = [int(part) for part in parts]
    except ValueError:
        raise argparse.ArgumentTypeError(f"grid {text!r} is not N or NXxNY") from None
    nx, ny = sizes if len(sizes) == 2 else sizes * 2
    if nx < 2 or ny < 2:
        raise argparse.ArgumentTypeError(f"grid {text!r} needs at least 2 nodes per side")
    return nx, ny


@contextlib.contextmanager
def _running(args: argparse.Namespace):
    """A field command's run: its errors named after its source, the executor its chunks
    run on, and the progress bar over them (None with --quiet)."""
    with _naming(args.source), _executor(args) as executor:
        yield executor, None if args.quiet else _progress_bar(time.monotonic(), "chunks")


@contextlib.contextmanager
def _executor(args: argparse.Namespace):
    """Where the chunks run: here (``--workers 0``), or a Dask cluster."""
    from ..core.distributed import Serial, dask_executor

    if args.workers is not None and args.workers < 0:
        raise FogwalkError(f"--workers must be 0 or more, got {args.workers}")
    if args.workers == 0 and not args.scheduler:
        yield Serial()
        return
    with dask_executor(args.workers, args.scheduler) as executor:
        yield executor


def _outputs(args: argparse.Namespace, suffixes: tuple[str, ...]) -> list[Path]:
    """OUT and its data files beside it, each checked before any work."""
    from ..core.video import check_target

    picture = Path(args.output)
    if picture.suffix.lower() != ".png":
        raise FogwalkError(f"{picture}: the picture is written as PNG: name it .png")
    paths = [picture] + [picture.with_suffix(suffix) for suffix in suffixes]
    for path in paths:
        check_target(path, args.overwrite)
    return paths


def basins(args: argparse.Namespace) -> int:
    from ..core.above.basins import compute_basins
    from ..core.above.files import write_basins

    _, scene = _opened(args.source, args)
    if args.zoom_to:
        return _basin_zoom(args, scene)
    paths = _outputs(args, (".npz", ".csv") if args.csv else (".npz",))
    started = time.monotonic()
    with _running(args) as (executor, progress):
        bmap = compute_basins(
            scene, args.grid, region=args.region, tol=args.tol, executor=executor,
            progress=progress, chunk=args.chunk,
        )  # fmt: skip
    write_basins(bmap, *paths)
    if not args.quiet:
        nx, ny = args.grid
        print(
            f"\nwrote {', '.join(map(str, paths))}: {nx} x {ny} walkers x "
            f"{len(bmap.optimizers)} optimizers, {len(bmap.attractors)} places, in "
            f"{time.monotonic() - started:.1f} s on {executor.workers} worker(s)",
            file=sys.stderr,
        )
    return 0


def _basin_zoom(args: argparse.Namespace, scene) -> int:
    """``basins --zoom-to``: a video diving into a region, a basin map per frame."""
    from ..core.above.pictures import basin_picture
    from ..core.above.zoom import basin_zoom, zoom_regions
    from ..core.session import resolve_surface

    _check_zoom_output(args)
    started = time.monotonic()
    with _naming(args.source):
        regions = zoom_regions(
            args.region or resolve_surface(scene).domain, args.zoom_to, args.frames
        )
    with _running(args) as (executor, progress):
        maps = basin_zoom(
            scene, args.grid, regions, tol=args.tol, executor=executor, progress=progress,
            chunk=args.chunk,
        )  # fmt: skip
        frames = _write_zoom(args, (basin_picture(bmap) for bmap in maps))
    _report_zoom(args, frames, _region(regions[0]), _region(regions[-1]), started, executor)
    return 0


def _region(region) -> str:
    return "[{:.6g}, {:.6g}] x [{:.6g}, {:.6g}]".format(*region)


def _is_video(path: str) -> bool:
    from ..core.video import FORMATS

    return Path(path).suffix.lower() in FORMATS


def _check_zoom_output(args: argparse.Namespace) -> None:
    """Refuse a zoom's bad output before any walk: not a video, --csv, a bad --fps, a file
    in the way."""
    from ..core.video import check_fps, check_target

    if not _is_video(args.output):
        raise FogwalkError(f"{args.output}: a zoom is a video: name it .mp4, .webm or .gif")
    if args.csv:
        raise FogwalkError("--csv writes one map's data; a zoom writes its video alone")
    check_fps(args.fps)
    check_target(args.output, args.overwrite)


def _write_zoom(args: argparse.Namespace, pictures) -> int:
    from ..core.above.zoom import write_zoom_video

    return write_zoom_video(pictures, args.output, args.fps, overwrite=args.overwrite)


def _report_zoom(args, frames: int, first: str, last: str, started: float, executor) -> None:
    if not args.quiet:
        print(
            f"\nwrote {args.output}: {frames} frames from {first} to {last}, in "
            f"{time.monotonic() - started:.1f} s on {executor.workers} worker(s)",
            file=sys.stderr,
        )


def _axes(scene, args: argparse.Namespace) -> list:
    """The --vary axes of the scene's first hiker (with --zoom's ends, for a picture)."""
    from ..core.above.sweep import parse_axis, zoom

    optimizer = scene.walking[0].optimizer
    axes = [parse_axis(optimizer, text) for text in args.vary]
    if args.zoom and not _is_video(args.output):
        for i, (low, high) in enumerate(_zoom_ends(args, len(axes))):
            axes[i] = zoom(optimizer, axes[i], low, high)
    return axes


def _zoom_ends(args: argparse.Namespace, count: int) -> list[tuple[float, float]]:
    """--zoom's ``LOW:HIGH`` ranges, one per --vary."""
    ranges = args.zoom.split(",")
    if len(ranges) != count:
        raise FogwalkError(f"--zoom {args.zoom!r} needs one LOW:HIGH per --vary ({count})")
    ends = []
    for text in ranges:
        try:
            low, high = (float(v) for v in text.split(":"))
        except ValueError:
            raise FogwalkError(f"--zoom {text!r} is not LOW:HIGH") from None
        ends.append((low, high))
    return ends


def _sweep_zoom(args: argparse.Namespace, scene, axes: list) -> int:
    """``sweep --zoom ... -o ZOOM.mp4``: a video diving from the --vary ranges into --zoom's."""
    from ..core.above.zoom import sweep_zoom, sweep_zoom_pictures, zoom_axes

    if not args.zoom:
        raise FogwalkError(f"{args.output}: a video is a zoom's: give --zoom, where it dives")
    _check_zoom_output(args)
    started = time.monotonic()
    frames_axes = zoom_axes(
        scene.walking[0].optimizer, axes, _zoom_ends(args, len(axes)), args.frames
    )
    with _running(args) as (executor, progress):
        maps = sweep_zoom(
            scene, frames_axes, metric=args.metric, ftol=args.ftol, executor=executor,
            progress=progress, chunk=args.chunk,
        )  # fmt: skip
        frames = _write_zoom(args, sweep_zoom_pictures(maps))
    first, last = (_ranges(axes) for axes in (frames_axes[0], frames_axes[-1]))
    _report_zoom(args, frames, first, last, started, executor)
    return 0


def _ranges(axes) -> str:
    return " x ".join(f"{axis.name} [{axis.values[0]:.6g}, {axis.values[-1]:.6g}]" for axis in axes)


def sweep(args: argparse.Namespace) -> int:
    from ..core.above.files import write_sweep
    from ..core.above.sweep import compute_sweep

    _, scene = _opened(args.source, args)
    axes = _axes(scene, args)
    if _is_video(args.output):
        return _sweep_zoom(args, scene, axes)
    paths = _outputs(args, (".npz", ".csv") if args.csv else (".npz",))
    started = time.monotonic()
    with _running(args) as (executor, progress):
        smap = compute_sweep(
            scene, axes, metric=args.metric, ftol=args.ftol, executor=executor,
            progress=progress, chunk=args.chunk,
        )  # fmt: skip
    write_sweep(smap, *paths)
    if not args.quiet:
        cells = " x ".join(str(len(axis.values)) for axis in axes)
        print(
            f"\nwrote {', '.join(map(str, paths))}: {cells} cells x {len(smap.starts)} starts, "
            f"{float((smap.diverged > 0.5).mean()):.1%} diverged, in "
            f"{time.monotonic() - started:.1f} s on {executor.workers} worker(s)",
            file=sys.stderr,
        )
    return 0


def tune(args: argparse.Namespace) -> int:
    from ..core.above.tune import PEERS, Protocol, tuned_scene
    from ..core.above.tune import tune as run_tuning
    from ..core.export import VideoSettings
    from ..core.scenario import save_scenario
    from ..core.video import check_target

    _, scene = _opened(args.source, args)
    if args.output:
        if not args.output.lower().endswith(".toml"):
            raise FogwalkError(f"{args.output}: the tuned hikers are a scenario: name it .toml")
        check_target(args.output, args.overwrite)
    fair = Protocol("fair", args.budget, args.start_count, args.objective)
    protocols = [fair] + ([PEERS] if args.compare else [])
    rankings = {}
    with _naming(args.source), _executor(args) as executor:
        for protocol in protocols:
            progress = None if args.quiet else _progress_bar(time.monotonic(), "trials")
            rankings[protocol.name] = run_tuning(
                scene, protocol, trials=args.trials, search=args.search, seed=args.seed,
                ftol=args.ftol, executor=executor, progress=progress,
            )  # fmt: skip
            if not args.quiet:
                print(file=sys.stderr)
    for protocol in protocols:
        print(_table(protocol, rankings[protocol.name]))
    if args.compare:
        print(_ranking_change(rankings["fair"], rankings["peers"]))
    if args.output:
        steps = max(1, round(args.budget))
        save_scenario(args.output, tuned_scene(scene, rankings["fair"], steps), VideoSettings())
        print(f"wrote {args.output}: open it with `fogwalk {args.output}` to watch the tuned race")
    return 0


def _table(protocol, ranking) -> str:
    """The ranking as aligned text: rank, optimizer, objective with its spread, best setting."""
    what = {
        "loss": "loss at the budget", "steps": "budget spent to the target",
        "auc": "mean loss along the walk", "distance": "squared distance to the minimum",
    }[protocol.objective]  # fmt: skip
    head = (
        f"{protocol.name}: {ranking[0].trials if ranking else 0} trials per optimizer, "
        f"{protocol.starts} start(s), budget {protocol.budget:g} per walk; {what}, median "
        "[25%, 75%] over the starts"
    )
    width = max(len(t.base) for t in ranking)
    lines = [head]
    for t in ranking:
        spread = f"[{t.q25:.3g}, {t.q75:.3g}]"
        lines.append(f"  {t.rank}. {t.base:<{width}}  {t.objective:<10.4g} {spread:<22} {t.spec}")
    return "\n".join(lines)


def _ranking_change(fair, peers) -> str:
    """How the peers' ranking differs from the fair one, in one line per optimizer."""
    peer_rank = {t.base: t.rank for t in peers}
    moved = [
        f"{t.base} {t.rank} -> {peer_rank[t.base]}" for t in fair if peer_rank[t.base] != t.rank
    ]
    if not moved:
        return "the peers' protocol ranks them as the fair one does"
    return "the peers' protocol changes the ranking (fair -> peers): " + ", ".join(moved)
