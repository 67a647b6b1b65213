"""fogwalk trace on any surface: files, formulas and --domain, with exact data at grid nodes."""

from __future__ import annotations

import csv
import io
import subprocess
import sys

import h5py
import numpy as np
import pytest

from fogwalk.cli import main


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _rows(out: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(out)))


def test_trace_at_a_grid_node_reports_the_data(tmp_path, capsys):
    z = np.arange(20.0).reshape(4, 5) ** 1.5 / 7 + 0.25
    path = tmp_path / "field.npy"
    np.save(path, z)
    code, out, err = run_cli(capsys, "trace", str(path), "-s", "3,2", "-s", "1,1", "-n", "3")
    assert code == 0 and err == ""
    rows = _rows(out)
    first = [row for row in rows if row["step"] == "0"]
    assert float(first[0]["loss"]) == pytest.approx(z[2, 3], rel=1e-12)
    assert float(first[1]["loss"]) == pytest.approx(z[1, 1], rel=1e-12)


def test_trace_with_a_negative_domain(tmp_path, capsys):
    z = np.add.outer(np.linspace(0, 1, 4), np.linspace(0, 2, 5) ** 2)
    path = tmp_path / "field.npy"
    np.save(path, z)
    # Node (ix=4, iy=0) of a 5 x 4 grid spread over [-3, 3] x [-3, 3] sits at (3, -3).
    code, out, err = run_cli(
        capsys, "trace", str(path), "--domain", "-3,3,-3,3", "--start", "-1.5,-3", "-n", "0"
    )
    assert code == 0, err
    row = _rows(out)[0]
    assert float(row["loss"]) == pytest.approx(z[0, 1], rel=1e-12)


def test_trace_a_loss_landscape_file(tmp_path, capsys):
    x, y = np.linspace(-1, 1, 6), np.linspace(0, 1, 3)
    xm, ym = np.meshgrid(x, y)
    losses = -np.ones((x.size, y.size))  # as loss-landscape's crunch lays it out
    losses.ravel()[:] = (2 + xm**2 + ym).ravel()
    path = tmp_path / "surf.h5"
    with h5py.File(path, "w") as f:
        f["xcoordinates"], f["ycoordinates"], f["train_loss"] = x, y, losses
    code, out, err = run_cli(capsys, "trace", str(path), "-s", f"{x[4]},{y[1]}", "-n", "5")
    assert code == 0, err
    assert float(_rows(out)[0]["loss"]) == pytest.approx(2 + x[4] ** 2 + y[1], rel=1e-12)


def test_trace_picks_an_h5_dataset(tmp_path, capsys):
    x, y = np.linspace(-1, 1, 5), np.linspace(-1, 1, 4)
    path = tmp_path / "surf.h5"
    with h5py.File(path, "w") as f:
        f["xcoordinates"], f["ycoordinates"] = x, y
        f["train_loss"] = np.full((x.size, y.size), 1.0)
        f["test_loss"] = np.full((x.size, y.size), 7.0)
    start = f"{x[2]},{y[1]}"
    for argv, expected in [((), 1.0), (("--dataset", "test_loss"), 7.0)]:
        code, out, err = run_cli(capsys, "trace", str(path), *argv, "-s", start, "-n", "0")
        assert code == 0, err
        assert float(_rows(out)[0]["loss"]) == pytest.approx(expected, rel=1e-12)
    code, out, err = run_cli(capsys, "trace", str(path), "--dataset", "nope", "-n", "0")
    assert code == 2 and "no 2-D dataset 'nope'" in err and "test_loss" in err


def test_trace_a_formula(capsys):
    code, out, err = run_cli(
        capsys, "trace", "(x - 1)^2 + 3*y^2", "-O", "sgd:lr=0.1", "-s", "0,1", "-n", "1"
    )
    assert code == 0, err
    rows = _rows(out)
    assert float(rows[0]["loss"]) == 4.0
    assert (float(rows[0]["grad_x"]), float(rows[0]["grad_y"])) == (-2.0, 6.0)
    assert (float(rows[1]["x"]), float(rows[1]["y"])) == pytest.approx((0.2, 0.4))


def test_a_formula_may_start_with_a_minus_sign(capsys):
    code, out, err = run_cli(capsys, "trace", "-x^2 + 3*y^2", "-s", "1,-1", "-n", "0")
    assert code == 0, err
    row = _rows(out)[0]
    assert (float(row["loss"]), float(row["grad_x"]), float(row["grad_y"])) == (2.0, -2.0, -6.0)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["trace", "x^2 + foo(y)"], "unknown function 'foo' at column 7"),
        (["trace", "x^2 +"], "ends too soon at column 6"),
        (["trace", "nowhere/terrain.png"], "no such file: nowhere/terrain.png"),
        (["trace", "x", "--domain", "1,2,3"], "is not XMIN,XMAX,YMIN,YMAX"),
        (["trace", "x", "--domain", "-1,-2,0,1"], "needs finite XMIN < XMAX"),
    ],
)
def test_bad_surfaces_exit_2_with_one_line(argv, message, capsys):
    try:
        code = main(argv)
    except SystemExit as stop:  # argparse's own errors
        code = stop.code
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], err


def test_negative_domain_through_the_real_command():
    result = subprocess.run(
        [sys.executable, "-m", "fogwalk", "trace", "x*y", "--domain", "-2,-1,-4,-3", "-n", "0"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    row = _rows(result.stdout)[0]
    assert -2 <= float(row["x"]) <= -1 and -4 <= float(row["y"]) <= -3


def test_a_broken_file_is_one_line_naming_it(tmp_path, capsys):
    (tmp_path / "broken.npy").write_bytes(b"\x93NUMPY\x01\x00garbage")
    code, out, err = run_cli(capsys, "trace", str(tmp_path / "broken.npy"))
    assert code == 2 and out == ""
    assert "broken.npy: not a valid NumPy array file" in err and err.count("\n") == 1
