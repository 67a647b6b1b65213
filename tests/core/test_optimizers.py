"""Optimizer registry, text specs, purity, schedules, noise, and the non-torch optimizers."""

import numpy as np
import pytest

from fogwalk.core import FogwalkError, get_surface, make_optimizer, optimizer_names, simulate
from fogwalk.core.measurements import KINDS
from fogwalk.core.optimizers import get_definition
from fogwalk.core.probe import Probe

TORCH_NAMES = ["sgd", "adagrad", "rmsprop", "adadelta", "adam", "adamw", "adamax", "nadam", "radam"]


def test_every_required_optimizer_is_registered():
    names = optimizer_names()
    for name in [*TORCH_NAMES, "momentum", "nesterov", "lion", "newton", "linesearch"]:
        assert name in names


def test_spec_parses_every_kind_of_value():
    opt = make_optimizer("adam:lr=0.01,betas=0.9/0.999,amsgrad=true,schedule=cosine,warmup=5")
    assert opt.hyper["lr"] == 0.01
    assert opt.hyper["betas"] == (0.9, 0.999)
    assert opt.hyper["amsgrad"] is True
    assert opt.hyper["schedule"] == "cosine"
    assert opt.hyper["warmup"] == 5
    assert opt.label == "adam:lr=0.01,betas=0.9/0.999,amsgrad=true,schedule=cosine,warmup=5"


def test_canonical_spec_round_trips():
    opt = make_optimizer("rmsprop:lr=0.003,centered=true,grad_noise=0.5,seed=3")
    again = make_optimizer(opt.spec)
    assert dict(again.hyper) == dict(opt.hyper)
    assert make_optimizer("adam").spec == "adam"


def test_none_is_a_value_of_optional_parameters():
    """torch's ``None`` defaults ("not set") are written ``none`` and read back as None."""
    lbfgs = make_optimizer("lbfgs:max_eval=none,line_search_fn=strong_wolfe")
    assert lbfgs.hyper["max_eval"] is None and lbfgs.hyper["line_search_fn"] == "strong_wolfe"
    assert make_optimizer("lbfgs:max_eval=7").hyper["max_eval"] == 7
    adafactor = make_optimizer("adafactor:eps=1e-30/0.01")
    assert adafactor.hyper["eps"] == (1e-30, 0.01)
    again = make_optimizer(adafactor.with_params(eps=(None, 0.01)).spec)
    assert again.hyper["eps"] == (None, 0.01) and "eps=none/0.01" in again.spec
    assert make_optimizer("adafactor").spec == "adafactor"


def test_aliases_carry_their_defaults():
    assert make_optimizer("momentum").hyper["momentum"] == 0.9
    nesterov = make_optimizer("nesterov")
    assert nesterov.hyper["momentum"] == 0.9 and nesterov.hyper["nesterov"] is True


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("nosuch", "valid: sgd, momentum"),
        ("adam:foo=1", "valid: lr, betas"),
        ("adam:lr=-1", "out of range: [0, inf)"),
        ("adam:lr=abc", "is not a number"),
        ("adam:betas=0.9", "two numbers written a/b"),
        ("adam:betas=0.9/1.0", "out of range: [0, 1)"),
        ("adam:amsgrad=maybe", "true or false"),
        ("adam:schedule=sometimes", "one of: constant, step, cosine, exponential"),
        ("adam:lr", "is not key=value"),
        ("adam:lr=0.1,lr=0.2", "given twice"),
        (":lr=1", "has no name"),
        ("sgd:nesterov=true", "Nesterov momentum requires a momentum"),
        ("adam:warmup=2.5", "an integer"),
        ("adam:eps=none", "is not a number"),
        ("lbfgs:max_eval=many", "an integer or none"),
        ("lbfgs:line_search_fn=armijo", "one of: strong_wolfe"),
        ("adafactor:eps=none", "either may be none"),
        ("rprop:etas=1.2/0.5", "0 < etaminus < 1 < etaplus"),
        ("rprop:step_sizes=1/0.1", "min <= max"),
        ("sgd:clip_grad_norm=-1", "out of range: [0, inf)"),
    ],
)
def test_bad_specs_say_what_is_valid(spec, expected):
    with pytest.raises(FogwalkError, match=None) as info:
        make_optimizer(spec)
    assert expected in str(info.value)


@pytest.mark.parametrize("name", optimizer_names())
def test_update_is_pure(name):
    surface = get_surface("himmelblau")
    optimizer = make_optimizer(name)
    params = np.array([[0.5, -1.0], [2.0, 1.5], [-3.0, 3.0]])
    state = optimizer.init(params)
    for step in range(3):  # a few steps, so that every state array is in use
        f, gx, gy = surface.value_and_grad(params[:, 0], params[:, 1])
        grad = np.stack([gx, gy], axis=-1)
        frozen = [a.copy() if isinstance(a, np.ndarray) else a for a in (grad, params, *state)]
        probe = Probe(surface, np.zeros((3, len(KINDS)), dtype=np.int64), f)
        new_params, new_state = optimizer.update(grad, state, params, step, probe)
        after = [grad, params, *state]
        for before, now in zip(frozen, after, strict=True):
            if isinstance(before, np.ndarray):
                np.testing.assert_array_equal(before, now)
        assert new_params is not params
        params, state = new_params, new_state


def test_schedules():
    constant = make_optimizer("sgd:lr=1")
    assert [constant.lr_at(t) for t in (0, 10, 1000)] == [1.0, 1.0, 1.0]
    step = make_optimizer("sgd:lr=1,schedule=step,decay_steps=10,decay_rate=0.5")
    assert [step.lr_at(t) for t in (0, 9, 10, 25)] == [1.0, 1.0, 0.5, 0.25]
    exponential = make_optimizer("sgd:lr=1,schedule=exponential,decay_steps=10,decay_rate=0.5")
    assert exponential.lr_at(5) == pytest.approx(0.5**0.5)
    cosine = make_optimizer("sgd:lr=2,schedule=cosine,decay_steps=100")
    assert cosine.lr_at(0) == 2.0
    assert cosine.lr_at(50) == pytest.approx(1.0)
    assert cosine.lr_at(100) == pytest.approx(0.0) and cosine.lr_at(500) == pytest.approx(0.0)
    warm = make_optimizer("sgd:lr=1,warmup=4")
    assert [warm.lr_at(t) for t in range(6)] == [0.25, 0.5, 0.75, 1.0, 1.0, 1.0]


def test_schedule_changes_the_steps_taken():
    plain = simulate("booth", ["sgd:lr=0.01"], steps=30)
    decayed = simulate(
        "booth", ["sgd:lr=0.01,schedule=step,decay_steps=10,decay_rate=0.1"], steps=30
    )
    np.testing.assert_array_equal(plain.xy[:11], decayed.xy[:11])
    assert not np.allclose(plain.xy[11:], decayed.xy[11:])


def test_gradient_noise_is_seeded():
    a = simulate("booth", ["sgd:lr=0.01,grad_noise=1.0,seed=7"], steps=20)
    b = simulate("booth", ["sgd:lr=0.01,grad_noise=1.0,seed=7"], steps=20)
    c = simulate("booth", ["sgd:lr=0.01,grad_noise=1.0,seed=8"], steps=20)
    clean = simulate("booth", ["sgd:lr=0.01"], steps=20)
    np.testing.assert_array_equal(a.xy, b.xy)
    assert not np.allclose(a.xy[1:], c.xy[1:])
    assert not np.allclose(a.xy[1:], clean.xy[1:])
    # The recorded gradient is the true slope, not the noisy one the optimizer felt.
    gx, gy = get_surface("booth").grad(a.xy[:, 0, 0, 0], a.xy[:, 0, 0, 1])
    np.testing.assert_allclose(a.grad[:, 0, 0], np.stack([gx, gy], -1))


def test_lion_follows_the_paper():
    surface = get_surface("himmelblau")
    lr, beta1, beta2, decay = 0.05, 0.9, 0.99, 0.1
    run = simulate(
        surface,
        [f"lion:lr={lr},betas={beta1}/{beta2},weight_decay={decay}"],
        starts=[(0.5, 0.5)],
        steps=50,
        gtol=0,
        xtol=0,
    )
    theta, m = np.array([0.5, 0.5]), np.zeros(2)
    for t in range(50):
        g = np.array(surface.grad(theta[0], theta[1]), dtype=float)
        c = beta1 * m + (1 - beta1) * g
        theta = theta - lr * (np.sign(c) + decay * theta)
        m = beta2 * m + (1 - beta2) * g
        np.testing.assert_allclose(run.xy[t + 1, 0, 0], theta, rtol=1e-12)


def test_newton_solves_a_quadratic_in_one_step():
    run = simulate("booth", ["newton:damping=0"], starts=[(-8.0, 8.0), (5.0, -2.0)], steps=3)
    np.testing.assert_allclose(run.xy[1, 0], [[1.0, 3.0], [1.0, 3.0]], atol=1e-12)
    assert (run.status == 1).all()  # converged, and frozen there
    # One gradient and one Hessian per step until it converged.
    assert run.evaluations().tolist() == [[2 * int(s) + 1 for s in run.status_step[0]]]


def test_saddle_free_newton_escapes_the_saddle():
    plain = simulate("saddle", ["newton:damping=0"], starts=[(0.5, 0.01)], steps=10)
    free = simulate(
        "saddle", ["newton:damping=0,saddle_free=true,lr=0.5"], starts=[(0.5, 0.01)], steps=10
    )
    assert np.abs(plain.xy[-1, 0, 0]).max() < 1e-9  # plain Newton is drawn into the saddle
    assert abs(free.xy[-1, 0, 0, 1]) > 0.5  # |H| turns the ascent direction into descent


def test_linesearch_takes_armijo_steps_and_pays_for_every_trial():
    surface = get_surface("rosenbrock")
    run = simulate(surface, ["linesearch:lr=1"], starts=[(-1.2, 1.0)], steps=30, gtol=0, xtol=0)
    loss = run.loss[:, 0, 0]
    assert (np.diff(loss) <= 0).all()  # sufficient decrease every step
    evals = int(run.evaluations()[0, 0])
    assert evals > 31 + 30  # one gradient per row plus at least one trial per step
    # Reproduce the count: each step tries lr, lr/2, ... until the Armijo condition holds.
    expected = 1
    for t in range(30):
        x, g = run.xy[t, 0, 0], run.grad[t, 0, 0]
        alpha, trials = 1.0, 0
        while True:
            trials += 1
            trial = x - alpha * g
            if surface.value(trial[0], trial[1]) <= loss[t] - 1e-4 * alpha * g @ g or trials == 30:
                break
            alpha *= 0.5
        np.testing.assert_allclose(run.xy[t + 1, 0, 0], trial, rtol=1e-12)
        expected += trials + 1
    assert evals == expected


def test_every_definition_documents_itself():
    for name in optimizer_names():
        definition = get_definition(name)
        assert definition.summary and definition.source
        assert definition.factory.__doc__ or definition.alias_of or name == "adamw"
        for hp in definition.all_params:
            assert hp.help, f"{name}.{hp.name} has no help text"
            assert hp.parse(hp.format(hp.default)) == hp.default
