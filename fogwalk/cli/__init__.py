"""The ``fogwalk`` command: no arguments opens the app; subcommands trace, export, list, and
the field commands of :mod:`.above`."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Sequence

from ..core.defaults import BATCH_STEPS, DEFAULT_OPTIMIZERS
from ..core.errors import FogwalkError


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


def _point(text: str) -> tuple[float, float]:
    parts = text.split(",")
    try:
        if len(parts) != 2:
            raise ValueError
        x, y = float(parts[0]), float(parts[1])
    except ValueError:
        raise argparse.ArgumentTypeError(f"start {text!r} is not X,Y (two numbers)") from None
    if x != x or y != y or abs(x) == float("inf") or abs(y) == float("inf"):
        raise argparse.ArgumentTypeError(f"start {text!r} is not a finite point")
    return x, y


def _domain(text: str) -> tuple[float, float, float, float]:
    parts = text.split(",")
    try:
        if len(parts) != 4:
            raise ValueError
        values = tuple(float(part) for part in parts)
    except ValueError:
        message = f"domain {text!r} is not XMIN,XMAX,YMIN,YMAX (four numbers)"
        raise argparse.ArgumentTypeError(message) from None
    xmin, xmax, ymin, ymax = values
    if not all(abs(v) < float("inf") for v in values) or not (xmin < xmax and ymin < ymax):
        message = f"domain {text!r} needs finite XMIN < XMAX and YMIN < YMAX"
        raise argparse.ArgumentTypeError(message)
    return xmin, xmax, ymin, ymax


def _steps(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"steps {text!r} is not an integer") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"steps must be 0 or more, got {value}")
    return value


OPTIMIZER_FILE_HELP = (
    "run FILE.py, your own Python code, before anything else: the optimizers it registers "
    "(fogwalk.core.optimizers.register) appear in the app, trace, export and scenarios like "
    "the built-in ones; may be given before or after the command, and more than once"
)


def _take_optimizer_files(argv: Sequence[str]) -> tuple[list[str], list[str]]:
    """``--optimizer-file FILE`` (or ``=FILE``), wherever it is: the files and the rest."""
    files: list[str] = []
    rest: list[str] = []
    items = iter(argv)
    for item in items:
        if item == "--optimizer-file":
            value = next(items, None)
            if value is None:
                raise FogwalkError("--optimizer-file needs a FILE.py")
            files.append(value)
        elif item.startswith("--optimizer-file="):
            files.append(item.partition("=")[2])
        else:
            rest.append(item)
    return files, rest


def _load_optimizers(files: Sequence[str]) -> None:
    """Installed plug-ins (a line on stderr for each that fails), then the user's files."""
    from ..core.optimizers.plugins import load_entry_points, load_file

    for failure in load_entry_points():
        print(f"fogwalk: warning: {failure}", file=sys.stderr)
    for path in files:
        load_file(path)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="fogwalk",
        description="Gradient descent seen from the inside: optimizers walking a fog-bound "
        "loss surface. With no command, opens the app: `fogwalk [SOURCE ...]` opens a window "
        "for each scenario (.toml), surface file or formula given.",
    )
    from .. import __version__

    parser.add_argument("--version", action="version", version=f"fogwalk {__version__}")
    parser.add_argument(
        "--optimizer-file",
        metavar="FILE.py",
        action="append",
        help=OPTIMIZER_FILE_HELP,
    )
    commands = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")

    trace = commands.add_parser(
        "trace",
        help="walk a surface and write every step as CSV or JSON",
        description="Run optimizers on a surface and write one row per optimizer, walker and "
        "step (step 0 is the start).",
    )
    trace.add_argument(
        "surface",
        metavar="SOURCE",
        help="a scenario file (.toml), a built-in surface name, a surface file (.npy .npz .csv "
        ".png .tif .asc .h5) or a formula in x and y such as 'x^2 + 3*sin(y)'",
    )
    _add_scene_arguments(trace)
    trace.add_argument(
        "-f",
        "--format",
        choices=("csv", "json"),
        help="output format (default: from -o's extension, else csv)",
    )
    trace.add_argument("-o", "--output", metavar="FILE", help="write here (default: stdout)")

    _add_export_parser(commands)
    from .above import add_parsers

    add_parsers(commands)

    commands.add_parser(
        "doctor",
        help="check this machine: versions, display, OpenGL (by drawing a fogged frame), "
        "FFmpeg's encoders, numba; prints the fix for each failure, exit 0 if all would work",
    )
    listing = commands.add_parser("surfaces", help="list the built-in surfaces")
    listing.add_argument("-v", "--verbose", action="store_true", help="descriptions too")
    optimizers = commands.add_parser("optimizers", help="list optimizers and hyper-parameters")
    optimizers.add_argument("names", nargs="*", metavar="NAME", help="only these optimizers")
    optimizers.add_argument(
        "--all",
        action="store_true",
        help="also the optimizers that cannot act on a 2-D point, with the reason",
    )
    return parser


def _add_export_parser(commands) -> None:
    from ..core.export import CAMERA_MOTIONS, LAYOUTS
    from ..core.scene import CLOCKS

    export = commands.add_parser(
        "export",
        help="render an animation to MP4, WebM, GIF or a folder of PNGs (no display needed)",
        description="Render the hikers' walk to a video. The format follows OUT's extension: "
        ".mp4 (H.264), .webm (VP9), .gif, or a folder name for numbered PNG frames. Options "
        "given here override a scenario's.",
    )
    export.add_argument(
        "source",
        metavar="SOURCE",
        help="a scenario file (.toml), a built-in surface, a surface file or a formula",
    )
    export.add_argument("-o", "--output", required=True, metavar="OUT", help="the video file")
    _add_scene_arguments(export)
    export.add_argument(
        "--frames",
        type=_positive,
        help="exactly this many frames, spread evenly over the steps (default: one frame per step)",
    )
    export.add_argument("--steps-per-frame", type=_positive, metavar="N")
    export.add_argument("--fps", type=float, help="frame rate (default 30)")
    export.add_argument("--size", help="WxH, 720p or 1080p (default 1280x720)")
    export.add_argument("--layout", choices=LAYOUTS)
    export.add_argument(
        "--camera",
        choices=CAMERA_MOTIONS,
        help="still (as it is), orbit (slowly around), follow (the first hiker)",
    )
    export.add_argument(
        "--title", help="title burned into the frames (default: the surface's name; '' for none)"
    )
    export.add_argument(
        "--clock",
        choices=CLOCKS,
        help="steps: every hiker at the same step each frame; cost: every hiker at the same "
        "measurement budget (see --costs), so expensive steps show as slow hikers (default: "
        "the scenario's, else steps)",
    )
    export.add_argument("--no-fog", action="store_true", help="show the whole terrain")
    export.add_argument("--overwrite", action="store_true", help="replace OUT if it exists")
    export.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def _add_scene_arguments(parser) -> None:
    """The options trace and export share: hikers, starts, steps, domain, dataset."""
    # Taken out of the command line before it is parsed (main); declared for --help.
    parser.add_argument(
        "--optimizer-file", metavar="FILE.py", action="append", help=OPTIMIZER_FILE_HELP
    )
    parser.add_argument(
        "-O",
        "--optimizer",
        dest="optimizers",
        action="append",
        metavar="SPEC",
        help="NAME or NAME:key=value,... e.g. adam:lr=0.01,betas=0.9/0.999 (repeatable; "
        "default: the scenario's hikers, else " + " ".join(DEFAULT_OPTIMIZERS) + ")",
    )
    parser.add_argument(
        "-s",
        "--start",
        dest="starts",
        action="append",
        type=_point,
        metavar="X,Y",
        help="a start point (repeatable; default: the scenario's, else the surface's own)",
    )
    parser.add_argument(
        "-n",
        "--steps",
        type=_steps,
        help=f"updates (default: the scenario's, else {BATCH_STEPS})",
    )
    parser.add_argument(
        "--domain",
        type=_domain,
        metavar="XMIN,XMAX,YMIN,YMAX",
        help="the domain of a formula (default -3,3,-3,3), of a file without coordinates "
        "(.npy, a .csv matrix, an image), or a built-in's viewing window",
    )
    parser.add_argument(
        "--dataset",
        metavar="NAME",
        help="which 2-D dataset of a loss-landscape .h5 file (default train_loss)",
    )
    parser.add_argument(
        "--costs",
        type=_costs,
        metavar="KIND=PRICE,...",
        help="what a measurement costs, a gradient being 1 (default gradient=1,loss=1/3,"
        "hessian=2, or the scenario's [costs]); e.g. hessian=4",
    )


def _costs(text: str):
    from ..core.measurements import parse_costs

    try:
        return parse_costs(text)
    except FogwalkError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _positive(text: str) -> int:
    value = _steps(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected 1 or more, got {value}")
    return value


def _opened(source: str, args: argparse.Namespace):
    """The source opened through the session, with the command line's choices applied."""
    from ..core import session

    opened = session.open_source(source, domain=args.domain, dataset=args.dataset)
    scene = session.override(
        opened,
        optimizers=args.optimizers,
        starts=args.starts,
        steps=args.steps,
        fog=False if getattr(args, "no_fog", False) else None,
        clock=getattr(args, "clock", None),
        costs=args.costs,
    )
    return opened, scene


def _export(args: argparse.Namespace) -> int:
    from ..core.export import parse_size
    from ..core.session import export_settings, video_steps
    from ..core.sizes import check_run_size
    from ..core.video import check_size, check_target

    opened, scene = _opened(args.source, args)
    width, height = parse_size(args.size) if args.size is not None else (None, None)
    with _naming(args.source):  # the run and the video are refused here if too big
        settings = export_settings(
            scene,
            opened.settings,
            fps=args.fps,
            frames=args.frames,
            steps_per_frame=args.steps_per_frame,
            camera=args.camera,
            layout=args.layout,
            title=args.title,
            width=width,
            height=height,
        )
        check_run_size(scene, video_steps(scene, settings))
    check_size(args.output, settings.width, settings.height)
    check_target(args.output, args.overwrite)
    return _render_video(scene, settings, args)


def _render_video(scene, settings, args: argparse.Namespace) -> int:
    import time

    from ..core.processes import deferred_stop
    from ..render.context import virtual_display

    with virtual_display():
        from ..render.context import create_application, opengl_problem
        from ..render.exporter import export_video

        app = create_application()
        try:
            problem = opengl_problem()
            if problem:
                raise FogwalkError(problem)
            started = time.monotonic()
            progress = None if args.quiet else _progress_bar(started)
            # pyqtgraph swallows an exception raised while it draws: there a signal is
            # only noted, and the export stops before the next frame.
            with deferred_stop() as stop_requested:
                frames = export_video(
                    scene,
                    settings,
                    args.output,
                    overwrite=args.overwrite,
                    progress=progress,
                    cancelled=stop_requested,
                )
        finally:
            app.shutdown()  # before the virtual display goes away under it
    if not args.quiet:
        print(
            f"\nwrote {args.output}: {frames} frames, {settings.width}x{settings.height} at "
            f"{settings.fps:g} fps in {time.monotonic() - started:.1f} s",
            file=sys.stderr,
        )
    return 0


@contextlib.contextmanager
def _naming(source: str):
    """A size or run error, prefixed with the source it is about (a scenario's steps...)."""
    try:
        yield
    except FogwalkError as error:
        raise FogwalkError(f"{source}: {error}") from None


def _progress_bar(started: float, unit: str = "frames"):
    import time

    def show(done: int, total: int) -> None:
        elapsed = time.monotonic() - started
        left = elapsed / done * (total - done)
        filled = round(30 * done / total)
        line = f"\r[{'#' * filled}{'.' * (30 - filled)}] {done}/{total} {unit}, {left:4.0f} s left"
        if sys.stderr.isatty() or done in (1, total) or done % max(1, total // 10) == 0:
            print(line, end="" if sys.stderr.isatty() else "\n", file=sys.stderr, flush=True)

    return show


def _trace(args: argparse.Namespace) -> int:
    from ..core.files import atomic_output
    from ..core.session import compute_run
    from ..core.trace import write_csv, write_json

    _, scene = _opened(args.surface, args)
    with _naming(args.surface):
        run = compute_run(scene)
    fmt = args.format or ("json" if (args.output or "").lower().endswith(".json") else "csv")
    write = write_json if fmt == "json" else write_csv
    if args.output:
        with atomic_output(args.output, "w", newline="", encoding="utf-8") as stream:
            write(run, stream, scene.costs)
    else:
        write(run, sys.stdout, scene.costs)
    return 0


def _doctor(args: argparse.Namespace) -> int:
    from ..render import doctor
    from ..render.context import create_application, virtual_display

    checks = doctor.environment()
    with virtual_display() as started:
        if started:
            checks.append(doctor.Check("Display", f"none set: Xvfb started on {started}"))
        app = create_application()
        try:
            checks += doctor.versions() + doctor.opengl(app)
        finally:
            app.shutdown()  # before the virtual display goes away under it
    text, works = doctor.report(checks + doctor.ffmpeg() + doctor.numba_status())
    print(text)
    return 0 if works else 1


def _surfaces(args: argparse.Namespace) -> int:
    from ..core.surfaces import get_surface, surface_names

    for name in surface_names():
        surface = get_surface(name)
        xmin, xmax, ymin, ymax = surface.domain
        best = min(surface.minima, key=lambda m: m.value, default=None)
        minimum = (
            f"min {best.value:.6g} at ({best.x:.6g}, {best.y:.6g})"
            + (f" [{len(surface.minima)} minima]" if len(surface.minima) > 1 else "")
            if best
            else "a min-max game: x descends, y ascends"
            if getattr(surface, "game", False)
            else "no minimum (unbounded below)"
        )
        domain = f"[{xmin:g}, {xmax:g}] x [{ymin:g}, {ymax:g}]"
        start = f"({surface.start[0]:g}, {surface.start[1]:g})"
        print(f"{name:18s} {domain:28s} start {start:14s} {minimum}")
        if args.verbose:
            print(f"{'':18s} {surface.label}: {surface.description}")
    return 0


def _optimizers(args: argparse.Namespace) -> int:
    from ..core.optimizers import COMMON_PARAMS, get_definition, optimizer_names

    for name in args.names or optimizer_names():
        definition = get_definition(name)
        alias = f" (= {definition.alias_of} with other defaults)" if definition.alias_of else ""
        print(f"{definition.name}{alias}: {definition.summary}")
        print(f"    source: {definition.source}")
        for hp in definition.params:
            print("    " + _describe(hp))
    print("every optimizer also takes:")
    for hp in COMMON_PARAMS:
        print("    " + _describe(hp))
    if args.all:
        from ..core.optimizers.not_applicable import NOT_APPLICABLE

        print("not applicable to a 2-D point:")
        for entry in NOT_APPLICABLE:
            print(f"{entry.name}: not applicable: {entry.reason}")
            print(f"    source: {entry.source}")
    return 0


def _describe(hp) -> str:
    setting = f"{hp.name}={hp.format(hp.default)}"
    scale = "log" if hp.log else ""
    return f"{setting:34s} {hp.describe_range():22s} {scale:3s}  {hp.help}"


COMMANDS = ("trace", "export", "basins", "sweep", "tune", "surfaces", "optimizers", "doctor")


def _open_app(args: argparse.Namespace) -> int:
    from ..core.session import open_source
    from ..ui.app import run

    scenes = [open_source(source).scene for source in getattr(args, "sources", ())]
    return run(*scenes)


_POINT_OPTIONS = ("-s", "--start", "--domain")
_FORMULA_SIGNS = set("^*/+() ")


def _shield_minus_values(argv: Sequence[str]) -> list[str]:
    """Keep argparse from taking values that start with a minus sign for options.

    ``--start -1.5,2`` -> ``--start=-1.5,2`` (``--domain -3,3,-3,3`` alike), and a
    formula such as ``-x^2 + y^2`` that is not an option's value -> `` -x^2 + y^2``
    (the formula parser ignores the space). Only tokens no option looks like are
    touched: a digit after the sign, or a sign of arithmetic in them.
    """
    shielded: list[str] = []
    previous = ""
    for item in argv:
        if item.startswith("-") and not item.startswith("--"):
            if previous in _POINT_OPTIONS and item[1:2] in "0123456789.":
                shielded[-1] = f"{previous}={item}"
                previous = ""
                continue
            if _FORMULA_SIGNS & set(item[1:]) and not previous.startswith("-"):
                item = " " + item
        shielded.append(item)
        previous = item
    return shielded


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``fogwalk`` command; returns the exit status."""
    from ..render.context import choose_gl_platform

    choose_gl_platform()  # before anything (a user's optimizer file too) imports OpenGL
    parser = build_parser()
    try:
        files, argv = _take_optimizer_files(sys.argv[1:] if argv is None else argv)
        _load_optimizers(files)
    except FogwalkError as error:
        print(f"fogwalk: error: {error}", file=sys.stderr)
        return 2
    argv = _shield_minus_values(argv)
    if argv and argv[0] not in COMMANDS and not any(a.startswith("-") for a in argv):
        # `fogwalk PATH ...`: a window for each scenario, surface file or formula
        try:
            return _open_app(argparse.Namespace(sources=argv))
        except FogwalkError as error:
            print(
                f"fogwalk: error: {' '.join(argv)!r} is neither a command "
                f"({', '.join(COMMANDS)}) nor scenarios, surface files or formulas that open: "
                f"{error}",
                file=sys.stderr,
            )
            return 2
    args = parser.parse_args(argv)
    from . import above

    handlers = {
        "trace": _trace,
        "export": _export,
        "surfaces": _surfaces,
        "optimizers": _optimizers,
        "doctor": _doctor,
        "basins": above.basins,
        "sweep": above.sweep,
        "tune": above.tune,
    }
    import contextlib
    import signal

    from ..core.processes import stop_on_signals

    # Commands stop on SIGINT, SIGTERM and SIGHUP alike; the app keeps Qt's defaults.
    stops = stop_on_signals() if args.command else contextlib.nullcontext()
    try:
        with stops:
            return handlers.get(args.command, _open_app)(args)
    except FogwalkError as error:
        print(f"fogwalk: error: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `fogwalk trace ... | head` closed the pipe: not an error
        sys.stderr.close()
        return 0
    except KeyboardInterrupt as stop:  # Ctrl+C, or processes.Stopped for any stop signal
        signum = getattr(stop, "signum", signal.SIGINT)
        by = "" if signum == signal.SIGINT else f" by {signal.Signals(signum).name}"
        print(f"\nfogwalk: cancelled{by}; nothing was written", file=sys.stderr)
        return 128 + signum
