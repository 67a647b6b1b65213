"""Hyper-parameter sweeps: each cell is exactly the walk of its own configuration."""

from __future__ import annotations

import numpy as np
import pytest

from fogwalk.core import session, simulate
from fogwalk.core.above.sweep import cell_optimizer, compute_sweep, parse_axis, zoom
from fogwalk.core.errors import FogwalkError
from fogwalk.core.optimizers import make_optimizer

ADAM = make_optimizer("adam")


def _scene(specs=("adam",), starts=((-1.5, 2.0),), steps=200, source="rosenbrock"):
    opened = session.open_source(source)
    return session.override(opened, optimizers=list(specs), starts=list(starts), steps=steps)


def test_an_axis_takes_the_registry_s_log_scale_unless_told() -> None:
    lr = parse_axis(ADAM, "lr=1e-4:1:5")
    assert lr.log and lr.values == pytest.approx([1e-4, 1e-3, 1e-2, 1e-1, 1])
    beta = parse_axis(ADAM, "betas.0=0:0.9:4")
    assert not beta.log and beta.values == pytest.approx([0, 0.3, 0.6, 0.9])
    assert not parse_axis(ADAM, "lr=0.1:0.4:lin:4").log


def test_a_cell_changes_only_its_values() -> None:
    cell = cell_optimizer(make_optimizer("adam:eps=1e-6"), ["lr", "betas.1"], [0.1, 0.99])
    assert cell.hyper["lr"] == pytest.approx(0.1)
    assert cell.hyper["betas"] == pytest.approx((0.9, 0.99)) and cell.hyper["eps"] == 1e-6


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("gamma=0:1:4", "has no hyper-parameter 'gamma'; valid: lr, betas"),
        ("lr=-1:1:lin:4", "lr=-1.0 is out of range"),
        ("betas.0=0:1.5:4", "out of range"),
        ("lr=0:1:log:4", "a log scale needs positive ends"),
        ("lr=0.1:1:0", "empty grid"),
        ("amsgrad=0:1:2", "only numbers can be varied"),
        ("betas=0:1:2", "vary betas.0 or betas.1"),
        ("lr=1e-4", "expected NAME=LOW:HIGH"),
        ("lr=1:2:cubic:3", "the scale is log or lin"),
    ],
)
def test_bad_axes_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(FogwalkError, match=message.replace("(", r"\(").replace(".", r"\.")):
        parse_axis(ADAM, text)


def test_every_cell_is_the_walk_of_its_configuration() -> None:
    scene = _scene(starts=((-1.5, 2.0), (0.5, -0.5)), steps=150)
    axes = [parse_axis(ADAM, "lr=1e-3:0.5:log:5"), parse_axis(ADAM, "betas.0=0.5:0.95:3")]
    smap = compute_sweep(scene, axes, chunk=4)
    assert smap.shape == (3, 5) and smap.value.shape == (3, 5)
    for j, beta in enumerate(axes[1].values):
        for i, lr in enumerate(axes[0].values):
            spec = f"adam:lr={float(lr)!r},betas={float(beta)!r}/0.999"
            run = simulate("rosenbrock", [spec], starts=scene.starts, steps=150, compiled=True)
            assert smap.loss[j, i] == np.median(run.loss[-1, 0])


def test_the_numbers_do_not_depend_on_the_chunks() -> None:
    scene = _scene(specs=("sgd:lr=0.001,momentum=0.9,grad_noise=0.5,seed=2",), steps=120)
    axes = [parse_axis(make_optimizer("sgd"), "lr=1e-4:1e-2:log:9")]
    one, many = compute_sweep(scene, axes, chunk=100), compute_sweep(scene, axes, chunk=2)
    np.testing.assert_array_equal(one.loss, many.loss)
    assert one.shape == (9,)


def test_steps_to_the_target_and_divergence() -> None:
    scene = _scene(specs=("sgd",), steps=300, source="booth")
    axes = [parse_axis(make_optimizer("sgd"), "lr=0.01:0.2:lin:20")]
    smap = compute_sweep(scene, axes, metric="steps", ftol=1e-6)
    assert smap.target == pytest.approx(1e-6)
    reached = smap.value[np.isfinite(smap.value)]
    assert reached.size and (reached > 0).all()
    # on Booth (largest curvature 20), plain gradient descent diverges beyond lr = 0.1
    assert (smap.diverged[axes[0].values > 0.11] == 1).all()
    assert (smap.diverged[axes[0].values < 0.09] == 0).all()


def test_zoom_keeps_the_resolution_and_scale() -> None:
    axis = parse_axis(ADAM, "lr=1e-4:1:log:64")
    closer = zoom(ADAM, axis, 0.01, 0.1)
    assert len(closer.values) == 64 and closer.log
    assert closer.values[0] == pytest.approx(0.01) and closer.values[-1] == pytest.approx(0.1)


def test_sweeps_refuse_what_cannot_be_computed() -> None:
    axis = parse_axis(ADAM, "lr=0.01:0.1:3")
    with pytest.raises(FogwalkError, match="no known minimum"):
        compute_sweep(_scene(source="x^2 + y"), [axis], metric="steps")
    with pytest.raises(FogwalkError, match="varied twice"):
        compute_sweep(_scene(), [axis, axis])
    huge = parse_axis(ADAM, "lr=0.01:0.1:200000")
    with pytest.raises(FogwalkError, match="would need"):
        compute_sweep(_scene(), [huge, parse_axis(ADAM, "eps=1e-8:1e-6:200000")])
