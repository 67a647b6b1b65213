"""What every hiker pays, by kind and per step, and the clock that plays them by cost."""

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from fogwalk.core import FogwalkError, simulate
from fogwalk.core.clock import reach, steps_at
from fogwalk.core.engine import Status
from fogwalk.core.export import VideoSettings
from fogwalk.core.measurements import GRADIENT, HESSIAN, LOSS, TRIAL, Costs, parse_costs
from fogwalk.core.scenario import scenario_from_dict, scenario_to_dict
from fogwalk.core.scene import Scene

SPECS = [
    "adam:lr=0.05",
    "newton",
    "linesearch",
    "lbfgs:line_search_fn=strong_wolfe",
    "lbfgs:lr=0.5",
    "extragradient:lr=0.01",
    "sophia:lr=0.05",
]
STARTS = [(0.0, 0.0), (-1.0, 1.0), (3.5, 3.5), (-2.0, -2.0)]


@pytest.fixture(scope="module")
def run():
    return simulate("himmelblau", SPECS, starts=STARTS, steps=40)


def test_each_kind_is_counted_where_it_is_paid(run):
    totals = run.measured()
    steps = np.where(run.status_step >= 0, run.status_step, run.steps)  # steps walked
    adam, newton, search, wolfe, fixed, extra, sophia = totals
    np.testing.assert_array_equal(adam[:, GRADIENT], steps[0] + 1)  # the start's, then a step's
    assert (adam[:, [LOSS, HESSIAN, TRIAL]] == 0).all()
    np.testing.assert_array_equal(newton[:, GRADIENT], steps[1] + 1)
    np.testing.assert_array_equal(newton[:, HESSIAN], steps[1])  # one Hessian a step
    np.testing.assert_array_equal(search[:, GRADIENT], steps[2] + 1)
    assert (search[:, LOSS] >= steps[2]).all()  # at least one trial a step
    np.testing.assert_array_equal(search[:, TRIAL], search[:, LOSS])  # every loss is a trial
    assert (wolfe[:, TRIAL] > 0).all() and (
        wolfe[:, TRIAL] == wolfe[:, GRADIENT] - 1 - steps[3]
    ).all()
    assert (fixed[:, TRIAL] == 0).all() and (fixed[:, GRADIENT] > steps[4] + 1).all()
    np.testing.assert_array_equal(extra[:, GRADIENT], 2 * steps[5] + 1)  # two fields a step
    assert (sophia[:, HESSIAN] > 0).all()


def test_the_history_is_exact_at_every_step(run):
    """The totals at step s are what a run stopped at s had paid, for every optimizer,
    walkers that converged included, and the evaluations the sum of the kinds."""
    for s in (0, 1, 2, 5, 13, 40):
        alone = simulate("himmelblau", SPECS, starts=STARTS, steps=s)
        np.testing.assert_array_equal(run.measured(s), alone.measured(), err_msg=f"step {s}")
    per_walker = np.array([[3, 7, 11, 40]] * len(SPECS))
    expected = np.stack([run.measured(s)[:, w] for w, s in enumerate(per_walker[0])], axis=1)
    np.testing.assert_array_equal(run.measured(per_walker), expected)
    np.testing.assert_array_equal(run.evaluations(), run.measured()[..., :3].sum(axis=-1))


def test_walkers_that_stopped_pay_nothing_more():
    run = simulate("booth", ["newton", "linesearch"], starts=[(0.0, 0.0), (5.0, 5.0)], steps=400)
    assert (run.status == Status.CONVERGED).all()
    stops = run.status_step
    for k in range(2):
        for w in range(2):
            stop = int(stops[k, w])
            np.testing.assert_array_equal(run.measured(400)[k, w], run.measured(stop)[k, w])
            assert (run.measured(stop)[k, w] > run.measured(stop - 1)[k, w]).any()


def test_a_huge_run_keeps_one_row_a_step_for_alike_walkers():
    starts = np.random.default_rng(0).uniform(-4, 4, (50_000, 2))
    run = simulate("himmelblau", ["adam:lr=0.05", "newton"], starts=starts, steps=20)
    assert run.dense == (None, None) and run.per_step.shape == (21, 2, 4)
    walked = np.where(run.status_step[1] >= 0, run.status_step[1], 20)
    np.testing.assert_array_equal(run.measured()[1, :, HESSIAN], walked)


def test_the_cost_clock_gives_every_hiker_the_same_budget_per_frame(run):
    costs = Costs()
    every = run.spent(costs, np.arange(run.steps + 1)[:, None, None])
    worst = np.diff(every, axis=0).max(axis=0)  # each walker's dearest step
    for tick in range(0, 41):
        steps = steps_at(run, tick, "cost", costs)
        spent = run.spent(costs, steps)
        assert (spent <= tick + 1e-9).all()
        walking = (run.status_step < 0) | (run.status_step > steps)
        short = walking & (steps < run.computed)
        next_spent = run.spent(costs, np.minimum(steps + 1, run.computed))
        assert (next_spent[short] > tick).all()  # the next step would overspend
        assert (spent[short] > tick - worst[short]).all()  # ...and no step more was affordable
    np.testing.assert_array_equal(steps_at(run, 17), np.full((len(SPECS), 4), 17))
    # adam pays a gradient a step: the cost clock walks it as the step clock does
    assert (steps_at(run, 17, "cost")[0] == 17).all()
    # Newton pays a gradient and a Hessian (2) a step: a third as far on the cost clock
    newton = steps_at(run, 12, "cost")[1]
    assert ((newton == 4) | (run.status_step[1] <= 4)).all() and (newton == 4).any()


def test_prices_change_the_cost_clock(run):
    cheap = steps_at(run, 12, "cost", Costs(hessian=0.0))
    dear = steps_at(run, 12, "cost", Costs(hessian=5.0))
    assert (cheap[1] >= dear[1]).all() and (cheap[1] > dear[1]).any()


def test_reach_waits_for_walkers_still_computing():
    from fogwalk.core.engine import Engine

    engine = Engine("himmelblau", ["sgd:lr=0.001", "newton"], [(0.0, 0.0)], 100)
    engine.advance(10)
    part = engine.result()
    assert reach(part) == 10
    # Newton stopped (converged) early; sgd spent 10 gradients: nothing beyond 10 is known
    assert reach(part, "cost") == pytest.approx(float(part.spent(Costs())[0, 0]))
    engine.advance(90)
    assert reach(engine.result(), "cost") == 100


def test_costs_are_parsed_checked_and_kept_in_scenarios(tmp_path: Path):
    assert parse_costs("hessian=4, loss=0.5") == Costs(gradient=1.0, loss=0.5, hessian=4.0)
    for text, message in (
        ("hessian=-1", "hessian must be 0 to 1e6"),
        ("jacobian=1", "unknown measurement 'jacobian'"),
        ("loss=cheap", "must be a number"),
        ("gradient=0,loss=0", "cannot both cost nothing"),
    ):
        with pytest.raises(FogwalkError, match=message):
            parse_costs(text)
    scene = Scene(clock="cost", costs=Costs(hessian=4.0))
    data = scenario_to_dict(scene, VideoSettings(), tmp_path)
    loaded, _ = scenario_from_dict(data, tmp_path)
    assert loaded.clock == "cost" and loaded.costs == Costs(hessian=4.0)
    with pytest.raises(FogwalkError, match=r"costs\.hessian must be a number"):
        scenario_from_dict({**data, "costs": {"hessian": True}}, tmp_path)
    with pytest.raises(FogwalkError, match=r"playback\.clock"):
        scenario_from_dict({**data, "playback": {"clock": "wall"}}, tmp_path)
    with pytest.raises(FogwalkError, match="clock must be one of"):
        dataclasses.replace(scene, clock="wall")
