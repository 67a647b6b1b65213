"""The ``fogwalk`` command: no arguments opens the app; subcommands trace and list."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .core.defaults import DEFAULT_OPTIMIZERS
from .core.errors import FogwalkError


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


def _steps(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"steps {text!r} is not an integer") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"steps must be 0 or more, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="fogwalk",
        description="Gradient descent seen from the inside: optimizers walking a fog-bound "
        "loss surface. With no command, opens the app.",
    )
    from . import __version__

    parser.add_argument("--version", action="version", version=f"fogwalk {__version__}")
    commands = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")

    trace = commands.add_parser(
        "trace",
        help="walk a surface and write every step as CSV or JSON",
        description="Run optimizers on a surface and write one row per optimizer, walker and "
        "step (step 0 is the start).",
    )
    trace.add_argument("surface", metavar="SURFACE", help="a built-in surface name")
    trace.add_argument(
        "-O",
        "--optimizer",
        dest="optimizers",
        action="append",
        metavar="SPEC",
        help="NAME or NAME:key=value,... e.g. adam:lr=0.01,betas=0.9/0.999 (repeatable; "
        f"default: {' '.join(DEFAULT_OPTIMIZERS)})",
    )
    trace.add_argument(
        "-s",
        "--start",
        dest="starts",
        action="append",
        type=_point,
        metavar="X,Y",
        help="a start point (repeatable; default: the surface's own start)",
    )
    trace.add_argument("-n", "--steps", type=_steps, default=200, help="updates (default 200)")
    trace.add_argument(
        "-f",
        "--format",
        choices=("csv", "json"),
        help="output format (default: from -o's extension, else csv)",
    )
    trace.add_argument("-o", "--output", metavar="FILE", help="write here (default: stdout)")

    listing = commands.add_parser("surfaces", help="list the built-in surfaces")
    listing.add_argument("-v", "--verbose", action="store_true", help="descriptions too")
    optimizers = commands.add_parser("optimizers", help="list optimizers and hyper-parameters")
    optimizers.add_argument("names", nargs="*", metavar="NAME", help="only these optimizers")
    return parser


def _trace(args: argparse.Namespace) -> int:
    from .core import simulate
    from .core.files import atomic_output
    from .core.trace import write_csv, write_json

    run = simulate(
        args.surface,
        args.optimizers or list(DEFAULT_OPTIMIZERS),
        starts=args.starts,
        steps=args.steps,
    )
    fmt = args.format or ("json" if (args.output or "").lower().endswith(".json") else "csv")
    write = write_json if fmt == "json" else write_csv
    if args.output:
        with atomic_output(args.output, "w", newline="", encoding="utf-8") as stream:
            write(run, stream)
    else:
        write(run, sys.stdout)
    return 0


def _surfaces(args: argparse.Namespace) -> int:
    from .core.surfaces import get_surface, surface_names

    for name in surface_names():
        surface = get_surface(name)
        xmin, xmax, ymin, ymax = surface.domain
        best = min(surface.minima, key=lambda m: m.value, default=None)
        minimum = (
            f"min {best.value:.6g} at ({best.x:.6g}, {best.y:.6g})"
            + (f" [{len(surface.minima)} minima]" if len(surface.minima) > 1 else "")
            if best
            else "no minimum (unbounded below)"
        )
        domain = f"[{xmin:g}, {xmax:g}] x [{ymin:g}, {ymax:g}]"
        start = f"({surface.start[0]:g}, {surface.start[1]:g})"
        print(f"{name:18s} {domain:28s} start {start:14s} {minimum}")
        if args.verbose:
            print(f"{'':18s} {surface.label}: {surface.description}")
    return 0


def _optimizers(args: argparse.Namespace) -> int:
    from .core.optimizers import COMMON_PARAMS, get_definition, optimizer_names

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
    return 0


def _describe(hp) -> str:
    setting = f"{hp.name}={hp.format(hp.default)}"
    scale = "log" if hp.log else ""
    return f"{setting:34s} {hp.describe_range():22s} {scale:3s}  {hp.help}"


def _open_app(args: argparse.Namespace) -> int:
    from .ui.app import run

    return run()


_POINT_OPTIONS = ("-s", "--start")


def _attach_negative_points(argv: Sequence[str]) -> list[str]:
    """``--start -1.5,2`` -> ``--start=-1.5,2``: argparse would take -1.5,2 for an option."""
    joined: list[str] = []
    items = iter(argv)
    for item in items:
        if item in _POINT_OPTIONS:
            value = next(items, None)
            if value is not None and value.startswith("-") and value[1:2] in "0123456789.":
                joined.append(f"{item}={value}")
                continue
            joined.append(item)
            if value is not None:
                joined.append(value)
        else:
            joined.append(item)
    return joined


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``fogwalk`` command; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(_attach_negative_points(sys.argv[1:] if argv is None else argv))
    handlers = {"trace": _trace, "surfaces": _surfaces, "optimizers": _optimizers}
    try:
        return handlers.get(args.command, _open_app)(args)
    except FogwalkError as error:
        print(f"fogwalk: error: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `fogwalk trace ... | head` closed the pipe: not an error
        sys.stderr.close()
        return 0
