"""Real neural-network loss landscapes: the HDF5 files of Li et al. (2018), and trajectories.

The files are those written by github.com/tomgoldstein/loss-landscape ("Visualizing the
Loss Landscape of Neural Nets", NeurIPS 2018): ``plot_surface.py`` writes a surface file,
``plot_trajectory.py`` (via ``projection.py``) a projection file.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..errors import FogwalkError
from .grid import GridSurface
from .loaders import check_cells, loader, make_grid

if TYPE_CHECKING:
    import h5py

HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
DEFAULT_DATASET = "train_loss"
# crunch() in plot_surface.py creates each result array as -np.ones(shape) and fills it in
# as the values are computed: a -1 is a cell not computed yet.
NOT_COMPUTED = -1.0


@contextlib.contextmanager
def _open(path: Path) -> Iterator:
    import h5py  # h5py's import is slow: only when a file is opened

    try:
        with h5py.File(path, "r") as file:
            yield file
    except OSError as error:  # not HDF5, truncated, locked
        reason = " ".join(str(error).split()) or "unreadable"
        raise FogwalkError(f"{path}: not a readable HDF5 file ({reason})") from None
    except RuntimeError as error:  # HDF5's own failures, such as a loop of soft links
        reason = " ".join(str(error).split()) or "unreadable"
        raise FogwalkError(f"{path}: a broken HDF5 file ({reason})") from None


def _item(path: Path, file: h5py.File, name: str) -> object | None:
    """The object ``name`` links to, or None for a link that leads nowhere (dangling, a loop).

    External links are not followed: they would open another file, which could be
    anything (a FIFO blocks), named by the file being read.
    """
    import h5py

    link = file.get(name, getlink=True)
    if isinstance(link, h5py.ExternalLink):
        return None
    try:
        return file[name]
    except (KeyError, RuntimeError, OSError):
        return None


def _dataset(path: Path, file: h5py.File, name: str) -> h5py.Dataset:
    """A dataset at the top of the file, refused if it is a broken link, not a dataset or
    holds more than ``MAX_CELLS`` values (checked from its shape before reading it)."""
    import h5py

    item = _item(path, file, name)
    if item is None:
        raise FogwalkError(f"{path}: {name} is a link that leads to no dataset")
    if not isinstance(item, h5py.Dataset):
        raise FogwalkError(f"{path}: {name} is a group, not a dataset")
    check_cells(path, item.shape, name)
    return item


def _axes(path: Path, file: h5py.File) -> tuple[np.ndarray, np.ndarray]:
    if "xcoordinates" not in file:
        if "proj_xcoord" in file:
            raise FogwalkError(
                f"{path}: a projected training trajectory (proj_xcoord, proj_ycoord), not a "
                "surface; open it as a trajectory"
            )
        found = ", ".join(file.keys()) or "nothing"
        raise FogwalkError(f"{path}: not a loss-landscape surface file: no xcoordinates ({found})")
    if "ycoordinates" not in file:
        raise FogwalkError(f"{path}: a 1-D loss curve (no ycoordinates), not a surface")
    x = np.asarray(_dataset(path, file, "xcoordinates")[()], dtype=float).ravel()
    y = np.asarray(_dataset(path, file, "ycoordinates")[()], dtype=float).ravel()
    check_cells(path, (y.size, x.size), "the grid of xcoordinates and ycoordinates")
    return x, y


def _surface_names(file: h5py.File, size: int) -> list[str]:
    import h5py

    items = {name: _item(Path(file.filename), file, name) for name in file}  # no broken links
    return [
        name
        for name, item in items.items()
        if isinstance(item, h5py.Dataset)
        and item.ndim == 2
        and item.size == size
        and item.dtype.kind in "biuf"
    ]


def list_datasets(path: str | Path) -> list[str]:
    """The 2-D datasets of a loss-landscape surface file, one grid value per (x, y) pair.

    Parameters
    ----------
    path
        A surface file written by loss-landscape's ``plot_surface.py``.

    Returns
    -------
    list of str
        Such as ``["test_acc", "test_loss", "train_acc", "train_loss"]``.

    Raises
    ------
    FogwalkError
        If the file is unreadable or not a 2-D surface file.
    """
    path = Path(path)
    with _open(path) as file:
        x, y = _axes(path, file)
        return _surface_names(file, x.size * y.size)


@loader(
    "Loss landscape (HDF5)",
    ["*.h5", "*.hdf5"],
    lambda head: head.startswith(HDF5_MAGIC),
    priority=20,
    options=("dataset", "height_scale"),
)
def load_landscape(
    path: Path, *, dataset: str | None = None, height_scale: float | None = None
) -> GridSurface:
    """One dataset of a loss-landscape surface file (default ``train_loss``).

    The axes are ``xcoordinates`` and ``ycoordinates`` (the multiples of the two
    direction vectors); cells still -1 (not computed) are holes.
    """
    import h5py

    name = DEFAULT_DATASET if dataset is None else dataset
    with _open(path) as file:
        x, y = _axes(path, file)
        available = _surface_names(file, x.size * y.size)
        if name not in available:
            listed = ", ".join(available) or "none"
            linked = file.get(name, getlink=True) is not None
            dangling = linked and _item(path, file, name) is None
            item = None if dangling or not linked else _item(path, file, name)
            if isinstance(item, h5py.Dataset):  # there, but not on the grid
                shape = " x ".join(map(str, item.shape))
                why = f" ({name} is {shape}, not the {y.size} x {x.size} of the coordinates)"
            else:
                why = " (a link that leads to no dataset)" if dangling else ""
            raise FogwalkError(f"{path}: no 2-D dataset {name!r}{why}; it has: {listed}")
        raw = np.asarray(_dataset(path, file, name)[()], dtype=float)
    # The layout, from loss-landscape's own source (plot_surface.py, scheduler.py):
    #   crunch():  shape = (len(xcoordinates), len(ycoordinates)); losses = -np.ones(shape)
    #              ...  losses.ravel()[ind] = loss
    #   get_unplotted_indices():  xcoord_mesh, ycoord_mesh = np.meshgrid(xcoordinates,
    #              ycoordinates); s1 = xcoord_mesh.ravel()[inds]; s2 = ycoord_mesh.ravel()[inds]
    # so flat index ind holds the loss at (x[ind % nx], y[ind // nx]): the values run in
    # meshgrid order, row-major over (ny, nx), even though the array is declared (nx, ny).
    # For a square grid that is simply Z[iy, ix], as plot_2D.py and h52vtp.py use it with
    # np.meshgrid(x, y); for a non-square one it is a reshape, not a transpose.
    z = raw.ravel().reshape(y.size, x.size)
    computed = np.isfinite(z) & (z != NOT_COMPUTED)
    if not computed.any():
        raise FogwalkError(f"{path}: no value of {name} has been computed yet (all -1)")
    z = np.where(computed, z, np.nan)
    notes = [f"dataset {name} of {', '.join(available)}"]
    if not computed.all():
        notes.append(f"{z.size - int(computed.sum())} cells not computed yet (-1)")
    label = path.name if name == DEFAULT_DATASET else f"{path.name} [{name}]"
    return make_grid(path, x, y, z, notes=notes, label=label, height_scale=height_scale)


def load_projection(path: str | Path) -> np.ndarray:
    """A training trajectory projected onto the landscape's plane: the path to draw as a ghost.

    ``projection.project_trajectory`` writes one point per checkpoint, in
    training order, as the datasets ``proj_xcoord`` and ``proj_ycoord`` (in the
    units of the surface file's ``xcoordinates`` and ``ycoordinates``).

    Parameters
    ----------
    path
        A projection file (``..._proj_cos.h5``).

    Returns
    -------
    (n, 2) float array
        ``x, y`` of each checkpoint.

    Raises
    ------
    FogwalkError
        If the file is unreadable, lacks the datasets, or they disagree or are not finite.
    """
    path = Path(path)
    if not path.is_file():
        raise FogwalkError(f"no such file: {path}")
    with _open(path) as file:
        if "proj_xcoord" not in file or "proj_ycoord" not in file:
            found = ", ".join(file.keys()) or "nothing"
            message = f"{path}: not a projection file: no proj_xcoord, proj_ycoord ({found})"
            raise FogwalkError(message)
        try:
            xs = np.asarray(file["proj_xcoord"][()], dtype=float).ravel()
            ys = np.asarray(file["proj_ycoord"][()], dtype=float).ravel()
        except (TypeError, ValueError) as error:
            raise FogwalkError(f"{path}: the projections are not numbers ({error})") from None
    if xs.size != ys.size or xs.size == 0:
        raise FogwalkError(f"{path}: {xs.size} x and {ys.size} y projections")
    points = np.column_stack([xs, ys])
    if not np.isfinite(points).all():
        raise FogwalkError(f"{path}: the trajectory has non-finite points")
    return points
