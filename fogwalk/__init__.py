"""FogWalk: gradient descent seen from the inside, as hikers walking down a fog-bound surface."""

from .core import (
    Engine,
    FogwalkError,
    Optimizer,
    Run,
    Status,
    Surface,
    get_surface,
    make_optimizer,
    optimizer_names,
    simulate,
    surface_names,
)

__version__ = "0.1.0"

__all__ = [
    "Engine",
    "FogwalkError",
    "Optimizer",
    "Run",
    "Status",
    "Surface",
    "__version__",
    "get_surface",
    "make_optimizer",
    "optimizer_names",
    "simulate",
    "surface_names",
]
