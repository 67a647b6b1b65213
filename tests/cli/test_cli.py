"""The fogwalk command: trace output that round-trips, listings, and clear errors."""

import csv
import io
import json
import subprocess
import sys

import numpy as np
import pytest

from fogwalk import simulate
from fogwalk.cli import main


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_trace_csv_has_every_row_in_full_precision(capsys):
    code, out, err = run_cli(
        capsys,
        "trace",
        "rosenbrock",
        "--optimizer",
        "adam:lr=0.01,betas=0.9/0.999",
        "--optimizer",
        "momentum:lr=0.001",
        "--start",
        "-1.5,2",
        "--start",
        "0.5,-0.5",
        "--steps",
        "25",
    )
    assert code == 0 and err == ""
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == [
        "optimizer",
        "walker",
        "step",
        "x",
        "y",
        "loss",
        "grad_x",
        "grad_y",
        "status",
        "gradients",
        "losses",
        "hessians",
        "trials",
        "cost",
        "end",
    ]
    assert len(rows) == 1 + 2 * 2 * 26
    run = simulate(
        "rosenbrock",
        ["adam:lr=0.01,betas=0.9/0.999", "momentum:lr=0.001"],
        starts=[(-1.5, 2.0), (0.5, -0.5)],
        steps=25,
    )
    i = 1
    for k, label in enumerate(["adam:lr=0.01,betas=0.9/0.999", "momentum:lr=0.001"]):
        for w in range(2):
            for step in range(26):
                row = rows[i]
                assert row[:3] == [label, str(w), str(step)]
                values = [float(v) for v in row[3:8]]
                assert values == [*run.xy[step, k, w], run.loss[step, k, w], *run.grad[step, k, w]]
                assert row[8] == "running"
                i += 1


def test_trace_marks_and_repeats_a_diverged_walker(capsys):
    code, out, _ = run_cli(
        capsys, "trace", "rosenbrock", "-O", "sgd:lr=0.1", "-s", "-1.5,2", "-n", "40"
    )
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and len(rows) == 41
    statuses = [r["status"] for r in rows]
    first = statuses.index("diverged")
    assert set(statuses[first:]) == {"diverged"} and set(statuses[:first]) == {"running"}
    assert {(r["x"], r["y"]) for r in rows[first - 1 :]} == {(rows[first]["x"], rows[first]["y"])}
    assert all(np.isfinite(float(r[key])) for r in rows for key in ("x", "y", "loss"))


def test_trace_json_to_a_file(tmp_path, capsys):
    target = tmp_path / "trace.json"
    code, out, _ = run_cli(
        capsys,
        "trace",
        "himmelblau",
        "-O",
        "adam:lr=0.1",
        "-O",
        "newton",
        "-s",
        "0,0",
        "-n",
        "10",
        "-o",
        str(target),
    )
    assert code == 0 and out == ""
    data = json.loads(target.read_text())
    assert data["surface"] == "himmelblau" and data["steps"] == 10
    assert [o["optimizer"] for o in data["optimizers"]] == ["adam:lr=0.1", "newton"]
    walker = data["optimizers"][0]["walkers"][0]
    assert walker["start"] == [0.0, 0.0] and len(walker["x"]) == 11
    assert walker["measured"]["gradient"] == list(range(1, 12))  # the start's, then a step's
    assert walker["measured"]["hessian"] == [0] * 11 and walker["cost"] == list(range(11))
    newton = data["optimizers"][1]["walkers"][0]
    assert newton["measured"]["hessian"][:3] == [0, 1, 2]
    assert newton["cost"][:3] == [0.0, 3.0, 6.0]  # a gradient and a Hessian (2) a step
    assert not list(tmp_path.glob(".*part"))  # the temporary file was renamed, not left


def test_default_trace_is_the_default_scene(capsys):
    code, out, _ = run_cli(capsys, "trace", "fog_mountain", "-n", "3")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0
    assert [r["optimizer"] for r in rows[::4]] == [
        "sgd:lr=0.03",
        "momentum:lr=0.01",
        "rmsprop:lr=0.01",
        "adam:lr=0.05",
    ]


def test_listings(capsys):
    code, out, _ = run_cli(capsys, "surfaces")
    assert code == 0
    for name in ("fog_mountain", "rosenbrock", "monkey_saddle", "six_hump_camel"):
        assert name in out
    assert "min 0 at (1, 1)" in out
    code, out, _ = run_cli(capsys, "optimizers")
    assert code == 0
    for text in ("adam:", "betas=0.9/0.999", "linesearch:", "grad_noise=0.0", "schedule=constant"):
        assert text in out
    assert "muon" not in out


def test_all_optimizers_name_the_ones_that_cannot_walk(capsys):
    from fogwalk.core.optimizers import optimizer_names
    from fogwalk.core.optimizers.not_applicable import NOT_APPLICABLE

    code, out, _ = run_cli(capsys, "optimizers", "--all")
    assert code == 0
    assert "muon: not applicable: orthogonalises the update of a weight matrix" in out
    for entry in NOT_APPLICABLE:
        assert f"{entry.name}: not applicable: " in out
        assert entry.name not in optimizer_names()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["trace", "nowhere"], "unknown surface 'nowhere'; known surfaces: fog_mountain"),
        (["trace", "booth", "-O", "adam:lr=oops"], "lr='oops' is not a number"),
        (["trace", "booth", "-O", "adamm"], "unknown optimizer 'adamm'; valid: sgd"),
        (["trace", "booth", "-s", "1;2"], "start '1;2' is not X,Y"),
        (["trace", "booth", "-n", "-5"], "steps must be 0 or more"),
        (["trace", "booth", "-o", "/nonexistent/dir/out.csv"], "does not exist"),
        (["frobnicate"], "is neither a command"),
    ],
)
def test_bad_input_exits_2_with_one_line(argv, message):
    result = subprocess.run(
        [sys.executable, "-m", "fogwalk", *argv], capture_output=True, text=True
    )
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr


def test_negative_start_coordinates_are_accepted(capsys):
    code, out, _ = run_cli(capsys, "trace", "booth", "-O", "sgd", "-s", "-8,-8", "-n", "0")
    assert code == 0 and out.splitlines()[1].startswith("sgd,0,0,-8.0,-8.0,")


def test_trace_prices_measurements_as_told(capsys, tmp_path):
    target = tmp_path / "walk.json"
    code, _, _ = run_cli(
        capsys, "trace", "himmelblau", "-O", "newton:lr=0.1", "-s", "0.5,0.5", "-n", "4",
        "--costs", "hessian=4,gradient=2", "-o", str(target),
    )  # fmt: skip
    assert code == 0
    data = json.loads(target.read_text())
    assert data["costs"] == {"gradient": 2.0, "loss": 1 / 3, "hessian": 4.0}
    assert data["optimizers"][0]["walkers"][0]["cost"] == [0.0, 6.0, 12.0, 18.0, 24.0]
    for argv, message in (
        (["trace", "himmelblau", "--costs", "hessian=lots"], "a hessian must be a number"),
        (["export", "himmelblau", "-o", "x.mp4", "--clock", "wall"], "invalid choice: 'wall'"),
    ):
        with pytest.raises(SystemExit) as exited:
            main(argv)
        assert exited.value.code == 2 and message in capsys.readouterr().err
