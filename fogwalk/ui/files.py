"""Opening and saving from the window: scenarios, surface files, trajectories, recent files."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox, QWidget

from ..core.errors import FogwalkError
from ..core.export import VideoSettings
from ..core.scenario import save_scenario
from ..core.scene import Scene
from ..core.session import is_scenario, open_source, resolve_surface
from ..core.sizes import check_run_size
from ..core.surfaces import list_datasets, load_projection, loader_filters

SCENARIO_FILTER = "FogWalk scenario (*.toml)"
RECENT_KEY = "recent_files"
RECENT_COUNT = 8


def open_filters() -> str:
    """Scenarios first, then every surface format the loader registry knows."""
    surfaces = loader_filters()
    patterns = surfaces[0][surfaces[0].index("(") + 1 : -1]
    return ";;".join([f"Scenarios and surfaces (*.toml {patterns})", SCENARIO_FILTER, *surfaces])


def ask_dataset(path: str, parent: QWidget | None) -> str | None:
    """The dataset to show of a loss-landscape file with several (asked), else None.

    Raises FogwalkError("opening cancelled") when the user closes the question.
    """
    if is_scenario(path) or not path.lower().endswith((".h5", ".hdf5")):
        return None
    if not Path(path).is_file():  # a FIFO named .h5 would block here: loading says what it is
        return None
    names = list_datasets(path)
    if len(names) <= 1 or parent is None:
        return None
    name, ok = QInputDialog.getItem(
        parent, "Which surface?", f"{Path(path).name} holds:", names, 0, False
    )
    if not ok:
        raise FogwalkError("opening cancelled")
    return name


def scene_for_path(
    path: str, current: Scene, dataset: str | None = None
) -> tuple[Scene, VideoSettings | None]:
    """The scene that opening ``path`` leads to (a scenario, or the current scene on a surface),
    its surface read: the window runs this on its loading thread, so it touches no widget.

    Raises FogwalkError (with the file and the reason) when it cannot be opened.
    """
    opened = open_source(path, base=current, dataset=dataset)
    try:  # the window has no --steps to override a scenario's: refuse a run too big now
        check_run_size(opened.scene)
    except FogwalkError as error:
        raise FogwalkError(f"{path}: {error}") from None
    resolve_surface(opened.scene)  # the slow part, done here; the window then finds it cached
    return opened.scene, opened.settings if opened.scenario else None


def remember(path: str) -> list[str]:
    """Put ``path`` first in the recent files; returns the list."""
    settings = QSettings("FogWalk", "FogWalk")
    recent = [p for p in (settings.value(RECENT_KEY) or []) if p != path]
    recent = [path, *recent][:RECENT_COUNT]
    settings.setValue(RECENT_KEY, recent)
    return recent


def recent_files() -> list[str]:
    recent = QSettings("FogWalk", "FogWalk").value(RECENT_KEY) or []
    return [p for p in recent if Path(p).exists()]


def ask_open(parent: QWidget) -> str | None:
    path, _ = QFileDialog.getOpenFileName(parent, "Open scenario or surface", "", open_filters())
    return path or None


def ask_save(parent: QWidget, scene: Scene, settings: VideoSettings) -> str | None:
    """Ask where, then save atomically; returns the path, None when cancelled or failed."""
    path, _ = QFileDialog.getSaveFileName(parent, "Save scenario", "scenario.toml", SCENARIO_FILTER)
    if not path:
        return None
    if not is_scenario(path):
        path += ".toml"
    try:
        save_scenario(path, scene, settings)
    except FogwalkError as error:
        QMessageBox.warning(parent, "Cannot save the scenario", str(error))
        return None
    return path


def ask_trajectory(parent: QWidget):
    """A training trajectory from a loss-landscape projection file, or None."""
    path, _ = QFileDialog.getOpenFileName(
        parent, "Open a training trajectory", "", "Loss-landscape projection (*.h5 *.hdf5)"
    )
    if not path:
        return None
    try:
        return load_projection(path)
    except FogwalkError as error:
        QMessageBox.warning(parent, "Cannot open the trajectory", str(error))
        return None
