"""Lookahead around torch's optimizers matches pytorch-optimizer's Lookahead step for step,
and its spec keeps the base's keys apart from its own."""

import numpy as np
import pytest

from fogwalk.core import FogwalkError, get_surface, make_optimizer, simulate

torch = pytest.importorskip("torch", reason="the reference runs on torch")
pytorch_optimizer = pytest.importorskip("pytorch_optimizer", reason="the reference")
pytestmark = pytest.mark.torch

STEPS = 150
STARTS = {
    "rosenbrock": [(-1.2, 1.0), (0.3, 0.4)],
    "himmelblau": [(0.0, 0.0), (-1.0, 1.0)],
    "beale": [(1.0, 1.5), (2.0, 0.0)],
}
# (spec, torch base class, its arguments, Lookahead's arguments)
CASES = [
    ("lookahead:base=adam:lr=0.01", "Adam", {"lr": 0.01}, {}),
    ("lookahead:base=adam:lr=0.02,k=3,alpha=0.8", "Adam", {"lr": 0.02}, {"k": 3, "alpha": 0.8}),
    (
        "lookahead:base=sgd:lr=0.0005,momentum=0.9,pullback_momentum=reset",
        "SGD",
        {"lr": 0.0005, "momentum": 0.9},
        {"pullback_momentum": "reset"},
    ),
    (
        "lookahead:base=sgd:lr=0.0005,momentum=0.8,dampening=0.2,k=4,pullback_momentum=pullback",
        "SGD",
        {"lr": 0.0005, "momentum": 0.8, "dampening": 0.2},
        {"k": 4, "pullback_momentum": "pullback"},
    ),
    (
        "lookahead:alpha=0.3,base=rmsprop:lr=0.005,alpha=0.9,momentum=0.5,k=2,"
        "pullback_momentum=pullback",
        "RMSprop",
        {"lr": 0.005, "alpha": 0.9, "momentum": 0.5},
        {"alpha": 0.3, "k": 2, "pullback_momentum": "pullback"},
    ),
    (
        "lookahead:base=adam:lr=0.01,pullback_momentum=reset,k=1",
        "Adam",
        {"lr": 0.01},
        {"pullback_momentum": "reset", "k": 1},
    ),
]


def reference_path(surface, cls_name, base_kwargs, kwargs, starts):
    params = torch.tensor(np.asarray(starts, dtype=float), dtype=torch.float64)
    params.requires_grad_(True)
    base = getattr(torch.optim, cls_name)([params], **base_kwargs)
    optimizer = pytorch_optimizer.Lookahead(base, **kwargs)
    path = [params.detach().numpy().copy()]
    for _ in range(STEPS):
        point = params.detach().numpy()
        gx, gy = surface.grad(point[:, 0], point[:, 1])
        params.grad = torch.from_numpy(np.stack([gx, gy], axis=-1))
        optimizer.step()
        path.append(params.detach().numpy().copy())
    return np.array(path)


@pytest.mark.parametrize("surface_name", sorted(STARTS))
@pytest.mark.parametrize(
    ("spec", "cls_name", "base_kwargs", "kwargs"), CASES, ids=[c[0] for c in CASES]
)
def test_matches_pytorch_optimizer_step_for_step(surface_name, spec, cls_name, base_kwargs, kwargs):
    surface = get_surface(surface_name)
    starts = STARTS[surface_name]
    run = simulate(surface, [spec], starts=starts, steps=STEPS, gtol=0.0, xtol=0.0)
    assert (run.status_step < 0).all(), "every walker must stay on the map for the comparison"
    reference = reference_path(surface, cls_name, base_kwargs, kwargs, starts)
    np.testing.assert_allclose(run.xy[:, 0], reference, rtol=1e-7, atol=1e-12)


def test_the_pull_back_acts():
    plain = simulate("himmelblau", ["adam:lr=0.05"], starts=[(0.0, 0.0)], steps=20)
    wrapped = simulate("himmelblau", ["lookahead:base=adam:lr=0.05"], starts=[(0.0, 0.0)], steps=20)
    np.testing.assert_array_equal(wrapped.xy[:5], plain.xy[:5])  # k=5 fast steps first
    assert not np.allclose(wrapped.xy[5], plain.xy[5])


def test_spec_keeps_the_bases_keys_apart():
    opt = make_optimizer("lookahead:alpha=0.3,base=rmsprop:lr=0.005,alpha=0.9,k=2")
    assert opt.hyper["alpha"] == 0.3 and opt.hyper["k"] == 2
    assert make_optimizer(opt.hyper["base"]).hyper["alpha"] == 0.9
    assert opt.spec == "lookahead:k=2,alpha=0.3,base=rmsprop:lr=0.005,alpha=0.9"
    assert make_optimizer(opt.spec).spec == opt.spec
    assert make_optimizer("lookahead:base=adam:lr=0.01,k=5,alpha=0.5").spec == (
        "lookahead:base=adam:lr=0.01"
    )
    assert make_optimizer("lookahead:base=sgd:momentum=0.9").has_momentum
    assert not make_optimizer("lookahead:base=sgd").has_momentum


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("lookahead:base=nosuch", "unknown optimizer 'nosuch'"),
        ("lookahead:base=adam:lr=-1", "out of range"),
        ("lookahead:k=0", "out of range: [1, inf)"),
        ("lookahead:schedule=cosine,base=adam", "give it to the base"),
        ("lookahead:base=adam:grad_noise=1", "written before its base"),
        ("lookahead:k=2,base=adam:k=3", "'k' is given twice"),
    ],
)
def test_bad_lookahead_specs_say_why(spec, expected):
    with pytest.raises(FogwalkError) as info:
        make_optimizer(spec)
    assert expected in str(info.value)
