"""The side panels: surface, hikers, fog and playback. They emit edits and hold no state."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDockWidget,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QScrollArea,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..core.defaults import ERROR_TEXT_COLOR, FOG_RADIUS_RANGE, SPEED_RANGE
from ..core.optimizers import get_definition, optimizer_names
from ..core.scene import HEIGHT_MODES, RESOLUTIONS, Fog, Hiker, Scene
from ..core.session import resolve_surface
from ..core.surfaces import get_surface, surface_names
from .widgets import ColorButton, FloatSlider


def _blocked(widget, setter, value) -> None:
    """Set a widget's value without emitting: panels show the scene, they do not edit it."""
    old = widget.blockSignals(True)
    setter(value)
    widget.blockSignals(old)


class SurfacePanel(QGroupBox):
    """Which surface, at what level of detail, with which height scale."""

    surface_changed = Signal(str)
    resolution_changed = Signal(int)
    height_changed = Signal(str)
    formula_entered = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Surface", parent)
        self.surface = QComboBox()
        self.surface.setToolTip("The loss surface: a built-in, or a file opened (File ▸ Open)")
        for name in surface_names():
            self.surface.addItem(get_surface(name).label, name)
        self.resolution = QComboBox()
        self.resolution.setToolTip(
            "Terrain detail: samples per side (more is finer and slower to draw)"
        )
        for value in RESOLUTIONS:
            self.resolution.addItem(f"{value}²", value)
        self.height = QComboBox()
        self.height.setToolTip("Height scale: linear, log (valleys read deeper), or auto")
        for mode in HEIGHT_MODES:
            self.height.addItem(mode, mode)
        self.description = QLabel()
        self.description.setWordWrap(True)
        self.description.setStyleSheet("color: palette(mid);")
        self.formula = QLineEdit()
        self.formula.setPlaceholderText("sin(x)*cos(y) + 0.1*(x^2 + y^2)   (Enter)")
        self.formula.setToolTip(
            "Type your own surface in x and y: + - * / ^, sin cos tan exp "
            "log sqrt abs tanh arctan ..., pi, e. Exact derivatives by SymPy."
        )
        self.formula.returnPressed.connect(
            lambda: self.formula_entered.emit(self.formula.text().strip())
        )
        self.formula_error = QLabel()
        self.formula_error.setWordWrap(True)
        self.formula_error.setStyleSheet(f"color: {ERROR_TEXT_COLOR};")
        self.formula_error.setVisible(False)
        form = QFormLayout(self)
        form.addRow(self.surface)
        form.addRow("f(x, y) =", self.formula)
        form.addRow(self.formula_error)
        form.addRow("Detail", self.resolution)
        form.addRow("Height", self.height)
        form.addRow(self.description)
        self.surface.currentIndexChanged.connect(
            lambda i: self.surface_changed.emit(self.surface.itemData(i))
        )
        self.resolution.currentIndexChanged.connect(
            lambda i: self.resolution_changed.emit(self.resolution.itemData(i))
        )
        self.height.currentIndexChanged.connect(
            lambda i: self.height_changed.emit(self.height.itemData(i))
        )

    def show_formula_error(self, message: str) -> None:
        self.formula_error.setText(message)
        self.formula_error.setVisible(bool(message))

    def show_scene(self, scene: Scene) -> None:
        blocked = self.surface.blockSignals(True)  # showing the scene is not an edit of it
        if self.surface.count() > len(surface_names()):
            self.surface.removeItem(self.surface.count() - 1)
        index = self.surface.findData(scene.surface)
        if index < 0:  # a formula or a file: one extra entry names it
            self.surface.addItem(f"▸ {resolve_surface(scene).label}", scene.surface)
            index = self.surface.count() - 1
        self.surface.setCurrentIndex(index)
        self.surface.blockSignals(blocked)
        _blocked(
            self.resolution,
            self.resolution.setCurrentIndex,
            self.resolution.findData(scene.resolution),
        )
        _blocked(self.height, self.height.setCurrentIndex, self.height.findData(scene.height))
        self.description.setText(resolve_surface(scene).description)


class HikerRow(QWidget):
    """One hiker: walks or not, colour, name and learning rate, remove."""

    def __init__(self, panel: HikersPanel, index: int, hiker: Hiker) -> None:
        super().__init__(panel)
        optimizer = hiker.optimizer
        self.enabled = QCheckBox()
        self.enabled.setChecked(hiker.enabled)
        self.enabled.setToolTip("Walk (or rest) this hiker")
        self.color = ColorButton(hiker.color)
        extra = any(  # set beyond the learning rate: the name is starred
            optimizer.hyper[hp.name] != hp.default
            for hp in optimizer.definition.all_params
            if hp.name != "lr"
        )
        self.name = QLabel(optimizer.name + (" *" if extra else ""))
        self.name.setToolTip(f"{hiker.spec}\n{optimizer.definition.summary}")
        self.name.setMinimumWidth(72)
        self.lr: FloatSlider | None = None
        if "lr" in optimizer.hyper:
            low, high = optimizer.definition.param("lr").ui_range or (1e-5, 10.0)
            self.lr = FloatSlider(low, high, optimizer.hyper["lr"], log=True)
            self.lr.setToolTip("Learning rate")
            step_size: QWidget = self.lr
        else:  # a wrapper's base has it, a zeroth-order method may have none: see ⋯
            step_size = QLabel("no learning rate: ⋯")
            step_size.setToolTip("This optimizer has no learning rate of its own; ⋯ sets it up")
        edit = QToolButton()
        edit.setText("⋯")
        edit.setToolTip("Every hyper-parameter of this hiker")
        duplicate = QToolButton()
        duplicate.setText("+")
        duplicate.setToolTip("Duplicate this hiker (to compare two settings of one optimizer)")
        remove = QToolButton()
        remove.setText("✕")
        remove.setToolTip("Remove this hiker")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.enabled, self.color, self.name):
            layout.addWidget(widget)
        layout.addWidget(step_size, 1)
        for widget in (edit, duplicate, remove):
            layout.addWidget(widget)
        edit.clicked.connect(lambda: panel.edit_requested.emit(index))
        duplicate.clicked.connect(lambda: panel.duplicate_requested.emit(index))
        self.enabled.toggled.connect(lambda on: panel.enabled_changed.emit(index, on))
        self.color.color_changed.connect(lambda c: panel.color_changed.emit(index, c))
        if self.lr is not None:
            self.lr.value_changed.connect(lambda v: panel.lr_changed.emit(index, v))
        remove.clicked.connect(lambda: panel.remove_requested.emit(index))


class HikersPanel(QGroupBox):
    """The optimizers walking: add, remove, enable, colour and learning rate."""

    enabled_changed = Signal(int, bool)
    color_changed = Signal(int, str)
    lr_changed = Signal(int, float)
    remove_requested = Signal(int)
    add_requested = Signal(str)
    edit_requested = Signal(int)
    duplicate_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Hikers", parent)
        self.rows_box = QVBoxLayout()
        self.rows_box.setSpacing(4)
        add = QPushButton("Add hiker…")
        add.setToolTip("Add a hiker with another optimizer")
        menu = QMenu(add)
        for name in optimizer_names():
            action = menu.addAction(f"{name} — {get_definition(name).summary}")
            action.triggered.connect(lambda _=False, n=name: self.add_requested.emit(n))
        add.setMenu(menu)
        layout = QVBoxLayout(self)
        layout.addLayout(self.rows_box)
        layout.addWidget(add)
        self.rows: list[HikerRow] = []

    def show_scene(self, scene: Scene) -> None:
        if [row.property("hiker") for row in self.rows] == list(scene.hikers):
            return  # unchanged: keep the widgets (and a slider being dragged)
        for row in self.rows:
            row.setParent(None)
            row.deleteLater()
        self.rows = []
        for index, hiker in enumerate(scene.hikers):
            row = HikerRow(self, index, hiker)
            row.setProperty("hiker", hiker)
            self.rows_box.addWidget(row)
            self.rows.append(row)


class FogPanel(QGroupBox):
    """Fog on or off, its radius, edge, density and the measured ground's memory."""

    fog_changed = Signal(object)  # a Fog

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Fog", parent)
        self._fog = Fog()
        self.enabled = QCheckBox("Fog  (F)")
        self.enabled.setToolTip("Fog on or off (F): off, the whole terrain is seen")
        self.radius = FloatSlider(*FOG_RADIUS_RANGE, self._fog.radius, log=True, fmt="{:.2f}")
        self.radius.setToolTip(
            "Clear ground around each hiker, as a share of the map (+/-, "
            "or Shift + mouse wheel on the terrain)"
        )
        self.softness = FloatSlider(0.0, 2.0, self._fog.softness, fmt="{:.2f}")
        self.softness.setToolTip("Width of the fog's edge, as a share of the radius")
        self.density = FloatSlider(0.0, 1.0, self._fog.density, fmt="{:.2f}")
        self.density.setToolTip("1: only the ground near the hiker is seen; lower: a haze")
        self.memory = QCheckBox("Remember measured ground")
        self.memory.setToolTip("Ground a hiker has measured stays faintly revealed")
        form = QFormLayout(self)
        form.addRow(self.enabled)
        form.addRow("Radius", self.radius)
        form.addRow("Edge", self.softness)
        form.addRow("Density", self.density)
        form.addRow(self.memory)
        self.enabled.toggled.connect(lambda on: self._emit(enabled=on))
        self.radius.value_changed.connect(lambda v: self._emit(radius=v))
        self.softness.value_changed.connect(lambda v: self._emit(softness=v))
        self.density.value_changed.connect(lambda v: self._emit(density=v))
        self.memory.toggled.connect(lambda on: self._emit(memory=on))

    def _emit(self, **change) -> None:
        self.fog_changed.emit(replace(self._fog, **change))

    def show_scene(self, scene: Scene) -> None:
        fog = self._fog = scene.fog
        _blocked(self.enabled, self.enabled.setChecked, fog.enabled)
        _blocked(self.memory, self.memory.setChecked, fog.memory)
        self.radius.setValue(fog.radius)
        self.softness.setValue(fog.softness)
        self.density.setValue(fog.density)


class PlaybackPanel(QGroupBox):
    """Play/pause, single step, reset, speed and the clock."""

    play_toggled = Signal()
    step_requested = Signal()
    reset_requested = Signal()
    speed_changed = Signal(float)
    clock_changed = Signal(str)
    scrubbed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Playback", parent)
        self.play = QPushButton("Pause")
        self.play.setToolTip("Play or pause (Space)")
        step = QPushButton("Step ›")
        step.setToolTip("One step forward (Right)")
        reset = QPushButton("Reset")
        reset.setToolTip("Back to the start (R)")
        self.speed = FloatSlider(*SPEED_RANGE, 20.0, log=True, fmt="{:.3g}/s")
        self.speed.setToolTip("Steps per second; all the way right: as fast as the engine goes")
        self.scrubber = QSlider(Qt.Orientation.Horizontal)
        self.scrubber.setToolTip("Scrub through the steps computed so far")
        self.scrubber.setRange(0, 0)
        self.clock = QComboBox()
        self.clock.addItem("by steps", "steps")
        self.clock.addItem("by cost", "cost")
        self.clock.setToolTip(
            "By steps: every hiker takes a step per tick. By cost: every hiker spends the same "
            "measurement budget per tick (a gradient 1, a loss alone 1/3, a Hessian 2), so a "
            "hiker whose steps measure more walks slower (C)"
        )
        self.position = QLabel("step 0")
        self.position.setAlignment(Qt.AlignmentFlag.AlignCenter)
        buttons = QHBoxLayout()
        for button in (self.play, step, reset):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keep Space for the shortcut
            buttons.addWidget(button)
        form = QFormLayout(self)
        form.addRow(buttons)
        form.addRow("Speed", self.speed)
        form.addRow("Clock", self.clock)
        form.addRow("Step", self.scrubber)
        form.addRow(self.position)
        self.play.clicked.connect(self.play_toggled)
        step.clicked.connect(self.step_requested)
        reset.clicked.connect(self.reset_requested)
        self.speed.value_changed.connect(self.speed_changed)
        self.clock.currentIndexChanged.connect(
            lambda index: self.clock_changed.emit(self.clock.itemData(index))
        )
        self.scrubber.sliderMoved.connect(self.scrubbed)
        self._unit = "step"

    def show_scene(self, scene: Scene) -> None:
        self.speed.setValue(scene.speed)
        _blocked(self.clock, self.clock.setCurrentIndex, self.clock.findData(scene.clock))
        self._unit = "cost" if scene.clock == "cost" else "step"
        self.speed.setToolTip(
            f"{'Cost' if scene.clock == 'cost' else 'Steps'} per second; all the way right: as "
            "fast as the engine goes"
        )

    def show_playing(self, playing: bool) -> None:
        self.play.setText("Pause" if playing else "Play")

    def show_position(self, step: int, computed: int, total: int) -> None:
        """The clock's moment ``step`` of ``total``, ``computed`` being as far as it can go."""
        self.position.setText(f"{self._unit} {step} / {total}  (computed {computed})")
        if not self.scrubber.isSliderDown():
            _blocked(self.scrubber, self.scrubber.setMaximum, computed)
            _blocked(self.scrubber, self.scrubber.setValue, step)


class ControlsDock(QDockWidget):
    """The four panels in one scrolling column, docked beside the terrain."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Controls", parent)
        self.setObjectName("controls")
        self.surface = SurfacePanel()
        self.hikers = HikersPanel()
        self.fog = FogPanel()
        self.playback = PlaybackPanel()
        column = QWidget()
        layout = QVBoxLayout(column)
        for panel in self.panels:
            layout.addWidget(panel)
        layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(column)
        scroll.setWidgetResizable(True)
        scroll.setMinimumWidth(400)
        self.setWidget(scroll)
        self.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )

    @property
    def panels(self) -> tuple:
        return (self.surface, self.hikers, self.fog, self.playback)

    def show_scene(self, scene: Scene) -> None:
        for panel in self.panels:
            panel.show_scene(scene)
