"""Scenario files: a scene and its video settings as TOML with a schema version, both ways."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import reprlib
import tomllib
from pathlib import Path
from typing import Any

import tomli_w

from .defaults import FOG_COLOR, HIKER_COLORS, SCENARIO_MAX_BYTES
from .errors import FogwalkError
from .export import VideoSettings
from .files import atomic_output
from .measurements import Costs
from .scene import Fog, Hiker, Scene, parse_color
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
    "playback": {"speed": (NUMBER, "a number"), "clock": ((str,), "steps or cost")},
    "costs": {
        "gradient": (NUMBER, "a number"),
        "loss": (NUMBER, "a number"),
        "hessian": (NUMBER, "a number"),
    },
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


_SHOW = reprlib.Repr()
_SHOW.maxstring, _SHOW.maxother, _SHOW.maxlist, _SHOW.maxlevel = 40, 40, 6, 3


def _shown(value: object) -> str:
    """A value as an error message shows it: short, on one line, however big or deep."""
    return _SHOW.repr(value)


def _checked(table: dict, schema: dict, where: str) -> dict:
    """The table's values, after checking every key is known and of the expected type."""
    for key, value in table.items():
        if key not in schema:
            known = ", ".join(schema)
            raise FogwalkError(f"{where}.{key} is not a scenario key; {where} takes: {known}")
        types, expected = schema[key]
        if (isinstance(value, bool) and bool not in types) or not isinstance(value, types):
            raise FogwalkError(f"{where}.{key} must be {expected}, got {_shown(value)}")
    return table


def _numbers(value: object, count: int) -> bool:
    """Whether ``value`` is a list of ``count`` finite numbers (not booleans)."""
    return (
        isinstance(value, list)
        and len(value) == count
        and all(isinstance(v, NUMBER) and not isinstance(v, bool) for v in value)
        and all(abs(v) < float("inf") for v in value)
    )


def _points(value: list, where: str) -> tuple[tuple[float, float], ...]:
    for index, point in enumerate(value):
        if not _numbers(point, 2):
            raise FogwalkError(
                f"{where} must be a list of [x, y] pairs of finite numbers; "
                f"{where}[{index}] is {_shown(point)}"
            )
    return tuple((float(x), float(y)) for x, y in value)


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
            name = key if len(key) <= 40 else _shown(key)
            raise FogwalkError(f"{name} is not a scenario section; known: {', '.join(sections)}")
        if key in _SCHEMA and not isinstance(value, dict):
            raise FogwalkError(f"[{key}] must be a table, got {_shown(value)}")
    get = {name: _checked(data.get(name, {}), schema, name) for name, schema in _SCHEMA.items()}
    changes: dict[str, Any] = {}
    surface = get["surface"]
    if "source" in surface:
        changes["surface"] = _source(surface["source"], base_dir)
    if "domain" in surface:
        domain = surface["domain"]
        xmin, xmax, ymin, ymax = domain if _numbers(domain, 4) else (0, 0, 0, 0)
        if not (xmin < xmax and ymin < ymax):
            raise FogwalkError(
                "surface.domain must be [xmin, xmax, ymin, ymax], finite, xmin < xmax and "
                f"ymin < ymax, got {_shown(domain)}"
            )
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
        fog = dict(get["fog"])
        if "color" in fog:
            fog["color"] = _color(fog["color"], "fog.color", FOG_COLOR)
        try:
            changes["fog"] = Fog(**fog)
        except FogwalkError as error:
            raise FogwalkError(f"[fog]: {error}") from None
    if get["costs"]:
        try:
            changes["costs"] = Costs(**get["costs"])
        except FogwalkError as error:
            raise FogwalkError(f"[costs]: {error}") from None
    renames = {
        "terrain": {"resolution": "resolution", "height": "height"},
        "view": {"layout": "layout", "camera": "camera"},
        "playback": {"speed": "speed", "clock": "clock"},
    }
    for section, keys in renames.items():
        for key, field in keys.items():
            if key in get[section]:
                changes[field] = get[section][key]
    try:
        scene = Scene(**changes)
    except FogwalkError as error:
        raise FogwalkError(f"{_scene_key(str(error))}: {error}") from None
    try:
        settings = VideoSettings(**get["export"])
    except FogwalkError as error:
        raise FogwalkError(f"[export]: {error}") from None
    return scene, settings


_SCENE_KEYS = {
    "resolution": "terrain.resolution",
    "height": "terrain.height",
    "steps": "start.steps",
    "layout": "view.layout",
    "camera": "view.camera",
    "domain": "surface.domain",
    "start": "start.points",
    "speed": "playback.speed",
    "clock": "playback.clock",
}


def _scene_key(message: str) -> str:
    """The scenario key a Scene's message is about (its messages start with the field)."""
    first = message.split(" ", 1)[0]
    return _SCENE_KEYS.get(first, "scenario")


def _color(value: str, where: str, example: str) -> str:
    try:
        return parse_color(value, example)
    except FogwalkError as error:
        raise FogwalkError(f"{where}: {error}") from None


def _hikers(value: object) -> tuple[Hiker, ...]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise FogwalkError(f"hikers must be a list of [[hikers]] tables, got {_shown(value)}")
    hikers = []
    for index, table in enumerate(value):
        where = f"hikers[{index}]"
        _checked(table, _HIKER_KEYS, where)
        if "optimizer" not in table:
            raise FogwalkError(f'{where} needs an optimizer, e.g. optimizer = "adam:lr=0.01"')
        color = table.get("color", HIKER_COLORS[index % len(HIKER_COLORS)])
        color = _color(color, f"{where}.color", HIKER_COLORS[index % len(HIKER_COLORS)])
        try:  # the hiker parses its optimizer once, here
            hikers.append(Hiker(table["optimizer"], color, table.get("enabled", True)))
        except FogwalkError as error:
            raise FogwalkError(f"{where}.optimizer: {error}") from None
    return tuple(hikers)


def load_scenario(path: str | os.PathLike) -> tuple[Scene, VideoSettings]:
    """Read a scenario file; a bad one raises FogwalkError naming the file and the key."""
    path = Path(path)
    try:
        data = tomllib.loads(_read_text(path))
    except FileNotFoundError:
        raise FogwalkError(f"no such scenario file: {path}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise FogwalkError(f"cannot read {path}: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise FogwalkError(f"{path} is not valid TOML: {error}") from None
    except RecursionError:  # tomllib parses nested arrays and tables recursively
        raise FogwalkError(
            f"{path} nests arrays or tables too deeply to be a scenario (a scenario is a few "
            "flat tables)"
        ) from None
    try:
        return scenario_from_dict(data, path.parent.resolve())
    except FogwalkError as error:
        raise FogwalkError(f"{path}: {error}") from None
    except TypeError as error:  # a value of the right type that a constructor still refused
        raise FogwalkError(f"{path}: {error}") from None


def _read_text(path: Path) -> str:
    """The file's text, refused before reading when it cannot be a scenario (too big, a device)."""
    if path.exists() and not path.is_file():  # a folder, a pipe, /dev/zero: never read it
        raise FogwalkError(f"{path} is not a regular file, so not a scenario")
    with path.open("rb") as stream:
        data = stream.read(SCENARIO_MAX_BYTES + 1)  # never more: it may grow as we read
    if len(data) > SCENARIO_MAX_BYTES:
        size = max(path.stat().st_size, len(data))
        raise FogwalkError(
            f"{path} is {size / 1e6:.1f} MB; a scenario file is at most "
            f"{SCENARIO_MAX_BYTES // 1024} kB of settings (surfaces go in files of their own)"
        )
    return data.decode("utf-8")


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
        "playback": {"speed": scene.speed, "clock": scene.clock},
        "costs": dataclasses.asdict(scene.costs),
        "export": {k: v for k, v in dataclasses.asdict(settings).items() if v is not None},
    }
    return data


def save_scenario(path: str | os.PathLike, scene: Scene, settings: VideoSettings) -> None:
    """Write the scenario atomically: a failed save never damages an existing file."""
    path = Path(path)
    data = scenario_to_dict(scene, settings, path.parent.resolve())
    with atomic_output(path, "wb") as stream:
        tomli_w.dump(data, stream)
