"""Scenario files: every shipped one works, round trips, relative paths, clear errors."""

import dataclasses

import numpy as np
import pytest

from fogwalk.core import FogwalkError, simulate
from fogwalk.core.export import VideoSettings
from fogwalk.core.resources import resource_dir
from fogwalk.core.scenario import load_scenario, save_scenario
from fogwalk.core.scene import Fog, Hiker, Scene
from fogwalk.core.session import resolve_surface

SHIPPED = sorted((resource_dir() / "scenarios").glob("*.toml"))


def test_there_are_example_scenarios():
    names = {p.stem for p in SHIPPED}
    assert {"fog_mountain", "pixel_loss", "perceptual_loss", "gan_games", "vae_elbo"} <= names


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_every_shipped_scenario_loads_and_walks(path):
    scene, settings = load_scenario(path)
    assert scene.walking and isinstance(settings, VideoSettings)
    surface = resolve_surface(scene)
    run = simulate(surface, [h.spec for h in scene.walking], starts=scene.starts or None, steps=5)
    assert np.isfinite(run.xy).all()


def test_round_trip(tmp_path):
    scene = Scene(
        surface="sin(x)*y",
        domain=(-2.0, 2.0, -1.0, 1.0),
        hikers=(Hiker("adam:lr=0.02,amsgrad=true", "#123456"), Hiker("sgd", "#abcdef", False)),
        starts=((0.5, -0.25), (1.0, 0.5)),
        steps=321,
        fog=Fog(radius=0.3, memory=True, density=0.7),
        resolution=512,
        height="log",
        layout="split",
        camera="follow",
        speed=12.5,
    )
    settings = VideoSettings(
        width=640, height=480, fps=24, frames=50, camera="orbit", title="Ripples", legend=False
    )
    path = tmp_path / "s.toml"
    save_scenario(path, scene, settings)
    assert load_scenario(path) == (scene, settings)


def test_surface_files_are_relative_to_the_scenario(tmp_path, monkeypatch):
    folder = tmp_path / "project"
    folder.mkdir()
    np.save(folder / "bowl.npy", np.add.outer(np.arange(5.0) ** 2, np.arange(6.0) ** 2))
    scene = Scene(surface=str(folder / "bowl.npy"))
    save_scenario(folder / "bowl.toml", scene, VideoSettings())
    assert 'source = "bowl.npy"' in (folder / "bowl.toml").read_text()
    monkeypatch.chdir(tmp_path)  # somewhere else entirely
    loaded, _ = load_scenario("project/bowl.toml")
    assert loaded.surface == str((folder / "bowl.npy").resolve())
    assert resolve_surface(loaded).value(np.array([2.0]), np.array([3.0]))[0] == pytest.approx(13.0)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("schema_version = 9\n", "schema_version must be 1"),
        ("schema_version = 1\n[fog]\nradus = 0.2\n", "fog.radus is not a scenario key; fog takes"),
        ("schema_version = 1\n[fog]\nradius = 'big'\n", "fog.radius must be a number"),
        ("schema_version = 1\n[fog]\nenabled = 1\n", "fog.enabled must be true or false"),
        ("schema_version = 1\n[start]\npoints = [[1, 2, 3]]\n", "start.points must be"),
        ("schema_version = 1\n[[hikers]]\noptimizer = 'adam:lr=-1'\n", "hikers[0].optimizer"),
        ("schema_version = 1\n[[hikers]]\ncolor = '#fff'\n", "hikers[0] needs an optimizer"),
        ("schema_version = 1\n[terrain]\nresolution = 300\n", "resolution must be one of"),
        ("schema_version = 1\n[weather]\nrain = true\n", "weather is not a scenario section"),
        ("schema_version = 1\n[surface]\ndomain = [1, 2]\n", "surface.domain must be"),
        ("schema_version = 1\nfog = [1]\n", "[fog] must be a table"),
        ("this is = = not toml", "is not valid TOML"),
    ],
)
def test_invalid_scenarios_name_the_key(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(FogwalkError) as info:
        load_scenario(path)
    assert message in str(info.value) and str(path) in str(info.value)


def test_a_failed_save_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "keep.toml"
    path.write_text("schema_version = 1\n")
    import tomli_w

    def broken(data, stream):
        stream.write(b"half a fi")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tomli_w, "dump", broken)
    with pytest.raises(FogwalkError, match="No space left"):
        save_scenario(path, Scene(), VideoSettings())
    assert path.read_text() == "schema_version = 1\n"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.toml"]


def test_missing_scenario_file(tmp_path):
    with pytest.raises(FogwalkError, match="no such scenario file"):
        load_scenario(tmp_path / "nope.toml")


def test_scene_copies_keep_validation():
    with pytest.raises(FogwalkError, match="layout"):
        dataclasses.replace(Scene(), layout="stacked")
