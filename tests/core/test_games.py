"""Game mode: simultaneous descent-ascent on game surfaces and the optimizers that settle it."""

from __future__ import annotations

import numpy as np
import pytest

from fogwalk.core import Engine, Status, get_surface, make_optimizer, simulate
from fogwalk.core.measurements import GRADIENT, KINDS, LOSS
from fogwalk.core.optimizers import get_definition
from fogwalk.core.probe import Probe


def _distance(run, k: int = 0) -> np.ndarray:
    """Each step's distance of walker 0 from the equilibrium at the origin."""
    return np.hypot(run.xy[:, k, 0, 0], run.xy[:, k, 0, 1])


def test_only_game_surfaces_play_a_game() -> None:
    assert Engine("gan_bilinear", "sgd", [(1.0, 1.0)], 1).game
    assert not Engine("booth", "sgd", [(1.0, 1.0)], 1).game


def test_x_descends_while_y_ascends_and_the_true_gradient_is_recorded() -> None:
    run = simulate("gan_bilinear", ["sgd:lr=0.1"], starts=[(1.0, 1.0)], steps=50)
    # grad f(1, 1) = (y, x) = (1, 1); the optimizer follows (1, -1).
    np.testing.assert_allclose(run.xy[1, 0, 0], [0.9, 1.1], rtol=1e-15)
    xy = run.xy[:, 0, 0]
    np.testing.assert_allclose(run.grad[:, 0, 0], xy[:, ::-1], rtol=1e-15)


def test_simultaneous_steps_spiral_out_on_the_bilinear_game() -> None:
    distance = _distance(simulate("gan_bilinear", ["sgd:lr=0.1"], starts=[(1, 1)], steps=200))
    assert (np.diff(distance) > 0).all()
    # Each step multiplies the distance by sqrt(1 + lr^2).
    np.testing.assert_allclose(distance[-1], np.sqrt(2) * 1.01**100, rtol=1e-12)


@pytest.mark.parametrize("spec", ["extragradient:lr=0.1", "optimistic:lr=0.1"])
def test_extragradient_and_optimistic_settle_the_bilinear_game(spec: str) -> None:
    distance = _distance(simulate("gan_bilinear", [spec], starts=[(1, 1)], steps=1000))
    assert distance[-1] < 0.02 and distance[200] < 0.6 * distance[0]


def test_alternating_steps_keep_circling_the_bilinear_game() -> None:
    distance = _distance(simulate("gan_bilinear", ["alternating"], starts=[(1, 1)], steps=2000))
    assert distance.min() / distance[0] > 0.8 and distance.max() / distance[0] < 1.2


@pytest.mark.parametrize(
    "spec", ["sgd:lr=0.1", "alternating:lr=0.1", "extragradient:lr=0.1", "optimistic:lr=0.1"]
)
def test_the_regularized_game_settles_with_small_steps(spec: str) -> None:
    assert _distance(simulate("gan_regularized", [spec], starts=[(1, 1)], steps=400))[-1] < 1e-3


def test_large_simultaneous_steps_still_fly_out_of_the_regularized_game() -> None:
    assert _distance(simulate("gan_regularized", ["sgd:lr=1"], starts=[(1, 1)], steps=50))[-1] > 10


def test_extragradient_step_is_korpelevich() -> None:
    lr, p = 0.3, np.array([0.7, -0.4])
    run = simulate("gan_regularized", [f"extragradient:lr={lr}"], starts=[p], steps=1)
    surface = get_surface("gan_regularized")

    def field(q: np.ndarray) -> np.ndarray:
        gx, gy = surface.grad(q[0], q[1])
        return np.array([gx, -gy])

    expected = p - lr * field(p - lr * field(p))
    np.testing.assert_allclose(run.xy[1, 0, 0], expected, rtol=1e-14)


def test_optimistic_steps_use_the_previous_field() -> None:
    lr = 0.2
    run = simulate("gan_bilinear", [f"optimistic:lr={lr}"], starts=[(1.0, 0.5)], steps=3)
    xy = run.xy[:, 0, 0]
    fields = np.column_stack([xy[:, 1], -xy[:, 0]])  # (y, -x) on f = x y
    np.testing.assert_allclose(xy[1], xy[0] - lr * fields[0], rtol=1e-15)
    for t in (1, 2):
        expected = xy[t] - 2 * lr * fields[t] + lr * fields[t - 1]
        np.testing.assert_allclose(xy[t + 1], expected, rtol=1e-14)


def test_alternating_y_answers_the_new_x() -> None:
    run = simulate("gan_bilinear", ["alternating:lr=0.5"], starts=[(1.0, 1.0)], steps=1)
    # x <- 1 - 0.5 * 1 = 0.5, then y <- 1 + 0.5 * 0.5 (the field's y part is -x at the new x).
    np.testing.assert_allclose(run.xy[1, 0, 0], [0.5, 1.25], rtol=1e-15)


def test_evaluations_are_counted() -> None:
    specs = ["sgd:lr=0.1", "extragradient:lr=0.1", "optimistic:lr=0.1", "alternating:lr=0.1"]
    run = simulate("gan_bilinear", specs, starts=[(1.0, 1.0)], steps=30)
    assert run.evaluations()[:, 0].tolist() == [31, 61, 31, 61]


def test_frozen_walkers_pay_for_no_lookahead() -> None:
    run = simulate("booth", ["extragradient:lr=0.05"], starts=[(1.0, 3.0), (-8.0, 8.0)], steps=10)
    # The first walker starts on the minimum: one start measurement, one step of two.
    assert run.evaluations()[0].tolist() == [3, 21]


@pytest.mark.parametrize("name", ["extragradient", "optimistic", "alternating"])
def test_game_optimizers_also_minimise(name: str) -> None:
    # lr * 18 (the steepest curvature) stays below 2/3, where optimistic steps stay stable.
    run = simulate("booth", [f"{name}:lr=0.03"], starts=[(-8.0, 8.0)], steps=500)
    np.testing.assert_allclose(run.xy[-1, 0, 0], [1.0, 3.0], atol=1e-6)
    ascent = simulate("booth", [f"{name}:lr=0.01,maximize=true"], starts=[(1.5, 3.5)], steps=5)
    assert (np.diff(ascent.loss[:, 0, 0]) > 0).all()


def test_the_probe_measures_the_descent_ascent_field() -> None:
    surface = get_surface("gan_bilinear")
    counts = np.zeros((2, len(KINDS)), dtype=np.int64)
    points = np.array([[1.0, 2.0], [3.0, -1.0]])
    probe = Probe(surface, counts, surface.value(points[:, 0], points[:, 1]), game=True)
    np.testing.assert_array_equal(probe.grad(points), [[2.0, -1.0], [-1.0, -3.0]])
    np.testing.assert_array_equal(probe.value(points, np.array([1])), [2.0, -3.0])
    assert counts[:, GRADIENT].tolist() == [1, 1]
    assert counts[:, LOSS].tolist() == [0, 1]
    plain = Probe(surface, counts, probe.loss)
    np.testing.assert_array_equal(plain.grad(points), [[2.0, 1.0], [-1.0, 3.0]])


def test_the_game_optimizers_are_registered_with_sources() -> None:
    for name in ("extragradient", "optimistic", "alternating"):
        definition = get_definition(name)
        assert definition.source and definition.factory.__doc__
        assert make_optimizer(name).hyper["lr"] == 0.1


@pytest.mark.parametrize("surface", ["gan_bilinear", "gan_regularized"])
def test_newton_solves_for_the_equilibrium_with_the_fields_jacobian(surface: str) -> None:
    # The field (y, -x) of x*y has Jacobian [[0, 1], [-1, 0]]: one damped Newton step
    # lands within the damping of the equilibrium, where the symmetric Hessian flew off.
    run = simulate(surface, ["newton"], starts=[(1.0, 1.0)], steps=30)
    assert run.status[0, 0] == Status.CONVERGED
    assert np.linalg.norm(run.xy[-1, 0, 0]) < 1e-12
    assert np.linalg.norm(run.xy[1, 0, 0]) < 1e-2
