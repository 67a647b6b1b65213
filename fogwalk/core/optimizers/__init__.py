"""Optimizers: pure (init, update) pairs declared in one registry, built from text specs."""

# isort: off
# Registration order is the listing order: torch's optimizers first, then those checked
# against other reference packages, then ours.
from . import torch_classic, torch_adam, torch_more, lbfgs  # noqa: F401
from . import adam_relatives, adaptive_scale, schedule_free, lookahead  # noqa: F401
from . import beyond, games  # noqa: F401
from . import zeroth_order  # noqa: F401

# isort: on
from .hyper import HyperParam
from .optimizer import Optimizer, make_optimizer, parse_spec
from .registry import (
    COMMON_PARAMS,
    Algorithm,
    OptimizerDef,
    get_definition,
    optimizer_names,
    register,
)

__all__ = [
    "COMMON_PARAMS",
    "Algorithm",
    "HyperParam",
    "Optimizer",
    "OptimizerDef",
    "get_definition",
    "make_optimizer",
    "optimizer_names",
    "parse_spec",
    "register",
]
