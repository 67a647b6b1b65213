"""Honest end states: a stopped walker is said to have reached a minimum, or to be stuck at a
saddle, at a maximum or on a plateau, from the ground under it; in rows, trace and JSON."""

import csv
import io

import numpy as np
import sympy as sp

from fogwalk.core import get_surface, simulate
from fogwalk.core.end_states import (
    MAXIMUM,
    MINIMUM,
    PLATEAU,
    SADDLE,
    Outcome,
    end_states,
    outcomes,
    stop_kinds,
)
from fogwalk.core.resources import resource_path
from fogwalk.core.scenario import load_scenario
from fogwalk.core.session import compute_run, hiker_rows
from fogwalk.core.surfaces import SymbolicSurface, formula_surface
from fogwalk.core.surfaces.base import X
from fogwalk.core.trace import to_json, write_csv

HIMMELBLAU_MAXIMUM = (-0.270845, -0.923039)
HIMMELBLAU_SADDLE = (0.086677, 2.884255)


def test_the_hessian_names_the_ground():
    himmelblau = get_surface("himmelblau")
    points = [(3.0, 2.0), HIMMELBLAU_MAXIMUM, HIMMELBLAU_SADDLE]
    assert stop_kinds(himmelblau, points).tolist() == [MINIMUM, MAXIMUM, SADDLE]


def test_a_flat_hessian_is_decided_by_the_ground_around():
    # x^3 - 3xy^2 has a zero Hessian at 0 and is a (monkey) saddle; x^4 + y^4 a minimum;
    # -(x^4 + y^4) a maximum; a constant a plateau.
    domain = (-2.0, 2.0, -2.0, 2.0)
    cases = {
        "x**3 - 3*x*y**2": SADDLE,
        "x**4 + y**4": MINIMUM,
        "-(x**4 + y**4)": MAXIMUM,
    }
    for text, kind in cases.items():
        assert stop_kinds(formula_surface(text, domain), [(0.0, 0.0)]).tolist() == [kind], text
    flat = SymbolicSurface("flat", sp.Integer(3) + 0 * X, domain)
    assert stop_kinds(flat, [(0.5, 0.5)]).tolist() == [PLATEAU]


def test_newton_stuck_at_a_saddle_and_at_the_maximum():
    himmelblau = get_surface("himmelblau")
    starts = [(-0.27, -0.92), (0.1, 2.8), (3.2, 2.1)]
    run = simulate(himmelblau, ["newton", "sgd:lr=0.01"], starts=starts, steps=300)
    codes, marks = outcomes(run)
    assert marks[0].tolist() == ["stuck: maximum", "stuck: saddle", "✓ minimum"]
    assert codes[0].tolist() == [Outcome.STUCK, Outcome.STUCK, Outcome.REACHED]
    assert (codes[1] == Outcome.REACHED).all()  # gradient descent rolls off both
    early = outcomes(run, 0)[1]
    assert (early == "").all()  # walking at the start


def test_a_climber_reaches_its_maximum_and_a_game_its_saddle():
    himmelblau = get_surface("himmelblau")
    run = simulate(himmelblau, ["newton:maximize=true"], starts=[(-0.2, -0.9)], steps=100)
    assert outcomes(run)[1].tolist() == [["✓ maximum"]]
    game = get_surface("gan_bilinear")
    run = simulate(game, ["extragradient:lr=0.3"], starts=[(0.5, 0.5)], steps=1000)
    assert end_states(run).tolist() == [[SADDLE]]
    assert outcomes(run)[1].tolist() == [["✓ saddle"]]


def test_the_saddle_scenario_says_newton_is_stuck():
    scene, _ = load_scenario(resource_path("scenarios", "saddle_newton.toml"))
    run = compute_run(scene)
    rows = hiker_rows(scene, run, scene.steps)
    assert rows[0].mark == "stuck: saddle"  # plain Newton walks into the saddle
    assert rows[0].text().endswith("stuck: saddle")
    assert not rows[1].mark.startswith("stuck")  # saddle-free Newton does not stay there


def test_trace_and_json_say_where_each_walker_ended():
    himmelblau = get_surface("himmelblau")
    run = simulate(himmelblau, ["newton"], starts=[HIMMELBLAU_SADDLE, (3.1, 2.1)], steps=50)
    data = to_json(run)
    walkers = data["optimizers"][0]["walkers"]
    assert [w["end"] for w in walkers] == [SADDLE, MINIMUM]
    stream = io.StringIO()
    write_csv(run, stream)
    rows = list(csv.DictReader(io.StringIO(stream.getvalue())))
    for w, end in ((0, SADDLE), (1, MINIMUM)):
        mine = [r for r in rows if r["walker"] == str(w)]
        stop = int(run.status_step[0, w])
        assert {r["end"] for r in mine[stop:]} == {end}
        assert {r["end"] for r in mine[:stop]} <= {""}
    assert np.isfinite([float(r["loss"]) for r in rows]).all()


def test_a_diverged_walker_says_when_it_left():
    run = simulate(get_surface("rosenbrock"), ["sgd:lr=0.05"], starts=[(-1.5, 2.0)], steps=50)
    codes, marks = outcomes(run)
    step = int(run.status_step[0, 0])
    assert codes[0, 0] == Outcome.DIVERGED and 0 < step < 50
    assert marks[0, 0] == f"✗ diverged at step {step}"
    assert outcomes(run, step - 1)[1][0, 0] == ""  # still walking the step before
