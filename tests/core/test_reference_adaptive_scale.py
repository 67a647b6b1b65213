"""LAMB, Prodigy and Sophia match pytorch-optimizer step for step (float64, 150 steps).

The reference runs one optimizer per walker, on its own 2-vector: its norms, dot
products and distance estimate are per parameter tensor, FogWalk's per walker.
Sophia's reference, ``SophiaH``, is fed the surface's exact Hessian diagonal
through ``step(hessian=...)`` on the steps it updates it, in place of its
Hutchinson estimate.
"""

import inspect
import math

import numpy as np
import pytest

from fogwalk.core import get_surface, simulate

pytorch_optimizer = pytest.importorskip("pytorch_optimizer", reason="the reference implementations")
torch = pytest.importorskip("torch", reason="the reference runs on torch")
pytestmark = pytest.mark.torch

STEPS = 150
STARTS = {
    "rosenbrock": [(-1.2, 1.0), (0.3, 0.4)],
    "himmelblau": [(0.0, 0.0), (-1.0, 1.0)],
    "beale": [(1.0, 1.5), (2.0, 0.0)],
}
# (FogWalk spec, reference class, keyword arguments): every option of every optimizer.
CASES = [
    ("lamb", "Lamb", {}),
    (
        "lamb:lr=0.003,betas=0.8/0.99,weight_decay=0.1,eps=1e-8",
        "Lamb",
        {"lr": 0.003, "betas": (0.8, 0.99), "weight_decay": 0.1, "eps": 1e-8},
    ),
    (
        "lamb:lr=0.005,weight_decay=0.1,weight_decouple=false",
        "Lamb",
        {"lr": 0.005, "weight_decay": 0.1, "weight_decouple": False},
    ),
    (
        "lamb:lr=0.01,weight_decay=0.05,fixed_decay=true",
        "Lamb",
        {"lr": 0.01, "weight_decay": 0.05, "fixed_decay": True},
    ),
    (
        "lamb:lr=0.01,grad_averaging=false,adam=true",
        "Lamb",
        {"lr": 0.01, "grad_averaging": False, "adam": True},
    ),
    (
        "lamb:lr=0.005,pre_norm=true,max_grad_norm=0.5",
        "Lamb",
        {"lr": 0.005, "pre_norm": True, "max_grad_norm": 0.5},
    ),
    (
        "lamb:lr=0.003,pre_norm=true,max_grad_norm=0",
        "Lamb",
        {"lr": 0.003, "pre_norm": True, "max_grad_norm": 0.0},
    ),
    (
        "lamb:lr=0.01,rectify=true,n_sma_threshold=6",
        "Lamb",
        {"lr": 0.01, "rectify": True, "n_sma_threshold": 6},
    ),
    (
        "lamb:lr=0.001,rectify=true,degenerated_to_sgd=true,adam=true,betas=0.8/0.99",
        "Lamb",
        {
            "lr": 0.001,
            "rectify": True,
            "degenerated_to_sgd": True,
            "adam": True,
            "betas": (0.8, 0.99),
        },
    ),
    (
        "lamb:lr=0.01,rectify=true,degenerated_to_sgd=true,pre_norm=true,weight_decay=0.1",
        "Lamb",
        {
            "lr": 0.01,
            "rectify": True,
            "degenerated_to_sgd": True,
            "pre_norm": True,
            "weight_decay": 0.1,
        },
    ),
    (
        "lamb:lr=0.01,rectify=true,weight_decay=0.1,weight_decouple=false,grad_averaging=false",
        "Lamb",
        {
            "lr": 0.01,
            "rectify": True,
            "weight_decay": 0.1,
            "weight_decouple": False,
            "grad_averaging": False,
        },
    ),
    ("lamb:lr=0.01,maximize=true", "Lamb", {"lr": 0.01, "maximize": True}),
    (
        "lamb:lr=0.01,rectify=true,degenerated_to_sgd=true,maximize=true",
        "Lamb",
        {"lr": 0.01, "rectify": True, "degenerated_to_sgd": True, "maximize": True},
    ),
    ("prodigy", "Prodigy", {}),
    (
        "prodigy:lr=0.5,betas=0.8/0.99,beta3=0.9,d0=1e-4,d_coef=0.5,growth_rate=1.05",
        "Prodigy",
        {
            "lr": 0.5,
            "betas": (0.8, 0.99),
            "beta3": 0.9,
            "d0": 1e-4,
            "d_coef": 0.5,
            "growth_rate": 1.05,
        },
    ),
    ("prodigy:weight_decay=0.1", "Prodigy", {"weight_decay": 0.1}),
    (
        "prodigy:weight_decay=0.05,fixed_decay=true",
        "Prodigy",
        {"weight_decay": 0.05, "fixed_decay": True},
    ),
    (
        "prodigy:weight_decay=0.1,weight_decouple=false",
        "Prodigy",
        {"weight_decay": 0.1, "weight_decouple": False},
    ),
    (
        "prodigy:bias_correction=true,safeguard_warmup=true",
        "Prodigy",
        {"bias_correction": True, "safeguard_warmup": True},
    ),
    ("prodigy:eps=none,d0=1e-3", "Prodigy", {"eps": None, "d0": 1e-3}),
    ("prodigy:lr=0.1,maximize=true", "Prodigy", {"lr": 0.1, "maximize": True}),
    ("sophia", "SophiaH", {}),
    (
        "sophia:lr=0.1,betas=0.9/0.95,p=0.05,update_period=3,eps=1e-8",
        "SophiaH",
        {"lr": 0.1, "betas": (0.9, 0.95), "p": 0.05, "update_period": 3, "eps": 1e-8},
    ),
    ("sophia:weight_decay=0.1", "SophiaH", {"weight_decay": 0.1}),
    (
        "sophia:weight_decay=0.1,weight_decouple=false,update_period=1",
        "SophiaH",
        {"weight_decay": 0.1, "weight_decouple": False, "update_period": 1},
    ),
    (
        "sophia:weight_decay=0.5,fixed_decay=true,lr=0.03",
        "SophiaH",
        {"weight_decay": 0.5, "fixed_decay": True, "lr": 0.03},
    ),
    ("sophia:lr=0.03,maximize=true", "SophiaH", {"lr": 0.03, "maximize": True}),
]


def reference_walkers(surface, cls_name, kwargs, starts, steps):
    """Each walker run by its own reference optimizer: the path, and how many Hessians
    each was fed."""
    cls = getattr(pytorch_optimizer, cls_name)
    period = kwargs.get("update_period", 10)
    paths, hessians = [], []
    for start in starts:
        params = torch.tensor(np.asarray(start, dtype=float), dtype=torch.float64)
        params.requires_grad_(True)
        optimizer = cls([params], **kwargs)
        path, fed = [params.detach().numpy().copy()], 0
        for k in range(steps):
            x, y = params.detach().numpy()
            gx, gy = surface.grad(np.array([x]), np.array([y]))
            params.grad = torch.tensor([gx[0], gy[0]], dtype=torch.float64)
            if cls_name == "SophiaH" and k % period == 0:
                hxx, _, hyy = surface.hessian(np.array([x]), np.array([y]))
                optimizer.step(hessian=[torch.tensor([hxx[0], hyy[0]], dtype=torch.float64)])
                fed += 1
            else:
                optimizer.step()
            path.append(params.detach().numpy().copy())
        paths.append(path)
        hessians.append(fed)
    return np.stack(paths, axis=1), np.array(hessians)


@pytest.mark.parametrize("surface_name", sorted(STARTS))
@pytest.mark.parametrize(("spec", "cls_name", "kwargs"), CASES, ids=[c[0] for c in CASES])
def test_matches_pytorch_optimizer_step_for_step(surface_name, spec, cls_name, kwargs):
    surface = get_surface(surface_name)
    starts = STARTS[surface_name]
    run = simulate(surface, [spec], starts=starts, steps=STEPS, gtol=0.0, xtol=0.0, compiled=False)
    reference, hessians = reference_walkers(surface, cls_name, kwargs, starts, STEPS)
    # Ascent runs off the map, where the engine freezes a walker and the reference goes on:
    # compare every row before the first walker stopped.
    stopped = run.status_step[run.status_step >= 0]
    compared = int(stopped.min()) if stopped.size else STEPS + 1
    assert compared > (10 if "maximize=true" in spec else STEPS)
    np.testing.assert_allclose(run.xy[:compared, 0], reference[:compared], rtol=1e-7, atol=1e-12)
    if cls_name == "SophiaH" and compared > STEPS:
        # One slope per point (the last one too) and one Hessian per update of its average.
        np.testing.assert_array_equal(run.grad_evals[0], STEPS + 1 + hessians)


def test_sophia_measures_the_hessian_only_when_it_updates_it():
    surface = get_surface("himmelblau")
    starts = STARTS["himmelblau"]
    run = simulate(surface, ["sophia:update_period=7"], starts=starts, steps=20, compiled=False)
    # Hessians at steps 0, 7 and 14 (gtol/xtol defaults never stop Sophia this early here).
    assert (run.status_step < 0).all()
    np.testing.assert_array_equal(run.grad_evals[0], 21 + 3)


def test_defaults_and_argument_names_are_the_references():
    from fogwalk.core.optimizers import get_definition

    for name, cls_name in [("lamb", "Lamb"), ("prodigy", "Prodigy"), ("sophia", "SophiaH")]:
        signature = inspect.signature(getattr(pytorch_optimizer, cls_name).__init__).parameters
        for hp in get_definition(name).params:
            assert hp.name in signature, f"{name}.{hp.name} is not an argument of {cls_name}"
            default = signature[hp.name].default
            if isinstance(default, tuple):
                default = tuple(default)
            if isinstance(default, float) and math.isinf(default):
                # A spec holds finite numbers: none stands for the reference's infinity.
                assert hp.default is None and hp.optional, f"{name}.{hp.name}"
                continue
            assert hp.default == default, f"{name}.{hp.name} default {hp.default} != {default}"
