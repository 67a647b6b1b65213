"""The engine: shapes, lock-step, freezing of diverged and converged walkers, counting."""

import numpy as np
import pytest

import fogwalk
from fogwalk.core import Engine, FogwalkError, Status, get_surface, make_optimizer, simulate


def test_public_api_shapes():
    run = fogwalk.simulate(
        "rosenbrock", ["adam:lr=0.01", "momentum:lr=0.001"], starts=[(-1.5, 2.0)], steps=500
    )
    assert run.xy.shape == (501, 2, 1, 2) and run.xy.dtype == np.float64
    assert run.loss.shape == (501, 2, 1)
    assert run.grad.shape == (501, 2, 1, 2)
    assert run.status.shape == run.status_step.shape == run.evaluations().shape == (2, 1)
    np.testing.assert_array_equal(run.xy[0, :, 0], [[-1.5, 2.0], [-1.5, 2.0]])
    surface = get_surface("rosenbrock")
    np.testing.assert_allclose(run.loss, surface.value(run.xy[..., 0], run.xy[..., 1]))
    assert run.labels == ["adam:lr=0.01", "momentum:lr=0.001"]


def test_walkers_run_in_lock_step_and_independently():
    starts = [(-1.5, 2.0), (0.0, 0.0), (1.5, -0.5)]
    together = simulate("himmelblau", ["adam:lr=0.05", "sgd:lr=0.01"], starts=starts, steps=60)
    for w, start in enumerate(starts):
        alone = simulate("himmelblau", ["adam:lr=0.05", "sgd:lr=0.01"], starts=[start], steps=60)
        np.testing.assert_array_equal(together.xy[:, :, w], alone.xy[:, :, 0])


def test_blocks_do_not_change_the_result():
    rng = np.random.default_rng(1)
    starts = rng.uniform(-4, 4, size=(1000, 2))
    whole = Engine("himmelblau", ["nadam:lr=0.05", "linesearch"], starts, 40, block=100_000)
    split = Engine("himmelblau", ["nadam:lr=0.05", "linesearch"], starts, 40, block=97)
    whole.advance(40)
    split.advance(40)
    for name in ("xy", "loss", "grad", "status", "status_step"):
        np.testing.assert_array_equal(getattr(whole, name), getattr(split, name), err_msg=name)
    for step in (0, 17, 40):
        np.testing.assert_array_equal(whole.result().measured(step), split.result().measured(step))


def test_noise_belongs_to_the_walker_not_to_its_block():
    starts = np.tile([[0.5, -0.5]], (300, 1))
    spec = ["sgd:lr=0.01,grad_noise=1.0,seed=2"]
    whole = Engine("booth", spec, starts, 10, block=100_000)
    split = Engine("booth", spec, starts, 10, block=100)
    whole.advance(10)
    split.advance(10)
    np.testing.assert_array_equal(whole.xy, split.xy)
    # Walkers 0, 100 and 200 start alike but draw their own noise.
    assert len({tuple(whole.xy[1, 0, w]) for w in (0, 100, 200)}) == 3


def test_advancing_in_chunks_equals_one_go():
    engine = Engine("beale", ["rmsprop", "lion:lr=0.01"], [(1.0, 1.5)], 100)
    computed = list(engine.chunks(30))
    assert computed == [30, 60, 90, 100] and engine.done
    once = simulate("beale", ["rmsprop", "lion:lr=0.01"], starts=[(1.0, 1.5)], steps=100)
    np.testing.assert_array_equal(engine.result().xy, once.xy)


def test_diverged_walkers_freeze_at_their_last_finite_point():
    run = simulate(
        "rosenbrock", ["sgd:lr=0.1", "adam:lr=0.01"], starts=[(-1.5, 2.0), (1.5, 2.5)], steps=100
    )
    assert (run.status[0] == Status.DIVERGED).all()
    assert (run.status[1] == Status.RUNNING).all()
    for array in (run.xy, run.loss, run.grad):
        assert np.isfinite(array).all()
    for w in range(2):
        stop = run.status_step[0, w]
        assert 0 < stop < 100
        frozen = run.xy[stop:, 0, w]
        assert (frozen == run.xy[stop - 1, 0, w]).all()
        assert (run.loss[stop:, 0, w] == run.loss[stop - 1, 0, w]).all()
        assert run.evaluations()[0, w] == stop + 1  # the measurement that found it diverged counts
    assert (run.status_at(int(run.status_step[0].min()) - 1) == Status.RUNNING).all()
    assert (run.status_at(100)[0] == Status.DIVERGED).all()


def test_walker_leaving_the_domain_far_behind_diverges():
    run = simulate("saddle", ["sgd:lr=0.1"], starts=[(0.0, 0.1)], steps=200, escape=2.0)
    assert run.status[0, 0] == Status.DIVERGED
    _, _, ymin, ymax = get_surface("saddle").domain
    assert np.abs(run.xy[:, 0, 0, 1]).max() <= ymax + 2.0 * (ymax - ymin)


def test_converged_walkers_freeze():
    run = simulate("booth", ["sgd:lr=0.05"], starts=[(-8.0, 8.0)], steps=2000)
    assert run.status[0, 0] == Status.CONVERGED
    stop = run.status_step[0, 0]
    assert 0 < stop < 2000
    assert (run.xy[stop:, 0, 0] == run.xy[stop, 0, 0]).all()
    assert np.hypot(*run.grad[stop, 0, 0]) <= 1e-9
    assert run.evaluations()[0, 0] == stop + 1
    early = simulate("booth", ["sgd:lr=0.05"], starts=[(-8.0, 8.0)], steps=int(stop) - 1)
    assert early.status[0, 0] == Status.RUNNING
    np.testing.assert_array_equal(early.xy[:, 0, 0], run.xy[:stop, 0, 0])


def test_objects_are_accepted_wherever_names_are():
    surface = get_surface("matyas")
    optimizer = make_optimizer("adam:lr=0.1")
    a = simulate(surface, [optimizer], starts=[(1.0, 2.0)], steps=20)
    b = simulate("matyas", ["adam:lr=0.1"], starts=[(1.0, 2.0)], steps=20)
    np.testing.assert_array_equal(a.xy, b.xy)
    assert simulate(surface, optimizer, steps=3).xy.shape == (4, 1, 1, 2)


def test_default_start_is_the_surfaces():
    run = simulate("fog_mountain", ["adam"], steps=1)
    np.testing.assert_array_equal(run.xy[0, 0, 0], get_surface("fog_mountain").start)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"surface": "nowhere"}, "unknown surface"),
        ({"optimizers": []}, "at least one optimizer"),
        ({"optimizers": ["adam:lr=x"]}, "lr='x' is not a number"),
        ({"steps": -1}, "non-negative integer"),
        ({"steps": 2.5}, "non-negative integer"),
        ({"starts": [(1.0, float("nan"))]}, "finite"),
        ({"starts": [(1.0, 2.0, 3.0)]}, "(x, y) pairs"),
        ({"starts": []}, "at least one start"),
    ],
)
def test_bad_input_is_a_clear_error(kwargs, message):
    arguments = {"surface": "booth", "optimizers": ["sgd"], "starts": [(0, 0)], "steps": 5}
    arguments.update(kwargs)
    with pytest.raises(FogwalkError) as info:
        simulate(**arguments)
    assert message in str(info.value)


def test_zero_steps_is_just_the_start():
    run = simulate("booth", ["sgd"], starts=[(1.0, 1.0)], steps=0)
    assert run.xy.shape == (1, 1, 1, 2) and run.evaluations().tolist() == [[1]]


def test_many_walkers_stay_finite_on_every_surface():
    rng = np.random.default_rng(3)
    for name in fogwalk.surface_names():
        surface = get_surface(name)
        xmin, xmax, ymin, ymax = surface.domain
        starts = np.column_stack([rng.uniform(xmin, xmax, 64), rng.uniform(ymin, ymax, 64)])
        run = simulate(surface, ["sgd:lr=1", "adam:lr=0.5", "newton"], starts=starts, steps=50)
        for array in (run.xy, run.loss, run.grad):
            assert np.isfinite(array).all(), name


def test_a_frozen_walker_does_not_keep_the_engine_classifying(monkeypatch):
    calls = []
    original = Engine._classify
    monkeypatch.setattr(
        Engine, "_classify", lambda self, lane, t: (calls.append(t), original(self, lane, t))
    )
    # Newton lands on Booth's minimum at once; SGD with a tiny rate keeps walking.
    engine = Engine("booth", ["newton:damping=0"], [(-8.0, 8.0)], 300)
    engine.advance(300)
    assert engine.status[0, 0] == Status.CONVERGED and len(calls) <= 2
    calls.clear()
    engine = Engine("booth", ["sgd:lr=0.001"], [(1.0, 3.0), (-8.0, 8.0)], 300)
    engine.advance(300)
    assert engine.status[0].tolist() == [Status.CONVERGED, Status.RUNNING]
    assert len(calls) <= 2  # not once per step after the first walker stopped
