"""Export settings and the frame schedule: which step each video frame shows."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .defaults import MAX_STEPS
from .errors import FogwalkError
from .scene import LAYOUTS

# How the camera moves during a video: as the scene has it, slowly around, behind a hiker.
CAMERA_MOTIONS = ("still", "orbit", "follow")
MAX_TITLE = 200  # characters: one line across the top of a frame
SIZES = {"720p": (1280, 720), "1080p": (1920, 1080)}


@dataclass(frozen=True, slots=True)
class VideoSettings:
    """Everything about a video except the scene it shows.

    Frames show steps ``first_step, first_step + steps_per_frame, ...`` up to
    ``last_step`` (None: the last step), or exactly ``frames`` frames spread
    evenly over that range when ``frames`` is given.
    """

    width: int = 1280
    height: int = 720
    fps: float = 30.0
    first_step: int = 0
    last_step: int | None = None
    steps_per_frame: int = 1
    frames: int | None = None
    camera: str = "still"
    layout: str = "overlay"
    title: str = ""
    legend: bool = True
    counter: bool = True
    losses: bool = True

    def __post_init__(self) -> None:
        if self.camera not in CAMERA_MOTIONS:
            motions = ", ".join(CAMERA_MOTIONS)
            raise FogwalkError(f"camera must be one of {motions}, got {self.camera!r}")
        if self.layout not in LAYOUTS:
            raise FogwalkError(f"layout must be one of {', '.join(LAYOUTS)}, got {self.layout!r}")
        if not (16 <= self.width <= 7680 and 16 <= self.height <= 4320):
            raise FogwalkError(
                f"video size {self.width}x{self.height} is out of range (16x16 to 7680x4320)"
            )
        if not 0.1 <= self.fps <= 240:  # also NaN
            raise FogwalkError(f"frame rate {self.fps} is out of range (0.1 to 240)")
        if len(self.title) > MAX_TITLE:
            raise FogwalkError(f"the title is {len(self.title):,} characters; at most {MAX_TITLE}")
        for name in ("first_step", "last_step", "steps_per_frame"):
            value = getattr(self, name)
            if value is not None and value > MAX_STEPS:
                raise FogwalkError(f"{name} = {value:,} is beyond any run (at most {MAX_STEPS:,})")
        if self.steps_per_frame < 1:
            raise FogwalkError(f"steps per frame must be 1 or more, got {self.steps_per_frame}")
        if self.frames is not None and self.frames < 1:
            raise FogwalkError(f"frames must be 1 or more, got {self.frames}")
        if self.first_step < 0 or (self.last_step is not None and self.last_step < self.first_step):
            raise FogwalkError(
                f"step range {self.first_step}..{self.last_step} is empty or negative"
            )


def frame_steps(settings: VideoSettings, total_steps: int) -> np.ndarray:
    """The step shown by every frame, in order (a pure function of settings and length)."""
    last = total_steps if settings.last_step is None else settings.last_step
    if settings.first_step > total_steps or last > total_steps:
        raise FogwalkError(
            f"step range {settings.first_step}..{last} goes beyond the run's {total_steps} steps"
        )
    if settings.frames is not None:
        return np.linspace(settings.first_step, last, settings.frames).round().astype(int)
    return np.arange(settings.first_step, last + 1, settings.steps_per_frame)


def grid_shape(count: int) -> tuple[int, int]:
    """Rows and columns for ``count`` viewports, as square as possible, wider than tall."""
    columns = math.ceil(math.sqrt(max(count, 1)))
    return math.ceil(max(count, 1) / columns), columns


def parse_size(text: str) -> tuple[int, int]:
    """``"1280x720"``, ``"720p"`` or ``"1080p"`` -> (width, height)."""
    key = text.strip().lower()
    if key in SIZES:
        return SIZES[key]
    parts = key.split("x")
    try:
        if len(parts) != 2:
            raise ValueError
        return int(parts[0]), int(parts[1])
    except ValueError:
        raise FogwalkError(f"size {text!r} is not WIDTHxHEIGHT, 720p or 1080p") from None
