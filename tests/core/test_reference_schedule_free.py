"""Schedule-free SGD and AdamW match the schedulefree package step for step (float64, 150 steps),
in the NumPy engine and in the compiled one."""

import numpy as np
import pytest

from fogwalk.core import get_surface, simulate

torch = pytest.importorskip("torch", reason="the reference runs on torch")
schedulefree = pytest.importorskip("schedulefree", reason="the reference implementation")
pytestmark = pytest.mark.torch

STEPS = 150
STARTS = {
    "rosenbrock": [(-1.2, 1.0), (0.3, 0.4)],
    "himmelblau": [(0.0, 0.0), (-1.0, 1.0)],
    "beale": [(1.0, 1.5), (2.0, 0.0)],
}
CASES = [
    ("sgd_schedulefree:lr=0.0005", "SGDScheduleFree", {"lr": 0.0005}),
    (
        "sgd_schedulefree:lr=0.001,momentum=0.8,weight_decay=0.1,warmup_steps=20,r=1,"
        "weight_lr_power=1",
        "SGDScheduleFree",
        {
            "lr": 0.001,
            "momentum": 0.8,
            "weight_decay": 0.1,
            "warmup_steps": 20,
            "r": 1.0,
            "weight_lr_power": 1.0,
        },
    ),
    ("adamw_schedulefree", "AdamWScheduleFree", {}),
    (
        "adamw_schedulefree:lr=0.01,betas=0.8/0.99,eps=1e-6,weight_decay=0.1,warmup_steps=10,"
        "r=0.5,weight_lr_power=3",
        "AdamWScheduleFree",
        {
            "lr": 0.01,
            "betas": (0.8, 0.99),
            "eps": 1e-6,
            "weight_decay": 0.1,
            "warmup_steps": 10,
            "r": 0.5,
            "weight_lr_power": 3.0,
        },
    ),
]


def reference_path(surface, cls_name, kwargs, starts):
    params = torch.tensor(np.asarray(starts, dtype=float), dtype=torch.float64)
    params.requires_grad_(True)
    optimizer = getattr(schedulefree, cls_name)([params], **kwargs)
    optimizer.train()
    path = [params.detach().numpy().copy()]
    for _ in range(STEPS):
        point = params.detach().numpy()
        gx, gy = surface.grad(point[:, 0], point[:, 1])
        params.grad = torch.from_numpy(np.stack([gx, gy], axis=-1))
        optimizer.step()
        path.append(params.detach().numpy().copy())
    return np.array(path)


@pytest.mark.parametrize("compiled", [False, True], ids=["numpy", "compiled"])
@pytest.mark.parametrize("surface_name", sorted(STARTS))
@pytest.mark.parametrize(("spec", "cls_name", "kwargs"), CASES, ids=[c[0] for c in CASES])
def test_matches_schedulefree_step_for_step(surface_name, spec, cls_name, kwargs, compiled):
    surface = get_surface(surface_name)
    starts = STARTS[surface_name]
    run = simulate(
        surface, [spec], starts=starts, steps=STEPS, gtol=0.0, xtol=0.0, compiled=compiled
    )
    assert (run.status_step < 0).all(), "every walker must stay on the map for the comparison"
    reference = reference_path(surface, cls_name, kwargs, starts)
    np.testing.assert_allclose(run.xy[:, 0], reference, rtol=1e-7, atol=1e-12)


def test_defaults_and_argument_names_are_the_packages():
    import inspect

    from fogwalk.core.optimizers import get_definition

    for name, cls_name in [
        ("sgd_schedulefree", "SGDScheduleFree"),
        ("adamw_schedulefree", "AdamWScheduleFree"),
    ]:
        signature = inspect.signature(getattr(schedulefree, cls_name).__init__).parameters
        for hp in get_definition(name).params:
            assert hp.name in signature, f"{name}.{hp.name} is not an argument of {cls_name}"
            default = signature[hp.name].default
            assert hp.default == (tuple(default) if isinstance(default, tuple) else default)
