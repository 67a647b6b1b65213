"""Schedule-free SGD and AdamW match the schedulefree package step for step (float64, 150 steps),
in the NumPy engine and in the compiled one."""

import pytest

torch = pytest.importorskip("torch", reason="the reference runs on torch")
schedulefree = pytest.importorskip("schedulefree", reason="the reference implementation")
pytestmark = pytest.mark.torch

from references import STARTS, assert_named_and_defaulted_as, run_and_compare, walk  # noqa: E402

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


def train_mode(cls_name, kwargs):
    """The package's optimizer, switched to train mode as its README asks before stepping."""

    def make(params):
        optimizer = getattr(schedulefree, cls_name)(params, **kwargs)
        optimizer.train()
        return optimizer

    return make


@pytest.mark.parametrize("compiled", [False, True], ids=["numpy", "compiled"])
@pytest.mark.parametrize("surface_name", sorted(STARTS))
@pytest.mark.parametrize(("spec", "cls_name", "kwargs"), CASES, ids=[c[0] for c in CASES])
def test_matches_schedulefree_step_for_step(surface_name, spec, cls_name, kwargs, compiled):
    make = train_mode(cls_name, kwargs)
    run = run_and_compare(
        surface_name, spec, lambda surface, starts: walk(make, surface, starts), compiled
    )
    assert (run.status_step < 0).all(), "every walker stays on the map for the comparison"


@pytest.mark.parametrize(
    ("name", "cls_name"),
    [("sgd_schedulefree", "SGDScheduleFree"), ("adamw_schedulefree", "AdamWScheduleFree")],
)
def test_defaults_and_argument_names_are_the_packages(name, cls_name):
    assert_named_and_defaulted_as(name, getattr(schedulefree, cls_name))
