"""The fog shader program: one per view, since pyqtgraph keeps uniform values on the program."""

from __future__ import annotations

import itertools

import numpy as np
from pyqtgraph.opengl import shaders

from ..core.resources import resource_path
from .mesh import CONTOURS, RELIEF, WORLD_SIZE

MAX_HIKERS = 16
MAX_MEMORY = 64
_serial = itertools.count()


def _source(name: str) -> str:
    return resource_path("shaders", name).read_text(encoding="utf-8")


class FogShader:
    """The terrain's shader and its uniforms: hiker positions, radius, softness, density,
    and the contour lines drawn on the ground (the map's levels, so that both read alike)."""

    def __init__(self) -> None:
        # pyqtgraph registers programs by name: a unique name keeps views independent.
        self.program = shaders.ShaderProgram(
            f"fogwalk-terrain-{next(_serial)}",
            [
                shaders.VertexShader(_source("terrain.vert")),
                shaders.FragmentShader(_source("terrain.frag")),
            ],
        )
        self.set_hikers(np.zeros((0, 2)))
        self.set_memory(np.zeros((0, 2)))
        self.set_fog(radius=1.0, softness=0.4, density=1.0, memory=0.0, rgb=(0.78, 0.82, 0.86))
        self.program["u_height"] = [RELIEF * WORLD_SIZE]
        self.set_contours(True)

    def set_contours(self, shown: bool) -> None:
        """Draw the map's contour levels on the ground (``CONTOURS`` lines), or none."""
        self.program["u_contours"] = [float(CONTOURS + 1) if shown else 0.0]

    def set_hikers(self, points: np.ndarray) -> None:
        """World (x, y) of every hiker the fog lifts around (at most MAX_HIKERS)."""
        self._set_points("u_hiker", points, MAX_HIKERS)

    def set_memory(self, points: np.ndarray) -> None:
        """World (x, y) of ground already measured, which stays faintly revealed."""
        self._set_points("u_memory", points, MAX_MEMORY)

    def _set_points(self, prefix: str, points: np.ndarray, capacity: int) -> None:
        points = np.asarray(points, dtype=np.float32).reshape(-1, 2)[:capacity]
        padded = np.zeros((capacity, 2), dtype=np.float32)
        padded[: len(points)] = points
        self.program[f"{prefix}_x"] = padded[:, 0]
        self.program[f"{prefix}_y"] = padded[:, 1]
        self.program[f"{prefix}_count"] = [float(len(points))]

    def set_fog(
        self, *, radius: float, softness: float, density: float, memory: float, rgb
    ) -> None:
        self.program["u_radius"] = [radius]
        self.program["u_softness"] = [max(softness, 1e-4)]
        self.program["u_density"] = [density]
        self.program["u_memory"] = [memory]
        self.program["u_fog_rgb"] = list(rgb)
