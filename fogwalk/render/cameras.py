"""Cameras: the orbit camera fitted to the terrain, and cameras driven by a hiker (a chase
camera behind it and its own eye), from one frame alone."""

from __future__ import annotations

import numpy as np

from .frame import HikerFrame
from .hikers import LIFT
from .mesh import WORLD_SIZE, WorldMap

CHASE_DISTANCE = 0.32 * WORLD_SIZE  # behind and above the hiker
CHASE_ELEVATION = 24.0
EYE_HEIGHT = 0.45  # the hiker's eye above the ground, world units
EYE_LOOK = 1.6  # how far ahead (downhill) the hiker looks, world units
DEFAULT_ELEVATION = 34.0
DEFAULT_AZIMUTH = -90.0  # x to the right and y away from the viewer, as on the map
FOV = 60.0  # pyqtgraph's field of view, degrees across the picture's width
FIT_MARGIN = 0.03  # of the picture's half-size left free around the fitted terrain
DEFAULT_CAMERA = {  # before any terrain is there to fit
    "center": (0.0, 0.0, WORLD_SIZE * 0.08),
    "distance": WORLD_SIZE * 1.45,
    "elevation": DEFAULT_ELEVATION,
    "azimuth": DEFAULT_AZIMUTH,
}


def default_elevation(aspect: float) -> float:
    """The default camera's elevation for a picture of ``aspect`` = width / height: 34° over
    a wide picture, rising to 60° over a tall one (a split cell), where a low camera would
    leave the terrain a thin band across the middle."""
    tall = float(np.clip((1.4 - aspect) / (1.4 - 0.7), 0.0, 1.0))
    return DEFAULT_ELEVATION + (60.0 - DEFAULT_ELEVATION) * tall


def fitted_camera(
    points: np.ndarray,
    aspect: float,
    elevation: float = DEFAULT_ELEVATION,
    azimuth: float = DEFAULT_AZIMUTH,
    fov: float = FOV,
    margin: float = FIT_MARGIN,
) -> dict:
    """The orbit camera looking from ``elevation`` and ``azimuth`` (degrees) whose picture,
    ``aspect`` = width / height, the world ``points`` (n, 3) just fill, centred.

    The camera is pyqtgraph's: its eye at centre + distance * (cos e cos a, cos e sin a,
    sin e), ``fov`` spanning the picture's width. The centre moves across the line of
    sight and the distance scales until the points' projected bounds are centred and
    touch the picture's edges less ``margin``; perspective makes that a few rounds.
    """
    e, a = np.radians(elevation), np.radians(azimuth)
    back = np.array([np.cos(e) * np.cos(a), np.cos(e) * np.sin(a), np.sin(e)])
    right = np.array([-np.sin(a), np.cos(a), 0.0])
    up = np.cross(right, -back)
    half_w = np.tan(np.radians(fov) / 2)
    half_h = half_w / aspect
    center = (points.min(axis=0) + points.max(axis=0)) / 2
    distance = 4.0 * float(np.ptp(points, axis=0).max())
    for _ in range(60):
        relative = points - (center + distance * back)
        depth = relative @ -back
        x = relative @ right / (depth * half_w)
        y = relative @ up / (depth * half_h)
        mid_x, mid_y = (x.max() + x.min()) / 2, (y.max() + y.min()) / 2
        fill = max(np.ptp(x), np.ptp(y)) / 2 / (1.0 - margin)
        center = center + distance * (mid_x * half_w * right + mid_y * half_h * up)
        distance *= fill
        if abs(fill - 1.0) < 1e-6 and max(abs(mid_x), abs(mid_y)) < 1e-6:
            break
    return {
        "center": tuple(float(v) for v in center),
        "distance": float(distance),
        "elevation": float(elevation),
        "azimuth": float(azimuth),
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
