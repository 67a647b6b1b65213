"""The hyper-parameter editor: widgets generated from the registry, specs out, errors shown."""

import pytest
from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QLineEdit, QSpinBox

from fogwalk.core.optimizers import get_definition, make_optimizer, optimizer_names
from fogwalk.core.optimizers.schedule import SCHEDULES
from fogwalk.ui.hyper_editor import HyperDialog, HyperEditor, editable_params
from fogwalk.ui.widgets import FloatSlider

KIND_WIDGETS = {
    "bool": QCheckBox,
    "choice": QComboBox,
    "int": QSpinBox,
    "float": FloatSlider,
    "optimizer": QLineEdit,
}


@pytest.fixture
def make_editor(qtbot):
    def make(spec: str) -> HyperEditor:
        editor = HyperEditor(spec)
        qtbot.addWidget(editor)
        return editor

    return make


@pytest.mark.parametrize("name", optimizer_names())
def test_one_widget_per_declared_parameter(make_editor, name):
    editor = make_editor(name)
    definition = get_definition(name)
    assert list(editor.editors) == [hp.name for hp in editable_params(definition)]
    for hp in editable_params(definition):
        widget = editor.editors[hp.name]
        if hp.kind == "pair":
            assert [type(box) for box in widget.boxes] == [QDoubleSpinBox, QDoubleSpinBox]
        else:
            assert isinstance(widget, KIND_WIDGETS[hp.kind]), hp.name
        assert hp.help in widget.toolTip()
    assert editor.spec() == name


def test_adam_widgets_match_the_registry(make_editor):
    editor = make_editor("adam:lr=0.05,betas=0.8/0.99,amsgrad=true,schedule=cosine")
    lr = editor.editors["lr"]
    assert lr.log and (lr.low, lr.high) == get_definition("adam").param("lr").ui_range
    assert lr.value() == 0.05
    first, second = editor.editors["betas"].boxes
    assert (first.decimals(), first.value(), second.value()) == (6, 0.8, 0.99)
    assert editor.editors["amsgrad"].isChecked()
    schedule = editor.editors["schedule"]
    assert [schedule.itemText(i) for i in range(schedule.count())] == list(SCHEDULES)
    assert schedule.currentText() == "cosine"
    assert editor.editors["eps"].log  # declared on a log scale, like lr


def test_sgd_widgets_match_the_registry(make_editor):
    editor = make_editor("sgd:lr=0.03,momentum=0.5")
    momentum = editor.editors["momentum"]
    assert not momentum.log and (momentum.low, momentum.high) == (0.0, 0.999)
    assert momentum.value() == 0.5
    assert not editor.editors["nesterov"].isChecked()
    assert editor.editors["seed"].value() == 0
    assert editor.spec() == "sgd:lr=0.03,momentum=0.5"


def edited(qtbot, editor, change):
    """Run ``change`` and return the hyper-parameters of the spec it emitted."""
    with qtbot.waitSignal(editor.spec_changed, timeout=1000) as blocker:
        change()
    spec = blocker.args[0]
    assert spec == editor.spec()
    return make_optimizer(spec).hyper


def test_edits_emit_specs_that_parse_back(make_editor, qtbot):
    editor = make_editor("adam")
    lr = editor.editors["lr"]
    hyper = edited(qtbot, editor, lambda: lr.slider.setValue(700))
    assert hyper["lr"] == lr.value() and lr.value() == pytest.approx(10 ** (-5 + 6 * 0.7), rel=1e-3)
    first, _ = editor.editors["betas"].boxes
    assert edited(qtbot, editor, lambda: first.setValue(0.85))["betas"] == (0.85, 0.999)
    amsgrad = editor.editors["amsgrad"]
    assert edited(qtbot, editor, lambda: amsgrad.setChecked(True))["amsgrad"] is True
    schedule = editor.editors["schedule"]
    hyper = edited(qtbot, editor, lambda: schedule.setCurrentText("step"))
    assert hyper["schedule"] == "step"
    assert edited(qtbot, editor, lambda: editor.editors["warmup"].setValue(25))["warmup"] == 25
    # Every earlier edit is still in the latest spec.
    assert hyper["betas"] == (0.85, 0.999) and hyper["amsgrad"] and hyper["lr"] == lr.value()


def test_an_invalid_combination_shows_why_and_emits_nothing(make_editor, qtbot):
    editor = make_editor("sgd:lr=0.03")
    with qtbot.assertNotEmitted(editor.spec_changed):
        editor.editors["nesterov"].setChecked(True)  # with momentum 0: torch refuses
    assert not editor.error.isHidden() and "Nesterov" in editor.error.text()
    assert editor.spec() == "sgd:lr=0.03"
    momentum = editor.editors["momentum"]
    hyper = edited(qtbot, editor, lambda: momentum.slider.setValue(900))
    assert hyper["nesterov"] is True and hyper["momentum"] == pytest.approx(0.9, abs=1e-3)
    assert editor.error.isHidden()


def test_reset_to_defaults(make_editor, qtbot):
    editor = make_editor("momentum:lr=0.2,nesterov=true,seed=3")
    assert edited(qtbot, editor, editor.reset.click) == make_optimizer("momentum").hyper
    assert editor.spec() == "momentum" and editor.editors["seed"].value() == 0


def test_set_spec_shows_without_emitting(make_editor, qtbot):
    editor = make_editor("rmsprop")
    with qtbot.assertNotEmitted(editor.spec_changed):
        editor.set_spec("rmsprop:lr=0.1,centered=true")
    assert (
        editor.editors["centered"].isChecked() and editor.spec() == "rmsprop:lr=0.1,centered=true"
    )


def test_dialog_disables_ok_while_invalid(qtbot):
    dialog = HyperDialog("sgd:lr=0.03")
    qtbot.addWidget(dialog)
    assert dialog.ok.isEnabled()
    dialog.editor.editors["nesterov"].setChecked(True)
    assert not dialog.ok.isEnabled()
    dialog.editor.editors["momentum"].slider.setValue(500)
    assert dialog.ok.isEnabled()
    assert make_optimizer(dialog.spec()).hyper["nesterov"] is True


def test_optional_parameters_read_none(make_editor, qtbot):
    """torch's None ("not set") is a value of its own: the box below the range, shown 'none'."""
    editor = make_editor("lbfgs")
    max_eval = editor.editors["max_eval"]
    assert max_eval.text() == "none" and max_eval.value() == max_eval.minimum()
    assert edited(qtbot, editor, lambda: max_eval.setValue(7))["max_eval"] == 7
    assert edited(qtbot, editor, lambda: max_eval.setValue(0))["max_eval"] is None
    search = editor.editors["line_search_fn"]
    assert [search.itemText(i) for i in range(search.count())] == ["none", "strong_wolfe"]
    hyper = edited(qtbot, editor, lambda: search.setCurrentText("strong_wolfe"))
    assert hyper["line_search_fn"] == "strong_wolfe"
    assert edited(qtbot, editor, lambda: search.setCurrentText("none"))["line_search_fn"] is None

    editor = make_editor("adafactor")
    first, second = editor.editors["eps"].boxes
    assert first.text() == "none" and second.value() == 0.001
    assert edited(qtbot, editor, lambda: first.setValue(1e-5))["eps"] == (1e-5, 1e-3)
    assert edited(qtbot, editor, lambda: first.setValue(first.minimum()))["eps"] == (None, 1e-3)


def test_editing_one_member_of_a_pair_keeps_the_other_exactly(make_editor, qtbot):
    editor = make_editor("rprop:step_sizes=1.234567e-7/50")
    _, second = editor.editors["step_sizes"].boxes
    assert edited(qtbot, editor, lambda: second.setValue(20.0))["step_sizes"] == (1.234567e-7, 20.0)


def test_a_wrappers_base_is_edited_as_a_spec(make_editor, qtbot):
    editor = make_editor("lookahead:k=3,base=adam:lr=0.01")
    base = editor.editors["base"]
    assert base.text() == "adam:lr=0.01"

    def type_base(text):
        base.setText(text)
        base.editingFinished.emit()

    hyper = edited(qtbot, editor, lambda: type_base("sgd:momentum=0.9"))
    assert hyper["base"] == "sgd:momentum=0.9" and hyper["k"] == 3
    assert editor.spec() == "lookahead:k=3,base=sgd:momentum=0.9"
    type_base("nosuch")
    assert "unknown optimizer 'nosuch'" in editor.error.text()
    # Lookahead has no learning rate: its schedule is its base's, so none is offered here.
    assert "schedule" not in editor.editors and "grad_noise" in editor.editors
    assert editor.spec() == "lookahead:k=3,base=sgd:momentum=0.9"


def test_an_optional_number_has_a_none_box(make_editor, qtbot):
    editor = make_editor("prodigy")
    beta3 = editor.editors["beta3"]
    assert beta3.none.isChecked() and not beta3.slider.isEnabled()
    assert beta3.label.text() == "—"  # the number a None slider rests on means nothing
    hyper = edited(qtbot, editor, lambda: beta3.none.setChecked(False))
    assert hyper["beta3"] == beta3.value() and beta3.slider.isEnabled()
    assert edited(qtbot, editor, lambda: beta3.none.setChecked(True))["beta3"] is None
    editor.set_spec("prodigy:beta3=0.5")
    assert not beta3.none.isChecked() and beta3.value() == 0.5
