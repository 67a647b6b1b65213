"""The one registry of surface file loaders: what each reads, how it is recognised, loading."""

from __future__ import annotations

import errno
import fnmatch
import os
import stat
import tokenize
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike

from ..errors import FogwalkError
from .base import Domain, Surface
from .grid import GridSurface
from .start import check_domain

SNIFF_BYTES = 4096
# The most cells a file may hold: 8192^2 (a big DEM), 512 MB of float64, read and shrunk to
# the 1024^2 the renderer shows in seconds. A loader checks the shape its header claims before
# reading any data, so a file that claims 50,000^2 cells is refused at once.
MAX_SIDE_READ = 8192
MAX_CELLS = MAX_SIDE_READ * MAX_SIDE_READ
# Text grids (CSV, ESRI ASCII) have no header to trust: their size in bytes is checked first.
MAX_TEXT_BYTES = 1 << 30
OPTIONS = ("domain", "height_scale", "dataset")


@dataclass(frozen=True)
class Loader:
    """A registered file format.

    Attributes
    ----------
    label
        What the format is, for people ("NumPy array").
    patterns
        File-name patterns such as ``"*.npy"``, lower case.
    load
        ``load(path, **options) -> Surface``, taking only the options it accepts.
    sniff
        ``sniff(head) -> bool`` on the file's first :data:`SNIFF_BYTES` bytes:
        whether they look like this format.
    priority
        Higher is asked first, so a strict sniffer goes before a lenient one.
    options
        Which of ``domain``, ``height_scale`` and ``dataset`` apply.
    """

    label: str
    patterns: tuple[str, ...]
    load: Callable[..., Surface]
    sniff: Callable[[bytes], bool]
    priority: int
    options: frozenset[str]

    def matches_name(self, path: Path) -> bool:
        return any(fnmatch.fnmatch(path.name.lower(), pattern) for pattern in self.patterns)


_LOADERS: list[Loader] = []


def loader(
    label: str,
    patterns: tuple[str, ...] | list[str],
    sniff: Callable[[bytes], bool],
    *,
    priority: int = 0,
    options: tuple[str, ...] = ("height_scale",),
) -> Callable[[Callable[..., Surface]], Callable[..., Surface]]:
    """Register the decorated function as the loader of a file format (as glue's factories).

    Parameters
    ----------
    label, patterns, sniff, priority, options
        See :class:`Loader`.

    Examples
    --------
    >>> @loader("Elevation text", ["*.elev"], lambda head: head.startswith(b"ELEV"))
    ... def load_elev(path, *, height_scale=None):
    ...     ...
    """
    unknown = set(options) - set(OPTIONS)
    if unknown:
        raise ValueError(f"unknown loader options {sorted(unknown)}; valid: {OPTIONS}")

    def register(function: Callable[..., Surface]) -> Callable[..., Surface]:
        entry = Loader(
            label,
            tuple(p.lower() for p in patterns),
            function,
            sniff,
            priority,
            frozenset(options),
        )
        _LOADERS.append(entry)
        _LOADERS.sort(key=lambda item: -item.priority)  # stable: equal priorities keep order
        return function

    return register


def loaders() -> list[Loader]:
    """Every registered loader, in the order they are asked (highest priority first)."""
    return list(_LOADERS)


def file_patterns() -> tuple[str, ...]:
    """Every registered file pattern (``"*.npy"``, ...), each once."""
    return tuple(dict.fromkeys(p for entry in _LOADERS for p in entry.patterns))


def has_known_extension(name: str) -> bool:
    """Whether ``name`` ends as a registered file pattern: it names a file, not a formula."""
    return any(fnmatch.fnmatch(name.strip().lower(), pattern) for pattern in file_patterns())


def loader_filters() -> list[str]:
    """File dialog filters in Qt's syntax, built from the registry.

    Returns
    -------
    list of str
        ``"All surfaces (*.npy *.npz ...)"`` first, then one filter per format
        such as ``"NumPy array (*.npy)"``, then ``"All files (*)"``.
    """
    filters = [f"All surfaces ({' '.join(file_patterns())})"]
    filters += [f"{entry.label} ({' '.join(entry.patterns)})" for entry in _LOADERS]
    return [*filters, "All files (*)"]


def check_cells(path: Path, shape: tuple[int, ...], what: str = "") -> None:
    """Refuse a grid of ``shape`` with more than :data:`MAX_CELLS` cells, before reading it.

    Raises
    ------
    FogwalkError
        Naming the file, the shape and the limit.
    """
    cells = 1
    for side in shape:
        cells *= int(side)
    if cells > MAX_CELLS:
        size = " x ".join(str(int(side)) for side in shape)
        raise FogwalkError(
            f"{path}: {what or 'the grid'} has {size} = {cells:,} cells, more than the "
            f"{MAX_CELLS:,} ({MAX_SIDE_READ} x {MAX_SIDE_READ}) FogWalk reads"
        )


def check_text_size(path: Path) -> None:
    """Refuse a text grid of more than :data:`MAX_TEXT_BYTES` bytes, before reading it."""
    size = path.stat().st_size
    if size > MAX_TEXT_BYTES:
        raise FogwalkError(
            f"{path}: {size:,} bytes of text, more than the {MAX_TEXT_BYTES:,} FogWalk reads"
        )


def check_regular(path: Path) -> os.stat_result:
    """The file's status, if it is a regular file (checked before it is opened).

    A FIFO, a device (``/dev/zero``, ``/dev/stdin``) or a socket would block or
    never end when read: they are refused, as are folders and symlink loops.

    Raises
    ------
    FogwalkError
        Naming the path and what it is instead.
    """
    try:
        status = os.stat(path)
    except FileNotFoundError:
        raise FogwalkError(f"no such file: {path}") from None
    except (OSError, ValueError) as error:
        if getattr(error, "errno", None) == errno.ELOOP:
            raise FogwalkError(f"{path}: a loop of symbolic links, not a file") from None
        reason = getattr(error, "strerror", None) or str(error)
        raise FogwalkError(f"cannot read {path}: {reason}") from None
    if stat.S_ISDIR(status.st_mode):
        raise FogwalkError(f"{path} is a folder, not a surface file")
    if not stat.S_ISREG(status.st_mode):
        kind = (
            "a FIFO (named pipe)"
            if stat.S_ISFIFO(status.st_mode)
            else "a socket"
            if stat.S_ISSOCK(status.st_mode)
            else "a device"
        )
        raise FogwalkError(f"{path} is {kind}, not a regular file: FogWalk reads only files")
    return status


def _check_file(path: Path) -> bytes:
    check_regular(path)
    try:
        with path.open("rb") as stream:
            head = stream.read(SNIFF_BYTES)
    except OSError as error:
        raise FogwalkError(f"cannot read {path}: {error.strerror or error}") from None
    if not head:
        raise FogwalkError(f"{path} is empty")
    return head


def find_loader(path: str | Path) -> Loader:
    """The loader for a file: the first whose sniffer accepts its first bytes, else by name.

    Raises
    ------
    FogwalkError
        If the file is missing, unreadable or empty, or no loader knows it.
    """
    path = Path(path)
    head = _check_file(path)
    for entry in _LOADERS:
        if entry.sniff(head):
            return entry
    for entry in _LOADERS:
        if entry.matches_name(path):
            return entry
    known = ", ".join(f"{e.label} ({' '.join(e.patterns)})" for e in _LOADERS)
    raise FogwalkError(f"{path}: not a surface file FogWalk can read; it reads {known}")


# What a broken or mislabelled file makes the libraries raise; anything else is a bug.
_READ_ERRORS = (
    OSError,
    ValueError,
    EOFError,
    KeyError,
    IndexError,
    TypeError,
    OverflowError,
    SyntaxError,  # a NumPy header is a Python literal: a broken one fails to parse
    tokenize.TokenError,
    UnicodeError,
    zipfile.BadZipFile,
)


def load_surface(
    path: str | Path,
    *,
    domain: Domain | None = None,
    height_scale: float | None = None,
    dataset: str | None = None,
) -> Surface:
    """Read a surface file with the registered loader that recognises it.

    The file's first bytes decide first (a PNG named ``.npy`` is read as a
    PNG), its name second. Nothing in a file is ever executed (NumPy files are
    read with ``allow_pickle=False``).

    Parameters
    ----------
    path
        The file.
    domain
        ``(xmin, xmax, ymin, ymax)`` for formats without coordinates (``.npy``,
        a ``.csv`` matrix, images); default per format.
    height_scale
        Multiplies the heights; for integer images, the height of full white.
    dataset
        Which 2-D dataset of an HDF5 loss-landscape file (default
        ``train_loss``); see :func:`~fogwalk.core.surfaces.landscape_files.list_datasets`.

    Returns
    -------
    Surface
        Usually a :class:`~fogwalk.core.surfaces.grid.GridSurface` named by the path.

    Raises
    ------
    FogwalkError
        Naming the file and the reason: missing, empty, truncated, not what its
        name says, without finite data, or given an option its format lacks.
    """
    path = Path(path)
    entry = find_loader(path)
    given = {"domain": domain, "height_scale": height_scale, "dataset": dataset}
    given = {key: value for key, value in given.items() if value is not None}
    for key in given:
        if key not in entry.options:
            raise FogwalkError(f"{path}: {key} does not apply to a {entry.label} file")
    try:
        return entry.load(path, **given)
    except FogwalkError:
        raise
    except MemoryError:
        raise FogwalkError(f"{path}: too large to read into memory") from None
    except _READ_ERRORS as error:
        reason = " ".join(str(error).split()) or type(error).__name__  # one line
        reason = reason if len(reason) <= 200 else reason[:197] + "..."
        raise FogwalkError(f"{path}: not a valid {entry.label} file ({reason})") from None


def index_axes(shape: tuple[int, int], domain: Domain | None) -> tuple[np.ndarray, np.ndarray, str]:
    """Node positions for a bare ``(ny, nx)`` array: ``domain`` spread evenly, else indices.

    A bare array has no coordinates, so by default node ``(ix, iy)`` sits at
    ``x = ix, y = iy``: the domain is ``[0, nx - 1] x [0, ny - 1]``.

    Returns
    -------
    x, y, note
        The axes and a note saying which was used.
    """
    ny, nx = shape
    if domain is None:
        note = f"no coordinates in the file: x = 0..{nx - 1}, y = 0..{ny - 1} (node indices)"
        return np.arange(nx, dtype=float), np.arange(ny, dtype=float), note
    xmin, xmax, ymin, ymax = check_domain(domain)
    note = f"domain [{xmin:g}, {xmax:g}] x [{ymin:g}, {ymax:g}] given"
    return np.linspace(xmin, xmax, nx), np.linspace(ymin, ymax, ny), note


def make_grid(
    path: Path,
    x: ArrayLike,
    y: ArrayLike,
    z: ArrayLike,
    *,
    notes: list[str] | tuple[str, ...] = (),
    label: str = "",
    height_scale: float | None = None,
) -> GridSurface:
    """A :class:`GridSurface` from a file's data, with every problem blamed on the file.

    Axes that decrease (a map stored north to south) are turned round along
    with ``z``; heights are multiplied by ``height_scale`` (default 1); missing
    nodes are counted in the notes.
    """
    x = np.asarray(x, dtype=float).ravel()
    y = np.asarray(y, dtype=float).ravel()
    z = np.asarray(z, dtype=float)
    if z.ndim == 2 and z.shape == (y.size, x.size):
        if x.size > 1 and (np.diff(x) < 0).all():
            x, z = x[::-1], z[:, ::-1]
        if y.size > 1 and (np.diff(y) < 0).all():
            y, z = y[::-1], z[::-1]
    scale = 1.0 if height_scale is None else _check_scale(height_scale)
    notes = list(notes)
    if scale != 1:
        with np.errstate(all="ignore"):
            z = z * scale
    missing = int(np.count_nonzero(~np.isfinite(z)))
    if missing and missing < z.size:
        notes.append(f"{missing} of {z.size} nodes have no data: holes")
    try:
        return GridSurface(
            x,
            y,
            z,
            name=str(path),
            label=label or path.name,
            description=f"{path.name}: {z.shape[-1]} x {z.shape[0]} grid",
            source=str(path),
            notes=notes,
        )
    except FogwalkError as error:
        raise FogwalkError(f"{path}: {error}") from None


def _check_scale(height_scale: float | str) -> float:
    try:
        scale = float(height_scale)
    except (TypeError, ValueError):
        scale = float("nan")
    if not np.isfinite(scale) or scale == 0:
        raise FogwalkError(f"height_scale must be a finite non-zero number, got {height_scale!r}")
    return scale
