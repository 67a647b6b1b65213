"""The registry of named surfaces, and resolution of any surface text: name, file or formula."""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import os
import stat
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

from ..errors import FogwalkError
from .base import Domain, Surface, SymbolicSurface
from .start import check_domain

_SURFACES: dict[str, Surface] = {}
# Files and formulas resolve to new objects: keep the last few, so a UI that asks again and
# again neither re-reads a file nor re-compiles a formula. Keys include a file's mtime and size;
# few files are kept, as a 1024^2 grid and its spline take about 20 MB.
_RECENT: dict[str, OrderedDict[tuple, Surface]] = {"file": OrderedDict(), "formula": OrderedDict()}
_RECENT_SIZE = {"file": 4, "formula": 32}
_RECENT_LOCK = threading.Lock()


def register_surface(surface: Surface) -> Surface:
    """Add ``surface`` under its name; a second surface with that name is an error."""
    if surface.name in _SURFACES:
        raise ValueError(f"surface {surface.name!r} is already registered")
    _SURFACES[surface.name] = surface
    return surface


def surface_names() -> list[str]:
    """Names of every registered surface, in registration order."""
    return list(_SURFACES)


def get_surface(
    surface: str | os.PathLike | Surface,
    *,
    domain: Domain | None = None,
    base_dir: str | os.PathLike | None = None,
) -> Surface:
    """Resolve any surface: a built-in name, a file, or a formula in ``x`` and ``y``.

    Text is tried in this order: a built-in name (case, ``-`` and ``_`` aside);
    an existing file (relative to ``base_dir`` if given), or text that names a
    file by a known extension (``.npy``, ``.png``, ...: then a missing file is
    an error); else a formula (see :func:`~fogwalk.core.surfaces.formula.parse_formula`).
    A surface object is passed through.

    Parameters
    ----------
    surface
        The name, path, formula or surface object.
    domain
        ``(xmin, xmax, ymin, ymax)``: for formulas (default ``(-3, 3, -3, 3)``),
        for files without coordinates (``.npy``, a ``.csv`` matrix, images) and
        for built-ins (which then keep their start if it lies inside).
    base_dir
        The folder relative paths are relative to (default: the working folder).

    Raises
    ------
    FogwalkError
        If the name is unknown (the message lists the known names), the file is
        missing or unreadable, or the formula is bad.
    """
    if domain is not None:
        domain = check_domain(domain)
    if isinstance(surface, os.PathLike):
        return _load_file(_resolve(os.fspath(surface), base_dir), domain)
    if not isinstance(surface, str):
        if isinstance(surface, Surface):
            return surface if domain is None else _with_domain(surface, domain)
        raise FogwalkError(f"not a surface: {surface!r}")
    text = surface.strip()
    key = text.lower().replace("-", "_")
    if key in _SURFACES:
        builtin = _SURFACES[key]
        return builtin if domain is None else _with_domain(builtin, domain)
    from .loaders import has_known_extension

    path = _resolve(text, base_dir)
    if text and (_names_file(path) or has_known_extension(text)):
        return _load_file(path, domain)
    return _formula(text, surface, domain)


def _resolve(text: str, base_dir: str | os.PathLike[str] | None) -> Path:
    path = Path(text)
    with contextlib.suppress(RuntimeError):  # ~ or ~user without a home: text, not a file
        path = path.expanduser()
    if base_dir is not None and not path.is_absolute():
        path = Path(base_dir) / path
    return path


def _names_file(path: Path) -> bool:
    """Whether ``path`` is something other than a folder: a file, or a FIFO, device or link
    loop that loading then refuses with its own message (not "bad formula '/dev/zero'")."""
    try:
        return not stat.S_ISDIR(os.stat(path).st_mode)
    except OSError as error:  # a long formula is a file name too long for the system
        return error.errno == errno.ELOOP
    except ValueError:  # a NUL in the text
        return False


def _remember(kind: str, key: tuple[object, ...], make: Callable[[], Surface]) -> Surface:
    recent = _RECENT[kind]
    with _RECENT_LOCK:  # the window's loading and engine threads ask too
        if key in recent:
            recent.move_to_end(key)
            return recent[key]
    made = make()  # outside the lock: a slow file holds up no other thread
    with _RECENT_LOCK:
        recent[key] = made
        while len(recent) > _RECENT_SIZE[kind]:
            recent.popitem(last=False)
    return made


def _load_file(path: Path, domain: Domain | None) -> Surface:
    from .loaders import check_regular, load_surface

    status = check_regular(path)  # before anything opens it: a FIFO would block
    key = (str(path), status.st_mtime_ns, status.st_size, domain)
    return _remember("file", key, lambda: load_surface(path, domain=domain))


def _formula(text: str, original: str, domain: Domain | None) -> Surface:
    from .formula import formula_surface

    if text.isidentifier() and text not in ("x", "y", "pi", "e"):
        known = ", ".join(surface_names())
        raise FogwalkError(
            f"unknown surface {original!r}; known surfaces: {known} (or give a file, or a "
            "formula in x and y such as 'x^2 + 3*y^2')"
        )
    return _remember("formula", (text, domain), lambda: formula_surface(text, domain))


def _with_domain(surface: Surface, domain: Domain) -> Surface:
    """A built-in (or other symbolic surface) shown over another domain."""
    if not isinstance(surface, SymbolicSurface):
        raise FogwalkError(f"the domain of {surface.name} comes from its data and cannot be set")
    xmin, xmax, ymin, ymax = domain
    sx, sy = surface.start
    inside = xmin <= sx <= xmax and ymin <= sy <= ymax
    start = surface.start if inside else ((xmin + xmax) / 2, (ymin + ymax) / 2)
    return dataclasses.replace(surface, domain=domain, start=start)
