"""Loss surfaces: the protocol, the built-ins and the registry that names them."""

from . import builtin as _builtin  # noqa: F401  (registers the built-ins)
from .base import Minimum, Surface, SymbolicSurface
from .registry import get_surface, register_surface, surface_names

__all__ = [
    "Minimum",
    "Surface",
    "SymbolicSurface",
    "get_surface",
    "register_surface",
    "surface_names",
]
