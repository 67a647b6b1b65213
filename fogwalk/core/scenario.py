"""Scenario files: a scene and its video settings as TOML with a schema version, both ways."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import tomllib
from pathlib import Path
from typing import Any

import tomli_w

from .defaults import HIKER_COLORS
from .errors import FogwalkError
from .export import VideoSettings
from .files import atomic_output
from .scene import Fog, Hiker, Scene
from .surfaces.loaders import has_known_extension

SCHEMA_VERSION = 1
NUMBER = (int, float)

# section -> key -> (accepted Python types, what to call them in an error message)
_SCHEMA: dict[str, dict[str, tuple[tuple[type, ...], str]]] = {
    "surface": {
        "source": ((str,), "a built-in name, a formula or a file path"),
        "domain": ((list,), "[xmin, xmax, ymin, ymax]"),
        "dataset": ((str,), "a dataset name"),
    },
    "start": {
        "points": ((list,), "a list of [x, y] pairs"),
        "steps": ((int,), "an integer"),
    },
    "fog": {
        "enabled": ((bool,), "true or false"),
        "radius": (NUMBER, "a number"),
        "softness": (NUMBER, "a number"),
        "density": (NUMBER, "a number"),
        "memory": ((bool,), "true or false"),
        "color": ((str,), "a colour such as '#c8d2db'"),
    },
    "terrain": {
        "resolution": ((int,), "an integer"),
        "height": ((str,), "auto, linear or log"),
    },
    "view": {
        "layout": ((str,), "overlay or split"),
        "camera": ((str,), "orbit, follow or eye"),
    },
    "playback": {"speed": (NUMBER, "a number")},
    "export": {
        "width": ((int,), "an integer"),
        "height": ((int,), "an integer"),
        "fps": (NUMBER, "a number"),
        "first_step": ((int,), "an integer"),
        "last_step": ((int,), "an integer"),
        "steps_per_frame": ((int,), "an integer"),
        "frames": ((int,), "an integer"),
        "camera": ((str,), "still, orbit or follow"),
        "layout": ((str,), "overlay or split"),
        "title": ((str,), "text"),
        "legend": ((bool,), "true or false"),
        "counter": ((bool,), "true or false"),
        "losses": ((bool,), "true or false"),
    },
}
_HIKER_KEYS = {
    "optimizer": ((str,), "an optimizer spec such as 'adam:lr=0.01'"),
    "color": ((str,), "a colour such as '#ff5a36'"),
    "enabled": ((bool,), "true or false"),
}


def _checked(table: dict, schema: dict, where: str) -> dict:
    """The table's values, after checking every key is known and of the expected type."""
    for key, value in table.items():
        if key not in schema:
            known = ", ".join(schema)
            raise FogwalkError(f"{where}.{key} is not a scenario key; {where} takes: {known}")
        types, expected = schema[key]
        if (isinstance(value, bool) and bool not in types) or not isinstance(value, types):
            raise FogwalkError(f"{where}.{key} must be {expected}, got {value!r}")
    return table


def _points(value: list, where: str) -> tuple[tuple[float, float], ...]:
    try:
        points = tuple((float(x), float(y)) for x, y in value)
    except (TypeError, ValueError):
        raise FogwalkError(f"{where} must be a list of [x, y] pairs, got {value!r}") from None
    return points


def _source(text: str, base_dir: Path) -> str:
    """A file path relative to the scenario becomes absolute; names and formulas stay."""
    candidate = base_dir / text
    if candidate.exists() or has_known_extension(text):
        return str(candidate.resolve())
    return text


def scenario_from_dict(data: dict, base_dir: Path) -> tuple[Scene, VideoSettings]:
    """Build the scene and video settings from parsed TOML (errors name the key)."""
    version = data.get("schema_version")
    if version != SCHEMA_VERSION:
        raise FogwalkError(
            f"schema_version must be {SCHEMA_VERSION} (this FogWalk's), got {version!r}"
        )
    sections = {"schema_version", "hikers", *_SCHEMA}
    for key, value in data.items():
        if key not in sections:
            raise FogwalkError(f"{key} is not a scenario section; known: {', '.join(sections)}")
        if key in _SCHEMA and not isinstance(value, dict):
            raise FogwalkError(f"[{key}] must be a table, got {value!r}")
    get = {name: _checked(data.get(name, {}), schema, name) for name, schema in _SCHEMA.items()}
    changes: dict[str, Any] = {}
    surface = get["surface"]
    if "source" in surface:
        changes["surface"] = _source(surface["source"], base_dir)
    if "domain" in surface:
        domain = surface["domain"]
        if len(domain) != 4 or not all(isinstance(v, NUMBER) for v in domain):
            raise FogwalkError(f"surface.domain must be [xmin, xmax, ymin, ymax], got {domain!r}")
        changes["domain"] = tuple(float(v) for v in domain)
    if "dataset" in surface:
        changes["dataset"] = surface["dataset"]
    if "hikers" in data:
        changes["hikers"] = _hikers(data["hikers"])
    if "points" in get["start"]:
        changes["starts"] = _points(get["start"]["points"], "start.points")
    if "steps" in get["start"]:
        changes["steps"] = get["start"]["steps"]
    if get["fog"]:
        changes["fog"] = Fog(**get["fog"])
    renames = {
        "terrain": {"resolution": "resolution", "height": "height"},
        "view": {"layout": "layout", "camera": "camera"},
        "playback": {"speed": "speed"},
    }
    for section, keys in renames.items():
        for key, field in keys.items():
            if key in get[section]:
                changes[field] = get[section][key]
    scene = Scene(**changes)
    settings = VideoSettings(**get["export"])
    return scene, settings


def _hikers(value: object) -> tuple[Hiker, ...]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise FogwalkError(f"hikers must be a list of [[hikers]] tables, got {value!r}")
    hikers = []
    for index, table in enumerate(value):
        where = f"hikers[{index}]"
        _checked(table, _HIKER_KEYS, where)
        if "optimizer" not in table:
            raise FogwalkError(f'{where} needs an optimizer, e.g. optimizer = "adam:lr=0.01"')
        color = table.get("color", HIKER_COLORS[index % len(HIKER_COLORS)])
        try:  # the hiker parses its optimizer once, here
            hikers.append(Hiker(table["optimizer"], color, table.get("enabled", True)))
        except FogwalkError as error:
            raise FogwalkError(f"{where}.optimizer: {error}") from None
    return tuple(hikers)


def load_scenario(path: str | os.PathLike) -> tuple[Scene, VideoSettings]:
    """Read a scenario file; a bad one raises FogwalkError naming the file and the key."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FogwalkError(f"no such scenario file: {path}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise FogwalkError(f"cannot read {path}: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise FogwalkError(f"{path} is not valid TOML: {error}") from None
    try:
        return scenario_from_dict(data, path.parent.resolve())
    except FogwalkError as error:
        raise FogwalkError(f"{path}: {error}") from None
    except TypeError as error:  # a value of the right type that a constructor still refused
        raise FogwalkError(f"{path}: {error}") from None


def scenario_to_dict(scene: Scene, settings: VideoSettings, base_dir: Path) -> dict:
    """The scene as TOML-ready data; file paths relative to ``base_dir`` where possible."""
    source = scene.surface
    if os.path.isabs(source):
        with contextlib.suppress(ValueError):  # another drive on Windows: keep it absolute
            source = os.path.relpath(source, base_dir)
    surface: dict[str, Any] = {"source": source}
    if scene.domain is not None:
        surface["domain"] = list(scene.domain)
    if scene.dataset is not None:
        surface["dataset"] = scene.dataset
    data: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "surface": surface,
        "hikers": [
            {"optimizer": h.spec, "color": h.color, "enabled": h.enabled} for h in scene.hikers
        ],
        "start": {"points": [list(p) for p in scene.starts], "steps": scene.steps},
        "fog": dataclasses.asdict(scene.fog),
        "terrain": {"resolution": scene.resolution, "height": scene.height},
        "view": {"layout": scene.layout, "camera": scene.camera},
        "playback": {"speed": scene.speed},
        "export": {k: v for k, v in dataclasses.asdict(settings).items() if v is not None},
    }
    return data


def save_scenario(path: str | os.PathLike, scene: Scene, settings: VideoSettings) -> None:
    """Write the scenario atomically: a failed save never damages an existing file."""
    path = Path(path)
    data = scenario_to_dict(scene, settings, path.parent.resolve())
    with atomic_output(path, "wb") as stream:
        tomli_w.dump(data, stream)
