"""The loss plot on Xvfb: curves, log and distance modes, and the step cursor."""

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from fogwalk.core import get_surface, simulate
from fogwalk.ui.loss_plot import LossPlot

COLORS = ["#ff5a36", "#3de0ff", "#ffd23f"]
SPECS = ["adam:lr=0.05", "sgd:lr=0.01", "momentum:lr=0.01"]


@pytest.fixture
def plot(shown):
    return shown(LossPlot(), 640, 360)


def plotted(plot: LossPlot) -> list[np.ndarray]:
    """What each curve draws (after pyqtgraph's log mapping, when it is on)."""
    return [curve.getData()[1] for curve in plot.curves]


def test_one_curve_per_optimizer_with_its_losses(plot):
    run = simulate("himmelblau", SPECS, starts=[(0.0, 0.0), (1.0, 1.0)], steps=80)
    plot.show_run(run, COLORS, ["Adam", "SGD", "Momentum"])
    assert len(plot.curves) == 3
    for k, curve in enumerate(plot.curves):
        steps, loss = curve.getData()
        np.testing.assert_array_equal(steps, np.arange(81))
        np.testing.assert_array_equal(loss, run.loss[:, k, 0])
        assert curve.opts["pen"].color().name() == COLORS[k]
    names = [label.text for _, label in plot.legend.items]
    assert names[0] == "Adam  (walker 1 of 2)"


def test_update_to_extends_the_curves(plot):
    run = simulate("himmelblau", SPECS, steps=80)
    plot.show_run(run, COLORS)
    plot.update_to(30)
    assert [len(y) for y in plotted(plot)] == [31, 31, 31]
    plot.update_to(80)
    np.testing.assert_array_equal(plotted(plot)[1], run.loss[:, 1, 0])


@pytest.mark.parametrize("surface", ["booth", "saddle", "rosenbrock"])
def test_log_mode_never_plots_nan_or_inf(plot, surface):
    # Booth from its minimum: the loss equals f* exactly, whose log is -inf unguarded.
    starts = [(1.0, 3.0)] if surface == "booth" else None
    run = simulate(surface, [*SPECS[:2], "sgd:lr=0.5"], starts=starts, steps=100)
    plot.show_run(run, COLORS)
    plot.log.setChecked(True)
    for k, values in enumerate(plotted(plot)):
        assert np.isfinite(values).all()
        assert (plot.curves[k].yData > 0).all()  # the data handed to the log
    if surface != "saddle":
        plot.distance.setChecked(True)
        assert all(np.isfinite(values).all() for values in plotted(plot))
    assert "loss" in plot.plot.getAxis("left").labelText or plot.distance.isChecked()


def test_distance_mode_needs_known_minima(plot):
    run = simulate("saddle", SPECS, steps=20)
    plot.show_run(run, COLORS)
    assert not plot.distance.isEnabled()
    run = simulate("himmelblau", SPECS, steps=50)
    plot.show_run(run, COLORS)
    assert plot.distance.isEnabled()
    plot.distance.setChecked(True)
    minima = np.array([(m.x, m.y) for m in get_surface("himmelblau").minima])
    for k, values in enumerate(plotted(plot)):
        expected = np.linalg.norm(run.xy[:, k, 0, None, :] - minima, axis=-1).min(axis=1)
        np.testing.assert_allclose(values, expected)
    assert plot.plot.getAxis("left").labelText == "distance to nearest minimum"


def test_show_step_moves_the_cursor_without_emitting(plot, qtbot):
    run = simulate("himmelblau", SPECS, steps=100)
    plot.show_run(run, COLORS)
    with qtbot.assertNotEmitted(plot.scrubbed):
        plot.show_step(42)
        assert plot.cursor.value() == 42
        plot.show_run(run, COLORS)
        plot.update_to(30)  # a new run computing: the cursor is held to what is computed
    assert plot.cursor.value() == 30


def test_moving_the_cursor_emits_the_step(plot, qtbot):
    plot.show_run(simulate("himmelblau", SPECS, steps=100), COLORS)
    with qtbot.waitSignal(plot.scrubbed, timeout=1000) as blocker:
        plot.cursor.setValue(37.4)
    assert blocker.args == [37]


def test_dragging_the_cursor_scrubs(plot, qtbot):
    plot.show_run(simulate("himmelblau", SPECS, steps=100), COLORS)
    plot.show_step(20)
    view = plot.plot.getViewBox()
    qtbot.waitUntil(lambda: view.viewRange()[0][1] >= 100)  # auto-range reached the run's end
    y = view.viewRange()[1][0] + 0.5 * np.ptp(view.viewRange()[1])

    def pixel(step):
        return plot.plot.mapFromScene(view.mapViewToScene(QPointF(step, y)))

    viewport = plot.plot.viewport()
    begin, end = pixel(20), pixel(70)
    steps = []
    plot.scrubbed.connect(steps.append)
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=begin)
    for share in np.linspace(0.1, 1.0, 8):
        qtbot.mouseMove(viewport, begin + (end - begin) * share)
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=end)
    assert steps and steps == sorted(steps)
    assert abs(steps[-1] - 70) <= 1 and plot.cursor.value() == round(plot.cursor.value())
