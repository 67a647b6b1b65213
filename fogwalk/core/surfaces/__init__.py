"""Loss surfaces: the protocol, the built-ins, formulas, sampled grids, files and the registry."""

from . import array_files as _array_files  # noqa: F401  (each registers its file loaders)
from . import builtin as _builtin  # noqa: F401  (registers the built-ins)
from . import image_files as _image_files  # noqa: F401
from . import landscape_files as _landscape_files  # noqa: F401
from .base import Minimum, Surface, SymbolicSurface
from .formula import formula_surface, parse_formula
from .grid import GridSurface
from .landscape_files import list_datasets, load_projection
from .loaders import Loader, load_surface, loader, loader_filters, loaders
from .registry import get_surface, register_surface, surface_names

__all__ = [
    "GridSurface",
    "Loader",
    "Minimum",
    "Surface",
    "SymbolicSurface",
    "formula_surface",
    "get_surface",
    "list_datasets",
    "load_projection",
    "load_surface",
    "loader",
    "loader_filters",
    "loaders",
    "parse_formula",
    "register_surface",
    "surface_names",
]
