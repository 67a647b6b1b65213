"""Basin maps: where every start of a grid ends, labelled the same however it is chunked."""

from __future__ import annotations

import numpy as np
import pytest

from fogwalk.core import session
from fogwalk.core.above.basins import DIVERGED, compute_basins, grid_nodes
from fogwalk.core.engine import Engine
from fogwalk.core.errors import FogwalkError


def _scene(source: str, specs: list[str], steps: int):
    return session.override(session.open_source(source), optimizers=specs, steps=steps)


def test_newton_on_himmelblau_finds_minima_saddles_and_the_maximum() -> None:
    bmap = compute_basins(_scene("himmelblau", ["newton"], 60), (64, 64))
    kinds = sorted(a.kind for a in bmap.attractors)
    assert kinds == ["maximum"] + ["minimum"] * 4 + ["saddle"] * 4
    (top,) = [a for a in bmap.attractors if a.kind == "maximum"]
    assert (top.x, top.y) == pytest.approx((-0.270845, -0.923039), abs=1e-5)
    assert top.loss == pytest.approx(181.617, abs=1e-3)
    shares = bmap.shares(0)
    # every place has its basin: some starts end at each saddle and at the maximum
    assert all(shares.get(i, 0) > 0.01 for i in range(len(bmap.attractors)))
    assert bmap.labels.shape == (1, 64, 64) and bmap.end.shape == (1, 64, 64, 2)


def test_a_walker_is_labelled_by_the_minimum_it_ends_at() -> None:
    bmap = compute_basins(_scene("himmelblau", ["adam:lr=0.05"], 400), (24, 24))
    known = [a for a in bmap.attractors if a.known]
    assert len(known) == 4
    labelled = bmap.labels[0] >= 0
    ends = bmap.end[0][labelled]
    centres = np.array([(a.x, a.y) for a in bmap.attractors])[bmap.labels[0][labelled]]
    assert np.abs(ends - centres).max() <= bmap.tol
    assert labelled.mean() > 0.95
    # settled steps and evaluations are counted: a gradient a step for Adam
    assert (bmap.evaluations[0][labelled] == bmap.settled[0][labelled] + 1).all()


def test_the_grid_runs_row_by_row_from_the_lower_left() -> None:
    x, _y, starts = grid_nodes((-1, 1, 0, 2), 3, 2)
    np.testing.assert_array_equal(x, [-1, 0, 1])
    np.testing.assert_array_equal(starts[:4], [[-1, 0], [0, 0], [1, 0], [-1, 2]])


RANDOM_SPECS = ["sgd:lr=0.01,grad_noise=2.0,seed=3", "spsa:seed=5", "adam:lr=0.05"]


def test_the_numbers_do_not_depend_on_the_chunks() -> None:
    scene = _scene("himmelblau", RANDOM_SPECS, 80)
    one = compute_basins(scene, (40, 30), chunk=5000)
    many = compute_basins(scene, (40, 30), chunk=97)
    for name in ("labels", "settled", "evaluations", "end"):
        np.testing.assert_array_equal(getattr(one, name), getattr(many, name), err_msg=name)
    assert one.attractors == many.attractors


@pytest.mark.parametrize(
    "spec", ["sgd:lr=0.01,grad_noise=2.0,seed=3", "spsa:seed=5", "cmaes:seed=2"]
)
def test_an_engine_chunk_walks_as_the_whole_run(spec: str) -> None:
    """The random parts are keyed on the run-wide walker index (``first_walker``)."""
    rng = np.random.default_rng(0)
    starts = rng.uniform(-4, 4, size=(9000 if "cmaes" not in spec else 40, 2))
    steps = 12
    whole = Engine("himmelblau", [spec], starts, steps, compiled=False)
    whole.advance(steps)
    cut = len(starts) * 2 // 3 + 1
    parts = []
    for lo, hi in ((0, cut), (cut, len(starts))):
        engine = Engine("himmelblau", [spec], starts[lo:hi], steps, compiled=False, first_walker=lo)
        engine.advance(steps)
        parts.append(engine.xy)
    np.testing.assert_array_equal(np.concatenate(parts, axis=2), whole.xy)


def test_walkers_that_run_away_are_marked_diverged() -> None:
    bmap = compute_basins(_scene("himmelblau", ["sgd:lr=0.05"], 50), (16, 16))
    assert (bmap.labels == DIVERGED).mean() > 0.5


@pytest.mark.parametrize(
    ("grid", "region", "tol", "message"),
    [
        ((1, 5), None, None, "at least 2 x 2"),
        ((8, 8), (1, 0, 0, 1), None, "region"),
        ((8, 8), None, -1.0, "tolerance must be positive"),
        ((200_000, 200_000), None, None, "would need"),
    ],
)
def test_bad_grids_are_refused_before_any_work(grid, region, tol, message) -> None:
    with pytest.raises(FogwalkError, match=message):
        compute_basins(_scene("himmelblau", ["adam"], 10), grid, region=region, tol=tol)
