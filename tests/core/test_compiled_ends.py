"""Walks without records: each walker's end, told by the compiled loop's tally, is what the
records of the same walk say."""

from __future__ import annotations

import numpy as np
import pytest

from fogwalk.core.above.walks import Ends, Walks, walk
from fogwalk.core.compiled.ends import SPAN
from fogwalk.core.engine import Engine, Status
from fogwalk.core.errors import FogwalkError


def _starts(count: int, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-5, 5, (count, 2))


def _assert_same_ends(free: Ends, recorded: Ends) -> None:
    for name in Ends.__dataclass_fields__:
        got, expected = getattr(free, name), getattr(recorded, name)
        if name == "mean_loss":  # summed step by step, not pairwise as NumPy's mean
            np.testing.assert_allclose(got, expected, rtol=1e-12, err_msg=name)
        else:
            np.testing.assert_array_equal(got, expected, err_msg=name)


@pytest.mark.parametrize(
    ("surface", "specs", "steps", "tol", "target", "budget"),
    [
        # converging, oscillating and running-away walkers; a target some reach at the start
        ("himmelblau", ("adam:lr=0.05", "sgd:lr=0.02", "momentum:lr=0.3"), 300, 0.05, 5.0, None),
        # noise (drawn per walker's run-wide index), clipping, a step count not a whole span
        (
            "rosenbrock",
            ("sgd:lr=0.001,grad_noise=2.0,seed=3", "adam:lr=0.1,clip_grad_norm=1.0"),
            2 * SPAN + 7,
            1e-3,
            1.0,
            None,
        ),
        # a budget that ends running walks before the last step
        ("himmelblau", ("rmsprop:lr=0.01", "lion:lr=0.01"), 200, 0.01, 0.1, 150.0),
    ],
)
def test_the_tally_tells_what_the_records_tell(surface, specs, steps, tol, target, budget) -> None:
    chunk = Walks(surface, None, None, specs, _starts(3000), steps, 11, tol, target, budget)
    free, recorded = walk(chunk), walk(chunk, records=True)
    _assert_same_ends(free, recorded)
    # the cases are not trivial: walkers settle at many steps, some never, some run away
    assert len(np.unique(free.settled)) > 20
    assert (free.status == Status.RUNNING).any()
    if budget is None and surface == "himmelblau":
        assert (free.status == Status.DIVERGED).any() and (free.reached == 0).any()


def test_spans_cut_by_the_noise_s_batches_walk_as_one() -> None:
    """Noise is drawn ahead in batches of steps (fewer, the more walkers): a span that one
    batch ends and the next goes on with is tallied as one span."""
    specs = ("sgd:lr=0.002,grad_noise=1.0,seed=7", "adam:lr=0.02,grad_noise=0.5,seed=2")
    chunk = Walks("rosenbrock", None, None, specs, _starts(9000, 2), 400, 0, 1e-3, 2.0)
    _assert_same_ends(walk(chunk), walk(chunk, records=True))


def test_a_chunk_ends_as_it_would_in_the_whole_run() -> None:
    starts, specs = _starts(5000, 3), ("sgd:lr=0.01,grad_noise=2.0,seed=3", "adam:lr=0.05")
    whole = walk(Walks("himmelblau", None, None, specs, starts, 120, 0, 0.05, 10.0))
    parts = [
        walk(Walks("himmelblau", None, None, specs, starts[lo:hi], 120, lo, 0.05, 10.0))
        for lo, hi in ((0, 40), (40, 4200), (4200, 5000))  # the first keeps its records
    ]
    _assert_same_ends(Ends.join(parts), whole)


def test_a_walk_without_records_runs_only_compiled() -> None:
    with pytest.raises(FogwalkError, match="only in the compiled loop"):
        Engine("booth", ["adam"], np.zeros((4, 2)), 10, compiled=False, records=False)
    engine = Engine("booth", ["adam"], np.zeros((4, 2)), 10, records=False)
    assert engine.compiled and engine.xy.shape == (2, 1, 4, 2)
    with pytest.raises(FogwalkError, match="no run to give"):
        engine.result()
