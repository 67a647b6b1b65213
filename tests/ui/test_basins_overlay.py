"""The map's Basins overlay: computed off the window's thread, coarse to fine, redone when the
scene's basins change (not when a start moves), gone when switched off."""

from dataclasses import replace

import numpy as np
from PIL import Image
from PySide6.QtGui import QImage

from fogwalk.core.above.basins import DIVERGED
from fogwalk.core.above.pictures import basin_rgb
from fogwalk.core.scene import Hiker
from fogwalk.ui.basins_job import LEVELS


def _map_pixels(window) -> np.ndarray:
    image = window.map_panel.plot.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    return rows[:, : 3 * image.width()].reshape(image.height(), image.width(), 3).astype(int)


def test_the_basins_are_drawn_over_the_map_and_follow_the_scene(window, qtbot):
    window.controller.set_playing(False)
    window.apply(replace(window.scene, surface="himmelblau", hikers=(Hiker("newton", "#ff5a36"),)))
    qtbot.waitUntil(lambda: window.run is not None, timeout=20_000)
    before = _map_pixels(window)
    sides = []
    window.basins_job.shown.connect(lambda bmap: sides.append(bmap.labels.shape[-1]))
    window.map_panel.show_basins_box.setChecked(True)
    qtbot.waitUntil(lambda: sides[-1:] == [LEVELS[-1]], timeout=120_000)
    assert sides == list(LEVELS)  # coarse to fine, each shown as it came
    bmap = window.map_panel.basin_map
    assert bmap.optimizers == ("newton",)
    assert {a.kind for a in bmap.attractors} == {"minimum", "saddle", "maximum"}
    np.testing.assert_array_equal(window.map_panel.basins.image, basin_rgb(bmap, 0))
    # The map fills part of the plot (its aspect is kept): a tenth of the plot's pixels changed.
    qtbot.waitUntil(lambda: (np.abs(_map_pixels(window) - before).max(axis=-1) > 40).mean() > 0.1)

    # A start placed on the map changes no basin: the overlay stays as it is.
    window.apply(replace(window.scene, starts=((3.0, 2.0),)))
    assert window.map_panel.basin_map is bmap and len(sides) == len(LEVELS)

    # Another hiker: the overlay is computed again for it.
    window.apply(replace(window.scene, hikers=(Hiker("sgd:lr=0.05", "#ff5a36"),)))
    qtbot.waitUntil(
        lambda: (
            window.map_panel.basin_map is not None
            and window.map_panel.basin_map.optimizers == ("sgd:lr=0.05",)
        ),
        timeout=60_000,
    )
    assert (window.map_panel.basin_map.labels == DIVERGED).mean() > 0.3

    window.map_panel.show_basins_box.setChecked(False)
    assert window.map_panel.basin_map is None and window.map_panel.basins.image is None


def test_the_basins_can_be_laid_on_the_terrain(window, qtbot, tmp_path):
    window.controller.set_playing(False)
    window.apply(replace(window.scene, surface="himmelblau", hikers=(Hiker("newton", "#ff5a36"),)))
    qtbot.waitUntil(lambda: window.run is not None, timeout=20_000)
    view = window.view
    assert not window.map_panel.drape_box.isEnabled()  # only with the basins on
    bare = view.render_array(480, 360).astype(int)
    shown = []
    window.basins_job.shown.connect(shown.append)
    window.map_panel.show_basins_box.setChecked(True)
    window.map_panel.drape_box.setChecked(True)
    qtbot.waitUntil(lambda: len(shown) == len(LEVELS), timeout=120_000)
    bmap = window.map_panel.basin_map
    assert view.ground_image is not None and view.ground_image.rect == bmap.extent
    draped = view.render_array(480, 360).astype(int)
    Image.fromarray(draped.astype(np.uint8)).save(tmp_path / "draped.png")
    # The basins' colours show on the ground, through the fog: pixels changed, in many hues.
    changed = np.abs(draped - bare).max(axis=-1) > 40
    assert changed.mean() > 0.03
    hues = {tuple(p) for p in (draped[changed] // 48)[::5]}
    assert len(hues) > 8

    window.map_panel.drape_box.setChecked(False)
    assert view.ground_image is None
    np.testing.assert_array_equal(view.render_array(480, 360).astype(int), bare)
    window.map_panel.drape_box.setChecked(True)
    window.map_panel.show_basins_box.setChecked(False)  # the basins off: off the terrain too
    assert view.ground_image is None
