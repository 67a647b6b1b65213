"""FogWalk's Qt-free core: surfaces, optimizers and the descent engine (NumPy, SciPy, SymPy)."""

from .engine import Engine, Run, Status, simulate
from .errors import FogwalkError
from .measurements import KINDS, Costs
from .optimizers import Optimizer, make_optimizer, optimizer_names
from .surfaces import Surface, get_surface, surface_names

__all__ = [
    "KINDS",
    "Costs",
    "Engine",
    "FogwalkError",
    "Optimizer",
    "Run",
    "Status",
    "Surface",
    "get_surface",
    "make_optimizer",
    "optimizer_names",
    "simulate",
    "surface_names",
]
