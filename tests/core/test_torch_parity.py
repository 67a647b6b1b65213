"""Every torch.optim optimizer and option matches torch step for step (float64, 150 steps),
in the NumPy engine and in the compiled one."""

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the parity tests compare against torch itself")
pytestmark = pytest.mark.torch

from references import (  # noqa: E402 (needs torch)
    STARTS,
    assert_named_and_defaulted_as,
    run_and_compare,
    walk,
    walkers,
)

# (FogWalk spec, torch class, torch keyword arguments): every option of every optimizer.
CASES = [
    ("sgd", "SGD", {}),
    ("sgd:lr=0.0005,momentum=0.9", "SGD", {"lr": 0.0005, "momentum": 0.9}),
    (
        "sgd:lr=0.0005,momentum=0.8,dampening=0.3",
        "SGD",
        {"lr": 0.0005, "momentum": 0.8, "dampening": 0.3},
    ),
    (
        "sgd:lr=0.0005,momentum=0.9,nesterov=true,weight_decay=0.05",
        "SGD",
        {"lr": 0.0005, "momentum": 0.9, "nesterov": True, "weight_decay": 0.05},
    ),
    ("momentum:lr=0.0005", "SGD", {"lr": 0.0005, "momentum": 0.9}),
    ("nesterov:lr=0.0005", "SGD", {"lr": 0.0005, "momentum": 0.9, "nesterov": True}),
    ("sgd:lr=0.00001,maximize=true", "SGD", {"lr": 0.00001, "maximize": True}),
    ("adagrad", "Adagrad", {}),
    (
        "adagrad:lr=0.1,lr_decay=0.01,weight_decay=0.1,initial_accumulator_value=0.5,eps=1e-6",
        "Adagrad",
        {
            "lr": 0.1,
            "lr_decay": 0.01,
            "weight_decay": 0.1,
            "initial_accumulator_value": 0.5,
            "eps": 1e-6,
        },
    ),
    ("rmsprop", "RMSprop", {}),
    (
        "rmsprop:lr=0.005,alpha=0.9,eps=1e-6,weight_decay=0.1",
        "RMSprop",
        {"lr": 0.005, "alpha": 0.9, "eps": 1e-6, "weight_decay": 0.1},
    ),
    (
        "rmsprop:lr=0.005,momentum=0.5,centered=true",
        "RMSprop",
        {"lr": 0.005, "momentum": 0.5, "centered": True},
    ),
    (
        "rmsprop:lr=0.005,alpha=0.3,centered=true",
        "RMSprop",
        {"lr": 0.005, "alpha": 0.3, "centered": True},
    ),
    ("adadelta", "Adadelta", {}),
    (
        "adadelta:lr=0.5,rho=0.8,eps=1e-4,weight_decay=0.1",
        "Adadelta",
        {"lr": 0.5, "rho": 0.8, "eps": 1e-4, "weight_decay": 0.1},
    ),
    ("adam", "Adam", {}),
    (
        "adam:lr=0.01,betas=0.8/0.99,eps=1e-6,weight_decay=0.1,amsgrad=true",
        "Adam",
        {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.1, "amsgrad": True},
    ),
    (
        "adam:lr=0.01,weight_decay=0.1,decoupled_weight_decay=true",
        "Adam",
        {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True},
    ),
    ("adam:lr=0.01,betas=0.3/0.999", "Adam", {"lr": 0.01, "betas": (0.3, 0.999)}),
    ("adamw", "AdamW", {}),
    (
        "adamw:lr=0.01,weight_decay=0.2,amsgrad=true",
        "AdamW",
        {"lr": 0.01, "weight_decay": 0.2, "amsgrad": True},
    ),
    ("adamax", "Adamax", {}),
    (
        "adamax:lr=0.01,betas=0.8/0.99,eps=1e-6,weight_decay=0.1",
        "Adamax",
        {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.1},
    ),
    ("nadam", "NAdam", {}),
    (
        "nadam:lr=0.01,momentum_decay=0.01,weight_decay=0.1",
        "NAdam",
        {"lr": 0.01, "momentum_decay": 0.01, "weight_decay": 0.1},
    ),
    (
        "nadam:lr=0.01,weight_decay=0.1,decoupled_weight_decay=true",
        "NAdam",
        {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True},
    ),
    ("radam", "RAdam", {}),
    (
        "radam:lr=0.005,betas=0.8/0.99,weight_decay=0.1",
        "RAdam",
        {"lr": 0.005, "betas": (0.8, 0.99), "weight_decay": 0.1},
    ),
    (
        "radam:lr=0.005,weight_decay=0.1,decoupled_weight_decay=true",
        "RAdam",
        {"lr": 0.005, "weight_decay": 0.1, "decoupled_weight_decay": True},
    ),
    ("adam:lr=0.01,maximize=true", "Adam", {"lr": 0.01, "maximize": True}),
    ("rprop", "Rprop", {}),
    (
        "rprop:lr=0.001,etas=0.3/1.5,step_sizes=0.0001/0.2",
        "Rprop",
        {"lr": 0.001, "etas": (0.3, 1.5), "step_sizes": (0.0001, 0.2)},
    ),
    ("rprop:lr=0.001,maximize=true", "Rprop", {"lr": 0.001, "maximize": True}),
    ("asgd:lr=0.0005", "ASGD", {"lr": 0.0005}),
    (
        "asgd:lr=0.0005,lambd=0.01,alpha=0.5,t0=20,weight_decay=0.1",
        "ASGD",
        {"lr": 0.0005, "lambd": 0.01, "alpha": 0.5, "t0": 20, "weight_decay": 0.1},
    ),
]
# Optimizers whose step reads the whole point (its norm) or evaluates the surface inside a
# step: torch runs one optimizer per walker, each on its own 2-vector.
PER_WALKER_CASES = [
    ("adafactor", "Adafactor", {}),
    (
        "adafactor:lr=0.05,beta2_decay=-0.5,eps=1e-6/0.01,d=1.5,weight_decay=0.1",
        "Adafactor",
        {"lr": 0.05, "beta2_decay": -0.5, "eps": (1e-6, 0.01), "d": 1.5, "weight_decay": 0.1},
    ),
    ("adafactor:lr=0.01,maximize=true", "Adafactor", {"lr": 0.01, "maximize": True}),
    ("lbfgs:lr=0.1", "LBFGS", {"lr": 0.1}),
    ("lbfgs:line_search_fn=strong_wolfe", "LBFGS", {"line_search_fn": "strong_wolfe"}),
    ("lbfgs:lr=0.05,max_iter=1", "LBFGS", {"lr": 0.05, "max_iter": 1}),
    # max_eval is then 1: the search has no trial to spare, and a rejected step stays put.
    (
        "lbfgs:max_iter=1,line_search_fn=strong_wolfe",
        "LBFGS",
        {"max_iter": 1, "line_search_fn": "strong_wolfe"},
    ),
    (
        "lbfgs:max_iter=3,max_eval=4,history_size=2,line_search_fn=strong_wolfe",
        "LBFGS",
        {"max_iter": 3, "max_eval": 4, "history_size": 2, "line_search_fn": "strong_wolfe"},
    ),
    (
        "lbfgs:lr=0.1,tolerance_grad=1e-3,tolerance_change=1e-4",
        "LBFGS",
        {"lr": 0.1, "tolerance_grad": 1e-3, "tolerance_change": 1e-4},
    ),
]


def torch_class(cls_name, kwargs):
    return lambda params: getattr(torch.optim, cls_name)(params, **kwargs)


@pytest.mark.parametrize("compiled", [False, True], ids=["numpy", "compiled"])
@pytest.mark.parametrize("surface_name", sorted(STARTS))
@pytest.mark.parametrize(("spec", "cls_name", "kwargs"), CASES, ids=[c[0] for c in CASES])
def test_matches_torch_step_for_step(surface_name, spec, cls_name, kwargs, compiled):
    # An element-wise optimizer: torch runs all the walkers as one tensor.
    make = torch_class(cls_name, kwargs)
    run_and_compare(
        surface_name, spec, lambda surface, starts: walk(make, surface, starts), compiled
    )


def closure_step(calls):
    """A step through ``step(closure)``, the closure measuring the surface and counting."""

    def step(optimizer, params, surface, k):
        def closure():
            calls.append(1)
            x, y = params.detach().numpy()
            f, gx, gy = surface.value_and_grad(np.array([x]), np.array([y]))
            params.grad = torch.tensor([gx[0], gy[0]], dtype=torch.float64)
            return float(f[0])

        optimizer.step(closure)

    return step


@pytest.mark.parametrize("surface_name", sorted(STARTS))
@pytest.mark.parametrize(
    ("spec", "cls_name", "kwargs"), PER_WALKER_CASES, ids=[c[0] for c in PER_WALKER_CASES]
)
def test_per_walker_optimizers_match_torch(surface_name, spec, cls_name, kwargs):
    make = torch_class(cls_name, kwargs)
    calls = [[] for _ in STARTS[surface_name]]

    def reference(surface, starts):
        return np.stack(
            [
                walk(make, surface, start, step=closure_step(count))
                for start, count in zip(starts, calls, strict=True)
            ],
            axis=1,
        )

    run = run_and_compare(surface_name, spec, reference)
    if cls_name == "LBFGS":
        # Every closure call is a slope measurement; the engine also measures the last point.
        np.testing.assert_array_equal(run.evaluations()[0], [len(c) + 1 for c in calls])


@pytest.mark.parametrize(
    ("name", "cls_name"),
    [
        ("sgd", "SGD"),
        ("adagrad", "Adagrad"),
        ("rmsprop", "RMSprop"),
        ("adadelta", "Adadelta"),
        ("adam", "Adam"),
        ("adamw", "AdamW"),
        ("adamax", "Adamax"),
        ("nadam", "NAdam"),
        ("radam", "RAdam"),
        ("rprop", "Rprop"),
        ("asgd", "ASGD"),
        ("adafactor", "Adafactor"),
        ("lbfgs", "LBFGS"),
    ],
)
def test_defaults_and_argument_names_are_torchs(name, cls_name):
    assert_named_and_defaulted_as(name, getattr(torch.optim, cls_name))


def clipped_step(max_norm):
    def step(optimizer, params, surface, k):
        torch.nn.utils.clip_grad_norm_([params], max_norm)
        optimizer.step()

    return step


@pytest.mark.parametrize("compiled", [False, True], ids=["numpy", "compiled"])
@pytest.mark.parametrize(
    ("spec", "cls_name", "kwargs"),
    [
        ("sgd:lr=0.002,momentum=0.9,clip_grad_norm=1", "SGD", {"lr": 0.002, "momentum": 0.9}),
        ("adam:lr=0.01,clip_grad_norm=0.5", "Adam", {"lr": 0.01}),
    ],
)
def test_clip_grad_norm_is_torchs(spec, cls_name, kwargs, compiled):
    """``clip_grad_norm`` clips each walker's gradient as ``torch.nn.utils.clip_grad_norm_``
    clips a model's, before the optimizer sees it."""
    make = torch_class(cls_name, kwargs)
    step = clipped_step(float(spec.rsplit("=", 1)[1]))
    run = run_and_compare(
        "rosenbrock",
        spec,
        lambda surface, starts: walkers(make, surface, starts, step=step),
        compiled,
    )
    # Rosenbrock's slope at the starts is far above the norm: the clip must have acted.
    unclipped = run_and_compare(
        "rosenbrock",
        spec.rsplit(",", 1)[0],
        lambda surface, starts: walk(make, surface, starts),
        compiled,
    )
    assert not np.allclose(unclipped.xy[5, 0], run.xy[5, 0])
