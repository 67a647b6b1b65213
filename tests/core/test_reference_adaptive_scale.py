"""LAMB, Prodigy and Sophia match pytorch-optimizer step for step (float64, 150 steps).

The reference runs one optimizer per walker, on its own 2-vector: its norms, dot
products and distance estimate are per parameter tensor, FogWalk's per walker.
Sophia's reference, ``SophiaH``, is fed the surface's exact Hessian diagonal
through ``step(hessian=...)`` on the steps it updates it, in place of its
Hutchinson estimate.
"""

import numpy as np
import pytest

from fogwalk.core import get_surface, simulate

pytorch_optimizer = pytest.importorskip("pytorch_optimizer", reason="the reference implementations")
torch = pytest.importorskip("torch", reason="the reference runs on torch")
pytestmark = pytest.mark.torch

from references import (  # noqa: E402 (needs torch)
    STARTS,
    STEPS,
    assert_named_and_defaulted_as,
    run_and_compare,
    walk,
    walkers,
)

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


def sophia_step(period, fed):
    """SophiaH's step, fed the exact Hessian diagonal on the steps it updates it."""

    def step(optimizer, params, surface, k):
        if k % period:
            optimizer.step()
            return
        x, y = params.detach().numpy()
        hxx, _, hyy = surface.hessian(np.array([x]), np.array([y]))
        optimizer.step(hessian=[torch.tensor([hxx[0], hyy[0]], dtype=torch.float64)])
        fed.append(1)

    return step


@pytest.mark.parametrize("surface_name", sorted(STARTS))
@pytest.mark.parametrize(("spec", "cls_name", "kwargs"), CASES, ids=[c[0] for c in CASES])
def test_matches_pytorch_optimizer_step_for_step(surface_name, spec, cls_name, kwargs):
    # One optimizer per walker, on its own 2-vector.
    def make(params):
        return getattr(pytorch_optimizer, cls_name)(params, **kwargs)

    fed = [[] for _ in STARTS[surface_name]]

    def reference(surface, starts):
        if cls_name != "SophiaH":
            return walkers(make, surface, starts)
        period = kwargs.get("update_period", 10)
        paths = [
            walk(make, surface, start, step=sophia_step(period, hessians))
            for start, hessians in zip(starts, fed, strict=True)
        ]
        return np.stack(paths, axis=1)

    run = run_and_compare(surface_name, spec, reference)
    if cls_name == "SophiaH" and (run.status_step < 0).all():
        # One slope per point (the last one too) and one Hessian per update of its average.
        np.testing.assert_array_equal(run.evaluations()[0], [STEPS + 1 + len(f) for f in fed])


def test_sophia_measures_the_hessian_only_when_it_updates_it():
    surface = get_surface("himmelblau")
    starts = STARTS["himmelblau"]
    run = simulate(surface, ["sophia:update_period=7"], starts=starts, steps=20, compiled=False)
    # Hessians at steps 0, 7 and 14 (gtol/xtol defaults never stop Sophia this early here).
    assert (run.status_step < 0).all()
    np.testing.assert_array_equal(run.evaluations()[0], 21 + 3)


@pytest.mark.parametrize(
    ("name", "cls_name"), [("lamb", "Lamb"), ("prodigy", "Prodigy"), ("sophia", "SophiaH")]
)
def test_defaults_and_argument_names_are_the_references(name, cls_name):
    assert_named_and_defaulted_as(name, getattr(pytorch_optimizer, cls_name))
