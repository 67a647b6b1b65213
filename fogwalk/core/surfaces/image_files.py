"""Loaders for terrain: heightmap images (PNG, TIFF) and ESRI ASCII elevation grids."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..errors import FogwalkError
from .base import Domain
from .grid import GridSurface
from .loaders import check_cells, check_text_size, loader, make_grid
from .start import check_domain

if TYPE_CHECKING:
    from PIL import Image

# Full scale of each integer mode: that grey is height_scale high. Older Pillow opened 16-bit
# PNGs as "I" (32-bit): those hold at most 65535 and are read as 16-bit.
_FULL_SCALE = {"L": 255, "I;16": 65535, "I;16L": 65535, "I;16B": 65535}
_GDAL_NODATA = 42113  # the TIFF tag GDAL writes a DEM's no-data value in


def _image_axes(shape: tuple[int, int], domain: Domain | None) -> tuple[np.ndarray, np.ndarray]:
    """Pixel centres: ``domain`` spread evenly, else square pixels, the long side [0, 1]."""
    ny, nx = shape
    if domain is not None:
        xmin, xmax, ymin, ymax = check_domain(domain)
        return np.linspace(xmin, xmax, nx), np.linspace(ymin, ymax, ny)
    step = 1.0 / (max(nx, ny) - 1) if max(nx, ny) > 1 else 1.0
    return np.arange(nx) * step, np.arange(ny) * step


def _heights(image: Image.Image, notes: list[str]) -> np.ndarray:
    """Heights in [0, 1] for integer images, as stored for float ones; NaN where transparent."""
    mode = image.mode
    alpha = None
    if mode in ("LA", "La", "RGBA", "RGBa", "PA"):
        alpha = np.asarray(image.getchannel("A"))
    if mode not in _FULL_SCALE and mode not in ("I", "F"):
        notes.append(f"a {mode} image: its brightness is the height")
        image = image.convert("L")
        mode = "L"
    values = np.asarray(image).astype(float)
    if mode == "F":
        notes.append("32-bit float image: heights as stored")
        nodata = image.tag_v2.get(_GDAL_NODATA) if hasattr(image, "tag_v2") else None
        if nodata is not None:
            with contextlib.suppress(ValueError):  # an unreadable tag is no no-data value
                values[values == float(str(nodata).strip("\x00 "))] = np.nan
    else:
        full = _FULL_SCALE.get(mode) or (65535 if np.nanmax(values) <= 65535 else 2**31 - 1)
        values /= full
        notes.append(f"{mode} image: grey {full} is height 1 (times height_scale)")
    if alpha is not None:
        values[alpha == 0] = np.nan
    return values


def _sniff_tiff(head: bytes) -> bool:
    return head.startswith((b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"))


@loader(
    "Heightmap image",
    ["*.png", "*.tif", "*.tiff"],
    lambda head: head.startswith(b"\x89PNG\r\n\x1a\n") or _sniff_tiff(head),
    priority=20,
    options=("domain", "height_scale"),
)
def load_image(
    path: Path, *, domain: Domain | None = None, height_scale: float | None = None
) -> GridSurface:
    """A greyscale heightmap: 8-bit, 16-bit (``I;16``) or 32-bit float (``F``).

    Row 0 of an image is its north (top) edge, at the largest y. Integer
    images map grey ``v`` to ``height_scale * v / full`` with ``full`` = 255 or
    65535 (the format's white); float images keep their values, times
    ``height_scale`` (default 1). Colour images use their brightness; fully
    transparent pixels and a GeoTIFF's no-data value are holes. Default
    domain: square pixels with the longer side spanning [0, 1].
    """
    from PIL import Image  # Pillow's import is slow: only when an image is opened

    notes: list[str] = []
    try:
        with Image.open(path) as image:
            width, height = image.size  # from the header: refuse a huge image before decoding
            check_cells(path, (height, width), "the image")
            image.load()  # decode now: a truncated file fails here, not later
            z = _heights(image, notes)
    except Image.DecompressionBombError as error:
        raise FogwalkError(f"{path}: {error}") from None
    if z.ndim != 2:
        raise FogwalkError(f"{path}: not a single-band image (shape {z.shape})")
    x, y = _image_axes(z.shape, domain)
    return make_grid(path, x, y, z[::-1], notes=notes, height_scale=height_scale)


def _sniff_asc(head: bytes) -> bool:
    return head.lstrip()[:5].lower() == b"ncols"


def _asc_header(path: Path, lines: list[str]) -> tuple[dict[str, float], int]:
    header: dict[str, float] = {}
    for count, line in enumerate(lines):
        parts = line.split()
        if not parts or parts[0][0].isdigit() or parts[0][0] in "+-.":
            return header, count
        if len(parts) != 2:
            raise FogwalkError(f"{path}: header line {count + 1} is not 'key value': {line!r}")
        try:
            header[parts[0].lower()] = float(parts[1])
        except ValueError:
            message = f"{path}: header {parts[0]} = {parts[1]!r} is not a number"
            raise FogwalkError(message) from None
    return header, len(lines)


@loader("ESRI ASCII grid", ["*.asc"], _sniff_asc, priority=10)
def load_asc(path: Path, *, height_scale: float | None = None) -> GridSurface:
    """An ESRI ASCII raster (``.asc``): a header, then rows from north to south.

    Header keys: ``ncols``, ``nrows``, ``xllcorner`` or ``xllcenter``,
    ``yllcorner`` or ``yllcenter``, ``cellsize``, and optionally
    ``NODATA_value``, whose cells are holes. Nodes sit at cell centres, in map
    units; heights are as stored, times ``height_scale`` (default 1).
    """
    check_text_size(path)
    lines = path.read_bytes().decode("ascii").splitlines()
    header, start = _asc_header(path, lines)
    absent = [k for k in ("ncols", "nrows", "cellsize") if k not in header]
    if absent or not ({"xllcorner", "xllcenter"} & set(header)):
        raise FogwalkError(f"{path}: the header lacks {', '.join(absent) or 'xllcorner'}")
    if not ({"yllcorner", "yllcenter"} & set(header)):
        raise FogwalkError(f"{path}: the header lacks yllcorner")
    ncols, nrows, cell = header["ncols"], header["nrows"], header["cellsize"]
    whole = all(np.isfinite(v) and v >= 1 and v == int(v) for v in (ncols, nrows))
    if not whole or not (np.isfinite(cell) and cell > 0):
        raise FogwalkError(
            f"{path}: ncols, nrows and cellsize must be positive (ncols and nrows whole "
            f"numbers), got ncols {ncols:g}, nrows {nrows:g}, cellsize {cell:g}"
        )
    nx, ny = int(ncols), int(nrows)
    check_cells(path, (ny, nx))
    values = np.array(" ".join(lines[start:]).split(), dtype=float)
    if values.size != nx * ny:
        cut = " (truncated?)" if values.size < nx * ny else ""
        raise FogwalkError(f"{path}: {values.size} values for {ny} x {nx} cells{cut}")
    z = values.reshape(ny, nx)
    if "nodata_value" in header:
        z[z == header["nodata_value"]] = np.nan
    x0 = header.get("xllcenter", header.get("xllcorner", 0.0) + cell / 2)
    y0 = header.get("yllcenter", header.get("yllcorner", 0.0) + cell / 2)
    x, y = x0 + cell * np.arange(nx), y0 + cell * np.arange(ny)
    notes = [f"cell size {cell:g} map units"]
    return make_grid(path, x, y, z[::-1], notes=notes, height_scale=height_scale)
