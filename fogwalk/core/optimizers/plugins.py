"""Optimizers from outside FogWalk: installed packages' entry points and a user's own file.

Either way an optimizer is registered as the built-in ones are, with
:func:`fogwalk.core.optimizers.register` on a factory that returns an
``Algorithm(init, update)`` pair, and then appears in the app, the CLI,
scenarios and export like a built-in one:

- a package declares an entry point in the group ``fogwalk.optimizers``; its
  object is imported (a module registers as it is imported; a function is
  called), the first time an optimizer is looked up;
- ``--optimizer-file my_opt.py`` runs the user's own Python file, as the user's
  own code (that is what it is for: FogWalk never runs code from a scenario or
  a surface file).
"""

from __future__ import annotations

import os
import runpy
import traceback
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType

from ..errors import FogwalkError
from . import registry
from .optimizer import make_optimizer

GROUP = "fogwalk.optimizers"


def load_entry_points() -> list[str]:
    """Register every installed plug-in's optimizers, once; what failed, a line each.

    A broken plug-in is skipped (its line says why): the others and the
    built-in optimizers still work.
    """
    if registry.plugins_loaded:
        return []
    registry.plugins_loaded = True
    failures = []
    for point in entry_points(group=GROUP):
        before = set(registry.registered_names())
        try:
            loaded = point.load()
            if callable(loaded) and not isinstance(loaded, ModuleType):
                loaded()
            _check_new(set(registry.registered_names()) - before)
        except Exception as error:  # a plug-in is other people's code: report, go on
            failures.append(
                f"optimizer plug-in {point.name!r} ({point.value}) did not load and is "
                f"skipped: {_describe(error)}"
            )
    return failures


def load_file(text: str) -> list[str]:
    """Run the user's Python file ``text`` and return the optimizers it registered.

    Raises
    ------
    FogwalkError
        If the file is missing or not a regular file, fails to run (the line
        where), registers nothing, or registers an optimizer that cannot be built
        with its defaults.
    """
    path = Path(os.path.expanduser(text))
    if not path.exists():
        raise FogwalkError(f"optimizer file {text}: no such file")
    if not path.is_file():
        raise FogwalkError(f"optimizer file {text}: not a regular file")
    before = set(registry.registered_names())
    try:
        runpy.run_path(str(path), run_name=f"fogwalk_optimizer_file_{path.stem}")
    except SyntaxError as error:
        raise FogwalkError(f"optimizer file {text}, line {error.lineno}: {error.msg}") from None
    except Exception as error:  # the user's own code: say where it failed
        raise FogwalkError(
            f"optimizer file {text}{_where(error, path)}: {_describe(error)}"
        ) from None
    new = [name for name in registry.registered_names() if name not in before]
    if not new:
        raise FogwalkError(
            f"optimizer file {text} registered no optimizer: decorate a factory with "
            "fogwalk.core.optimizers.register(...) (see the README)"
        )
    try:
        _check_new(set(new))
    except Exception as error:
        raise FogwalkError(f"optimizer file {text}: {_describe(error)}") from None
    return new


def _check_new(names: set[str]) -> None:
    """Build each new optimizer with its defaults, so a broken declaration fails here."""
    for name in sorted(names):
        try:
            make_optimizer(name)
        except (FogwalkError, ValueError, TypeError, KeyError) as error:
            raise FogwalkError(f"optimizer {name!r} cannot be built: {_describe(error)}") from None


def _describe(error: BaseException) -> str:
    text = str(error)
    return f"{type(error).__name__}: {text}" if not isinstance(error, FogwalkError) else text


def _where(error: BaseException, path: Path) -> str:
    """``, line N`` of the deepest frame of the user's file in the traceback, or ""."""
    lines = [
        frame.lineno
        for frame in traceback.extract_tb(error.__traceback__)
        if Path(frame.filename).resolve() == path.resolve()
    ]
    return f", line {lines[-1]}" if lines else ""
