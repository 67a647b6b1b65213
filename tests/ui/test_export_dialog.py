"""Export from the app: the job keeps the window alive, cancels cleanly, matches the view."""

import imageio_ffmpeg
import numpy as np
import pytest

from fogwalk.core.export import VideoSettings
from fogwalk.core.scene import Scene
from fogwalk.core.session import compute_run
from fogwalk.render.exporter import FrameRenderer
from fogwalk.render.frame import frame_at
from fogwalk.ui.export_dialog import ExportDialog, ExportJob
from fogwalk.ui.main_window import MainWindow


def count_frames(path) -> int:
    reader = imageio_ffmpeg.read_frames(str(path))
    next(reader)
    return sum(1 for _ in reader)


def test_dialog_settings(qtbot):
    dialog = ExportDialog(Scene(steps=500), "Fog Mountain")
    qtbot.addWidget(dialog)
    settings = dialog.settings()
    assert (settings.width, settings.height, settings.fps) == (1280, 720, 30)
    assert (settings.first_step, settings.last_step, settings.title) == (0, 500, "Fog Mountain")
    dialog.size.setCurrentIndex(dialog.size.findData("1080p"))
    assert (dialog.settings().width, dialog.settings().height) == (1920, 1080)
    dialog.size.setCurrentIndex(dialog.size.count() - 1)  # custom
    dialog.width_box.setValue(800)
    assert dialog.settings().width == 800


def test_export_job_writes_while_the_window_keeps_drawing(qtbot, tmp_path):
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    ticks = []
    window.controller.timer.timeout.connect(lambda: ticks.append(1))
    settings = VideoSettings(width=320, height=240, frames=20)
    job = ExportJob(Scene(steps=40), settings, str(tmp_path / "app.mp4"), False)
    with qtbot.waitSignal(job.finished, timeout=60_000) as finished:
        job.start()
    assert finished.args == [str(tmp_path / "app.mp4")]
    assert count_frames(tmp_path / "app.mp4") == 20
    assert len(ticks) > 3  # the window's clock ran between frames
    window.close()


def test_cancelling_an_export_leaves_nothing(qtbot, tmp_path):
    job = ExportJob(
        Scene(steps=400), VideoSettings(width=320, height=240), str(tmp_path / "x.mp4"), False
    )
    with qtbot.waitSignal(job.progressed, timeout=30_000):
        job.start()
    with qtbot.waitSignal(job.failed, timeout=10_000) as failed:
        job.cancel()
    assert failed.args == [""]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("layout", ["overlay", "split"])
def test_exported_frames_are_the_pixels_the_window_shows(qtbot, layout):
    scene = Scene(steps=30, layout=layout)
    window = MainWindow(scene)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.run is not None and window.run.computed == 30, timeout=10_000)
    window.controller.set_playing(False)
    window.view.show_frame(frame_at(window.run, 30), scene.steps)
    seen = window.view.render_array(1280, 720)
    settings = VideoSettings(
        width=1280,
        height=720,
        frames=1,
        first_step=30,
        layout=layout,
        legend=False,
        counter=False,
        title="",
    )
    renderer = FrameRenderer(scene, settings, window.view.camera_state())
    try:
        exported = renderer.render(0, compute_run(scene))
    finally:
        renderer.close()
    np.testing.assert_array_equal(seen, exported)
    if layout == "split":  # each cell is labelled, by the painter the window uses on screen
        for top, left in ((0, 0), (0, 640), (360, 0), (360, 640)):
            corner = seen[top + 14 : top + 26, left + 600 : left + 625].astype(int)
            assert (corner.sum(axis=2) < 400).mean() > 0.5  # the dark label box
    window.close()


def test_the_window_exports_its_own_run(window, qtbot, tmp_path):
    window.apply(Scene(steps=60))
    qtbot.waitUntil(lambda: window.run is not None, timeout=10_000)
    path = tmp_path / "own.mp4"
    settings = VideoSettings(width=320, height=240, frames=8)
    job = ExportJob(window.scene, settings, str(path), False, None, window.controller)
    assert job._run is None  # nothing recomputed: the frames come from the window's run
    with qtbot.waitSignal(job.finished, timeout=60_000):
        job.start()
    assert count_frames(path) == 8


def test_closing_the_window_mid_export_leaves_nothing(window, qtbot, tmp_path, capfd):
    window.apply(Scene(steps=400))
    qtbot.waitUntil(lambda: window.run is not None, timeout=10_000)
    job = ExportJob(
        window.scene,
        VideoSettings(width=320, height=240),
        str(tmp_path / "x.mp4"),
        False,
        None,
        window.controller,
    )
    window.export_job = job
    with qtbot.waitSignal(job.progressed, timeout=30_000):
        job.start()
    with qtbot.waitSignal(job.failed, timeout=10_000):
        window.close()
    assert not window.controller.simulation.thread.isRunning()
    assert list(tmp_path.iterdir()) == []
    errors = capfd.readouterr().err
    assert "Traceback" not in errors and "QThread" not in errors


def test_dialog_starts_from_a_scenarios_settings(qtbot):
    settings = VideoSettings(
        width=1920,
        height=1080,
        fps=24,
        last_step=200,
        camera="orbit",
        layout="split",
        title="Mine",
        legend=False,
    )
    dialog = ExportDialog(Scene(steps=500), "Fog Mountain", settings=settings)
    qtbot.addWidget(dialog)
    assert dialog.settings() == settings
