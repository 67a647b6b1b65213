"""The session layer: opening sources, overrides, the surface cache, runs and their rows."""

import dataclasses

import h5py
import numpy as np
import pytest

from fogwalk.core import FogwalkError, session
from fogwalk.core.defaults import APP_STEPS, BATCH_STEPS, DEFAULT_OPTIMIZERS
from fogwalk.core.export import VideoSettings
from fogwalk.core.scenario import save_scenario
from fogwalk.core.scene import CAMERA, FOG, GROUPS, RUN, TERRAIN, VIEW, Fog, Hiker, Scene


def test_a_surface_opens_into_the_default_scene():
    opened = session.open_source("rosenbrock")
    assert not opened.scenario and opened.scene.surface == "rosenbrock"
    assert [h.spec for h in opened.scene.hikers] == list(DEFAULT_OPTIMIZERS)
    assert opened.scene.steps == APP_STEPS and opened.settings == VideoSettings()


def test_a_surface_opens_into_a_given_scene_and_clears_its_starts():
    base = Scene(starts=((1.0, 1.0),), steps=77, hikers=(Hiker("adam", "#ffffff"),))
    scene = session.open_source("himmelblau", base=base).scene
    assert scene.surface == "himmelblau" and scene.starts == () and scene.steps == 77


def test_a_scenario_opens_with_its_settings_and_overrides(tmp_path):
    path = tmp_path / "mine.toml"
    scene = Scene(surface="x^2 + y^2", steps=40, hikers=(Hiker("adam:lr=0.1", "#ff0000"),))
    save_scenario(path, scene, VideoSettings(fps=12))
    opened = session.open_source(str(path), domain=(-1.0, 1.0, -2.0, 2.0))
    assert opened.scenario and opened.settings.fps == 12
    assert opened.scene.domain == (-1.0, 1.0, -2.0, 2.0) and opened.scene.steps == 40
    assert session.override(opened).steps == 40  # a scenario keeps its steps
    assert session.override(opened, steps=0).steps == 1


def test_overrides_of_a_bare_surface():
    opened = session.open_source("beale")
    assert session.override(opened).steps == BATCH_STEPS
    scene = session.override(
        opened, optimizers=["sgd:lr=0.01", "adam"], starts=[(1.0, 2.0)], steps=9, fog=False
    )
    assert [h.spec for h in scene.hikers] == ["sgd:lr=0.01", "adam"]
    assert scene.hikers[0].color != scene.hikers[1].color
    assert scene.starts == ((1.0, 2.0),) and scene.steps == 9 and not scene.fog.enabled


@pytest.mark.parametrize("text", ["x" * 5000, "~nobody-here/" + "a" * 300 + ".npy"])
def test_text_that_cannot_be_a_path_gets_the_formula_or_file_message(text):
    with pytest.raises(FogwalkError):
        session.open_source(text)


def test_the_surface_is_resolved_once(tmp_path):
    scene = Scene(surface="sin(x) * y^2")
    assert session.resolve_surface(scene) is session.resolve_surface(dataclasses.replace(scene))
    path = tmp_path / "land.h5"
    with h5py.File(path, "w") as f:
        f["xcoordinates"] = np.linspace(-1, 1, 9)
        f["ycoordinates"] = np.linspace(-1, 1, 7)
        f["train_loss"] = np.ones((7, 9))
        f["test_loss"] = np.add.outer(np.linspace(0, 1, 7), np.linspace(0, 1, 9))
    on_test = Scene(surface=str(path), dataset="test_loss")
    first = session.resolve_surface(on_test)
    assert session.resolve_surface(on_test) is first  # a dataset is cached too
    assert first.value(np.array([1.0]), np.array([1.0]))[0] == pytest.approx(2.0)


def test_an_edited_file_is_read_again(tmp_path):
    path = tmp_path / "grid.npy"
    np.save(path, np.zeros((8, 8)))
    scene = Scene(surface=str(path))
    first = session.resolve_surface(scene)
    np.save(path, np.ones((8, 9)))
    assert session.resolve_surface(scene) is not first


def test_scene_changes_name_the_groups_an_edit_touched():
    scene = Scene()
    assert scene.changes(None) == frozenset(GROUPS)
    assert scene.changes(scene) == frozenset()
    assert dataclasses.replace(scene, surface="beale").changes(scene) == {TERRAIN, RUN}
    assert dataclasses.replace(scene, fog=Fog(radius=0.3)).changes(scene) == {FOG}
    assert dataclasses.replace(scene, camera="eye").changes(scene) == {CAMERA}
    assert scene.with_hiker(0, color="#000000").changes(scene) == {VIEW}  # no rerun
    assert scene.with_hiker(0, spec="sgd:lr=0.5").changes(scene) == {RUN, VIEW}
    assert scene.with_hiker(0, enabled=False).changes(scene) == {RUN, VIEW}


def test_a_hiker_is_parsed_once_and_a_bad_spec_fails_at_once():
    hiker = Hiker("adam:lr=0.02,betas=0.8/0.9", "#ffffff")
    assert hiker.name == "adam" and hiker.optimizer.hyper["lr"] == 0.02
    assert hiker == Hiker("adam:lr=0.02,betas=0.8/0.9", "#ffffff")
    with pytest.raises(FogwalkError, match="nope"):
        Hiker("nope", "#ffffff")


def test_runs_rows_and_snapshots():
    scene = Scene(surface="himmelblau", steps=30, starts=((0.0, 0.0), (1.0, 1.0)))
    run = session.compute_run(scene)
    assert run.xy.shape == (31, 4, 2, 2) and run.computed == 30
    rows = session.hiker_rows(scene, run, 30)
    assert [r.label for r in rows] == list(DEFAULT_OPTIMIZERS)
    assert rows[0].walkers == 2 and rows[0].loss == run.loss[30, 0, 0]
    assert rows[0].step == 30 and rows[0].measured == (31, 0, 0, 0) and rows[0].cost == 30
    assert rows[0].measurements == "31 gradients"
    engine = session.build_engine(scene)
    engine.advance(5)
    shot = session.snapshot(engine)
    engine.advance(25)
    assert shot.computed == 5 and shot.status is not engine.status
    with pytest.raises(FogwalkError, match="no hiker"):
        session.build_engine(dataclasses.replace(scene, hikers=()))


def test_export_settings_merge_a_command_line():
    scene = Scene(surface="rosenbrock", steps=100)
    given = VideoSettings(frames=50, last_step=500)
    settings = session.export_settings(scene, given, steps_per_frame=2)
    assert settings.frames is None and settings.steps_per_frame == 2
    assert settings.last_step == 100 and settings.title == "Rosenbrock"
    assert session.export_settings(scene, given, title="").title == ""
    assert session.frame_total(scene, settings) == 100
