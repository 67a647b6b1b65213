"""The map on Xvfb: surface image and contours, paths, fog, and placing and dragging starts."""

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt

from fogwalk.core import get_surface, simulate
from fogwalk.core.above.basins import compute_basins
from fogwalk.core.scene import Hiker, Scene
from fogwalk.ui.map_panel import MapPanel

COLORS = ["#ff5a36", "#3de0ff"]


@pytest.fixture
def panel(qtbot, shown):
    panel = shown(MapPanel(), 640, 640)
    panel.show_surface(get_surface("himmelblau"))
    qtbot.waitUntil(lambda: aspect_locked(panel))  # settles on the first layout
    return panel


def aspect_locked(panel: MapPanel) -> bool:
    """Whether a pixel spans as much x as y: the locked aspect has been laid out."""
    width, height = panel.view_box.viewPixelSize()
    return width > 0 and abs(width - height) <= 1e-9 * width


def pixel(panel: MapPanel, x: float, y: float) -> QPoint:
    """The viewport pixel showing surface point (x, y)."""
    scene = panel.view_box.mapViewToScene(QPointF(x, y))
    return panel.plot.mapFromScene(scene)


def tolerance(panel: MapPanel) -> float:
    """A pixel and a half, in surface units."""
    size = panel.view_box.viewPixelSize()
    return 1.5 * max(size[0], size[1])


def test_surface_image_contours_and_minima(panel):
    surface = get_surface("himmelblau")
    image = panel.image.image
    assert image.ndim == 3 and image.shape[2] == 4 and image.dtype == np.uint8
    assert image[..., :3].std() > 10  # a colour map, not a flat fill
    x, y = panel.contours.getData()
    assert len(x) > 100 and np.isfinite(x).all()
    xmin, xmax, ymin, ymax = surface.domain
    assert x.min() >= xmin - 1e-9 and x.max() <= xmax + 1e-9
    assert y.min() >= ymin - 1e-9 and y.max() <= ymax + 1e-9
    # Every contour point lies on one of the 12 levels (up to the grid's interpolation).
    levels = panel.contour_levels
    assert len(levels) == 12 and (np.diff(levels) > 0).all()
    off = np.abs(surface.value(x, y)[:, None] - levels[None, :]).min(axis=1)
    assert off.max() < 0.01 * (levels[-1] - levels[0])
    shown = panel.minima.getData()
    np.testing.assert_allclose(sorted(shown[0]), sorted(m.x for m in surface.minima))


def test_one_path_per_optimizer_up_to_the_step(panel):
    surface = get_surface("himmelblau")
    starts = [(0.0, 0.0), (-1.0, 1.0), (1.0, -1.0)]
    run = simulate(surface, ["adam:lr=0.05", "sgd:lr=0.01"], starts=starts, steps=60)
    panel.show_run(run, COLORS)
    panel.show_step(40, 0.1)
    assert len(panel.trails) == 2
    for k, trail in enumerate(panel.trails):
        x, y = trail.getData()
        assert trail.opts["pen"].color().name() == COLORS[k]
        # Each walker's 41 points, NaN between walkers (one item, many walkers).
        expected = np.concatenate(
            [np.vstack([run.xy[:41, k, w], [np.nan, np.nan]]) for w in range(3)]
        )
        np.testing.assert_array_equal(np.column_stack([x, y]), expected)
    positions = np.column_stack(panel.positions.getData())
    np.testing.assert_array_equal(positions, run.xy[40].reshape(-1, 2))
    for fog in panel.fog:
        assert fog.isVisible()
        # One circle per walker, of radius 0.1 x the domain's longer side (10): diameter 2.
        rect = fog.path().boundingRect()
        assert rect.width() >= 2.0 - 1e-9 and rect.height() >= 2.0 - 1e-9
    panel.show_step(40, None)
    assert not any(fog.isVisible() for fog in panel.fog)


def test_many_steps_stay_within_the_point_budget(panel):
    starts = [(x, y) for x in np.linspace(-4, 4, 8) for y in np.linspace(-4, 4, 8)]
    run = simulate("himmelblau", ["adam:lr=0.05", "sgd:lr=0.01"], starts=starts, steps=1000)
    panel.show_run(run, COLORS)
    panel.show_step(1000, 0.1)
    for k, trail in enumerate(panel.trails):
        x, y = trail.getData()
        assert len(x) < 24_000
        # The newest points are drawn exactly, and every walker ends where it stands.
        ends = np.flatnonzero(np.isnan(x)) - 1
        np.testing.assert_array_equal(np.column_stack([x[ends], y[ends]]), run.xy[1000, k])


def test_clicking_the_map_places_the_start(panel, qtbot):
    with qtbot.waitSignal(panel.starts_changed, timeout=2000) as blocker:
        qtbot.mouseClick(
            panel.plot.viewport(), Qt.MouseButton.LeftButton, pos=pixel(panel, 1.5, -2.0)
        )
    (start,) = blocker.args[0]
    assert start == pytest.approx((1.5, -2.0), abs=tolerance(panel))
    assert panel.starts() == blocker.args[0]


def test_clicking_the_basins_places_the_start_there(panel, qtbot):
    scene = Scene(surface="himmelblau", hikers=(Hiker("newton", "#ff5a36"),), steps=200)
    panel.show_basins(compute_basins(scene, (24, 24)))
    with qtbot.waitSignal(panel.starts_changed, timeout=2000) as blocker:
        qtbot.mouseClick(
            panel.plot.viewport(), Qt.MouseButton.LeftButton, pos=pixel(panel, -2.5, 3.5)
        )
    (start,) = blocker.args[0]
    assert start == pytest.approx((-2.5, 3.5), abs=tolerance(panel))


def test_a_pattern_places_several_starts_in_the_domain(panel, qtbot):
    panel.kind.setCurrentIndex(panel.kind.findData("grid"))
    panel.count.setValue(9)
    with qtbot.waitSignal(panel.starts_changed, timeout=2000) as blocker:
        qtbot.mouseClick(
            panel.plot.viewport(), Qt.MouseButton.LeftButton, pos=pixel(panel, 4.9, 0.0)
        )
    starts = np.array(blocker.args[0])
    assert starts.shape == (9, 2) and len(panel.start_markers) == 9
    assert (starts[:, 0] <= 5.0).all() and (starts[:, 0] >= 3.0).all()
    np.testing.assert_allclose(starts[:, 1].mean(), 0.0, atol=tolerance(panel))


def test_dragging_a_start_moves_it(panel, qtbot):
    panel.set_starts([(0.0, 0.0), (-2.0, 2.0)])
    viewport = panel.plot.viewport()
    begin, end = pixel(panel, 0.0, 0.0), pixel(panel, 2.0, 1.0)
    with qtbot.waitSignal(panel.starts_changed, timeout=2000) as blocker:
        qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=begin)
        for share in np.linspace(0.1, 1.0, 8):
            qtbot.mouseMove(viewport, begin + (end - begin) * share)
        qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=end)
    moved, other = blocker.args[0]
    assert moved == pytest.approx((2.0, 1.0), abs=tolerance(panel))
    assert other == (-2.0, 2.0)


def test_set_starts_shows_without_emitting(panel, qtbot):
    with qtbot.assertNotEmitted(panel.starts_changed):
        panel.set_starts([(1.0, 1.0), (2.0, 2.0), (3.0, 3.0)])
    assert panel.starts() == ((1.0, 1.0), (2.0, 2.0), (3.0, 3.0))
    panel.set_starts([])  # the surface's own start
    assert panel.starts() == (tuple(get_surface("himmelblau").start),)
