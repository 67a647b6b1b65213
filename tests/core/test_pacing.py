"""Pacing: when every hiker has settled, how far the action runs, and walkers' own shades."""

import numpy as np

from fogwalk.core.pacing import SETTLE_WINDOW, active_end, active_range, settled
from fogwalk.core.scene import Scene, walker_shades
from fogwalk.core.session import compute_run


def test_the_default_hikers_settle_long_before_the_run_ends():
    run = compute_run(Scene())
    first = next(step for step in range(run.computed + 1) if settled(run, step))
    assert SETTLE_WINDOW < first < 400 < run.steps  # the story is told in a few hundred steps
    assert all(settled(run, step) for step in range(first, first + 50))
    assert not settled(run, SETTLE_WINDOW)  # the start is all motion
    end = active_end(run)
    assert first - SETTLE_WINDOW - 5 <= end <= first
    assert end < active_range(run) < 2 * first  # the loss plot frames the action, not 2,000 steps


def test_a_run_still_walking_is_framed_to_what_is_computed():
    run = compute_run(Scene(hikers=Scene().hikers[:1]), last_step=40)
    assert not settled(run, 40)
    assert run.computed - 5 <= active_end(run) <= run.computed == 40
    assert active_range(run) >= 40


def test_walkers_of_one_optimizer_get_distinct_shades():
    assert walker_shades("#ff5a36", 1) == ["#ff5a36"]
    shades = walker_shades("#ff5a36", 5)
    assert shades[2] == "#ff5a36" and len(set(shades)) == 5
    lightness = [sum(int(s[i : i + 2], 16) for i in (1, 3, 5)) for s in shades]
    assert np.all(np.diff(lightness) > 0)  # from darker to lighter
