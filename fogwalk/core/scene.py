"""The scene: everything a user sets, as immutable state that one edit replaces whole."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from .defaults import DEFAULT_OPTIMIZERS, DEFAULT_SURFACE, FOG_COLOR, HIKER_COLORS
from .errors import FogwalkError


@dataclass(frozen=True, slots=True)
class Hiker:
    """One optimizer walking the scene: its spec, colour and whether it walks."""

    spec: str
    color: str
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class Fog:
    """How much a hiker sees.

    ``radius`` is the clear ground around a hiker as a fraction of the domain's
    longer side; ``softness`` the width of the fog's edge as a fraction of the
    radius; ``density`` 1 hides everything beyond (only the local slope is
    seen), lower values leave a haze; ``memory`` keeps the ground a hiker has
    measured faintly revealed.
    """

    enabled: bool = True
    radius: float = 0.12
    softness: float = 0.6
    density: float = 1.0
    memory: bool = False
    color: str = FOG_COLOR

    def __post_init__(self) -> None:
        if not 0.0 < self.radius <= 2.0:
            raise FogwalkError(f"fog radius must be in (0, 2], got {self.radius}")
        if not 0.0 <= self.density <= 1.0:
            raise FogwalkError(f"fog density must be in [0, 1], got {self.density}")
        if not 0.0 <= self.softness <= 4.0:
            raise FogwalkError(f"fog softness must be in [0, 4], got {self.softness}")


RESOLUTIONS = (128, 256, 512, 1024)
HEIGHT_MODES = ("auto", "linear", "log")
LAYOUTS = ("overlay", "split")
CAMERAS = ("orbit", "follow", "eye")


@dataclass(frozen=True, slots=True)
class Scene:
    """A surface, its hikers, where they start and how the fog and terrain look."""

    surface: str = DEFAULT_SURFACE
    hikers: tuple[Hiker, ...] = field(
        default_factory=lambda: tuple(
            Hiker(spec, color)
            for spec, color in zip(DEFAULT_OPTIMIZERS, HIKER_COLORS, strict=False)
        )
    )
    starts: tuple[tuple[float, float], ...] = ()  # empty: the surface's own start
    steps: int = 2000
    fog: Fog = field(default_factory=Fog)
    resolution: int = 256
    height: str = "auto"
    speed: float = 30.0  # steps per second of playback
    layout: str = "overlay"  # all hikers on one terrain, or one viewport per optimizer
    camera: str = "orbit"  # free, a chase camera behind each hiker, or the hiker's own eye
    domain: tuple[float, float, float, float] | None = None  # formulas, coordinate-free grids
    dataset: str | None = None  # which dataset of a loss-landscape .h5 file

    def __post_init__(self) -> None:
        if self.resolution not in RESOLUTIONS:
            raise FogwalkError(f"resolution must be one of {RESOLUTIONS}, got {self.resolution}")
        if self.height not in HEIGHT_MODES:
            raise FogwalkError(f"height must be one of {HEIGHT_MODES}, got {self.height!r}")
        if self.steps < 1:
            raise FogwalkError(f"steps must be at least 1, got {self.steps}")
        if self.layout not in LAYOUTS:
            raise FogwalkError(f"layout must be one of {LAYOUTS}, got {self.layout!r}")
        if self.camera not in CAMERAS:
            raise FogwalkError(f"camera must be one of {CAMERAS}, got {self.camera!r}")

    @property
    def walking(self) -> tuple[Hiker, ...]:
        """The enabled hikers, in order."""
        return tuple(h for h in self.hikers if h.enabled)

    def next_color(self) -> str:
        """A colour no hiker uses yet (cycling when all are taken)."""
        used = {h.color for h in self.hikers}
        free = [c for c in HIKER_COLORS if c not in used]
        return free[0] if free else HIKER_COLORS[len(self.hikers) % len(HIKER_COLORS)]

    def load_surface(self):
        """The scene's surface: a built-in, a formula or a file (with its domain, dataset)."""
        from .surfaces import get_surface, load_surface

        if self.dataset is not None:
            return load_surface(self.surface, domain=self.domain, dataset=self.dataset)
        return get_surface(self.surface, domain=self.domain)

    def with_hiker(self, index: int, **changes) -> Scene:
        hikers = list(self.hikers)
        hikers[index] = replace(hikers[index], **changes)
        return replace(self, hikers=tuple(hikers))
