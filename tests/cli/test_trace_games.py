"""``fogwalk trace`` on a game: plain descent-ascent spirals out, extragradient settles."""

from __future__ import annotations

import csv
import io

import numpy as np

from fogwalk.cli import main


def _trace(capsys, optimizer: str) -> np.ndarray:
    """Trace gan_bilinear from (1, 1) for 200 steps; the walker's (x, y) rows."""
    argv = ["trace", "gan_bilinear", "--optimizer", optimizer, "--start", "1,1", "--steps", "200"]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert err == ""
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 201 and {row["optimizer"] for row in rows} == {optimizer}
    assert all(row["status"] == "running" for row in rows)
    return np.array([[float(row["x"]), float(row["y"])] for row in rows])


def test_sgd_spirals_away_from_the_origin(capsys) -> None:
    xy = _trace(capsys, "sgd:lr=0.1")
    distance = np.hypot(xy[:, 0], xy[:, 1])
    np.testing.assert_allclose(xy[0], [1.0, 1.0])
    assert (np.diff(distance) > 0).all() and distance[-1] > 2.5 * distance[0]
    # It circles: the walker's angle about the origin sweeps more than a full turn.
    angle = np.unwrap(np.arctan2(xy[:, 1], xy[:, 0]))
    assert abs(angle[-1] - angle[0]) > 2 * np.pi


def test_extragradient_converges_to_the_origin(capsys) -> None:
    xy = _trace(capsys, "extragradient:lr=0.1")
    distance = np.hypot(xy[:, 0], xy[:, 1])
    assert (np.diff(distance) < 0).all() and distance[-1] < 0.4 * distance[0]


def test_the_csv_records_the_true_gradient(capsys) -> None:
    main(["trace", "gan_bilinear", "-O", "optimistic:lr=0.1", "--start", "1,1", "--steps", "5"])
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr()[0])))
    for row in rows:  # grad of x y is (y, x), not the field (y, -x) the walker follows
        assert float(row["grad_x"]) == float(row["y"])
        assert float(row["grad_y"]) == float(row["x"])
