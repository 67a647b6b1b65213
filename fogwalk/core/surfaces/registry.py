"""The registry of named surfaces: built-ins register here, names resolve here."""

from __future__ import annotations

from ..errors import FogwalkError
from .base import Surface

_SURFACES: dict[str, Surface] = {}


def register_surface(surface: Surface) -> Surface:
    """Add ``surface`` under its name; a second surface with that name is an error."""
    if surface.name in _SURFACES:
        raise ValueError(f"surface {surface.name!r} is already registered")
    _SURFACES[surface.name] = surface
    return surface


def surface_names() -> list[str]:
    """Names of every registered surface, in registration order."""
    return list(_SURFACES)


def get_surface(surface: str | Surface) -> Surface:
    """Resolve a built-in name (or pass a surface object through).

    Raises
    ------
    FogwalkError
        If the name is unknown; the message lists the known names.
    """
    if not isinstance(surface, str):
        if isinstance(surface, Surface):
            return surface
        raise FogwalkError(f"not a surface: {surface!r}")
    key = surface.strip().lower().replace("-", "_")
    try:
        return _SURFACES[key]
    except KeyError:
        known = ", ".join(surface_names())
        raise FogwalkError(f"unknown surface {surface!r}; known surfaces: {known}") from None
