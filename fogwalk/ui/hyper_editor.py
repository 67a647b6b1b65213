"""The hyper-parameter editor: one widget per declared parameter of an optimizer, and a dialog."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ..core.defaults import ERROR_TEXT_COLOR
from ..core.errors import FogwalkError
from ..core.optimizers import COMMON_PARAMS, HyperParam, Optimizer, make_optimizer
from ..core.optimizers.hyper import NONE
from ..core.optimizers.schedule import SCHEDULE_PARAMS
from .widgets import TICKS, FloatSlider

INT_LIMIT = 2**31 - 1  # QSpinBox's own limit
FLOAT_LIMIT = 1e9
PAIR_DECIMALS = 6


class HyperEditor(QWidget):
    """Every hyper-parameter of one optimizer, generated from its registry declaration.

    Each valid edit emits :attr:`spec_changed` with the canonical spec
    (``make_optimizer(...).with_params(...).spec``); an invalid combination
    shows the reason in red and emits nothing until it is fixed.
    """

    spec_changed = Signal(str)  # the canonical spec after a valid edit
    error_changed = Signal(str)  # why the values shown are invalid; "" once they are valid

    def __init__(self, spec: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._optimizer: Optimizer = make_optimizer(spec)
        self._values: dict[str, Any] = dict(self._optimizer.hyper)  # as shown, maybe invalid
        self._setters: dict[str, Callable[[Any], None]] = {}
        self.editors: dict[str, QWidget] = {}
        definition = self._optimizer.definition

        title = QLabel(f"<b>{definition.name}</b> — {definition.summary}")
        title.setWordWrap(True)
        title.setToolTip(definition.source)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for hp in editable_params(definition):
            if hp is COMMON_PARAMS[0]:
                section = QLabel(
                    "Gradient noise and learning-rate schedule (every optimizer)"
                    if "lr" in self._values
                    else "Gradient noise (the base schedules its own learning rate)"
                )
                section.setStyleSheet("color: palette(dark); font-weight: bold; margin-top: 6px;")
                form.addRow(section)
            widget = self._make_editor(hp)
            widget.setToolTip(_tooltip(hp))
            label = QLabel(hp.name)
            label.setToolTip(_tooltip(hp))
            form.addRow(label, widget)
            self.editors[hp.name] = widget
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {ERROR_TEXT_COLOR}; font-weight: bold;")
        self.error.hide()
        self.spec_label = QLabel()
        self.spec_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.spec_label.setToolTip("The spec `fogwalk trace` and `fogwalk export` accept")
        self.spec_label.setStyleSheet("font-family: monospace; color: palette(mid);")
        self.spec_label.setWordWrap(True)
        self.reset = QPushButton("Reset to defaults")
        self.reset.clicked.connect(self._on_reset_clicked)
        footer = QHBoxLayout()
        footer.addWidget(self.spec_label, 1)
        footer.addWidget(self.reset)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addLayout(footer)
        self._show_values(self._values)

    # --- public API -----------------------------------------------------------------
    def spec(self) -> str:
        """The canonical spec of the last valid values."""
        return self._optimizer.spec

    def set_spec(self, spec: str) -> None:
        """Show ``spec`` (same optimizer) without emitting."""
        self._optimizer = make_optimizer(spec)
        self._values = dict(self._optimizer.hyper)
        self._show_values(self._values)
        self._show_error("")

    # --- editing --------------------------------------------------------------------
    def _edit(self, name: str, value: Any) -> None:
        self._values[name] = value
        self._commit()

    def _commit(self) -> None:
        """Validate the values shown as a whole; emit the spec if it is valid and new."""
        try:
            optimizer = self._optimizer.with_params(**self._values)
        except FogwalkError as error:
            self._show_error(str(error))
            return
        self._show_error("")
        changed = optimizer.spec != self._optimizer.spec
        self._optimizer = optimizer
        self.spec_label.setText(optimizer.spec)
        if changed:
            self.spec_changed.emit(optimizer.spec)

    def _show_error(self, message: str) -> None:
        if message == self.error.text() and self.error.isVisible() == bool(message):
            return
        self.error.setText(message)
        self.error.setVisible(bool(message))
        self.error_changed.emit(message)

    def _show_values(self, values: dict[str, Any]) -> None:
        for name, setter in self._setters.items():
            setter(values[name])
        self.spec_label.setText(self._optimizer.spec)

    def _on_reset_clicked(self) -> None:
        self._values = self._optimizer.definition.defaults()
        self._show_values(self._values)
        self._commit()

    # --- one widget per kind --------------------------------------------------------
    def _make_editor(self, hp: HyperParam) -> QWidget:
        if hp.kind == "bool":
            return self._check_box(hp)
        if hp.kind == "choice":
            return self._combo_box(hp)
        if hp.kind == "int":
            return self._int_box(hp)
        if hp.kind == "pair":
            return self._pair_boxes(hp)
        if hp.kind == "optimizer":
            return self._spec_line(hp)
        if hp.log or _slider_range(hp, self._values[hp.name]) is not None:
            return self._slider(hp)
        return self._float_box(hp)

    def _check_box(self, hp: HyperParam) -> QWidget:
        box = QCheckBox()
        box.toggled.connect(lambda on: self._edit(hp.name, on))
        self._setters[hp.name] = lambda v: _blocked(box, box.setChecked, bool(v))
        return box

    def _combo_box(self, hp: HyperParam) -> QWidget:
        box = QComboBox()
        box.addItems(([NONE] if hp.optional else []) + list(hp.choices))
        box.currentTextChanged.connect(
            lambda text: self._edit(hp.name, None if hp.optional and text == NONE else text)
        )
        self._setters[hp.name] = lambda v: _blocked(
            box, box.setCurrentText, NONE if v is None else v
        )
        return box

    def _int_box(self, hp: HyperParam) -> QWidget:
        box = QSpinBox()
        low = -INT_LIMIT if hp.low is None else int(hp.low) + int(hp.low_open)
        high = INT_LIMIT if hp.high is None else int(hp.high) - int(hp.high_open)
        if hp.optional:  # one below the range stands for None, shown as "none"
            low -= 1
            box.setSpecialValueText(NONE)
        box.setRange(low, high)

        def value() -> int | None:
            return None if hp.optional and box.value() == box.minimum() else box.value()

        box.valueChanged.connect(lambda _v: self._edit(hp.name, value()))
        self._setters[hp.name] = lambda v: _blocked(
            box, box.setValue, box.minimum() if v is None else int(v)
        )
        return box

    def _spec_line(self, hp: HyperParam) -> QWidget:
        """A wrapper's base optimizer, as the spec the CLI takes (checked when edited)."""
        line = QLineEdit()
        line.setPlaceholderText("an optimizer spec, e.g. adam:lr=0.01")
        line.editingFinished.connect(lambda: self._edit(hp.name, line.text().strip()))
        self._setters[hp.name] = lambda v: _blocked(line, line.setText, v)
        return line

    def _float_box(self, hp: HyperParam) -> QWidget:
        box = QDoubleSpinBox()
        box.setDecimals(6)
        box.setRange(
            -FLOAT_LIMIT if hp.low is None else hp.low,
            FLOAT_LIMIT if hp.high is None else hp.high,
        )
        box.setSingleStep(0.01)
        box.valueChanged.connect(lambda v: self._edit(hp.name, v))
        self._setters[hp.name] = lambda v: _blocked(box, box.setValue, float(v))
        return box

    def _pair_boxes(self, hp: HyperParam) -> QWidget:
        widget = QWidget()
        row = QHBoxLayout(widget)
        row.setContentsMargins(0, 0, 0, 0)
        step = 10.0**-PAIR_DECIMALS
        boxes = []
        for _ in range(2):
            box = QDoubleSpinBox()
            box.setDecimals(PAIR_DECIMALS)
            box.setSingleStep(0.001)
            low = -FLOAT_LIMIT if hp.low is None else hp.low + step * hp.low_open
            high = FLOAT_LIMIT if hp.high is None else hp.high - step * hp.high_open
            if hp.optional:  # one step below the range stands for None, shown as "none"
                low -= step
                box.setSpecialValueText(NONE)
            box.setRange(low, high)
            row.addWidget(box)
            boxes.append(box)

        def member(box: QDoubleSpinBox) -> float | None:
            return None if hp.optional and box.value() == box.minimum() else box.value()

        def edit(index: int) -> None:
            # Only the edited member changes: the other keeps its value to the last digit,
            # which the box shows rounded.
            value = list(self._values[hp.name])
            value[index] = member(boxes[index])
            self._edit(hp.name, tuple(value))

        for index, box in enumerate(boxes):
            box.valueChanged.connect(lambda _v, index=index: edit(index))

        def show(value) -> None:
            for box, v in zip(boxes, value, strict=True):
                _blocked(box, box.setValue, box.minimum() if v is None else float(v))

        self._setters[hp.name] = show
        widget.boxes = boxes  # tests and callers reach the two members
        return widget

    def _slider(self, hp: HyperParam) -> QWidget:
        current = self._values[hp.name]
        value = 1.0 if current is None else float(current)
        low, high = _slider_range(hp, value) or _around(value)
        if current is None:  # None (optional): the slider waits at the middle of its range
            value = (low * high) ** 0.5 if hp.log else (low + high) / 2
        slider = FloatSlider(low, high, value, log=hp.log)
        slider.value_changed.connect(lambda v: self._edit(hp.name, v))
        self._setters[hp.name] = lambda v: slider.setValue(float(v))
        if hp.optional:  # None is a value too: a "none" box beside the slider
            none = QCheckBox(NONE)
            slider.layout().addWidget(none)

            def toggle(on: bool) -> None:
                _show_none(slider, on)
                self._edit(hp.name, None if on else slider.value())

            none.toggled.connect(toggle)

            def show(v: float | None) -> None:
                _blocked(none, none.setChecked, v is None)
                if v is not None:
                    slider.setValue(float(v))
                _show_none(slider, v is None)

            self._setters[hp.name] = show
            slider.none = none  # tests and callers reach the box
        return slider


class HyperDialog(QDialog):
    """The editor with OK and Cancel, e.g. behind a hiker row's "…" button.

    OK is disabled while the values are invalid; :meth:`spec` is the result.
    """

    def __init__(self, spec: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editor = HyperEditor(spec)
        self.setWindowTitle(f"Hyper-parameters of {self.editor.spec().split(':')[0]}")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.editor.error_changed.connect(self._on_editor_error_changed)
        layout = QVBoxLayout(self)
        layout.addWidget(self.editor)
        layout.addWidget(buttons)
        self.setMinimumWidth(460)

    def spec(self) -> str:
        """The canonical spec of the editor's last valid values."""
        return self.editor.spec()

    @classmethod
    def edit(cls, spec: str, parent: QWidget | None = None) -> str | None:
        """Run the dialog; the new spec, or None when cancelled."""
        dialog = cls(spec, parent)
        return dialog.spec() if dialog.exec() == QDialog.DialogCode.Accepted else None

    def _on_editor_error_changed(self, message: str) -> None:
        self.ok.setEnabled(not message)


def editable_params(definition) -> list[HyperParam]:
    """The parameters the editor shows: all, but a schedule for a wrapper, which has no
    learning rate of its own (Lookahead: its base's spec carries the schedule)."""
    wrapper = not any(hp.name == "lr" for hp in definition.params)
    return [hp for hp in definition.all_params if not (wrapper and hp in SCHEDULE_PARAMS)]


def _slider_range(hp: HyperParam, value: float) -> tuple[float, float] | None:
    """The slider's range: the declared UI range, else a bounded valid range, else None."""
    low, high = hp.ui_range or (hp.low, hp.high)
    if low is None or high is None:
        return None
    # A slider's end ticks land exactly on its range: keep them inside an open bound.
    nudge = (high - low) / TICKS
    if hp.low_open and low == hp.low:
        low += nudge
    if hp.high_open and high == hp.high:
        high -= nudge
    return float(low), float(high)


def _around(value: float) -> tuple[float, float]:
    """A log slider's range when none is declared: three decades either side."""
    return (value / 1e3, value * 1e3) if value > 0 else (1e-6, 1.0)


def _tooltip(hp: HyperParam) -> str:
    return f"{hp.help}\nvalid: {hp.describe_range()}; default: {hp.format(hp.default)}"


def _show_none(slider: FloatSlider, none: bool) -> None:
    """An optional slider set to None: disabled, and its number blanked (it means nothing)."""
    slider.slider.setEnabled(not none)
    slider.label.setText("—" if none else slider.fmt.format(slider.value()))


def _blocked(widget: QWidget, setter: Callable[[Any], None], value: Any) -> None:
    """Set a widget's value without emitting: showing values is not editing them."""
    old = widget.blockSignals(True)
    setter(value)
    widget.blockSignals(old)
