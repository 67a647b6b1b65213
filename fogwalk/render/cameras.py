"""Cameras driven by a hiker: a chase camera behind it and its own eye, from one frame alone."""

from __future__ import annotations

import numpy as np

from .frame import HikerFrame
from .hikers import LIFT
from .mesh import WORLD_SIZE, WorldMap

CHASE_DISTANCE = 0.32 * WORLD_SIZE  # behind and above the hiker
CHASE_ELEVATION = 24.0
EYE_HEIGHT = 0.45  # the hiker's eye above the ground, world units
EYE_LOOK = 1.6  # how far ahead (downhill) the hiker looks, world units
DEFAULT_CAMERA = {
    "center": (0.0, 0.0, WORLD_SIZE * 0.08),
    "distance": WORLD_SIZE * 1.45,
    "elevation": 34.0,
    "azimuth": -62.0,
}


def driven_camera(
    mode: str, frame: HikerFrame, hiker: np.ndarray, world: WorldMap, surface, heading
) -> tuple[dict, np.ndarray]:
    """The camera state for ``mode`` ("follow" or "eye") looking at the frame's first hiker.

    ``heading`` is the direction used last time, kept when the hiker stands
    still; returns the camera and the heading now used.
    """
    if mode == "follow":
        trail = frame.trails[0]  # behind the hiker: where it came from over its last steps
        past = np.array(world.xy(*trail[max(0, len(trail) - 15), :2]))
        direction = hiker[:2] - past
    else:
        direction = -frame.grad[0]  # downhill (the world is scaled alike in x and y)
    if np.hypot(*direction) > 1e-12:
        heading = direction / np.hypot(*direction)
    if mode == "follow":
        azimuth = np.degrees(np.arctan2(-heading[1], -heading[0]))
        state = {
            "center": tuple(float(v) for v in hiker),
            "distance": CHASE_DISTANCE,
            "elevation": CHASE_ELEVATION,
            "azimuth": float(azimuth),
        }
        return state, heading
    ahead = hiker[:2] + heading * EYE_LOOK
    ax, ay = world.surface_xy(*ahead)
    with np.errstate(all="ignore"):
        ground = float(np.nan_to_num(surface.value(ax, ay), nan=world.loss_min))
    target = np.array([*ahead, float(world.z(ground)) + LIFT])
    eye = np.array([hiker[0], hiker[1], hiker[2] - LIFT + EYE_HEIGHT])
    offset = eye - target  # pyqtgraph puts the camera at centre + distance * direction
    distance = float(np.linalg.norm(offset))
    state = {
        "center": tuple(float(v) for v in target),
        "distance": distance,
        "elevation": float(np.degrees(np.arcsin(offset[2] / distance))),
        "azimuth": float(np.degrees(np.arctan2(offset[1], offset[0]))),
    }
    return state, heading
