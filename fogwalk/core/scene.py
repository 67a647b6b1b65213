"""The scene: everything a user sets, as immutable state that one edit replaces whole."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, fields, replace
from typing import Any

import numpy as np

from .defaults import (
    APP_STEPS,
    DEFAULT_OPTIMIZERS,
    DEFAULT_SURFACE,
    FOG_COLOR,
    FOG_RADIUS_RANGE,
    HIKER_COLORS,
    SPEED_RANGE,
)
from .errors import FogwalkError
from .measurements import Costs
from .optimizers import Optimizer, make_optimizer

# The colour names a scene takes besides '#rrggbb' (core cannot ask Qt which names it knows;
# every renderer takes the hex each name becomes).
NAMED_COLORS = {
    "black": "#000000",
    "white": "#ffffff",
    "gray": "#808080",
    "grey": "#808080",
    "silver": "#c0c0c0",
    "red": "#ff0000",
    "maroon": "#800000",
    "orange": "#ffa500",
    "gold": "#ffd700",
    "yellow": "#ffff00",
    "olive": "#808000",
    "lime": "#00ff00",
    "green": "#008000",
    "teal": "#008080",
    "cyan": "#00ffff",
    "aqua": "#00ffff",
    "blue": "#0000ff",
    "navy": "#000080",
    "purple": "#800080",
    "magenta": "#ff00ff",
    "fuchsia": "#ff00ff",
    "pink": "#ffc0cb",
    "brown": "#a52a2a",
}
_HEX = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")


def parse_color(text: object, example: str = HIKER_COLORS[0]) -> str:
    """A colour as ``'#rrggbb'``: from ``'#rrggbb'``, ``'#rgb'`` or one of :data:`NAMED_COLORS`.

    Raises
    ------
    FogwalkError
        ``'not a colour' is not a colour such as '#ff5a36' ...``
    """
    if isinstance(text, str):
        name = text.strip().lower()
        if name in NAMED_COLORS:
            return NAMED_COLORS[name]
        if _HEX.fullmatch(name):
            return "#" + "".join(c * 2 for c in name[1:]) if len(name) == 4 else name
    shown = repr(text) if len(repr(text)) <= 40 else repr(text)[:37] + "..."
    raise FogwalkError(
        f"{shown} is not a colour such as {example!r} (#rrggbb, #rgb, or a name: "
        f"{', '.join(list(NAMED_COLORS)[:8])}, ...)"
    )


def walker_shades(color: str, count: int) -> list[str]:
    """``count`` shades of ``color`` ('#rrggbb'), one per walker of an optimizer: from
    darker to lighter, the optimizer's own colour in the middle (alone when one)."""
    if count == 1:
        return [color]
    rgb = np.array([int(color[i : i + 2], 16) for i in (1, 3, 5)], dtype=float)
    shades = []
    for t in np.linspace(-0.45, 0.45, count):
        target = 255.0 if t > 0 else 0.0
        mixed = rgb + abs(t) * (target - rgb)
        shades.append("#" + "".join(f"{round(v):02x}" for v in mixed))
    return shades


@dataclass(frozen=True, slots=True)
class Hiker:
    """One optimizer walking the scene: its spec, colour and whether it walks.

    The spec is parsed once, here (a bad one fails at construction):
    ``optimizer`` is what every face uses; ``spec`` stays for files and display.
    """

    spec: str
    color: str
    enabled: bool = True
    optimizer: Optimizer = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "color", parse_color(self.color))
        object.__setattr__(self, "optimizer", make_optimizer(self.spec))

    @property
    def name(self) -> str:
        """The optimizer's name, e.g. ``adam``."""
        return self.optimizer.name


@dataclass(frozen=True, slots=True)
class Fog:
    """How much a hiker sees.

    ``radius`` is the clear ground around a hiker as a fraction of the domain's
    longer side; ``softness`` the width of the fog's edge as a fraction of the
    radius; ``density`` 1 hides everything beyond (only the local slope is
    seen), lower values leave a haze (the default 0.5 shows the land as a ghost,
    the hiker's neighbourhood sharp); ``memory`` keeps the ground a hiker has
    measured faintly revealed.
    """

    enabled: bool = True
    radius: float = 0.12
    softness: float = 0.6
    density: float = 0.5
    memory: bool = False
    color: str = FOG_COLOR

    def __post_init__(self) -> None:
        low, high = FOG_RADIUS_RANGE
        if not low <= self.radius <= high:
            raise FogwalkError(f"fog radius must be in [{low}, {high}], got {self.radius}")
        if not 0.0 <= self.density <= 1.0:
            raise FogwalkError(f"fog density must be in [0, 1], got {self.density}")
        if not 0.0 <= self.softness <= 4.0:
            raise FogwalkError(f"fog softness must be in [0, 4], got {self.softness}")
        object.__setattr__(self, "color", parse_color(self.color, FOG_COLOR))


RESOLUTIONS = (128, 256, 512, 1024)
HEIGHT_MODES = ("auto", "linear", "log")
LAYOUTS = ("overlay", "split")  # all hikers on one terrain, or a cell per optimizer
CAMERAS = ("orbit", "follow", "eye")  # free, a chase camera behind each hiker, its own eye
CLOCKS = ("steps", "cost")  # playback: every hiker at one step, or at one measurement budget

# What an edit of each field makes the window redo: sample a new terrain, rerun the engine,
# move the fog, set the camera, or only redraw (see Scene.changes).
TERRAIN, RUN, FOG, CAMERA, VIEW, PLAYBACK = "terrain", "run", "fog", "camera", "view", "playback"
GROUPS = (TERRAIN, RUN, FOG, CAMERA, VIEW, PLAYBACK)


def _in(group: str) -> dict[str, str]:
    """A field's metadata: the group it belongs to."""
    return {"group": group}


@dataclass(frozen=True, slots=True)
class Scene:
    """A surface, its hikers, where they start and how the fog and terrain look."""

    surface: str = field(metadata=_in(TERRAIN), default=DEFAULT_SURFACE)
    hikers: tuple[Hiker, ...] = field(
        metadata=_in(RUN),
        default_factory=lambda: tuple(
            Hiker(spec, color)
            for spec, color in zip(DEFAULT_OPTIMIZERS, HIKER_COLORS, strict=False)
        ),
    )
    # (): the surface's own start
    starts: tuple[tuple[float, float], ...] = field(metadata=_in(RUN), default=())
    steps: int = field(metadata=_in(RUN), default=APP_STEPS)
    fog: Fog = field(metadata=_in(FOG), default_factory=Fog)
    resolution: int = field(metadata=_in(TERRAIN), default=256)
    height: str = field(metadata=_in(TERRAIN), default="auto")
    speed: float = field(metadata=_in(PLAYBACK), default=20.0)  # steps per second of playback
    # The playback clock (core.clock.CLOCKS): every hiker at the same step, or the same cost.
    clock: str = field(metadata=_in(PLAYBACK), default="steps")
    costs: Costs = field(metadata=_in(PLAYBACK), default_factory=Costs)
    layout: str = field(metadata=_in(VIEW), default="overlay")
    camera: str = field(metadata=_in(CAMERA), default="orbit")
    domain: tuple[float, float, float, float] | None = field(metadata=_in(TERRAIN), default=None)
    # which dataset of a loss-landscape .h5 file
    dataset: str | None = field(metadata=_in(TERRAIN), default=None)

    def __post_init__(self) -> None:
        if self.resolution not in RESOLUTIONS:
            raise FogwalkError(f"resolution must be one of {RESOLUTIONS}, got {self.resolution}")
        if self.height not in HEIGHT_MODES:
            raise FogwalkError(f"height must be one of {HEIGHT_MODES}, got {self.height!r}")
        if self.steps < 1:
            raise FogwalkError(f"steps must be at least 1, got {self.steps}")
        if self.layout not in LAYOUTS:
            raise FogwalkError(f"layout must be one of {LAYOUTS}, got {self.layout!r}")
        if self.clock not in CLOCKS:
            raise FogwalkError(f"clock must be one of {CLOCKS}, got {self.clock!r}")
        if self.camera not in CAMERAS:
            raise FogwalkError(f"camera must be one of {CAMERAS}, got {self.camera!r}")
        if self.domain is not None:
            xmin, xmax, ymin, ymax = self.domain
            if not all(math.isfinite(v) for v in self.domain) or not (xmin < xmax and ymin < ymax):
                raise FogwalkError(
                    f"domain must be finite [xmin, xmax, ymin, ymax] with xmin < xmax and "
                    f"ymin < ymax, got {list(self.domain)}"
                )
        for x, y in self.starts:
            if not (math.isfinite(x) and math.isfinite(y)):
                raise FogwalkError(f"start points must be finite, got ({x}, {y})")
        low, high = SPEED_RANGE
        if not low <= self.speed <= high:  # also NaN
            raise FogwalkError(
                f"speed must be in [{low:g}, {high:g}] steps a second, got {self.speed}"
            )

    @property
    def walking(self) -> tuple[Hiker, ...]:
        """The enabled hikers, in order."""
        return tuple(h for h in self.hikers if h.enabled)

    def next_color(self) -> str:
        """A colour no hiker uses yet (cycling when all are taken)."""
        used = {h.color for h in self.hikers}
        free = [c for c in HIKER_COLORS if c not in used]
        return free[0] if free else HIKER_COLORS[len(self.hikers) % len(HIKER_COLORS)]

    def changes(self, old: Scene | None) -> frozenset[str]:
        """The groups of fields (:data:`GROUPS`) that differ from ``old``.

        A new terrain is also a new run (the hikers walk other ground); None
        (nothing shown yet) changes everything. Only walking hikers matter to
        the run: a colour is VIEW.
        """
        if old is None:
            return frozenset(GROUPS)
        changed = {
            f.metadata["group"]
            for f in fields(self)
            if f.name != "hikers" and getattr(self, f.name) != getattr(old, f.name)
        }
        if [h.spec for h in self.walking] != [h.spec for h in old.walking]:
            changed.add(RUN)
        if self.hikers != old.hikers:
            changed.add(VIEW)
        if TERRAIN in changed:
            changed.add(RUN)
        return frozenset(changed)

    def with_hiker(self, index: int, **changes: Any) -> Scene:
        """The scene with hiker ``index``'s spec, colour or enabled flag changed."""
        hikers = list(self.hikers)
        hikers[index] = replace(hikers[index], **changes)
        return replace(self, hikers=tuple(hikers))

    def adding(self, spec: str) -> Scene:
        """The scene with one more hiker, in a colour no other uses."""
        return replace(self, hikers=(*self.hikers, Hiker(spec, self.next_color())))

    def duplicating(self, index: int) -> Scene:
        """The scene with a copy of hiker ``index`` after it, in a colour of its own."""
        hikers = list(self.hikers)
        hikers.insert(index + 1, replace(hikers[index], color=self.next_color()))
        return replace(self, hikers=tuple(hikers))

    def removing(self, index: int) -> Scene:
        """The scene without hiker ``index``."""
        return replace(self, hikers=self.hikers[:index] + self.hikers[index + 1 :])
