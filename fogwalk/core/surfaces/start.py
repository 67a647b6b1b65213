"""Checks and defaults shared by user-made surfaces: a valid domain and a start on a slope."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from ..errors import FogwalkError
from .base import Domain

START_PERCENTILE = 80.0


def check_domain(domain: Iterable[float]) -> Domain:
    """``(xmin, xmax, ymin, ymax)`` as floats, finite and increasing.

    Raises
    ------
    FogwalkError
        If it is not four finite numbers with ``xmin < xmax`` and ``ymin < ymax``.
    """
    try:
        values = tuple(float(v) for v in domain)
    except (TypeError, ValueError):
        values = ()
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise FogwalkError(f"a domain is four finite numbers XMIN,XMAX,YMIN,YMAX, got {domain!r}")
    xmin, xmax, ymin, ymax = values
    if not (xmin < xmax and ymin < ymax):
        raise FogwalkError(f"a domain needs XMIN < XMAX and YMIN < YMAX, got {values}")
    return values


def pick_start(x: np.ndarray, y: np.ndarray, values: np.ndarray) -> tuple[float, float]:
    """A start point part-way up the surface, from samples on a grid.

    A hiker placed on the highest point of a map usually stands on a peak,
    where the slope is zero and nothing happens; the lowest point is the end
    of the walk. So the start is the sample whose value lies nearest the 80th
    percentile of the finite values, ties going to the sample nearest the
    centre. Samples on the grid's border are used only if no inner one is
    finite (walking off a sampled map ends a walk). NaN values are skipped; if
    every value is NaN the centre is returned.

    Parameters
    ----------
    x, y, values
        Samples on a grid, all of one 2-D shape ``(ny, nx)``.

    Returns
    -------
    tuple of float
        The chosen sample's ``(x, y)``.
    """
    x, y, values = (np.asarray(a, dtype=float) for a in (x, y, values))
    centre = (float(x.min() + x.max()) / 2, float(y.min() + y.max()) / 2)
    inner = np.zeros(values.shape, dtype=bool)
    if values.ndim == 2 and min(values.shape) >= 3:
        inner[1:-1, 1:-1] = True
    finite = np.isfinite(values)
    usable = finite & inner if (finite & inner).any() else finite
    if not usable.any():
        return centre
    level = np.percentile(values[usable], START_PERCENTILE)
    away = np.abs(values - level)
    # Within a thousandth of the value range counts as a tie: then nearest the centre wins.
    span = float(np.ptp(values[usable]))
    close = usable & (away <= away[usable].min() + 1e-3 * span)
    distance = np.hypot(x - centre[0], y - centre[1])
    best = np.flatnonzero(close.ravel())[np.argmin(distance.ravel()[close.ravel()])]
    return float(x.ravel()[best]), float(y.ravel()[best])
