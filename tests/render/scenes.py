"""Scenes the rendering tests share: a flat terrain seen straight from above."""

import sympy as sp
from PySide6.QtGui import QVector3D

from fogwalk.core.scene import Fog
from fogwalk.core.surfaces import SymbolicSurface
from fogwalk.core.surfaces.base import X
from fogwalk.render.view import rgba

# Flat: the terrain lies at height 0, so a pixel's ground point is a ray-plane hit.
FLAT = SymbolicSurface("flat", sp.Integer(0) * X, (-5.0, 5.0, -5.0, 5.0))


def top_down(view) -> None:
    view.setCameraPosition(pos=QVector3D(0, 0, 0), distance=16, elevation=90, azimuth=-90)


FOG_RGB = rgba(Fog().color)[:3] * 255
