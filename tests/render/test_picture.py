"""The picture a lecturer puts on a slide: ground, not empty fog; contour lines on the ground;
fogged ground never hiding clear ground or a hiker; the camera fitted to the terrain."""

import dataclasses

import numpy as np
import pytest
from scenes import FOG_RGB, top_down

from fogwalk.core import get_surface, simulate
from fogwalk.core.export import VideoSettings
from fogwalk.core.export import grid_shape as cells_of
from fogwalk.core.scene import Fog, Scene
from fogwalk.core.session import compute_run
from fogwalk.core.surfaces import formula_surface
from fogwalk.render.exporter import FrameRenderer
from fogwalk.render.frame import frame_at
from fogwalk.render.hikers import LIFT
from fogwalk.render.overlay import LegendEntry, burn_overlays
from fogwalk.render.view import TerrainView, rgba

W, H = 480, 320


@pytest.fixture
def view(shown):
    return shown(TerrainView(), W, H)


def ground_share(pixels: np.ndarray) -> float:
    """The share of pixels that are not the bare fog colour: ground, hikers, labels."""
    return float((np.abs(pixels.astype(float) - FOG_RGB).max(axis=2) > 6).mean())


def export_frame(scene: Scene, layout: str, height: str = "auto"):
    """Frame 0 of a 1280 x 720 export at step 30, no text: its renderer, run and pixels."""
    settings = VideoSettings(
        width=1280, height=720, frames=1, first_step=30, layout=layout,
        legend=False, counter=False, title="",
    )  # fmt: skip
    scene = dataclasses.replace(scene, height=height)
    renderer = FrameRenderer(scene, settings)
    run = compute_run(scene)
    return renderer, run, renderer.render(0, run)


@pytest.mark.parametrize("layout", ["overlay", "split"])
def test_the_default_frame_is_mostly_ground(qapp, layout):
    renderer, _, pixels = export_frame(Scene(), layout)
    renderer.close()
    if layout == "overlay":
        assert ground_share(pixels) >= 0.55
        return
    rows, columns = cells_of(len(Scene().walking))
    cell_h, cell_w = 720 // rows, 1280 // columns
    for row in range(rows):
        for column in range(columns):
            top, left = row * cell_h, column * cell_w
            cell = pixels[top : top + cell_h, left : left + cell_w]
            assert ground_share(cell) >= 0.35, (row, column)


@pytest.mark.parametrize("height", ["linear", "log"])
@pytest.mark.parametrize("layout", ["overlay", "split"])
def test_every_hiker_stands_on_revealed_ground(qapp, layout, height):
    """Each hiker's marker is seen where its point on the ground projects: no fogged ground
    in front hides it, in either height scale, in one picture or in its own cell."""
    scene = Scene()
    renderer, run, pixels = export_frame(scene, layout, height)
    try:
        view = renderer.view
        world = view.mesh.world
        rows, columns = cells_of(len(scene.walking)) if layout == "split" else (1, 1)
        cell_w, cell_h = 1280 // columns, 720 // rows
        frame = frame_at(run, 30)
        shared = view.camera_state()
        for k, hiker in enumerate(scene.walking):
            wx, wy = world.xy(*frame.xy[k])
            point = [[wx, wy, world.z(frame.loss[k]) + LIFT]]
            if layout == "split":  # each cell frames its own hiker
                view.set_camera_state(view.cell_camera(shared, frame.select(slice(k, k + 1))))
            x, y = view.project(point, cell_w, cell_h)[0].round().astype(int)
            view.set_camera_state(shared)
            if layout == "split":
                middle = np.array([cell_w / 2, cell_h / 2])
                assert np.hypot(*(np.array([x, y]) - middle)) < 0.1 * cell_h  # centred
            row, column = divmod(k, columns) if layout == "split" else (0, 0)
            x, y = x + column * cell_w, y + row * cell_h
            around = pixels[y - 2 : y + 3, x - 2 : x + 3].reshape(-1, 3).astype(float)
            color = rgba(hiker.color)[:3] * 255
            assert np.abs(around - color).max(axis=1).min() < 40, (hiker.spec, x, y)
    finally:
        renderer.close()


def test_contour_lines_are_drawn_on_the_ground(view):
    ramp = formula_surface("x", (-5.0, 5.0, -5.0, 5.0))
    view.set_terrain(ramp, 128, "linear")
    top_down(view)
    view.set_fog(Fog(enabled=False))
    view.show_frame(None)
    lined = view.render_array(W, H).astype(int).sum(axis=2)
    view.fog_shader.set_contours(False)
    plain = view.render_array(W, H).astype(int).sum(axis=2)
    view.fog_shader.set_contours(True)
    darker = (plain - lined)[H // 2]  # one row across the ramp: x rises to the right
    assert (darker >= -3).all()  # lines only darken
    found = np.flatnonzero(np.diff((darker > 30).astype(int)) == 1) + 1
    # The map's twelve levels, where the ramp's height crosses k/13 of its range.
    share = np.arange(1, 13) / 13
    world = view.mesh.world
    levels = np.column_stack([-5.0 + 10.0 * share, np.zeros(12), share * world.height])
    expected = view.project(levels, W, H)[:, 0]
    assert len(found) == 12
    np.testing.assert_allclose(found, expected, atol=3.0)


def test_fogged_ground_never_hides_clear_ground(view):
    """A ridge between a low camera and a hiker: fogged, it lets the hiker's clear ground be
    seen through it; with no fog it hides that ground, as solid ground does."""
    ridge = formula_surface("3*exp(-(y + 1)**2/0.2)", (-5.0, 5.0, -5.0, 5.0))
    view.set_terrain(ridge, 192, "linear")
    view.set_hiker_colors(["#ff0000"])
    run = simulate(ridge, ["sgd:lr=0.0"], starts=[(0.0, 3.0)], steps=1)
    view.show_frame(frame_at(run, 0))
    view.set_camera_state(
        {"center": (0.0, 0.0, 0.5), "distance": 16.0, "elevation": 6.0, "azimuth": -90.0}
    )
    world, mesh = view.mesh.world, view.mesh
    wx, wy = world.xy(0.0, 3.0)
    x, y = view.project([[wx, wy, 0.0]], W, H)[0].round().astype(int)
    beside = np.array([[x - 16, y]])  # on the valley floor next to the hiker, inside its radius
    ground = view.ground_at(beside + 0.5, W, H, z=0.0)[0]
    assert np.hypot(ground[0] - wx, ground[1] - wy) < 0.8
    nearest = np.argmin(np.hypot(*(mesh.vertexes[:, :2] - ground[:2]).T))
    floor = mesh.colors[nearest, :3] * 255  # the clear ground's own colour there

    def seen_beside() -> np.ndarray:
        return view.render_array(W, H)[y, x - 16].astype(float)

    view.set_fog(Fog(radius=0.12, density=0.5))
    assert np.abs(seen_beside() - floor).max() < 4, "fogged ground in front hid clear ground"
    view.set_fog(Fog(enabled=False))
    assert np.abs(seen_beside() - floor).max() > 20, "with no fog the ridge hides the floor"


def test_the_default_camera_fits_the_whole_terrain(view):
    view.set_terrain(get_surface("fog_mountain"), 128)
    view.reset_camera()
    pixels = view.project(view.mesh.vertexes, W, H)
    assert pixels[:, 0].min() >= 0 and pixels[:, 0].max() <= W  # nothing cut off
    assert pixels[:, 1].min() >= 0 and pixels[:, 1].max() <= H
    width_used = np.ptp(pixels[:, 0]) / W
    height_used = np.ptp(pixels[:, 1]) / H
    assert max(width_used, height_used) > 0.9  # and it fills the picture
    corners = view.project([[-4.0, -4.0, 0.0], [4.0, -4.0, 0.0], [-4.0, 4.0, 0.0]], W, H)
    assert corners[1, 0] > corners[0, 0] + 100  # x to the right, as on the map
    assert corners[2, 1] < corners[0, 1] - 20  # y away from the viewer (up the picture)
    view.orbit(10, 0)  # the user turns it: no longer kept fitted
    view.resize(W // 2, H)
    assert view.fitted is None


def test_fog_never_drops_far_ground(view):
    """Fogged ground pushed back in depth stays drawn however far it is: the picture's
    background (the bare fog colour) is the same with the fog as without it."""
    surface = get_surface("himmelblau")
    view.set_terrain(surface, 128)
    run = simulate(surface, ["sgd:lr=0.0"], starts=[(3.0, 2.0)], steps=1)
    view.show_frame(frame_at(run, 0))
    world = view.mesh.world
    wx, wy = world.xy(3.0, 2.0)
    for distance, elevation in ((6.0, 34.0), (14.0, 20.0), (40.0, 34.0)):
        view.set_camera_state(
            {"center": (wx, wy, 0.5), "distance": distance, "elevation": elevation,
             "azimuth": -90.0}
        )  # fmt: skip
        backgrounds = []
        for fog in (Fog(density=0.5), Fog(enabled=False)):
            view.set_fog(fog)
            pixels = view.render_array(W, H).astype(float)
            backgrounds.append(np.abs(pixels - FOG_RGB).max(axis=2) <= 2)
        assert backgrounds[1].mean() < 0.98  # there is ground in the picture
        assert (backgrounds[0] != backgrounds[1]).mean() < 0.005, (distance, elevation)


def test_long_names_are_elided_not_cut(qapp):
    """A legend line or a title longer than the picture ends in an ellipsis inside it."""
    pixels = np.full((200, 320, 3), 200, dtype=np.uint8)
    long = "lookahead:base=adamw_schedulefree:lr=0.0025,warmup_steps=10,k=7,alpha=0.4"
    burn_overlays(pixels, title="T" * 80, legend=[LegendEntry(long, "#ff0000", 1.0, "")])
    box = np.abs(pixels.astype(int) - 200).max(axis=2) > 30
    columns = np.flatnonzero(box.any(axis=0))
    assert columns.min() > 0 and columns.max() < 319  # nothing runs off either side
