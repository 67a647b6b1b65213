"""The terrain view drawn with real OpenGL (Mesa on Xvfb): fog, hikers, offscreen size."""

import numpy as np
import pytest
from scenes import FLAT, FOG_RGB, top_down

from fogwalk.core import get_surface, simulate
from fogwalk.core.end_states import Outcome
from fogwalk.core.scene import Fog
from fogwalk.render.frame import HikerFrame, frame_at
from fogwalk.render.mesh import WORLD_SIZE
from fogwalk.render.view import TerrainView

W, H = 320, 240


@pytest.fixture
def view(shown):
    return shown(TerrainView(), W, H)  # on screen: its GL context is ready


def one_hiker(x: float, y: float, outcome=Outcome.WALKING) -> HikerFrame:
    return HikerFrame(
        step=0,
        xy=np.array([[x, y]]),
        loss=np.zeros(1),
        grad=np.zeros((1, 2)),
        velocity=np.zeros((1, 2)),
        outcome=np.array([outcome], dtype=np.uint8),
        marks=np.array([""], dtype=object),
        trails=np.array([[[x, y, 0.0]]]),
        paths=np.array([[[x, y, 0.0]]]),
        memory=np.zeros((0, 2)),
    )


def ground_distance(view: TerrainView, x: float, y: float) -> tuple[np.ndarray, np.ndarray]:
    """World distance from each pixel's ground point (on the flat terrain) to (x, y)."""
    ys, xs = np.mgrid[0:H, 0:W]
    ground = view.ground_at(np.column_stack([xs.ravel() + 0.5, ys.ravel() + 0.5]), W, H)
    on_map = (np.abs(ground[:, :2]) < WORLD_SIZE / 2 - 0.1).all(axis=1)
    return np.hypot(ground[:, 0] - x, ground[:, 1] - y).reshape(H, W), on_map.reshape(H, W)


def test_fog_hides_ground_far_from_the_hiker_only(view):
    view.set_terrain(FLAT, 128)
    top_down(view)
    view.set_hiker_colors(["#ff0000"])
    view.show_frame(one_hiker(-2.0, 1.0))  # world (-2, 1): the flat domain is 10 wide
    view.set_fog(Fog(radius=0.2, softness=0.1, density=1.0))  # clear to 2.0, fogged from 2.2
    fogged = view.render_array(W, H).astype(int)
    view.set_fog(Fog(enabled=False))
    clear = view.render_array(W, H).astype(int)
    distance, on_map = ground_distance(view, -2.0, 1.0)

    far = on_map & (distance > 2.35)
    near = on_map & (distance > 0.8) & (distance < 1.8)  # beside the marker, inside the radius
    assert far.sum() > 1000 and near.sum() > 500
    assert np.abs(fogged[far] - FOG_RGB).max() <= 2  # far ground is the fog colour
    assert np.abs(fogged[near] - clear[near]).max() <= 2  # near ground is untouched
    assert np.abs(clear[near] - FOG_RGB).sum(axis=1).min() > 40  # and is not fog-coloured


def test_radius_decides_which_pixels_are_fogged(view):
    view.set_terrain(FLAT, 128)
    top_down(view)
    view.show_frame(one_hiker(0.0, 0.0))
    distance, on_map = ground_distance(view, 0.0, 0.0)
    cleared = {}
    for radius in (0.1, 0.25):
        view.set_fog(Fog(radius=radius, softness=0.05, density=1.0))
        image = view.render_array(W, H).astype(int)
        is_fog = np.abs(image - FOG_RGB).max(axis=2) <= 2
        cleared[radius] = on_map & ~is_fog
        edge = radius * WORLD_SIZE
        assert not cleared[radius][on_map & (distance > edge * 1.05 + 0.1)].any()
        assert cleared[radius][on_map & (distance < edge * 0.95) & (distance > 0.6)].all()
    assert cleared[0.25].sum() > 4 * cleared[0.1].sum()


def test_density_leaves_a_haze(view):
    view.set_terrain(FLAT, 128)
    top_down(view)
    view.show_frame(one_hiker(0.0, 0.0))
    view.set_fog(Fog(enabled=False))
    clear = view.render_array(W, H).astype(float)
    view.set_fog(Fog(radius=0.1, softness=0.05, density=0.5))
    haze = view.render_array(W, H).astype(float)
    distance, on_map = ground_distance(view, 0.0, 0.0)
    far = on_map & (distance > 2.0)
    np.testing.assert_allclose(haze[far], (clear[far] + FOG_RGB) / 2, atol=2.5)


def marker_centroid(image: np.ndarray) -> np.ndarray:
    red = (image[..., 0] > 200) & (image[..., 1] < 70) & (image[..., 2] < 70)
    assert red.sum() > 20, "the marker is not on screen"
    ys, xs = np.nonzero(red)
    return np.array([xs.mean(), ys.mean()])


def test_marker_moves_with_the_hiker_on_a_real_surface(view):
    surface = get_surface("fog_mountain")
    view.set_terrain(surface, 256)
    view.set_hiker_colors(["#ff0000"])
    view.set_fog(Fog(enabled=False))
    run = simulate(surface, ["momentum:lr=0.01"], steps=80)
    centroids = []
    for step in (0, 80):
        view.show_frame(frame_at(run, step))
        centroids.append(marker_centroid(view.render_array(W, H)))
        world = view.mesh.world
        wx, wy = world.xy(*run.xy[step, 0, 0])
        expected = view.project([[wx, wy, world.z(run.loss[step, 0, 0]) + 0.06]], W, H)[0]
        np.testing.assert_allclose(centroids[-1], expected, atol=2.0)
    assert np.hypot(*(centroids[1] - centroids[0])) > 15


def test_render_array_has_exactly_the_asked_size(view):
    view.set_terrain(get_surface("himmelblau"), 128)
    image = view.render_array(333, 211)
    assert image.shape == (211, 333, 3) and image.dtype == np.uint8
    assert image.std() > 5  # the terrain is drawn, not a blank


def test_frames_move_the_hikers_not_the_terrain(view):
    view.set_terrain(get_surface("rosenbrock"), 128)
    view.render_array(64, 48)  # the first paint uploads the terrain
    terrain = view._terrain
    uploaded = terrain.vertexes
    assert uploaded is not None
    run = simulate("rosenbrock", ["adam:lr=0.05"], steps=20)
    for step in range(0, 21, 5):
        view.show_frame(frame_at(run, step))
        view.render_array(64, 48)
    assert view._terrain is terrain and terrain.vertexes is uploaded  # never re-parsed


def test_diverged_hiker_is_drawn_grey(view):
    view.set_terrain(FLAT, 64)
    top_down(view)
    view.set_hiker_colors(["#ff0000"])
    view.set_fog(Fog(enabled=False))
    view.show_frame(one_hiker(0.0, 0.0, Outcome.DIVERGED))
    image = view.render_array(W, H).astype(int)
    center = view.project([[0.0, 0.0, 0.06]], W, H)[0].round().astype(int)
    r, g, b = image[center[1], center[0]]
    assert abs(r - g) < 12 and abs(g - b) < 12  # grey, not the hiker's red
    ring = image[center[1] - 12 : center[1] + 13, center[0] - 12 : center[0] + 13]
    assert ((ring[..., 0] > 180) & (ring[..., 1] < 80)).sum() > 10  # a red ring says diverged
