"""Start patterns: several walkers placed around one point (a row, a grid, a random cloud)."""

from __future__ import annotations

import math

import numpy as np

from .errors import FogwalkError

START_KINDS = ("single", "row", "grid", "random")
SPREAD = 0.1  # a pattern spans this share of the domain's longer side


def start_pattern(
    kind: str,
    center: tuple[float, float],
    count: int,
    domain: tuple[float, float, float, float],
    seed: int = 0,
) -> tuple[tuple[float, float], ...]:
    """Start points around ``center``, clipped to ``domain``.

    Parameters
    ----------
    kind
        ``"single"``: the centre alone (``count`` is ignored); ``"row"``:
        ``count`` points on a horizontal line a tenth of the domain wide;
        ``"grid"``: ``ceil(sqrt(count))**2`` points on a square of that side;
        ``"random"``: ``count`` points uniform in that square.
    center
        ``(x, y)`` the pattern is centred on.
    count
        How many walkers (at least 1).
    domain
        ``(xmin, xmax, ymin, ymax)``; points outside are moved onto its edge.
    seed
        Seed of ``"random"``: the same click gives the same cloud.

    Returns
    -------
    tuple of (x, y)
        Plain floats, ready for :class:`~fogwalk.core.scene.Scene`.

    Examples
    --------
    >>> start_pattern("row", (0.0, 0.0), 3, (-5.0, 5.0, -5.0, 5.0))
    ((-0.5, 0.0), (0.0, 0.0), (0.5, 0.0))
    """
    if kind not in START_KINDS:
        raise FogwalkError(f"start pattern {kind!r} is not one of: {', '.join(START_KINDS)}")
    if isinstance(count, bool) or not isinstance(count, int | np.integer) or count < 1:
        raise FogwalkError(f"a start pattern needs a count of at least 1, got {count!r}")
    xmin, xmax, ymin, ymax = domain
    side = SPREAD * max(xmax - xmin, ymax - ymin)
    if kind == "single":
        offsets = np.zeros((1, 2))
    elif kind == "row":
        offsets = np.zeros((count, 2))
        offsets[:, 0] = _spaced(count, side)
    elif kind == "grid":
        n = math.isqrt(count - 1) + 1  # ceil(sqrt(count)) without float rounding
        ox, oy = np.meshgrid(_spaced(n, side), _spaced(n, side))
        offsets = np.stack([ox.ravel(), oy.ravel()], axis=1)
    else:
        offsets = np.random.default_rng(seed).uniform(-side / 2, side / 2, size=(count, 2))
    points = np.asarray(center, dtype=float) + offsets
    points[:, 0] = np.clip(points[:, 0], xmin, xmax)
    points[:, 1] = np.clip(points[:, 1], ymin, ymax)
    return tuple((float(x), float(y)) for x, y in points)


def _spaced(n: int, side: float) -> np.ndarray:
    """``n`` evenly spaced offsets across ``side``, centred on 0 (just 0 when ``n`` is 1)."""
    return np.linspace(-side / 2, side / 2, n) if n > 1 else np.zeros(1)
