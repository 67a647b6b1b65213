"""File ▸ Export Video: the settings dialog and the export job that keeps the window alive."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QSpinBox,
    QWidget,
)

from ..core.errors import FogwalkError
from ..core.export import CAMERA_MOTIONS, LAYOUTS, SIZES, VideoSettings
from ..core.scene import Scene
from ..core.session import compute_run, video_steps
from ..core.video import output_kind
from ..render.exporter import ExportLoop
from .controller import Controller

FILTERS = "MP4 video (*.mp4);;WebM video (*.webm);;Animated GIF (*.gif);;PNG frames (folder) (*)"


class ExportDialog(QDialog):
    """Choose the file, size, frame rate, steps, camera and overlays of a video."""

    def __init__(
        self,
        scene: Scene,
        title: str,
        parent: QWidget | None = None,
        settings: VideoSettings | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export Video")
        self.scene = scene
        self.path = QLineEdit(str(Path.cwd() / "fogwalk.mp4"))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._on_browse_clicked)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path, 1)
        path_row.addWidget(browse)
        self.size = QComboBox()
        for name, (w, h) in SIZES.items():
            self.size.addItem(f"{name} ({w}×{h})", name)
        self.size.addItem("custom", None)
        self.width_box, self.height_box = QSpinBox(), QSpinBox()
        for box, value in ((self.width_box, 1280), (self.height_box, 720)):
            box.setRange(16, 7680)
            box.setSingleStep(2)
            box.setValue(value)
            box.setEnabled(False)
        self.size.currentIndexChanged.connect(self._on_size_current_index_changed)
        size_row = QHBoxLayout()
        for widget in (self.size, self.width_box, self.height_box):
            size_row.addWidget(widget)
        self.fps = QDoubleSpinBox()
        self.fps.setRange(1, 120)
        self.fps.setValue(30)
        self.first, self.last, self.per_frame = QSpinBox(), QSpinBox(), QSpinBox()
        for box in (self.first, self.last):
            box.setRange(0, scene.steps)
        self.last.setValue(min(scene.steps, 600))
        self.per_frame.setRange(1, 1000)
        self.camera = QComboBox()
        for name, text in zip(
            CAMERA_MOTIONS, ("as it is", "slow orbit", "follow the first hiker"), strict=True
        ):
            self.camera.addItem(text, name)
        self.layout_box = QComboBox()
        for name in LAYOUTS:
            self.layout_box.addItem(name, name)
        self.title = QLineEdit(title)
        self.legend = QCheckBox("Legend of hikers")
        self.counter = QCheckBox("Step counter")
        self.losses = QCheckBox("Each hiker's loss")
        for box in (self.legend, self.counter, self.losses):
            box.setChecked(True)

        if settings is not None:
            self._show_settings(settings)
        form = QFormLayout(self)
        form.addRow("File", path_row)
        form.addRow("Size", size_row)
        form.addRow("Frame rate", self.fps)
        form.addRow("From step", self.first)
        form.addRow("To step", self.last)
        form.addRow("Steps per frame", self.per_frame)
        form.addRow("Layout", self.layout_box)
        form.addRow("Camera", self.camera)
        form.addRow("Title", self.title)
        for box in (self.legend, self.counter, self.losses):
            form.addRow(box)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _show_settings(self, settings: VideoSettings) -> None:
        """Start from a scenario's export settings."""
        preset = next(
            (n for n, size in SIZES.items() if size == (settings.width, settings.height)), None
        )
        self.size.setCurrentIndex(self.size.findData(preset))
        self.width_box.setValue(settings.width)
        self.height_box.setValue(settings.height)
        self.fps.setValue(settings.fps)
        self.first.setValue(settings.first_step)
        if settings.last_step is not None:
            self.last.setValue(settings.last_step)
        self.per_frame.setValue(settings.steps_per_frame)
        self.camera.setCurrentIndex(self.camera.findData(settings.camera))
        self.layout_box.setCurrentIndex(self.layout_box.findData(settings.layout))
        if settings.title:
            self.title.setText(settings.title)
        self.legend.setChecked(settings.legend)
        self.counter.setChecked(settings.counter)
        self.losses.setChecked(settings.losses)

    def _on_browse_clicked(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export video to", self.path.text(), FILTERS)
        if path:
            self.path.setText(path)

    def _on_size_current_index_changed(self, index: int) -> None:
        preset = SIZES.get(self.size.itemData(index))
        for box in (self.width_box, self.height_box):
            box.setEnabled(preset is None)
        if preset is not None:
            self.width_box.setValue(preset[0])
            self.height_box.setValue(preset[1])

    def settings(self) -> VideoSettings:
        """The chosen settings (raises FogwalkError when they do not fit together)."""
        return VideoSettings(
            width=self.width_box.value(),
            height=self.height_box.value(),
            fps=self.fps.value(),
            first_step=self.first.value(),
            last_step=self.last.value(),
            steps_per_frame=self.per_frame.value(),
            camera=self.camera.currentData(),
            layout=self.layout_box.currentData(),
            title=self.title.text(),
            legend=self.legend.isChecked(),
            counter=self.counter.isChecked(),
            losses=self.losses.isChecked(),
        )


class ExportJob(QObject):
    """Renders one frame per event-loop turn (the window keeps drawing) and encodes it.

    Frames come from the window's own run when a ``controller`` is given (it
    is asked to compute as far as the video needs, and the job waits for it
    on the worker), else from a run computed here. Encoding runs on the video
    writer's own thread; ``cancel`` discards the file.
    """

    progressed = Signal(int, int)  # frames done, frames in all
    finished = Signal(str)  # the path written
    failed = Signal(str)  # why; "" when cancelled

    def __init__(
        self,
        scene: Scene,
        settings: VideoSettings,
        path: str,
        overwrite: bool,
        camera: dict | None = None,
        controller: Controller | None = None,
    ) -> None:
        super().__init__()
        self.scene, self.controller = scene, controller
        needed = video_steps(scene, settings)
        self._run = None if controller is not None else compute_run(scene, needed)
        self._generation = controller.simulation.generation if controller is not None else None
        if controller is not None:
            controller.compute_to(needed)
        self.loop = ExportLoop(scene, settings, path, overwrite=overwrite, camera=camera)
        self.started = time.monotonic()
        self._timer = QTimer(self)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._on_timer_timeout)

    def __len__(self) -> int:
        return len(self.loop)

    def start(self) -> None:
        self._timer.start()

    def seconds_left(self) -> float:
        done = max(self.loop.done, 1)
        return (time.monotonic() - self.started) / done * (len(self.loop) - self.loop.done)

    def _current_run(self):
        """The run to draw the next frame from, or None while the window's is still behind."""
        controller = self.controller
        if self._run is None and controller.simulation.generation != self._generation:
            # the window's scene changed under the export: finish from a run of our own
            self._run = compute_run(
                self.scene, video_steps(self.scene, self.loop.renderer.settings)
            )
        run = self._run or controller.run
        return run if run is not None and self.loop.ready(run) else None

    def _on_timer_timeout(self) -> None:
        try:
            run = self._current_run()
            if run is None:
                return  # the worker is still computing the steps this frame shows
            done = self.loop.write_next(run)
            self.progressed.emit(done, len(self.loop))
            if done == len(self.loop):
                self._timer.stop()
                path = self.loop.finish()
                self.finished.emit(str(path))
        except FogwalkError as error:
            self._stop()
            self.failed.emit(str(error))

    def cancel(self) -> None:
        if self._timer.isActive():
            self._stop()
            self.failed.emit("")

    def _stop(self) -> None:
        self._timer.stop()
        self.loop.abort()


def run_export(
    window, controller: Controller, title: str, camera: dict, settings: VideoSettings | None = None
) -> ExportJob | None:
    """Ask for settings, then export the window's run with a progress dialog; the running job."""
    scene = controller.scene
    dialog = ExportDialog(scene, title, window, settings)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    path = dialog.path.text().strip()
    try:
        settings = dialog.settings()
        output_kind(path)
        overwrite = False
        if Path(path).exists():
            answer = QMessageBox.question(window, "Replace file?", f"{path} exists. Replace it?")
            if answer != QMessageBox.StandardButton.Yes:
                return None
            overwrite = True
        job = ExportJob(scene, settings, path, overwrite, camera, controller)
    except FogwalkError as error:
        QMessageBox.warning(window, "Cannot export", str(error))
        return None
    progress = QProgressDialog("Exporting…", "Cancel", 0, len(job), window)
    progress.setWindowTitle("Export Video")
    progress.setWindowModality(Qt.WindowModality.WindowModal)  # no edits while it runs
    progress.setMinimumDuration(0)
    progress.canceled.connect(job.cancel)

    def on_progressed(done: int, total: int) -> None:
        progress.setValue(done)
        progress.setLabelText(f"Frame {done} of {total}, about {job.seconds_left():.0f} s left")

    def on_finished(written: str) -> None:
        progress.reset()
        window.statusBar().showMessage(f"Exported {written}", 8000)

    def on_failed(message: str) -> None:
        progress.reset()
        if message:
            QMessageBox.warning(window, "Export failed", f"{message}\nNothing was written.")
        else:
            window.statusBar().showMessage("Export cancelled; nothing was written", 8000)

    job.progressed.connect(on_progressed)
    job.finished.connect(on_finished)
    job.failed.connect(on_failed)
    job.start()
    return job
