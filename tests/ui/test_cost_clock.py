"""The app's cost clock: every hiker the same budget a tick, the loss plot's three axes."""

from dataclasses import replace

import numpy as np
from PySide6.QtCore import Qt

from fogwalk.core.measurements import Costs
from fogwalk.core.scene import Hiker, Scene

SCENE = Scene(
    surface="himmelblau",
    hikers=(Hiker("adam:lr=0.05", "#ff5a36"), Hiker("newton:lr=0.1", "#4dabf7")),
    starts=((0.5, 0.5),),
    steps=60,
)


def wait_for_whole_run(window, qtbot):
    qtbot.waitUntil(lambda: window.run is not None and window.run.computed == 60, timeout=20_000)


def test_the_cost_clock_shows_each_hiker_at_its_own_step(window, qtbot):
    window.apply(replace(SCENE, clock="cost"))
    wait_for_whole_run(window, qtbot)
    with qtbot.waitSignal(window.frame_shown, timeout=5_000, check_params_cb=lambda t: t == 12):
        window.controller.seek(12)
    text = window.status.text()
    assert "cost <b>12</b>" in text
    assert "step 12, 13 gradients" in text  # adam: a gradient a step
    assert "step 4, 5 gradients, 4 Hessians" in text  # Newton: 1 + 2 a step
    plot = window.loss_plot
    assert plot.x_axis == "cost" and plot.cursor.isVisible()
    dots = plot.dots.data["x"]
    np.testing.assert_allclose(dots, [12.0, 12.0])  # both spent the whole budget, on their curves
    assert window.playback_panel.position.text().startswith("cost 12 / 60")


def test_the_clock_toggles_with_c_and_the_axis_follows(window, qtbot):
    window.apply(SCENE)
    wait_for_whole_run(window, qtbot)
    plot = window.loss_plot
    assert plot.x_axis == "steps" and plot.cursor.isVisible()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)  # shortcuts go to the active window
    qtbot.keyClick(window, Qt.Key.Key_C)
    assert window.scene.clock == "cost" and plot.x_axis == "cost"
    assert window.playback_panel.clock.currentData() == "cost"
    qtbot.keyClick(window, Qt.Key.Key_C)
    assert window.scene.clock == "steps" and plot.x_axis == "steps"


def test_the_loss_plot_counts_measurements_or_their_cost(window, qtbot):
    window.apply(replace(SCENE, costs=Costs(hessian=4.0)))
    wait_for_whole_run(window, qtbot)
    plot = window.loss_plot
    plot.axis.setCurrentIndex(plot.axis.findData("measurements"))
    newton_x, _ = plot.curves[1].getData()
    run = window.run
    np.testing.assert_array_equal(
        newton_x, run.evaluations(np.arange(61)[:, None, None])[:, 1, 0] - 1
    )
    assert newton_x[:3].tolist() == [0, 2, 4]  # a gradient and a Hessian a step
    assert not plot.cursor.isVisible()  # the clock is by steps: no cursor on this axis
    plot.axis.setCurrentIndex(plot.axis.findData("cost"))
    newton_x, _ = plot.curves[1].getData()
    assert newton_x[:3].tolist() == [0.0, 5.0, 10.0]  # priced as the scene says: 1 + 4
    assert plot.plot.getPlotItem().getAxis("bottom").labelText.startswith("cost")
