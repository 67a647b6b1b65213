"""The optimizer registry: every algorithm declares its hyper-parameters once here."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from ..errors import FogwalkError
from .hyper import HyperParam
from .schedule import SCHEDULE_PARAMS


class Algorithm(NamedTuple):
    """A pure ``(init, update)`` pair over arrays shaped ``(walkers, 2)``.

    ``init(params) -> state`` and
    ``update(grad, state, params, lr, step, probe) -> (new_params, new_state)``,
    where ``step`` counts the updates already made (0 for the first), ``lr``
    is the scheduled learning rate and ``probe`` measures the surface for
    algorithms that need more than the gradient. Neither mutates its inputs.
    """

    init: Callable[[np.ndarray], Any]
    update: Callable[..., tuple[np.ndarray, Any]]
    # The element-wise rule behind ``update`` (an ``ElementwiseRule``), for the compiled
    # engine; None for an algorithm that is more than a rule per coordinate (Newton, ...).
    rule: Any = None


COMMON_PARAMS = (
    HyperParam(
        "grad_noise",
        0.0,
        low=0.0,
        ui_range=(0.0, 10.0),
        help="std of Gaussian noise added to every gradient (a minibatch stand-in)",
    ),
    HyperParam(
        "seed",
        0,
        kind="int",
        low=0,
        help="seed of the random draws: the gradient noise, SPSA's directions, CMA-ES's samples",
    ),
    HyperParam(
        "clip_grad_norm",
        0.0,
        low=0.0,
        ui_range=(0.0, 10.0),
        help="clip each walker's gradient to this norm, as torch.nn.utils.clip_grad_norm_ "
        "(the peers' pictures clip at 1.0); 0 for no clipping",
    ),
    *SCHEDULE_PARAMS,
)


@dataclass(frozen=True)
class OptimizerDef:
    """A registered optimizer: its name, documentation, parameters and factory."""

    name: str
    factory: Callable[[Mapping[str, Any]], Algorithm]
    params: tuple[HyperParam, ...]
    summary: str
    source: str
    check: Callable[[Mapping[str, Any]], None] | None = None
    alias_of: str | None = None
    uses_hessian: bool = False
    momentum: Callable[[Mapping[str, Any]], bool] = lambda hyper: False
    # Feels only the height: it pays for every evaluation through the probe and nothing
    # for arriving at a point (the engine still records the slope there, unpaid).
    zeroth_order: bool = False
    all_params: tuple[HyperParam, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "all_params", self.params + COMMON_PARAMS)

    def param(self, name: str) -> HyperParam:
        for hp in self.all_params:
            if hp.name == name:
                return hp
        valid = ", ".join(hp.name for hp in self.all_params)
        raise FogwalkError(f"{self.name} has no hyper-parameter {name!r}; valid: {valid}")

    def defaults(self) -> dict[str, Any]:
        return {hp.name: hp.default for hp in self.all_params}


_REGISTRY: dict[str, OptimizerDef] = {}
plugins_loaded = False  # whether the installed plug-ins' entry points were loaded


def register(
    name: str,
    params: tuple[HyperParam, ...],
    summary: str,
    source: str,
    check: Callable[[Mapping[str, Any]], None] | None = None,
    uses_hessian: bool = False,
    momentum: Callable[[Mapping[str, Any]], bool] = lambda hyper: False,
    zeroth_order: bool = False,
) -> Callable:
    """Decorator: register ``factory(hyper) -> Algorithm`` under ``name``.

    ``momentum(hyper)`` says whether the configured optimizer carries a
    velocity (a momentum buffer or a first-moment average), which the app
    draws as an arrow. A ``zeroth_order`` optimizer measures only losses,
    through its probe: it is handed no gradient worth using and pays nothing
    for arriving at a point.
    """

    def decorate(factory: Callable[[Mapping[str, Any]], Algorithm]) -> Callable:
        _add(
            OptimizerDef(
                name,
                factory,
                params,
                summary,
                source,
                check,
                None,
                uses_hessian,
                momentum,
                zeroth_order,
            )
        )
        return factory

    return decorate


def register_alias(name: str, target: str, summary: str, **defaults: Any) -> None:
    """Register ``name`` as ``target`` with other defaults (``momentum`` is SGD, momentum=0.9)."""
    base = _REGISTRY[target]
    params = tuple(
        HyperParam(**{**_fields(hp), "default": defaults[hp.name]}) if hp.name in defaults else hp
        for hp in base.params
    )
    _add(
        OptimizerDef(
            name,
            base.factory,
            params,
            summary,
            base.source,
            base.check,
            target,
            base.uses_hessian,
            base.momentum,
            base.zeroth_order,
        )
    )


def _fields(hp: HyperParam) -> dict[str, Any]:
    return {f: getattr(hp, f) for f in hp.__slots__}


def _add(definition: OptimizerDef) -> None:
    if definition.name in _REGISTRY:
        raise ValueError(f"optimizer {definition.name!r} is already registered")
    _REGISTRY[definition.name] = definition


def registered_names() -> list[str]:
    """The names registered so far, without loading plug-ins."""
    return list(_REGISTRY)


def _load_plugins() -> None:
    """Load the installed plug-ins, the first time an optimizer is looked up."""
    if plugins_loaded:
        return
    import warnings

    from .plugins import load_entry_points

    for failure in load_entry_points():
        warnings.warn(failure, stacklevel=3)


def optimizer_names() -> list[str]:
    """Every registered optimizer name, in registration order (plug-ins' last)."""
    _load_plugins()
    return list(_REGISTRY)


def get_definition(name: str) -> OptimizerDef:
    """The registered optimizer ``name``; an unknown name lists the valid ones."""
    _load_plugins()
    try:
        return _REGISTRY[name.strip().lower()]
    except KeyError:
        raise FogwalkError(
            f"unknown optimizer {name!r}; valid: {', '.join(optimizer_names())}"
        ) from None
