"""Every torch.optim optimizer and option matches torch step for step (float64, 150 steps),
in the NumPy engine and in the compiled one."""

import numpy as np
import pytest

from fogwalk.core import get_surface, simulate

torch = pytest.importorskip("torch", reason="the parity tests compare against torch itself")
pytestmark = pytest.mark.torch

STEPS = 150
# Starts where the slope is moderate, two walkers each: the comparison runs them as one tensor.
STARTS = {
    "rosenbrock": [(-1.2, 1.0), (0.3, 0.4)],
    "himmelblau": [(0.0, 0.0), (-1.0, 1.0)],
    "beale": [(1.0, 1.5), (2.0, 0.0)],
}
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


def torch_trajectory(surface, cls_name, kwargs, starts, steps):
    params = torch.tensor(np.asarray(starts, dtype=float), dtype=torch.float64)
    params.requires_grad_(True)
    optimizer = getattr(torch.optim, cls_name)([params], **kwargs)
    path = [params.detach().numpy().copy()]
    for _ in range(steps):
        point = params.detach().numpy()
        gx, gy = surface.grad(point[:, 0], point[:, 1])
        params.grad = torch.from_numpy(np.stack([gx, gy], axis=-1))
        optimizer.step()
        path.append(params.detach().numpy().copy())
    return np.array(path)


@pytest.mark.parametrize("compiled", [False, True], ids=["numpy", "compiled"])
@pytest.mark.parametrize("surface_name", sorted(STARTS))
@pytest.mark.parametrize(("spec", "cls_name", "kwargs"), CASES, ids=[c[0] for c in CASES])
def test_matches_torch_step_for_step(surface_name, spec, cls_name, kwargs, compiled):
    surface = get_surface(surface_name)
    starts = STARTS[surface_name]
    run = simulate(
        surface, [spec], starts=starts, steps=STEPS, gtol=0.0, xtol=0.0, compiled=compiled
    )
    reference = torch_trajectory(surface, cls_name, kwargs, starts, STEPS)
    # Ascent runs off the map, where the engine freezes a walker and torch goes on:
    # compare every row before the first walker stopped.
    stopped = run.status_step[run.status_step >= 0]
    compared = int(stopped.min()) if stopped.size else STEPS + 1
    assert compared > (10 if "maximize=true" in spec else STEPS)
    np.testing.assert_allclose(run.xy[:compared, 0], reference[:compared], rtol=1e-7, atol=1e-12)


def torch_walkers(surface, cls_name, kwargs, starts, steps):
    """Each walker run by its own torch optimizer through ``step(closure)``: the path and
    how many times each walker's closure was called."""
    paths, calls = [], []
    for start in starts:
        params = torch.tensor(np.asarray(start, dtype=float), dtype=torch.float64)
        params.requires_grad_(True)
        optimizer = getattr(torch.optim, cls_name)([params], **kwargs)
        count = [0]

        def closure(params=params, count=count):
            count[0] += 1
            x, y = params.detach().numpy()
            f, gx, gy = surface.value_and_grad(np.array([x]), np.array([y]))
            params.grad = torch.tensor([gx[0], gy[0]], dtype=torch.float64)
            return float(f[0])

        path = [params.detach().numpy().copy()]
        for _ in range(steps):
            optimizer.step(closure)
            path.append(params.detach().numpy().copy())
        paths.append(path)
        calls.append(count[0])
    return np.stack(paths, axis=1), np.array(calls)


@pytest.mark.parametrize("surface_name", sorted(STARTS))
@pytest.mark.parametrize(
    ("spec", "cls_name", "kwargs"), PER_WALKER_CASES, ids=[c[0] for c in PER_WALKER_CASES]
)
def test_per_walker_optimizers_match_torch(surface_name, spec, cls_name, kwargs):
    surface = get_surface(surface_name)
    starts = STARTS[surface_name]
    run = simulate(surface, [spec], starts=starts, steps=STEPS, gtol=0.0, xtol=0.0)
    reference, calls = torch_walkers(surface, cls_name, kwargs, starts, STEPS)
    stopped = run.status_step[run.status_step >= 0]
    compared = int(stopped.min()) if stopped.size else STEPS + 1
    assert compared > (10 if "maximize=true" in spec else STEPS)
    np.testing.assert_allclose(run.xy[:compared, 0], reference[:compared], rtol=1e-7, atol=1e-12)
    if cls_name == "LBFGS":
        # Every closure call is a slope measurement; the engine also measures the last point.
        np.testing.assert_array_equal(run.grad_evals[0], calls + 1)


def test_defaults_and_argument_names_are_torchs():
    import inspect

    from fogwalk.core.optimizers import get_definition

    for name, cls_name in [
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
    ]:
        signature = inspect.signature(getattr(torch.optim, cls_name).__init__).parameters
        for hp in get_definition(name).params:
            assert hp.name in signature, f"{name}.{hp.name} is not a torch argument"
            default = signature[hp.name].default
            assert hp.default == (tuple(default) if isinstance(default, tuple) else default), (
                f"{name}.{hp.name} default {hp.default} != torch's {default}"
            )


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
    surface = get_surface("rosenbrock")
    starts = STARTS["rosenbrock"]
    max_norm = float(spec.rsplit("=", 1)[1])
    run = simulate(
        surface, [spec], starts=starts, steps=STEPS, gtol=0.0, xtol=0.0, compiled=compiled
    )
    for w, start in enumerate(starts):
        params = torch.tensor(np.asarray(start, dtype=float), dtype=torch.float64)
        params.requires_grad_(True)
        optimizer = getattr(torch.optim, cls_name)([params], **kwargs)
        path = [params.detach().numpy().copy()]
        for _ in range(STEPS):
            x, y = params.detach().numpy()
            gx, gy = surface.grad(np.array([x]), np.array([y]))
            params.grad = torch.tensor([gx[0], gy[0]], dtype=torch.float64)
            torch.nn.utils.clip_grad_norm_([params], max_norm)
            optimizer.step()
            path.append(params.detach().numpy().copy())
        np.testing.assert_allclose(run.xy[:, 0, w], np.array(path), rtol=1e-7, atol=1e-12)
    # Rosenbrock's slope at the starts is far above the norm: the clip must have acted.
    unclipped = simulate(surface, [spec.rsplit(",", 1)[0]], starts=starts, steps=5, compiled=False)
    assert not np.allclose(unclipped.xy[5, 0], run.xy[5, 0])
