"""`fogwalk basins` and `fogwalk sweep`: the pictures, data and CSV they write, and their
refusals."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from PIL import Image

from fogwalk.cli import main
from fogwalk.core.above.basins import DIVERGED
from fogwalk.core.above.pictures import SPECIAL, attractor_colors


def run_cli(capsys, *argv):
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exit:  # argparse's own usage errors
        code = exit.code
    out, err = capsys.readouterr()
    return code, out, err


def test_basins_writes_a_picture_the_data_and_a_csv(capsys, tmp_path) -> None:
    out = tmp_path / "basins.png"
    code, _, err = run_cli(
        capsys, "basins", "himmelblau", "-O", "newton", "-O", "sgd:lr=0.05",
        "--grid", "40x30", "--steps", "60", "-o", out, "--csv", "--workers", "0",
    )  # fmt: skip
    assert code == 0, err
    assert "40 x 30 walkers x 2 optimizers" in err and "1/" in err  # the progress bar
    data = np.load(tmp_path / "basins.npz")
    assert data["labels"].shape == (2, 30, 40)
    assert list(data["optimizers"]) == ["newton", "sgd:lr=0.05"]
    assert "maximum" in list(data["attractor_kind"])
    with open(tmp_path / "basins.csv", newline="") as table:
        rows = list(csv.DictReader(table))
    assert len(rows) == 2 * 30 * 40
    first = rows[0]
    assert (first["optimizer"], float(first["x"]), float(first["y"])) == ("newton", -5.0, -5.0)
    assert int(first["label"]) == data["labels"][0, 0, 0]

    # The picture: the panels show the labels' colours; diverged walkers are grey.
    image = np.asarray(Image.open(out).convert("RGB"))
    colors = {tuple(c) for c in attractor_colors(len(data["attractor_kind"]))}
    pixels = {tuple(p) for p in image.reshape(-1, 3)[::7]}
    assert (data["labels"][1] == DIVERGED).mean() > 0.3
    assert SPECIAL[DIVERGED][0] in pixels
    assert any(c in pixels for c in colors)  # a walker that settled at once is full colour


def test_basins_refuses_to_overwrite_and_keeps_the_file(capsys, tmp_path) -> None:
    out = tmp_path / "b.png"
    out.write_bytes(b"mine")
    code, _, err = run_cli(capsys, "basins", "himmelblau", "-o", out, "--workers", "0")
    assert code == 2 and "already exists" in err
    assert out.read_bytes() == b"mine" and not (tmp_path / "b.npz").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--grid", "1"], "at least 2 nodes per side"),
        (["--grid", "ten"], "is not N or NXxNY"),
        (["--grid", "100000"], "would need"),
        (["-O", "adam:gamma=2"], "gamma"),
        (["--workers", "-1"], "--workers must be 0 or more"),
        (["--scheduler", "tcp://127.0.0.1:9"], "cannot reach the Dask scheduler"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(capsys, tmp_path, args, message) -> None:
    out = tmp_path / "b.png"
    code, _, err = run_cli(capsys, "basins", "himmelblau", "-o", out, "--workers", "0", *args)
    assert code == 2 and message in err
    assert len(err.strip().splitlines()) == 1 and not out.exists()


def test_basins_zoom_into_a_boundary_as_a_video(capsys, tmp_path, video_frames) -> None:
    out = tmp_path / "zoom.mp4"
    code, _, err = run_cli(
        capsys, "basins", "himmelblau", "-O", "newton", "--grid", "48", "--steps", "60",
        "--zoom-to=-1.7,-1.3,-1.6,-1.4", "--frames", "4", "--fps", "8", "-o", out,
        "--workers", "0",
    )  # fmt: skip
    assert code == 0, err
    assert "4 frames from [-5, 5] x [-5, 5] to [-1.7, -1.3] x [-1.6, -1.4]" in err
    frames = video_frames(out)
    assert len(frames) == 4
    height, width, _ = frames[0].shape
    assert width % 2 == 0 and height % 2 == 0
    # The frames differ (the zoom moves) and each shows colours of the basins, not one fill.
    assert np.abs(frames[0].astype(int) - frames[-1]).mean() > 5
    assert all(len({tuple(p) for p in f.reshape(-1, 3)[::11] // 32}) > 5 for f in frames)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["zoom.mp4"]


@pytest.mark.parametrize(
    ("output", "extra", "message"),
    [
        ("zoom.png", [], "a zoom is a video"),
        ("zoom.mp4", ["--csv"], "--csv writes one map's data"),
        ("zoom.mp4", ["--frames", "1"], "at least 2 frames"),
        ("zoom.mp4", ["--fps", "0"], "frame rate 0"),
    ],
)
def test_bad_zooms_are_one_line_and_exit_2(capsys, tmp_path, output, extra, message) -> None:
    code, _, err = run_cli(
        capsys, "basins", "himmelblau", "--grid", "8", "--steps", "5", "--workers", "0",
        "--zoom-to=-1,1,-1,1", "-o", tmp_path / output, *extra,
    )  # fmt: skip
    assert code == 2 and message in err, err
    assert len(err.strip().splitlines()) == 1 and list(tmp_path.iterdir()) == []


def test_the_picture_must_be_a_png(capsys, tmp_path) -> None:
    code, _, err = run_cli(capsys, "basins", "himmelblau", "-o", tmp_path / "b.jpg")
    assert code == 2 and "name it .png" in err


def test_sweep_writes_a_map_its_data_and_a_csv(capsys, tmp_path) -> None:
    out = tmp_path / "map.png"
    code, _, err = run_cli(
        capsys, "sweep", "rosenbrock", "-O", "adam", "--vary", "lr=1e-3:0.5:log:12",
        "--vary", "betas.0=0:0.99:8", "--start", "-1.5,2", "--steps", "100", "-o", out,
        "--csv", "--workers", "0",
    )  # fmt: skip
    assert code == 0, err
    assert "12 x 8 cells x 1 starts" in err
    data = np.load(tmp_path / "map.npz")
    assert data["value"].shape == (8, 12) and list(data["axis_names"]) == ["lr", "betas.0"]
    np.testing.assert_allclose(data["axis0_values"], np.geomspace(1e-3, 0.5, 12))
    with open(tmp_path / "map.csv", newline="") as table:
        rows = list(csv.DictReader(table))
    assert len(rows) == 96 and float(rows[1]["lr"]) == pytest.approx(data["axis0_values"][1])
    assert float(rows[1]["loss"]) == data["loss"][0, 1]
    image = Image.open(out)
    assert image.width > 480 and image.height > 300


def test_sweep_zooms_into_a_region(capsys, tmp_path) -> None:
    out = tmp_path / "zoom.png"
    code, _, err = run_cli(
        capsys, "sweep", "booth", "-O", "sgd", "--vary", "lr=1e-3:1:log:16",
        "--zoom", "0.05:0.15", "--steps", "50", "-o", out, "--workers", "0",
    )  # fmt: skip
    assert code == 0, err
    values = np.load(tmp_path / "zoom.npz")["axis0_values"]
    assert len(values) == 16 and values[0] == pytest.approx(0.05)


def test_sweep_zoom_into_a_trainability_boundary_as_a_video(capsys, tmp_path, video_frames):
    out = tmp_path / "zoom.webm"
    code, _, err = run_cli(
        capsys, "sweep", "rosenbrock", "-O", "momentum", "--vary", "lr=1e-4:0.1:log:24",
        "--vary", "momentum=0:0.99:16", "--zoom", "1e-3:4e-3,0.8:0.9", "--start", "-1.5,2",
        "--steps", "200", "--frames", "3", "--fps", "5", "-o", out, "--workers", "0",
    )  # fmt: skip
    assert code == 0, err
    assert "3 frames from lr [0.0001, 0.1] x momentum [0, 0.99] to lr [0.001, 0.004]" in err
    frames = video_frames(out)
    assert len(frames) == 3
    # Each frame is a map of many colours, and the zoom changes it.
    assert all(len({tuple(p) for p in f.reshape(-1, 3)[::7] // 32}) > 8 for f in frames)
    assert np.abs(frames[0].astype(int) - frames[-1]).mean() > 5
    assert sorted(p.name for p in tmp_path.iterdir()) == ["zoom.webm"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give --zoom, where it dives"),
        (["--zoom", "0.2:0.3", "--csv"], "--csv writes one map's data"),
        (["--zoom", "0.2:0.3", "--frames", "1"], "at least 2 frames"),
        (["--zoom", "0.3:0.2"], "the zoom's end range of lr is empty"),
        (["--zoom=-1:0.2"], "out of range"),
    ],
)
def test_bad_sweep_zooms_are_one_line_and_exit_2(capsys, tmp_path, args, message) -> None:
    code, _, err = run_cli(
        capsys, "sweep", "booth", "-O", "sgd", "--vary", "lr=0.01:1:8", "--steps", "5",
        "-o", tmp_path / "zoom.mp4", "--workers", "0", *args,
    )  # fmt: skip
    assert code == 2 and message in err, err
    assert len(err.strip().splitlines()) == 1 and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--vary", "gamma=0:1:4"], "no hyper-parameter 'gamma'"),
        (["--vary", "lr=-1:1:lin:4"], "out of range"),
        (["--vary", "lr=0.1:1:0"], "empty grid"),
        (["--vary", "lr=0.1:1:4", "--zoom", "1:2,3:4"], "one LOW:HIGH per --vary"),
        (["--vary", "lr=0.1:1:4", "--metric", "steps"], "no known minimum"),
    ],
)
def test_bad_sweeps_are_one_line_and_exit_2(capsys, tmp_path, args, message) -> None:
    out = tmp_path / "m.png"
    code, _, err = run_cli(capsys, "sweep", "x^2+y", "-o", out, "--workers", "0", *args)
    assert code == 2 and message in err
    assert len(err.strip().splitlines()) == 1 and not out.exists()


def test_tune_prints_the_rankings_and_writes_the_tuned_race(capsys, tmp_path) -> None:
    from fogwalk.core.scenario import load_scenario

    out = tmp_path / "tuned.toml"
    code, text, err = run_cli(
        capsys, "tune", "rosenbrock", "-O", "sgd", "-O", "adam", "--budget", "100",
        "--starts", "3", "--trials", "6", "--compare", "peers", "-o", out, "--workers", "0",
    )  # fmt: skip
    assert code == 0, err
    lines = text.splitlines()
    assert lines[0].startswith("fair: 6 trials per optimizer, 3 start(s), budget 100")
    assert lines[1].lstrip().startswith("1. ") and lines[2].lstrip().startswith("2. ")
    assert any(line.startswith("peers: 6 trials per optimizer, 1 start(s)") for line in lines)
    assert "the peers' protocol" in text
    scene, _ = load_scenario(out)
    specs = [h.spec for h in scene.hikers]
    assert specs[0].startswith("sgd:lr=") and specs[1].startswith("adam:lr=")
    assert all(spec in text for spec in specs)  # the scenario holds the printed winners


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--budget", "0.1"], "less than one step"),
        (["--objective", "steps", "--trials", "1"], "no known minimum"),
        (["-o", "tuned.json"], "name it .toml"),
    ],
)
def test_bad_tunings_are_one_line_and_exit_2(capsys, tmp_path, monkeypatch, args, message) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(capsys, "tune", "x^2+y", "-O", "sgd", "--workers", "0", *args)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
