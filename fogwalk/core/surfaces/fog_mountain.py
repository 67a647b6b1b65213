"""FogWalk's own default scene: a mountain, a winding valley, lakes and one true bottom."""

from __future__ import annotations

import sympy as sp

from .base import Minimum, X, Y

# Coordinates along (U) and across (V) the diagonal from the summit down to the bottom.
_U = (X - Y) / sp.sqrt(2)
_V = (X + Y) / sp.sqrt(2)


def _bump(height: float, cx: float, cy: float, sigma: float) -> sp.Expr:
    """A Gaussian bump of ``height`` (negative: a hollow) centred on ``(cx, cy)``."""
    return height * sp.exp(-((X - cx) ** 2 + (Y - cy) ** 2) / (2 * sigma**2))


# A bowl centred near the bottom makes the land rise toward every edge of [-4, 4]^2.
_BOWL = 0.09 * ((X - 2) ** 2 + (Y + 2) ** 2)
_MOUNTAIN = _bump(4.5, -2.1, 2.1, 0.85)
# A trough of width 0.5 meandering as V = 1.1 sin(1.2 U); it fades beyond the summit so
# that no hollow hides behind the mountain.
_VALLEY = (
    -1.6
    * sp.exp(-((_U - 1) ** 2) / 18)
    * sp.exp(-((_V - 1.1 * sp.sin(1.2 * _U)) ** 2) / (2 * 0.5**2))
)
# Two lakes on the valley floor, a tarn on the mountain's flank, and the deep pool at the end.
_HOLLOWS = (
    _bump(-0.9, -1.2, -0.07, 0.35)
    + _bump(-0.7, 1.07, 0.08, 0.35)
    + _bump(-0.8, -0.2, 1.6, 0.35)
    + _bump(-2.0, 1.85, -1.82, 0.7)
)

EXPR: sp.Expr = _BOWL + _MOUNTAIN + _VALLEY + _HOLLOWS + 3.4

# Every local minimum in the domain, found with scipy.optimize.minimize (exact gradient)
# from a dense grid of starts and polished with sympy.nsolve.
MINIMA: tuple[Minimum, ...] = (
    Minimum(1.8497512672072938, -1.7917739930010124, 0.014223030856108402),  # the bottom
    Minimum(1.1187609371502651, 0.04806551672102915, 1.5352558210417433, False),  # lower lake
    Minimum(-1.0751111489918068, -0.12249429036960278, 2.4423198467161864, False),  # upper lake
    Minimum(-0.03768449663495508, 1.4544468387954081, 4.366174720263387, False),  # the tarn
)

# Just below the summit: with learning rates around 0.01-0.1, SGD ends in the tarn, RMSprop in the
# upper lake, Adam in the lower lake and momentum at the bottom.
START: tuple[float, float] = (-1.9, 2.1)
