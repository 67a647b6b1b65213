"""Where FogWalk's bundled files (shaders, icons, scenarios) are, installed or not."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parents[1]


def resource_dir() -> Path:
    """The resources folder: ``fogwalk/resources`` in an installed wheel, else the source tree's."""
    installed = _PACKAGE / "resources"
    return installed if installed.is_dir() else _PACKAGE.parent / "resources"


def resource_path(*parts: str) -> Path:
    """A bundled file, e.g. ``resource_path("icons", "fogwalk.svg")``."""
    path = resource_dir().joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"FogWalk resource {'/'.join(parts)} is missing from {path.parent}")
    return path
