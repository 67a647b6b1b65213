"""AdaBelief, Adan, ADOPT, AdEMAMix and cautious AdamW match pytorch-optimizer 4.1.0 step for
step (float64, 150 steps), every option, in the NumPy engine and (the element-wise ones) in
the compiled one."""

import inspect
import math

import numpy as np
import pytest

from fogwalk.core import FogwalkError, get_surface, simulate
from fogwalk.core.optimizers import get_definition, make_optimizer

pytorch_optimizer = pytest.importorskip(
    "pytorch_optimizer", reason="the reference implementations of these optimizers"
)
torch = pytest.importorskip("torch", reason="pytorch-optimizer runs on torch")
pytestmark = pytest.mark.torch

from references import STARTS, run_and_compare, walkers  # noqa: E402 (needs torch)

# (FogWalk spec, pytorch-optimizer class, its keyword arguments): every option of each.
ELEMENTWISE_CASES = [
    ("adabelief", "AdaBelief", {}),
    (
        "adabelief:lr=0.01,betas=0.8/0.99,eps=1e-12,weight_decay=0.1",
        "AdaBelief",
        {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-12, "weight_decay": 0.1},
    ),
    (
        "adabelief:lr=0.01,weight_decay=0.1,weight_decouple=false",
        "AdaBelief",
        {"lr": 0.01, "weight_decay": 0.1, "weight_decouple": False},
    ),
    (
        "adabelief:lr=0.01,weight_decay=0.1,fixed_decay=true",
        "AdaBelief",
        {"lr": 0.01, "weight_decay": 0.1, "fixed_decay": True},
    ),
    ("adabelief:lr=0.01,ams_bound=true", "AdaBelief", {"lr": 0.01, "ams_bound": True}),
    ("adabelief:lr=0.002,rectify=true", "AdaBelief", {"lr": 0.002, "rectify": True}),
    (
        "adabelief:lr=0.01,betas=0.9/0.99,rectify=true,n_sma_threshold=8,"
        "degenerated_to_sgd=false,ams_bound=true",
        "AdaBelief",
        {
            "lr": 0.01,
            "betas": (0.9, 0.99),
            "rectify": True,
            "n_sma_threshold": 8,
            "degenerated_to_sgd": False,
            "ams_bound": True,
        },
    ),
    ("adabelief:lr=0.01,maximize=true", "AdaBelief", {"lr": 0.01, "maximize": True}),
    ("adan", "Adan", {}),
    (
        "adan:lr=0.005,betas=0.9/0.9,beta3=0.999,eps=1e-6,weight_decay=0.1",
        "Adan",
        {"lr": 0.005, "betas": (0.9, 0.9, 0.999), "eps": 1e-6, "weight_decay": 0.1},
    ),
    (
        "adan:lr=0.005,weight_decay=0.1,weight_decouple=true",
        "Adan",
        {"lr": 0.005, "weight_decay": 0.1, "weight_decouple": True},
    ),
    ("adan:lr=0.005,maximize=true", "Adan", {"lr": 0.005, "maximize": True}),
    ("adopt", "ADOPT", {}),
    (
        "adopt:lr=0.01,betas=0.8/0.99,eps=1e-4,weight_decay=0.1",
        "ADOPT",
        {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-4, "weight_decay": 0.1},
    ),
    (
        "adopt:lr=0.01,weight_decay=0.1,weight_decouple=true",
        "ADOPT",
        {"lr": 0.01, "weight_decay": 0.1, "weight_decouple": True},
    ),
    (
        "adopt:lr=0.01,weight_decay=0.1,weight_decouple=true,fixed_decay=true",
        "ADOPT",
        {"lr": 0.01, "weight_decay": 0.1, "weight_decouple": True, "fixed_decay": True},
    ),
    ("adopt:lr=0.01,clip_lambda=none", "ADOPT", {"lr": 0.01, "clip_lambda": None}),
    ("adopt:lr=0.01,maximize=true", "ADOPT", {"lr": 0.01, "maximize": True}),
    ("ademamix", "AdEMAMix", {}),
    (
        "ademamix:lr=0.005,betas=0.8/0.99,beta3=0.999,alpha=2,eps=1e-6,weight_decay=0.1",
        "AdEMAMix",
        {
            "lr": 0.005,
            "betas": (0.8, 0.99, 0.999),
            "alpha": 2.0,
            "eps": 1e-6,
            "weight_decay": 0.1,
        },
    ),
    (
        "ademamix:lr=0.005,weight_decay=0.1,weight_decouple=true",
        "AdEMAMix",
        {"lr": 0.005, "weight_decay": 0.1, "weight_decouple": True},
    ),
    (
        "ademamix:lr=0.005,weight_decay=0.1,weight_decouple=true,fixed_decay=true",
        "AdEMAMix",
        {"lr": 0.005, "weight_decay": 0.1, "weight_decouple": True, "fixed_decay": True},
    ),
    (
        "ademamix:lr=0.005,beta3=0.999,t_alpha_beta3=100",
        "AdEMAMix",
        {"lr": 0.005, "betas": (0.9, 0.999, 0.999), "t_alpha_beta3": 100},
    ),
    ("ademamix:lr=0.005,maximize=true", "AdEMAMix", {"lr": 0.005, "maximize": True}),
]
# Optimizers (or options) that read the whole point: the NumPy engine only.
NUMPY_CASES = [
    ("adan:lr=0.005,max_grad_norm=1", "Adan", {"lr": 0.005, "max_grad_norm": 1.0}),
    (
        "adan:lr=0.005,max_grad_norm=0.5,maximize=true",
        "Adan",
        {"lr": 0.005, "max_grad_norm": 0.5, "maximize": True},
    ),
    ("cadamw", "AdEMAMix", {"weight_decay": 1e-2}),
    (
        "cadamw:lr=0.01,betas=0.8/0.99,eps=1e-6,weight_decay=0.1",
        "AdEMAMix",
        {"lr": 0.01, "betas": (0.8, 0.99, 0.9999), "eps": 1e-6, "weight_decay": 0.1},
    ),
    ("cadamw:lr=0.01,weight_decay=0", "AdEMAMix", {"lr": 0.01, "weight_decay": 0.0}),
    (
        "cadamw:lr=0.01,maximize=true",
        "AdEMAMix",
        {"lr": 0.01, "weight_decay": 1e-2, "maximize": True},
    ),
]
# C-AdamW is AdEMAMix without its slow average, with decoupled decay and the cautious mask.
CAUTIOUS_ADAMW = {"alpha": 0.0, "weight_decouple": True, "cautious": True}


def check_run(surface_name, spec, cls_name, kwargs, compiled):
    """Compare with the reference, one instance per walker on its own (2,) vector."""
    if spec.startswith("cadamw"):
        kwargs = {**kwargs, **CAUTIOUS_ADAMW}

    def make(params):
        return getattr(pytorch_optimizer, cls_name)(params, **kwargs)

    def reference(surface, starts):
        return walkers(make, surface, starts)

    run_and_compare(surface_name, spec, reference, compiled)


@pytest.mark.parametrize("compiled", [False, True], ids=["numpy", "compiled"])
@pytest.mark.parametrize("surface_name", sorted(STARTS))
@pytest.mark.parametrize(
    ("spec", "cls_name", "kwargs"), ELEMENTWISE_CASES, ids=[c[0] for c in ELEMENTWISE_CASES]
)
def test_elementwise_rules_match_the_reference(surface_name, spec, cls_name, kwargs, compiled):
    check_run(surface_name, spec, cls_name, kwargs, compiled)


@pytest.mark.parametrize("surface_name", sorted(STARTS))
@pytest.mark.parametrize(
    ("spec", "cls_name", "kwargs"), NUMPY_CASES, ids=[c[0] for c in NUMPY_CASES]
)
def test_whole_point_optimizers_match_the_reference(surface_name, spec, cls_name, kwargs):
    check_run(surface_name, spec, cls_name, kwargs, False)


@pytest.mark.parametrize("spec", [c[0] for c in NUMPY_CASES])
def test_the_compiled_engine_refuses_whole_point_optimizers(spec):
    assert make_optimizer(spec).algorithm.rule is None
    with pytest.raises(FogwalkError, match="compiled"):
        simulate(get_surface("rosenbrock"), [spec], starts=[(0.0, 0.0)], steps=2, compiled=True)


def test_adan_clips_as_the_reference_in_float32():
    """Adan's clip factor (its float32 global norm) for gradients of every size."""
    from fogwalk.core.optimizers.adam_relatives import adan_clip

    rng = np.random.default_rng(0)
    grads = rng.normal(size=(400, 2)) * 10.0 ** rng.uniform(-4, 4, size=(400, 1))
    for max_grad_norm in (0.5, 1.0, 3.7):
        expected = []
        for g in grads:
            params = torch.zeros(2, dtype=torch.float64, requires_grad=True)
            optimizer = pytorch_optimizer.Adan([params], max_grad_norm=max_grad_norm)
            params.grad = torch.tensor(g, dtype=torch.float64)
            factor = optimizer.get_global_gradient_norm()
            expected.append((params.grad * factor.reshape(())).numpy())
        np.testing.assert_array_equal(adan_clip(grads, max_grad_norm, 1e-8), np.array(expected))


@pytest.mark.parametrize(
    ("name", "cls_name"),
    [("adabelief", "AdaBelief"), ("adan", "Adan"), ("adopt", "ADOPT"), ("ademamix", "AdEMAMix")],
)
def test_defaults_and_argument_names_are_the_references(name, cls_name):
    signature = inspect.signature(getattr(pytorch_optimizer, cls_name).__init__).parameters
    definition = get_definition(name)
    for hp in definition.params:
        if hp.name == "beta3":  # the third of the reference's betas
            assert signature["betas"].default == (*definition.param("betas").default, hp.default)
            continue
        assert hp.name in signature, f"{name}.{hp.name} is not a reference argument"
        default = signature[hp.name].default
        if hp.name == "clip_lambda":  # a function of the step there, named here
            assert hp.default == "step**0.25"
            assert [default(t) for t in (1, 16, 81)] == [1.0, 2.0, 3.0]
            continue
        if hp.name == "betas" and len(default) == 3:
            default = default[:2]
        assert hp.default == (tuple(default) if isinstance(default, tuple) else default), (
            f"{name}.{hp.name} default {hp.default} != the reference's {default}"
        )


def test_cadamw_takes_adamws_arguments():
    signature = inspect.signature(torch.optim.AdamW.__init__).parameters
    for hp in get_definition("cadamw").params:
        default = signature[hp.name].default
        assert hp.default == (tuple(default) if isinstance(default, tuple) else default)


def test_ademamix_warm_up_needs_positive_betas():
    with pytest.raises(FogwalkError, match="t_alpha_beta3"):
        make_optimizer("ademamix:betas=0/0.999,t_alpha_beta3=10")
    make_optimizer("ademamix:betas=0/0.999")  # no warm-up, no logarithm


def test_adopt_clip_bound_is_the_fourth_root_of_the_step():
    from fogwalk.core.optimizers.adam_relatives import ADOPT

    h = get_definition("adopt").defaults()
    clips = [ADOPT.scalars(h, 0.1, step, None)[0].clip for step in range(4)]
    assert clips == [math.inf, math.pow(2, 0.25), math.pow(3, 0.25), math.pow(4, 0.25)]
