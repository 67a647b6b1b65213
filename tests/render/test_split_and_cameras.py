"""Split cells (each fogged around its own hiker, one shared camera) and the driven cameras."""

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from scenes import FLAT, FOG_RGB, top_down

from fogwalk.core import get_surface, simulate
from fogwalk.core.end_states import Outcome
from fogwalk.core.scene import Fog
from fogwalk.render.frame import HikerFrame, frame_at
from fogwalk.render.view import TerrainView

W, H = 480, 240


@pytest.fixture
def view(shown):
    return shown(TerrainView(), W, H)  # on screen: its GL context is ready


def two_hikers() -> HikerFrame:
    xy = np.array([[-3.0, 0.0], [3.0, 0.0]])
    return HikerFrame(
        step=0,
        xy=xy,
        loss=np.zeros(2),
        grad=np.zeros((2, 2)),
        velocity=np.zeros((2, 2)),
        outcome=np.full(2, Outcome.WALKING, dtype=np.uint8),
        marks=np.full(2, "", dtype=object),
        trails=np.concatenate([xy, np.zeros((2, 1))], axis=1)[:, None, :],
        paths=np.concatenate([xy, np.zeros((2, 1))], axis=1)[:, None, :],
        memory=np.zeros((0, 2)),
    )


def cell_distances(view, cell_w, cell_h, x, y):
    ys, xs = np.mgrid[0:cell_h, 0:cell_w]
    ground = view.ground_at(np.column_stack([xs.ravel() + 0.5, ys.ravel() + 0.5]), cell_w, cell_h)
    return np.hypot(ground[:, 0] - x, ground[:, 1] - y).reshape(cell_h, cell_w)


def test_each_split_cell_is_fogged_around_its_own_hiker(view):
    view.set_terrain(FLAT, 128)
    view.set_fog(Fog(radius=0.15, softness=0.05, density=1.0))
    view.set_layout("split", [("left", "#ff0000", 1), ("right", "#00ff00", 1)])
    view.frame_cells = False  # one camera for both cells: their pixels compare directly
    top_down(view)
    view.show_frame(two_hikers())
    image = view.render_array(W, H).astype(int)
    half = W // 2
    for cell, (own, other) in enumerate([((-3.0, 0.0), (3.0, 0.0)), ((3.0, 0.0), (-3.0, 0.0))]):
        pixels = image[:, cell * half : (cell + 1) * half]
        is_fog = np.abs(pixels - FOG_RGB).max(axis=2) <= 2
        near_own = (cell_distances(view, half, H, *own) < 1.2) & (
            cell_distances(view, half, H, *own) > 0.5
        )
        near_other = cell_distances(view, half, H, *other) < 1.2
        assert near_own.sum() > 100 and near_other.sum() > 100
        assert not is_fog[near_own].any()  # its own hiker lifts the fog
        assert is_fog[near_other].all()  # the other optimizer's hiker does not


def test_one_camera_turns_every_cell(view, qtbot):
    surface = get_surface("himmelblau")
    run = simulate(surface, ["adam:lr=0.1", "sgd:lr=0.01"], starts=[(0.0, 0.0)], steps=20)
    view.set_terrain(surface, 128)
    view.set_layout("split", [("adam", "#ff0000", 1), ("sgd", "#00ff00", 1)])
    view.show_frame(frame_at(run, 20), 20)
    before = view.render_array(W, H)
    right_cell = QPoint(3 * W // 4, H // 2)  # drag inside the second cell only
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=right_cell)
    for dx in range(10, 80, 10):
        qtbot.mouseMove(view, right_cell + QPoint(dx, 0))
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=right_cell + QPoint(80, 0))
    after = view.render_array(W, H)
    for cell in (slice(0, W // 2), slice(W // 2, W)):
        assert np.abs(after[:, cell].astype(int) - before[:, cell].astype(int)).mean() > 2


@pytest.mark.parametrize("mode", ["follow", "eye"])
def test_driven_cameras_keep_the_hiker_in_view(view, mode):
    surface = get_surface("fog_mountain")
    run = simulate(surface, ["momentum:lr=0.01"], steps=120)
    view.set_terrain(surface, 128)
    view.set_fog(Fog(enabled=False))
    view.set_camera_mode(mode)
    for step in (30, 120):
        view.show_frame(frame_at(run, step))
        world = view.mesh.world
        hiker = np.array([*world.xy(*run.xy[step, 0, 0]), world.z(run.loss[step, 0, 0])])
        center = np.array(view.camera_state()["center"])
        if mode == "follow":
            np.testing.assert_allclose(center[:2], hiker[:2], atol=1e-6)
            x, y = view.project([hiker + np.array([0.0, 0.0, 0.06])], W, H)[0]
            assert 0.3 * W < x < 0.7 * W and 0.3 * H < y < 0.7 * H  # in the middle
        else:
            eye = view.cameraPosition()
            assert np.hypot(eye.x() - hiker[0], eye.y() - hiker[1]) < 1e-6  # at its feet
            assert eye.z() > hiker[2]  # looking from its eye height


def test_split_export_labels_every_cell(qapp, tmp_path):
    from fogwalk.core.export import VideoSettings
    from fogwalk.core.scene import Scene
    from fogwalk.core.session import compute_run
    from fogwalk.render.exporter import FrameRenderer

    scene = Scene(steps=30)
    renderer = FrameRenderer(scene, VideoSettings(width=640, height=360, frames=2, layout="split"))
    try:
        frame = renderer.render(1, compute_run(scene))
    finally:
        renderer.close()
    assert frame.shape == (360, 640, 3)
    quarters = [
        frame[r * 180 : (r + 1) * 180, c * 320 : (c + 1) * 320] for r in (0, 1) for c in (0, 1)
    ]
    for quarter in quarters:  # each cell carries a dark legend box in its top-right corner
        corner = quarter[10:20, 250:300].astype(int)
        assert (corner.max(axis=2) < 120).mean() > 0.6
