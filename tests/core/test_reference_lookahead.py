"""Lookahead around torch's optimizers matches pytorch-optimizer's Lookahead step for step,
and its spec keeps the base's keys apart from its own."""

import numpy as np
import pytest

from fogwalk.core import FogwalkError, make_optimizer, simulate

torch = pytest.importorskip("torch", reason="the reference runs on torch")
pytorch_optimizer = pytest.importorskip("pytorch_optimizer", reason="the reference")
pytestmark = pytest.mark.torch

from references import STARTS, run_and_compare, walk  # noqa: E402 (needs torch)

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


@pytest.mark.parametrize("surface_name", sorted(STARTS))
@pytest.mark.parametrize(
    ("spec", "cls_name", "base_kwargs", "kwargs"), CASES, ids=[c[0] for c in CASES]
)
def test_matches_pytorch_optimizer_step_for_step(surface_name, spec, cls_name, base_kwargs, kwargs):
    def make(params):
        base = getattr(torch.optim, cls_name)(params, **base_kwargs)
        return pytorch_optimizer.Lookahead(base, **kwargs)

    run = run_and_compare(surface_name, spec, lambda surface, starts: walk(make, surface, starts))
    assert (run.status_step < 0).all(), "every walker stays on the map for the comparison"


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
