"""Loaders for plain numeric grids: NumPy ``.npy`` and ``.npz`` files and CSV text."""

from __future__ import annotations

import re
import tokenize
from pathlib import Path
from typing import IO

import numpy as np

from ..errors import FogwalkError
from .base import Domain
from .grid import GridSurface
from .loaders import SNIFF_BYTES, check_cells, check_text_size, index_axes, loader, make_grid

_NUMBER = re.compile(
    r"^[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|nan|inf|infinity)$", re.IGNORECASE
)
_MISSING = {"", "na", "n/a", "null", "none"}


def _read_header(stream: IO[bytes], path: Path, what: str) -> tuple[int, ...]:
    """The shape an array's header claims, checked before any data is read: the header must
    parse, the values be real numbers, and the cells at most ``MAX_CELLS`` (a header may
    claim any shape)."""
    try:
        version = np.lib.format.read_magic(stream)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(stream)
        else:
            shape, _, dtype = np.lib.format.read_array_header_2_0(stream)
    except (ValueError, SyntaxError, TypeError, tokenize.TokenError) as error:
        detail = error.args[0] if isinstance(error, tokenize.TokenError) else error
        reason = " ".join(str(detail).split())[:120] or type(error).__name__
        message = f"{path}: not a valid NumPy array file ({what} has a broken header: {reason})"
        raise FogwalkError(message) from None
    if dtype.kind not in "biuf":
        raise FogwalkError(f"{path}: {what} holds {dtype} values, not real numbers")
    check_cells(path, shape, what)
    return tuple(shape)


def _numeric(array: np.ndarray, path: Path, what: str) -> np.ndarray:
    kind = array.dtype.kind
    if kind not in "biuf":
        raise FogwalkError(f"{path}: {what} holds {array.dtype} values, not real numbers")
    return array.astype(float)


@loader(
    "NumPy array",
    ["*.npy"],
    lambda head: head.startswith(b"\x93NUMPY"),
    priority=20,
    options=("domain", "height_scale"),
)
def load_npy(
    path: Path, *, domain: Domain | None = None, height_scale: float | None = None
) -> GridSurface:
    """A 2-D array ``z[iy, ix]``, row 0 at the smallest y.

    Default domain: node indices, ``[0, nx - 1] x [0, ny - 1]``.
    """
    with path.open("rb") as stream:
        shape = _read_header(stream, path, "the array")
        if len(shape) != 2:
            raise FogwalkError(f"{path}: a surface is a 2-D array, this one has shape {shape}")
        stream.seek(0)
        # read_array checks the magic string and never unpickles: nothing in a file runs.
        z = np.lib.format.read_array(stream, allow_pickle=False)
    z = _numeric(z, path, "the array")
    x, y, note = index_axes(z.shape, domain)
    return make_grid(path, x, y, z, notes=[note], height_scale=height_scale)


def _axis(values: np.ndarray, path: Path, name: str, along: int) -> np.ndarray:
    """A 1-D axis, also from a 2-D meshgrid (``np.meshgrid(x, y)`` repeats it)."""
    if values.ndim == 2:
        line = values[0, :] if along == 1 else values[:, 0]
        expanded = line[None, :] if along == 1 else line[:, None]
        if not np.array_equal(np.broadcast_to(expanded, values.shape), values):
            raise FogwalkError(f"{path}: the 2-D array {name} is not a meshgrid of one axis")
        return line
    if values.ndim != 1:
        raise FogwalkError(f"{path}: {name} must be 1-D, got shape {values.shape}")
    return values


@loader(
    "NumPy arrays x, y, z",
    ["*.npz"],
    lambda head: head.startswith((b"PK\x03\x04", b"PK\x05\x06")),
    priority=20,
)
def load_npz(path: Path, *, height_scale: float | None = None) -> GridSurface:
    """Arrays ``x`` (nx,), ``y`` (ny,) and ``z[iy, ix]``, as ``np.meshgrid(x, y)`` lays them out.

    Names are matched case-insensitively; ``x`` and ``y`` may also be the 2-D
    arrays of a meshgrid. A decreasing axis is turned round.
    """
    with np.load(path, allow_pickle=False) as archive:
        names = {name.lower(): name for name in archive.files}
        absent = [key for key in "xyz" if key not in names]
        if absent:
            found = ", ".join(archive.files) or "none"
            raise FogwalkError(f"{path}: needs arrays x, y and z; it has {found}")
        for key in "xyz":  # only z is 2-D, but any array's header may claim a huge shape
            member = names[key] if names[key] in archive.zip.namelist() else names[key] + ".npy"
            with archive.zip.open(member) as stream:
                _read_header(stream, path, key)
        x, y, z = (_numeric(archive[names[key]], path, key) for key in "xyz")
    x, y = _axis(x, path, "x", 1), _axis(y, path, "y", 0)
    if z.ndim == 2 and z.shape == (x.size, y.size) != (y.size, x.size):
        raise FogwalkError(
            f"{path}: z has shape {z.shape} = (len(x), len(y)); it must be z[iy, ix] of "
            f"shape (len(y), len(x)) = {(y.size, x.size)}, as np.meshgrid(x, y) (save z.T)"
        )
    return make_grid(path, x, y, z, height_scale=height_scale)


def _sniff_csv(head: bytes) -> bool:
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    lines = text.splitlines()
    if len(head) >= SNIFF_BYTES:
        lines = lines[:-1]  # the last line may be cut short
    rows = [line for line in lines if line.strip() and not line.lstrip().startswith("#")][:6]
    if not rows:
        return False
    rows = rows[1:] if not _is_numeric_row(rows[0]) and _is_header(rows[0]) else rows
    return bool(rows) and all(_is_numeric_row(row) for row in rows)


def _fields(line: str, delimiter: str | None) -> list[str]:
    return [field.strip().strip("\"'") for field in line.split(delimiter)]


def _delimiter(line: str) -> str | None:
    return next((d for d in (",", ";", "\t") if d in line), None)


def _is_numeric_row(line: str) -> bool:
    fields = _fields(line, _delimiter(line))
    return any(_NUMBER.match(f) for f in fields) and all(
        _NUMBER.match(f) or f.lower() in _MISSING for f in fields
    )


def _is_header(line: str) -> bool:
    fields = _fields(line, _delimiter(line))
    return all(re.match(r"^[A-Za-z_][\w .()/-]*$", f) for f in fields)


def _parse_rows(path: Path, rows: list[tuple[int, str]], delimiter: str | None) -> np.ndarray:
    try:  # NumPy's C parser first (fast); on anything unusual the slow path says where
        table = np.loadtxt([line for _, line in rows], delimiter=delimiter, ndmin=2)
    except ValueError:
        pass
    else:
        if table.shape[0] == len(rows):
            return table
    width = None
    data = []
    for number, line in rows:
        fields = _fields(line, delimiter)
        if width is None:
            width = len(fields)
        elif len(fields) != width:
            raise FogwalkError(f"{path}: line {number} has {len(fields)} fields, not {width}")
        values = []
        for column, field in enumerate(fields, 1):
            if field.lower() in _MISSING:
                values.append(np.nan)
            elif _NUMBER.match(field):
                values.append(float(field))
            else:
                raise FogwalkError(
                    f"{path}: line {number}, field {column}: {field[:40]!r} is not a number"
                )
        data.append(values)
    return np.array(data, dtype=float)


def _full_grid(table: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """``x, y, z[iy, ix]`` if the three columns hold every (x, y) pair exactly once."""
    if table.shape[1] != 3 or not np.isfinite(table[:, :2]).all():
        return None
    x, ix = np.unique(table[:, 0], return_inverse=True)
    y, iy = np.unique(table[:, 1], return_inverse=True)
    if x.size < 2 or y.size < 2 or x.size * y.size != len(table):
        return None
    cell = iy * x.size + ix
    if np.unique(cell).size != cell.size:
        return None
    z = np.empty((y.size, x.size))
    z.ravel()[cell] = table[:, 2]
    return x, y, z


@loader(
    "CSV grid",
    ["*.csv", "*.txt"],
    _sniff_csv,
    priority=0,
    options=("domain", "height_scale"),
)
def load_csv(
    path: Path, *, domain: Domain | None = None, height_scale: float | None = None
) -> GridSurface:
    """A numeric matrix ``z[iy, ix]`` (row 0 at the smallest y), or rows of ``x, y, z``.

    Fields are separated by commas, semicolons, tabs or spaces; empty fields,
    ``nan`` and ``NA`` are missing data; ``#`` starts a comment line; a first
    line of names is a header. Three columns are ``x, y, z`` rows when they
    hold every ``(x, y)`` pair of a grid exactly once, in any order (a header
    naming the first two ``x`` and ``y`` demands it); anything else is a
    matrix, whose default domain is node indices (see :func:`index_axes`).
    """
    check_text_size(path)
    text = path.read_bytes().decode("utf-8-sig")
    rows = [
        (number, line)
        for number, line in enumerate(text.splitlines(), 1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if not rows:
        raise FogwalkError(f"{path}: no data rows")
    header = None
    if not _is_numeric_row(rows[0][1]):
        header = [f.lower() for f in _fields(rows[0][1], _delimiter(rows[0][1]))]
        rows = rows[1:]
    if not rows:
        raise FogwalkError(f"{path}: a header and no data rows")
    table = _parse_rows(path, rows, _delimiter(rows[0][1]))
    named_xyz = header is not None and len(header) == 3 and header[:2] == ["x", "y"]
    grid = _full_grid(table)
    if named_xyz and grid is None:
        raise FogwalkError(
            f"{path}: the x, y, z rows do not hold every (x, y) pair of a grid exactly once"
        )
    if grid is not None:
        if domain is not None:
            raise FogwalkError(f"{path}: domain does not apply to x, y, z rows (they have one)")
        return make_grid(path, *grid, notes=["x, y, z rows"], height_scale=height_scale)
    x, y, note = index_axes(table.shape, domain)
    notes = ["a matrix z[iy, ix]", note]
    return make_grid(path, x, y, table, notes=notes, height_scale=height_scale)
